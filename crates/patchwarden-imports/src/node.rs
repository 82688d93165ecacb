//! A JSON value with the path that led to it, so that a value of the wrong shape is reported where it is.

use serde_json::Value;

use crate::ImportError;

pub fn parse_json(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| ImportError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_owned(),
    })
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            path: "$".to_owned(),
        }
    }

    fn wrong(&self, expected: &str) -> ImportError {
        ImportError::Shape {
            path: self.path.clone(),
            message: format!("expected {expected}, found {}", kind(self.value)),
        }
    }

    /// A member that must be there.
    pub fn get(&self, key: &str) -> Result<Node<'a>, ImportError> {
        self.opt(key).ok_or_else(|| ImportError::Shape {
            path: self.path.clone(),
            message: format!("missing {key:?}"),
        })
    }

    /// A member that may be missing or null.
    pub fn opt(&self, key: &str) -> Option<Node<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(Node {
                value,
                path: format!("{}.{key}", self.path),
            }),
        }
    }

    pub fn str(&self) -> Result<&'a str, ImportError> {
        self.value.as_str().ok_or_else(|| self.wrong("a string"))
    }

    /// A string member that must be there.
    pub fn string(&self, key: &str) -> Result<String, ImportError> {
        Ok(self.get(key)?.str()?.to_owned())
    }

    /// A string member that may be missing, null or empty.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, ImportError> {
        match self.opt(key) {
            None => Ok(None),
            Some(n) => Ok(Some(n.str()?.to_owned()).filter(|s| !s.is_empty())),
        }
    }

    /// A number member, also when written as a string (`"7.5"`).
    pub fn opt_number(&self, key: &str) -> Result<Option<f64>, ImportError> {
        match self.opt(key) {
            None => Ok(None),
            Some(n) => match n.value {
                Value::Number(x) => Ok(x.as_f64()),
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) => s.trim().parse().map(Some).map_err(|_| n.wrong("a number")),
                _ => Err(n.wrong("a number")),
            },
        }
    }

    pub fn items(&self) -> Result<Vec<Node<'a>>, ImportError> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.wrong("an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                path: format!("{}[{i}]", self.path),
            })
            .collect())
    }

    /// The items of an array member that may be missing (none then).
    pub fn list(&self, key: &str) -> Result<Vec<Node<'a>>, ImportError> {
        self.opt(key).map_or(Ok(Vec::new()), |n| n.items())
    }

    /// The strings of an array member that may be missing.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ImportError> {
        self.list(key)?
            .iter()
            .map(|n| n.str().map(str::to_owned))
            .collect()
    }

    pub fn members(&self) -> Result<Vec<(&'a str, Node<'a>)>, ImportError> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.wrong("an object"))?;
        Ok(map
            .iter()
            .map(|(k, value)| {
                (
                    k.as_str(),
                    Node {
                        value,
                        path: format!("{}.{k}", self.path),
                    },
                )
            })
            .collect())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
