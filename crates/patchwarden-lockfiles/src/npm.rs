//! npm `package-lock.json` / `npm-shrinkwrap.json`: lockfileVersion 1 (nested `dependencies`), 2 and 3
//! (`packages` keyed by `node_modules/...` paths).
//!
//! Also home of the small JSON reader the JSON lockfiles share ([`json`]): it keeps the line of every
//! object key, which `serde_json` does not tell.
//!
//! One package per distinct (name, version), at the line of its first key. `dev: true` → dev;
//! `optional: true` → optional; `devOptional: true` (dev on some paths, optional on the others) →
//! optional and not dev. Skipped: the root `""` entry, `link: true` entries and entries outside
//! `node_modules/` (workspace folders: the project's own code). Aliases (`npm:real@1.2.3` in v1, a
//! `name` field in v2/v3) give the real name. A git, `file:` or tarball-URL dependency is reported
//! as [`crate::Unpinned`] with what the file says of it.

use crate::js_py::{Collector, error, excerpt, is_plain_version, split_at_name};
use crate::{Format, LockfileParseError, Parsed};

use json::{Member, Node};

const FORMAT: Format = Format::NpmLock;

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let root = json::parse(text, false).map_err(|e| e.into_error(FORMAT))?;
    if root.value.as_object().is_none() {
        return Err(error(
            FORMAT,
            Some(root.line),
            None,
            "the top level is not an object",
        ));
    }
    let version = root
        .value
        .get("lockfileVersion")
        .and_then(|v| v.value.as_number());
    let mut c = Collector::new("npm");
    match (root.value.get("packages"), root.value.get("dependencies")) {
        (Some(packages), _) if version != Some("1") => {
            let Some(entries) = packages.value.as_object() else {
                return Err(not_object(packages.line, "packages"));
            };
            for m in entries {
                package_entry(&mut c, m)?;
            }
        }
        (_, Some(deps)) => dependencies(&mut c, deps)?,
        _ => {}
    }
    Ok(c.finish())
}

fn not_object(line: u32, what: &str) -> LockfileParseError {
    error(
        FORMAT,
        Some(line),
        None,
        format!("`{}` is not an object", excerpt(what)),
    )
}

/// Whether `resolved` points somewhere else than a registry (git, a local file).
fn non_registry(resolved: &str) -> bool {
    ["git", "github:", "gitlab:", "bitbucket:", "file:", "link:"]
        .iter()
        .any(|p| resolved.starts_with(p))
        || resolved.contains("codeload.github.com")
}

/// One `packages` entry of lockfileVersion 2/3.
fn package_entry(c: &mut Collector, m: &Member) -> Result<(), LockfileParseError> {
    if m.key.is_empty() {
        return Ok(());
    }
    let entry = &m.value.value;
    if entry.as_object().is_none() {
        return Err(not_object(m.line, &m.key));
    }
    const NM: &str = "node_modules/";
    let Some(at) = m.key.rfind(NM) else {
        return Ok(()); // a workspace folder
    };
    if entry.bool("link") {
        return Ok(());
    }
    let folder = m.key.get(at + NM.len()..).unwrap_or_default();
    let name = entry.str("name").unwrap_or(folder);
    if name.is_empty() {
        return Err(error(
            FORMAT,
            Some(m.line),
            None,
            "an entry without a package name",
        ));
    }
    let dev = entry.bool("dev");
    let optional = entry.bool("optional") || entry.bool("devOptional");
    let resolved = entry.str("resolved");
    match entry.str("version") {
        Some(v) if is_plain_version(v) && !resolved.is_some_and(non_registry) => {
            c.package(name, v, Some(m.line), dev, optional);
        }
        Some(v) => c.unpinned(name, resolved.unwrap_or(v), m.line),
        None => c.unpinned(name, resolved.unwrap_or_default(), m.line),
    }
    Ok(())
}

/// The nested `dependencies` of lockfileVersion 1 (recursion bounded by the JSON nesting limit).
fn dependencies(c: &mut Collector, deps: &Node) -> Result<(), LockfileParseError> {
    let Some(entries) = deps.value.as_object() else {
        return Err(not_object(deps.line, "dependencies"));
    };
    for m in entries {
        let entry = &m.value.value;
        if entry.as_object().is_none() {
            return Err(not_object(m.line, &m.key));
        }
        let dev = entry.bool("dev");
        let optional = entry.bool("optional");
        let version = entry.str("version").unwrap_or_default();
        // An alias: "version": "npm:real-name@1.2.3".
        let (name, version) = match version.strip_prefix("npm:").and_then(split_at_name) {
            Some((real, v)) => (real, v),
            None => (m.key.as_str(), version),
        };
        let resolved = entry.str("resolved");
        if is_plain_version(version) && !resolved.is_some_and(non_registry) {
            c.package(name, version, Some(m.line), dev, optional);
        } else {
            c.unpinned(name, entry.str("version").unwrap_or_default(), m.line);
        }
        if let Some(nested) = entry.get("dependencies") {
            dependencies(c, nested)?;
        }
    }
    Ok(())
}

/// A JSON reader that keeps the line of every value and object key; with `lenient`, it also takes
/// the JSONC of `bun.lock` (comments, trailing commas). Nesting is limited to [`json::MAX_DEPTH`].
pub(crate) mod json {
    use crate::js_py::{error, to_u32};
    use crate::{Format, LockfileParseError};

    /// Deeper nesting is an error (no lockfile comes near; it keeps the stack bounded).
    pub(crate) const MAX_DEPTH: usize = 128;

    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Value {
        Null,
        Bool(bool),
        /// The number as written.
        Number(String),
        String(String),
        Array(Vec<Node>),
        Object(Vec<Member>),
    }

    /// A value and the line where it starts.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Node {
        pub(crate) line: u32,
        pub(crate) value: Value,
    }

    /// An object member and the line of its key.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Member {
        pub(crate) key: String,
        pub(crate) line: u32,
        pub(crate) value: Node,
    }

    impl Value {
        pub(crate) fn as_object(&self) -> Option<&[Member]> {
            match self {
                Value::Object(m) => Some(m),
                _ => None,
            }
        }

        pub(crate) fn as_array(&self) -> Option<&[Node]> {
            match self {
                Value::Array(a) => Some(a),
                _ => None,
            }
        }

        pub(crate) fn as_str(&self) -> Option<&str> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }

        pub(crate) fn as_number(&self) -> Option<&str> {
            match self {
                Value::Number(s) => Some(s),
                _ => None,
            }
        }

        /// A member of an object (the last one of that key, as JSON readers do).
        pub(crate) fn get(&self, key: &str) -> Option<&Node> {
            self.as_object()?
                .iter()
                .rev()
                .find(|m| m.key == key)
                .map(|m| &m.value)
        }

        /// A string member.
        pub(crate) fn str(&self, key: &str) -> Option<&str> {
            self.get(key)?.value.as_str()
        }

        /// A boolean member: true only when it is `true`.
        pub(crate) fn bool(&self, key: &str) -> bool {
            matches!(self.get(key).map(|n| &n.value), Some(Value::Bool(true)))
        }
    }

    /// A syntax error and where it is.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct SyntaxError {
        pub(crate) line: u32,
        pub(crate) column: u32,
        pub(crate) message: String,
    }

    impl SyntaxError {
        pub(crate) fn into_error(self, format: Format) -> LockfileParseError {
            error(format, Some(self.line), Some(self.column), self.message)
        }
    }

    pub(crate) fn parse(text: &str, lenient: bool) -> Result<Node, SyntaxError> {
        let mut p = Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
            depth: 0,
            lenient,
        };
        if text.starts_with('\u{feff}') {
            p.pos = '\u{feff}'.len_utf8();
            p.line_start = p.pos;
        }
        p.skip_ws()?;
        let node = p.value()?;
        p.skip_ws()?;
        if p.pos < p.bytes.len() {
            return Err(p.err("unexpected characters after the end of the document"));
        }
        Ok(node)
    }

    struct Reader<'a> {
        text: &'a str,
        bytes: &'a [u8],
        pos: usize,
        line: u32,
        line_start: usize,
        depth: usize,
        lenient: bool,
    }

    impl Reader<'_> {
        fn err(&self, message: impl Into<String>) -> SyntaxError {
            let end = self.pos.min(self.bytes.len()).max(self.line_start);
            let column = self
                .bytes
                .get(self.line_start..end)
                .map_or(0, |b| String::from_utf8_lossy(b).chars().count());
            SyntaxError {
                line: self.line,
                column: to_u32(column + 1),
                message: message.into(),
            }
        }

        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.pos).copied()
        }

        fn newline(&mut self) {
            self.line = self.line.saturating_add(1);
            self.line_start = self.pos;
        }

        fn skip_ws(&mut self) -> Result<(), SyntaxError> {
            while let Some(b) = self.peek() {
                match b {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.newline();
                    }
                    b'/' if self.lenient => match self.bytes.get(self.pos + 1) {
                        Some(b'/') => {
                            while self.peek().is_some_and(|b| b != b'\n') {
                                self.pos += 1;
                            }
                        }
                        Some(b'*') => {
                            let start = self.err("unterminated comment");
                            self.pos += 2;
                            loop {
                                match self.peek() {
                                    None => return Err(start),
                                    Some(b'*') if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                                        self.pos += 2;
                                        break;
                                    }
                                    Some(b'\n') => {
                                        self.pos += 1;
                                        self.newline();
                                    }
                                    Some(_) => self.pos += 1,
                                }
                            }
                        }
                        _ => return Ok(()),
                    },
                    _ => return Ok(()),
                }
            }
            Ok(())
        }

        fn value(&mut self) -> Result<Node, SyntaxError> {
            let line = self.line;
            let value = match self.peek() {
                None => return Err(self.err("unexpected end of the document, expected a value")),
                Some(b'{') => self.nested(Self::object)?,
                Some(b'[') => self.nested(Self::array)?,
                Some(b'"') => Value::String(self.string()?),
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Null)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return Err(self.err("expected a value")),
            };
            Ok(Node { line, value })
        }

        fn nested(
            &mut self,
            read: fn(&mut Self) -> Result<Value, SyntaxError>,
        ) -> Result<Value, SyntaxError> {
            if self.depth >= MAX_DEPTH {
                return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
            }
            self.depth += 1;
            let v = read(self);
            self.depth -= 1;
            v
        }

        fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
            if self
                .bytes
                .get(self.pos..)
                .is_some_and(|rest| rest.starts_with(word.as_bytes()))
            {
                self.pos += word.len();
                Ok(value)
            } else {
                Err(self.err("expected a value"))
            }
        }

        fn digits(&mut self) -> usize {
            let start = self.pos;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            self.pos - start
        }

        fn number(&mut self) -> Result<Value, SyntaxError> {
            let start = self.pos;
            if self.peek() == Some(b'-') {
                self.pos += 1;
            }
            let int_start = self.pos;
            let n = self.digits();
            if n == 0 || (n > 1 && self.bytes.get(int_start) == Some(&b'0')) {
                return Err(self.err("invalid number"));
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                if self.digits() == 0 {
                    return Err(self.err("invalid number"));
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if self.digits() == 0 {
                    return Err(self.err("invalid number"));
                }
            }
            Ok(Value::Number(
                self.text
                    .get(start..self.pos)
                    .unwrap_or_default()
                    .to_owned(),
            ))
        }

        fn hex4(&mut self) -> Result<u32, SyntaxError> {
            let mut v = 0u32;
            for _ in 0..4 {
                let d = self
                    .peek()
                    .and_then(|b| char::from(b).to_digit(16))
                    .ok_or_else(|| self.err("invalid \\u escape"))?;
                v = v * 16 + d;
                self.pos += 1;
            }
            Ok(v)
        }

        fn string(&mut self) -> Result<String, SyntaxError> {
            let opening = self.err("unterminated string");
            self.pos += 1; // the opening quote
            let mut out = String::new();
            let mut run = self.pos;
            loop {
                let Some(b) = self.peek() else {
                    return Err(opening);
                };
                if b != b'"' && b != b'\\' && b >= 0x20 {
                    self.pos += 1;
                    continue;
                }
                out.push_str(self.text.get(run..self.pos).unwrap_or_default());
                match b {
                    b'"' => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    b'\\' => {
                        self.pos += 1;
                        let Some(e) = self.peek() else {
                            return Err(opening);
                        };
                        self.pos += 1;
                        match e {
                            b'"' => out.push('"'),
                            b'\\' => out.push('\\'),
                            b'/' => out.push('/'),
                            b'b' => out.push('\u{8}'),
                            b'f' => out.push('\u{c}'),
                            b'n' => out.push('\n'),
                            b'r' => out.push('\r'),
                            b't' => out.push('\t'),
                            b'u' => {
                                let mut c = self.hex4()?;
                                if (0xD800..0xDC00).contains(&c)
                                    && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
                                {
                                    let save = self.pos;
                                    self.pos += 2;
                                    let low = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&low) {
                                        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                                    } else {
                                        self.pos = save;
                                    }
                                }
                                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                            }
                            _ => {
                                self.pos -= 1;
                                return Err(self.err("invalid escape in a string"));
                            }
                        }
                    }
                    b'\n' if self.lenient => {
                        out.push('\n');
                        self.pos += 1;
                        self.newline();
                    }
                    _ if self.lenient => {
                        out.push(char::from(b));
                        self.pos += 1;
                    }
                    _ => return Err(self.err("control character in a string")),
                }
                run = self.pos;
            }
        }

        fn array(&mut self) -> Result<Value, SyntaxError> {
            self.pos += 1;
            let mut items = Vec::new();
            self.skip_ws()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            loop {
                self.skip_ws()?;
                if self.lenient && !items.is_empty() && self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                items.push(self.value()?);
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        return Ok(Value::Array(items));
                    }
                    _ => return Err(self.err("expected `,` or `]`")),
                }
            }
        }

        fn object(&mut self) -> Result<Value, SyntaxError> {
            self.pos += 1;
            let mut members = Vec::new();
            self.skip_ws()?;
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Value::Object(members));
            }
            loop {
                self.skip_ws()?;
                match self.peek() {
                    Some(b'"') => {}
                    Some(b'}') if self.lenient && !members.is_empty() => {
                        self.pos += 1;
                        return Ok(Value::Object(members));
                    }
                    _ => return Err(self.err("expected a string key")),
                }
                let line = self.line;
                let key = self.string()?;
                self.skip_ws()?;
                if self.peek() != Some(b':') {
                    return Err(self.err("expected `:` after a key"));
                }
                self.pos += 1;
                self.skip_ws()?;
                let value = self.value()?;
                members.push(Member { key, line, value });
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        return Ok(Value::Object(members));
                    }
                    _ => return Err(self.err("expected `,` or `}`")),
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn lines_of_keys_and_errors() {
            let n = parse(
                "{\n  \"a\": 1,\n  \"b\": {\"c\": [true, null, \"x\\u00e9\\ud83d\\ude00\"]}\n}",
                false,
            )
            .unwrap();
            let obj = n.value.as_object().unwrap();
            assert_eq!((obj[0].key.as_str(), obj[0].line), ("a", 2));
            assert_eq!((obj[1].key.as_str(), obj[1].line), ("b", 3));
            let c = obj[1].value.value.get("c").unwrap();
            assert_eq!(c.value.as_array().unwrap()[2].value.as_str(), Some("xé😀"));
            let e = parse("{\n  \"a\": 1,\n}", false).unwrap_err();
            assert_eq!((e.line, e.column), (3, 1));
            assert!(parse("{\n  \"a\": 1, // c\n /* x\n */ }", true).is_ok());
            let deep = "[".repeat(MAX_DEPTH + 1);
            assert!(parse(&deep, false).unwrap_err().message.contains("nested"));
            assert_eq!(parse("\"abc", false).unwrap_err().column, 1);
            assert!(parse("01", false).is_err());
            assert!(parse("-", false).is_err());
            assert!(parse("[1,]", false).is_err());
            assert!(parse("[1,]", true).is_ok());
        }
    }
}
