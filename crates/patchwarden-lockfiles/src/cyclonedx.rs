//! CycloneDX SBOMs, JSON (`"bomFormat": "CycloneDX"`, spec 1.2–1.6) and XML (`<bom xmlns=
//! "http://cyclonedx.org/schema/bom/1.x">`, e.g. syft's 1.4 output).
//!
//! Every component of the BOM's `components`, nested ones included (the `metadata.component`, the
//! subject the BOM describes, is not a component of it), gives either a [`Package`], when it has a
//! `purl` of a type with an OSV ecosystem and a version, or an [`Unpinned`] entry (`name@version`): no
//! component is dropped silently. A purl's `deb` / `apk` binary package is checked as its source package
//! (see [`crate::PurlPackage::osv_name`]); packages that come out equal (ecosystem, name, version) are
//! listed once, at the first component's line. A component with `scope` `optional` is `optional`, one
//! with scope `excluded` (not part of the running software, e.g. test tooling) is `dev`. A Go purl's
//! `(devel)` version (a main module built from a checkout) is not a version: such components are
//! unpinned. The line of a component is the line of its `{` / `<component`.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::Value;

use crate::{
    Format, LockfileParseError, Package, Parsed, Unpinned, other_error, parse_purl, to_u32,
};

/// Collects the entries of an SBOM's components.
#[derive(Debug, Default)]
pub(crate) struct SbomCollector {
    parsed: Parsed,
    seen: HashSet<(String, String, String)>,
}

/// One component of an SBOM, as the collector takes it.
#[derive(Debug, Default)]
pub(crate) struct Component<'a> {
    pub name: Option<&'a str>,
    pub version: Option<&'a str>,
    pub purls: Vec<&'a str>,
    pub line: u32,
    pub dev: bool,
    pub optional: bool,
}

impl SbomCollector {
    pub(crate) fn add(&mut self, c: Component<'_>) {
        let name = c.name.map(str::trim).filter(|n| !n.is_empty());
        let version = c.version.map(str::trim).filter(|v| !v.is_empty());
        let mut fallback_name = None;
        for purl in &c.purls {
            let Some(p) = parse_purl(purl) else { continue };
            fallback_name.get_or_insert_with(|| p.name.clone());
            let (Some(ecosystem), Some(v)) = (p.ecosystem(), p.osv_version()) else {
                continue;
            };
            if v.trim().is_empty() || v == "(devel)" {
                continue;
            }
            let name = p.osv_name();
            if self
                .seen
                .insert((ecosystem.clone(), name.clone(), v.clone()))
            {
                self.parsed.packages.push(Package {
                    ecosystem,
                    name,
                    version: v,
                    line: Some(c.line),
                    dev: c.dev,
                    optional: c.optional,
                });
            }
            return;
        }
        let name = name
            .map(str::to_owned)
            .or(fallback_name)
            .or_else(|| c.purls.first().map(|p| p.trim().to_owned()))
            .unwrap_or_else(|| "(unnamed component)".to_owned());
        let requirement = match version {
            Some(v) => format!("{name}@{v}"),
            None => name.clone(),
        };
        self.parsed.unpinned.push(Unpinned {
            name,
            requirement,
            line: c.line,
        });
    }

    pub(crate) fn finish(self) -> Parsed {
        self.parsed
    }
}

/// Parses a CycloneDX JSON BOM.
pub(crate) fn parse_json(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::CycloneDxJson;
    let doc: Value = serde_json::from_str(text).map_err(|e| json_error(format, &e))?;
    let lines = json_lines::parse(text);
    let root_line = lines.as_ref().map_or(1, |n| n.line);
    let Some(obj) = doc.as_object() else {
        return Err(other_error(
            format,
            Some(root_line),
            None,
            "expected a JSON object",
        ));
    };
    match obj.get("bomFormat") {
        Some(Value::String(s)) if s == "CycloneDX" => {}
        Some(other) => {
            let line = lines
                .as_ref()
                .and_then(|n| n.get("bomFormat"))
                .map_or(root_line, |n| n.line);
            return Err(other_error(
                format,
                Some(line),
                None,
                format!("`bomFormat` is {other}, not \"CycloneDX\""),
            ));
        }
        None => {
            return Err(other_error(
                format,
                Some(root_line),
                None,
                "not a CycloneDX BOM: no `bomFormat`",
            ));
        }
    }
    let mut out = SbomCollector::default();
    if let Some(components) = obj.get("components") {
        let node = lines.as_ref().and_then(|n| n.get("components"));
        json_components(components, node, root_line, &mut out)?;
    }
    Ok(out.finish())
}

/// The components of a `components` array and, depth-first, their nested ones (serde_json's recursion
/// limit bounds the depth).
fn json_components(
    components: &Value,
    node: Option<&json_lines::Node>,
    parent_line: u32,
    out: &mut SbomCollector,
) -> Result<(), LockfileParseError> {
    let format = Format::CycloneDxJson;
    let line = node.map_or(parent_line, |n| n.line);
    let Some(list) = components.as_array() else {
        return Err(other_error(
            format,
            Some(line),
            None,
            "`components` is not an array",
        ));
    };
    for (i, component) in list.iter().enumerate() {
        let cnode = node.and_then(|n| n.index(i));
        let cline = cnode.map_or(line, |n| n.line);
        let Some(c) = component.as_object() else {
            return Err(other_error(
                format,
                Some(cline),
                None,
                "a component is not an object",
            ));
        };
        let text_of = |key: &str| c.get(key).and_then(Value::as_str);
        let scope = text_of("scope").unwrap_or_default();
        out.add(Component {
            name: text_of("name"),
            version: text_of("version"),
            purls: text_of("purl").into_iter().collect(),
            line: cline,
            dev: scope == "excluded",
            optional: scope == "optional",
        });
        if let Some(nested) = c.get("components") {
            json_components(nested, cnode.and_then(|n| n.get("components")), cline, out)?;
        }
    }
    Ok(())
}

/// A serde_json error as a parse error with its line and column.
pub(crate) fn json_error(format: Format, e: &serde_json::Error) -> LockfileParseError {
    let line = (e.line() > 0).then(|| to_u32(e.line()));
    let column = (e.column() > 0).then(|| to_u32(e.column()));
    let message = e.to_string();
    // serde_json appends " at line L column C"; the position is in the error's fields.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    other_error(format, line, column, message)
}

/// Parses a CycloneDX XML BOM.
pub(crate) fn parse_xml(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::CycloneDxXml;
    let index = LineIndex::new(text);
    let error_at = |offset: usize, message: String| {
        let (line, column) = index.line_col(text, offset);
        other_error(format, Some(line), Some(column), message)
    };

    #[derive(Default)]
    struct Open {
        /// Index in `stack` of the `<component>` element.
        depth: usize,
        /// Byte offset of its `<`, for document order.
        offset: usize,
        line: u32,
        name: Option<String>,
        version: Option<String>,
        purl: Option<String>,
        scope: Option<String>,
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        Name,
        Version,
        Purl,
        Scope,
    }

    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut capture: Option<(Field, usize, String)> = None;
    let mut seen_root = false;
    // Components close after their nested ones: collected, then taken in document order.
    let mut done: Vec<Open> = Vec::new();

    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Err(error_at(offset(reader.error_position()), e.to_string())),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = local_name(e);
                // The event starts at the first `<` after the previous event.
                let tag_offset = {
                    let b = offset(before);
                    text.get(b..)
                        .and_then(|rest| rest.find('<'))
                        .map_or(0, |i| b + i)
                };
                if stack.is_empty() {
                    if seen_root {
                        return Err(error_at(
                            tag_offset,
                            format!("a second root element <{name}>"),
                        ));
                    }
                    if name != "bom" {
                        return Err(error_at(
                            tag_offset,
                            format!("not a CycloneDX BOM: the root element is <{name}>, not <bom>"),
                        ));
                    }
                    seen_root = true;
                }
                let len = stack.len();
                let tracked = name == "component"
                    && len >= 2
                    && stack[len - 1] == "components"
                    && ((len == 2 && stack[0] == "bom")
                        || open.last().is_some_and(|c| c.depth + 2 == len));
                if tracked {
                    let c = Open {
                        depth: len,
                        offset: tag_offset,
                        line: index.line(tag_offset),
                        ..Open::default()
                    };
                    if is_empty {
                        done.push(c);
                    } else {
                        open.push(c);
                    }
                } else if !is_empty && open.last().is_some_and(|c| c.depth + 1 == len) {
                    let field = match name.as_str() {
                        "name" => Some(Field::Name),
                        "version" => Some(Field::Version),
                        "purl" => Some(Field::Purl),
                        "scope" => Some(Field::Scope),
                        _ => None,
                    };
                    if let Some(field) = field {
                        capture = Some((field, len, String::new()));
                    }
                }
                if !is_empty {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                let Some(_) = stack.pop() else {
                    return Err(error_at(
                        offset(before),
                        "a closing tag without an opening one".to_owned(),
                    ));
                };
                let len = stack.len();
                if let Some((field, _, value)) = capture.take_if(|(_, d, _)| *d == len)
                    && let Some(c) = open.last_mut()
                {
                    let slot = match field {
                        Field::Name => &mut c.name,
                        Field::Version => &mut c.version,
                        Field::Purl => &mut c.purl,
                        Field::Scope => &mut c.scope,
                    };
                    *slot = Some(value.trim().to_owned());
                }
                if open.last().is_some_and(|c| c.depth == len)
                    && let Some(c) = open.pop()
                {
                    done.push(c);
                }
            }
            Event::Text(t) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    match t.decode() {
                        Ok(s) => buf.push_str(&s),
                        Err(e) => return Err(error_at(offset(before), e.to_string())),
                    }
                }
            }
            Event::CData(t) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    match t.decode() {
                        Ok(s) => buf.push_str(&s),
                        Err(e) => return Err(error_at(offset(before), e.to_string())),
                    }
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => buf.push(c),
                        Ok(None) => {
                            let entity = r.decode().map(|s| s.into_owned()).unwrap_or_default();
                            match entity.as_str() {
                                "amp" => buf.push('&'),
                                "lt" => buf.push('<'),
                                "gt" => buf.push('>'),
                                "quot" => buf.push('"'),
                                "apos" => buf.push('\''),
                                other => {
                                    buf.push('&');
                                    buf.push_str(other);
                                    buf.push(';');
                                }
                            }
                        }
                        Err(e) => return Err(error_at(offset(before), e.to_string())),
                    }
                }
            }
            Event::Eof => {
                if let Some(unclosed) = stack.last() {
                    return Err(error_at(
                        offset(reader.buffer_position()),
                        format!("unexpected end of file: <{unclosed}> is not closed"),
                    ));
                }
                if !seen_root {
                    return Err(error_at(
                        0,
                        "not a CycloneDX BOM: no <bom> element".to_owned(),
                    ));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    done.sort_by_key(|c| c.offset);
    let mut out = SbomCollector::default();
    for c in &done {
        out.add(Component {
            name: c.name.as_deref(),
            version: c.version.as_deref(),
            purls: c.purl.as_deref().into_iter().collect(),
            line: c.line,
            dev: c.scope.as_deref() == Some("excluded"),
            optional: c.scope.as_deref() == Some("optional"),
        });
    }
    Ok(out.finish())
}

/// A reader position as an offset into the text.
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// The local name of an element (without its namespace prefix), lossily decoded.
fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// Line starts of a text, for byte offset → line.
#[derive(Debug)]
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// 1-based line of byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        to_u32(self.newlines.partition_point(|&n| n < offset) + 1)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line_index = self.newlines.partition_point(|&n| n < offset);
        let start = if line_index == 0 {
            0
        } else {
            self.newlines[line_index - 1] + 1
        };
        let column = text.get(start..).map_or(0, |rest| {
            rest.char_indices()
                .take_while(|(i, _)| start + i < offset)
                .count()
        });
        (to_u32(line_index + 1), to_u32(column + 1))
    }
}

/// Where the values of a JSON text start: a tree of lines parallel to the document, for the line of a
/// package entry (serde_json keeps no positions). Built without recursion, only on text serde_json has
/// accepted; on anything else it gives what it can and never fails.
pub(crate) mod json_lines {
    /// A value and the line its first character is on.
    #[derive(Debug)]
    pub(crate) struct Node {
        pub line: u32,
        kids: Kids,
    }

    #[derive(Debug)]
    enum Kids {
        Leaf,
        /// Keys as written between the quotes (escapes not decoded).
        Object(Vec<(String, Node)>),
        Array(Vec<Node>),
    }

    impl Node {
        /// The value of `key` (the last one, as serde_json keeps the last of duplicate keys).
        pub(crate) fn get(&self, key: &str) -> Option<&Node> {
            match &self.kids {
                Kids::Object(entries) => {
                    entries.iter().rev().find(|(k, _)| k == key).map(|(_, n)| n)
                }
                _ => None,
            }
        }

        /// Element `i` of an array.
        pub(crate) fn index(&self, i: usize) -> Option<&Node> {
            match &self.kids {
                Kids::Array(items) => items.get(i),
                _ => None,
            }
        }
    }

    struct Frame {
        node: Node,
        key: Option<String>,
        expect_key: bool,
    }

    fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node) {
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    *root = Some(node);
                }
            }
            Some(frame) => match &mut frame.node.kids {
                Kids::Object(entries) => entries.push((frame.key.take().unwrap_or_default(), node)),
                Kids::Array(items) => items.push(node),
                Kids::Leaf => {}
            },
        }
    }

    /// The line tree of the first value of `text`.
    pub(crate) fn parse(text: &str) -> Option<Node> {
        let bytes = text.as_bytes();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root = None;
        let mut line = 1u32;
        let mut i = 0;
        while let Some(&c) = bytes.get(i) {
            match c {
                b'\n' => {
                    line = line.saturating_add(1);
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'{' | b'[' => {
                    let kids = if c == b'{' {
                        Kids::Object(Vec::new())
                    } else {
                        Kids::Array(Vec::new())
                    };
                    stack.push(Frame {
                        node: Node { line, kids },
                        key: None,
                        expect_key: c == b'{',
                    });
                    i += 1;
                }
                b'}' | b']' => {
                    if let Some(frame) = stack.pop() {
                        attach(&mut stack, &mut root, frame.node);
                    }
                    i += 1;
                }
                b':' => {
                    if let Some(frame) = stack.last_mut() {
                        frame.expect_key = false;
                    }
                    i += 1;
                }
                b',' => {
                    if let Some(frame) = stack.last_mut() {
                        frame.expect_key = matches!(frame.node.kids, Kids::Object(_));
                    }
                    i += 1;
                }
                b'"' => {
                    let start_line = line;
                    let start = i + 1;
                    i += 1;
                    while let Some(&b) = bytes.get(i) {
                        match b {
                            b'"' => break,
                            b'\\' => i += 2,
                            b'\n' => {
                                line = line.saturating_add(1);
                                i += 1;
                            }
                            _ => i += 1,
                        }
                    }
                    let raw = text.get(start..i.min(bytes.len())).unwrap_or_default();
                    i += 1;
                    let is_key = stack
                        .last()
                        .is_some_and(|f| f.expect_key && matches!(f.node.kids, Kids::Object(_)));
                    if is_key {
                        if let Some(frame) = stack.last_mut() {
                            frame.key = Some(raw.to_owned());
                        }
                    } else {
                        attach(
                            &mut stack,
                            &mut root,
                            Node {
                                line: start_line,
                                kids: Kids::Leaf,
                            },
                        );
                    }
                }
                _ => {
                    let start_line = line;
                    while let Some(&b) = bytes.get(i) {
                        if matches!(
                            b,
                            b',' | b']'
                                | b'}'
                                | b':'
                                | b'"'
                                | b'{'
                                | b'['
                                | b' '
                                | b'\t'
                                | b'\r'
                                | b'\n'
                        ) {
                            break;
                        }
                        i += 1;
                    }
                    attach(
                        &mut stack,
                        &mut root,
                        Node {
                            line: start_line,
                            kids: Kids::Leaf,
                        },
                    );
                }
            }
            if root.is_some() {
                break;
            }
        }
        root
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn lines_of_values() {
            let text = "{\n  \"a\": [\n    {\"x\": 1},\n    {\n      \"x\": \"s\\\"}\"\n    }\n  ],\n  \"b\": true\n}";
            let root = parse(text).unwrap();
            assert_eq!(root.line, 1);
            let a = root.get("a").unwrap();
            assert_eq!(a.line, 2);
            assert_eq!(a.index(0).unwrap().line, 3);
            assert_eq!(a.index(1).unwrap().line, 4);
            assert_eq!(a.index(1).unwrap().get("x").unwrap().line, 5);
            assert!(a.index(2).is_none());
            assert_eq!(root.get("b").unwrap().line, 8);
            assert!(root.get("c").is_none());
        }

        #[test]
        fn garbage_does_not_fail() {
            for text in [
                "", "}", "]]]", "\"", "{\"a", "{\"a\":[", "[1,2", ":::", "\\",
            ] {
                let _ = parse(text);
            }
        }
    }
}
