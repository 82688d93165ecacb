//! `yarn.lock`, classic (v1: `name@range, name@range2:` then `  version "1.2.3"`) and berry
//! (`__metadata` then `"name@npm:range, ...":` with `  version: 1.2.3` and `  resolution: "name@npm:1.2.3"`).
//!
//! A line reader for both (berry files are YAML, but only this much of it). One package per distinct
//! (name, version) at the line of its entry. Berry: the name comes from `resolution` (aliases);
//! `npm:` resolutions are packages, `patch:` ones of npm packages count as the npm package at that
//! version, `workspace:` / `link:` / `portal:` ones (and patches of those) are the project's own code
//! and skipped, anything else (git, tarball URLs, `file:`, `exec:`) is [`crate::Unpinned`]. Classic: an
//! `npm:` alias range gives the real name; git, GitHub, URL and `file:` ranges are Unpinned and
//! `link:` ones skipped.
//!
//! yarn.lock says nothing of dev or optional: every package is neither.

use crate::js_py::{Collector, error, excerpt, is_plain_version, split_at_name, to_u32};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::YarnLock;

#[derive(Default)]
struct Entry {
    line: u32,
    metadata: bool,
    descriptors: Vec<String>,
    version: Option<String>,
    resolution: Option<String>,
    resolved: Option<String>,
    field_indent: Option<usize>,
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let mut c = Collector::new("npm");
    let berry = text
        .lines()
        .any(|l| l.trim_end() == "__metadata:" || l.trim_end() == "\"__metadata\":");
    let mut entry: Option<Entry> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = to_u32(i + 1);
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent == 0 {
            if let Some(e) = entry.take() {
                finish(&mut c, e, berry)?;
            }
            let Some(head) = line.strip_suffix(':') else {
                return Err(error(
                    FORMAT,
                    Some(line_no),
                    Some(1),
                    "expected an entry like `name@range:`",
                ));
            };
            let descriptors: Vec<String> = head
                .replace('"', "")
                .split(',')
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect();
            entry = Some(Entry {
                line: line_no,
                metadata: descriptors.first().is_some_and(|d| d == "__metadata"),
                descriptors,
                ..Entry::default()
            });
            continue;
        }
        let Some(e) = entry.as_mut() else {
            return Err(error(
                FORMAT,
                Some(line_no),
                Some(1),
                "an indented line outside an entry",
            ));
        };
        let field_indent = *e.field_indent.get_or_insert(indent);
        if indent != field_indent {
            continue; // nested (dependencies, …) or stray
        }
        let (key, value) = field(content);
        let slot = match key {
            "version" => &mut e.version,
            "resolution" => &mut e.resolution,
            "resolved" => &mut e.resolved,
            _ => continue,
        };
        if value.is_empty() {
            return Err(error(
                FORMAT,
                Some(line_no),
                Some(to_u32(indent + 1)),
                format!("`{}` without a value", excerpt(key)),
            ));
        }
        *slot = Some(value);
    }
    if let Some(e) = entry.take() {
        finish(&mut c, e, berry)?;
    }
    Ok(c.finish())
}

/// `key value`, `key "value"` (classic) or `key: value` (berry), the value unquoted.
fn field(content: &str) -> (&str, String) {
    let (key, rest) = if let Some(q) = content.strip_prefix('"') {
        match q.find('"') {
            Some(end) => (
                q.get(..end).unwrap_or_default(),
                q.get(end + 1..).unwrap_or_default(),
            ),
            None => (q, ""),
        }
    } else {
        let end = content.find([' ', ':']).unwrap_or(content.len());
        (
            content.get(..end).unwrap_or_default(),
            content.get(end..).unwrap_or_default(),
        )
    };
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim();
    (key, unquote(rest))
}

fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
    match inner {
        Some(s) => s.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_owned(),
    }
}

/// `%3A` → `:` (the escapes berry writes inside `patch:` locators).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const LOCAL: [&str; 3] = ["workspace:", "link:", "portal:"];

fn finish(c: &mut Collector, e: Entry, berry: bool) -> Result<(), LockfileParseError> {
    if e.metadata {
        return Ok(());
    }
    let Some(first) = e.descriptors.first() else {
        return Err(error(
            FORMAT,
            Some(e.line),
            Some(1),
            "an entry without a name",
        ));
    };
    let Some(version) = e.version.as_deref() else {
        return Err(error(
            FORMAT,
            Some(e.line),
            None,
            "an entry without a version",
        ));
    };
    if berry {
        let locator = e.resolution.as_deref().unwrap_or(first);
        let (name, reference) = split_at_name(locator).unwrap_or((locator, ""));
        if reference.starts_with("npm:") {
            c.package(name, version, Some(e.line), false, false);
        } else if let Some(patched) = reference.strip_prefix("patch:") {
            let inner = percent_decode(patched.split('#').next().unwrap_or_default());
            let inner_ref = split_at_name(&inner).map_or("", |(_, r)| r);
            if inner_ref.starts_with("npm:") {
                c.package(name, version, Some(e.line), false, false);
            } else if !LOCAL.iter().any(|p| inner_ref.starts_with(p)) {
                c.unpinned(name, locator, e.line);
            }
        } else if !LOCAL.iter().any(|p| reference.starts_with(p)) {
            c.unpinned(name, locator, e.line);
        }
        return Ok(());
    }
    let (mut name, range) = split_at_name(first).unwrap_or((first.as_str(), ""));
    if let Some((real, _)) = range.strip_prefix("npm:").and_then(split_at_name) {
        name = real;
    }
    if range.starts_with("link:") {
        return Ok(());
    }
    let resolved = e.resolved.as_deref().unwrap_or_default();
    let other_range = !range.starts_with("npm:")
        && (range.contains(['/', ':']) || range.starts_with("git") || range.starts_with("http"));
    let other_resolved = resolved.starts_with("git")
        || resolved.starts_with("file:")
        || resolved.contains("codeload.github.com");
    if !is_plain_version(version) || other_range || other_resolved {
        let requirement = if resolved.is_empty() {
            first.as_str()
        } else {
            resolved
        };
        c.unpinned(name, requirement, e.line);
    } else {
        c.package(name, version, Some(e.line), false, false);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{field, percent_decode};

    #[test]
    fn fields_and_escapes() {
        assert_eq!(field("version \"1.2.3\""), ("version", "1.2.3".to_owned()));
        assert_eq!(field("version: 1.2.3"), ("version", "1.2.3".to_owned()));
        assert_eq!(
            field("resolution: \"a@npm:1\""),
            ("resolution", "a@npm:1".to_owned())
        );
        assert_eq!(field("\"@x/y\" \"^1\""), ("@x/y", "^1".to_owned()));
        assert_eq!(field("dependencies:"), ("dependencies", String::new()));
        assert_eq!(percent_decode("a@npm%3A1.0.0%"), "a@npm:1.0.0%");
        assert_eq!(percent_decode("%e2%82%ac%zz"), "€%zz");
    }
}
