//! A reader over the spanned TOML tree that keeps going after a problem, so `config check` can report all
//! of them at once, each at the key or value it concerns.

use std::ops::Range;
use std::str::FromStr;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::Collector;

pub(crate) type Span = Range<usize>;

/// A TOML table being read, with its dotted path for messages.
#[derive(Debug, Clone)]
pub(crate) struct Table<'a, 'i> {
    pub map: &'a DeTable<'i>,
    pub path: String,
    pub span: Span,
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn root(map: &'a Spanned<DeTable<'i>>) -> Self {
        Self {
            map: map.get_ref(),
            path: String::new(),
            span: map.span(),
        }
    }

    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.map
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Whether `key` holds an array with nothing in it.
    pub fn is_empty_array(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.get_ref(), DeValue::Array(a) if a.is_empty()))
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Typed access to tables; every failure becomes a diagnostic and a `None`.
#[derive(Debug)]
pub(crate) struct Reader<'s> {
    pub diags: Collector<'s>,
}

impl<'s> Reader<'s> {
    pub fn new(source: &'s str) -> Self {
        Self {
            diags: Collector::new(source),
        }
    }

    pub fn error(&mut self, span: Span, code: &'static str, message: impl Into<String>) {
        self.diags.report(span, code, message.into());
    }

    /// Reports every key of `table` that is not in `allowed`.
    pub fn known_keys(&mut self, table: &Table<'_, '_>, allowed: &[&str]) {
        for (key, _) in table.map.iter() {
            let name = key.get_ref().as_ref();
            if !allowed.contains(&name) {
                let where_ = if table.path.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in [{}]", table.path)
                };
                self.error(
                    key.span(),
                    "unknown-key",
                    format!(
                        "unknown key `{name}` {where_} (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn mismatch(&mut self, table: &Table<'_, '_>, key: &str, v: &Spanned<DeValue<'_>>, want: &str) {
        self.error(
            v.span(),
            "wrong-type",
            format!(
                "`{}` must be {want}, found {}",
                table.key_path(key),
                type_name(v.get_ref())
            ),
        );
    }

    pub fn string(&mut self, table: &Table<'_, '_>, key: &str) -> Option<(String, Span)> {
        let v = table.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            _ => {
                self.mismatch(table, key, v, "a string");
                None
            }
        }
    }

    pub fn required_string(&mut self, table: &Table<'_, '_>, key: &str) -> Option<(String, Span)> {
        if !table.has(key) {
            self.error(
                table.span.clone(),
                "missing-key",
                format!("`{}` is required", table.key_path(key)),
            );
            return None;
        }
        self.string(table, key)
    }

    /// A string parsed with `FromStr`; the parse error's message is reported at the value.
    pub fn parsed<T: FromStr>(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
        code: &'static str,
    ) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let (s, span) = self.string(table, key)?;
        match s.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(span, code, format!("`{}`: {e}", table.key_path(key)));
                None
            }
        }
    }

    pub fn number(&mut self, table: &Table<'_, '_>, key: &str) -> Option<f64> {
        let v = table.get(key)?;
        let n = match v.get_ref() {
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|i| i as f64),
            _ => {
                self.mismatch(table, key, v, "a number");
                return None;
            }
        };
        if n.is_none_or(|n| !n.is_finite()) {
            self.error(
                v.span(),
                "bad-number",
                format!("`{}` is not a finite number", table.key_path(key)),
            );
            return None;
        }
        n
    }

    pub fn unsigned(&mut self, table: &Table<'_, '_>, key: &str) -> Option<u32> {
        let v = table.get(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => {
                match u32::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                    Ok(n) => Some(n),
                    Err(_) => {
                        self.error(
                            v.span(),
                            "bad-number",
                            format!("`{}` must be a whole number ≥ 0", table.key_path(key)),
                        );
                        None
                    }
                }
            }
            _ => {
                self.mismatch(table, key, v, "a whole number");
                None
            }
        }
    }

    pub fn boolean(&mut self, table: &Table<'_, '_>, key: &str) -> Option<bool> {
        let v = table.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.mismatch(table, key, v, "true or false");
                None
            }
        }
    }

    /// An array of strings, each with its span.
    pub fn strings(&mut self, table: &Table<'_, '_>, key: &str) -> Option<Vec<(String, Span)>> {
        let v = table.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.mismatch(table, key, v, "an array of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => self.error(
                    item.span(),
                    "wrong-type",
                    format!(
                        "`{}` must hold only strings, found {}",
                        table.key_path(key),
                        type_name(other)
                    ),
                ),
            }
        }
        Some(out)
    }

    /// Each string of an array parsed with `FromStr`.
    pub fn parsed_list<T: FromStr>(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
        code: &'static str,
    ) -> Option<Vec<T>>
    where
        T::Err: std::fmt::Display,
    {
        let items = self.strings(table, key)?;
        let mut out = Vec::with_capacity(items.len());
        for (s, span) in items {
            match s.parse() {
                Ok(v) => out.push(v),
                Err(e) => self.error(span, code, format!("`{}`: {e}", table.key_path(key))),
            }
        }
        Some(out)
    }

    /// A string-to-string table such as `env = { A = "1" }`.
    pub fn string_map(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
    ) -> Option<std::collections::BTreeMap<String, String>> {
        let sub = self.table(table, key)?;
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in sub.map.iter() {
            match v.get_ref() {
                DeValue::String(s) => {
                    out.insert(k.get_ref().to_string(), s.to_string());
                }
                other => self.error(
                    v.span(),
                    "wrong-type",
                    format!(
                        "`{}.{}` must be a string, found {}",
                        sub.path,
                        k.get_ref(),
                        type_name(other)
                    ),
                ),
            }
        }
        Some(out)
    }

    pub fn table<'a, 'i>(&mut self, table: &Table<'a, 'i>, key: &str) -> Option<Table<'a, 'i>> {
        let v = table.get(key)?;
        match v.get_ref() {
            DeValue::Table(map) => Some(Table {
                map,
                path: table.key_path(key),
                span: v.span(),
            }),
            _ => {
                self.mismatch(table, key, v, "a table");
                None
            }
        }
    }

    /// `[[key]]` entries; each becomes a table with path `key[i]`.
    pub fn array_of_tables<'a, 'i>(
        &mut self,
        table: &Table<'a, 'i>,
        key: &str,
    ) -> Vec<Table<'a, 'i>> {
        let Some(v) = table.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.mismatch(table, key, v, "an array of tables ([[...]])");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(map) => out.push(Table {
                    map,
                    path: format!("{}[{i}]", table.key_path(key)),
                    span: item.span(),
                }),
                other => self.error(
                    item.span(),
                    "wrong-type",
                    format!(
                        "`{}` entries must be tables, found {}",
                        table.key_path(key),
                        type_name(other)
                    ),
                ),
            }
        }
        out
    }
}
