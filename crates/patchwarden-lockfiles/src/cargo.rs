//! `Cargo.lock`, every format: v1 (no `version`, checksums in `[metadata]`), v2 (no `version`, inline
//! `checksum`), v3 (`version = 3`) and v4 (`version = 4`) all list `[[package]]` tables with `name`,
//! `version` and `source`; ecosystem `crates.io`.
//!
//! Packages without a `source` are the workspace's own members and path dependencies: they are not
//! published on crates.io, advisories do not apply to them, and they are left out. Packages from git
//! (`source = "git+…"`) and from other registries are kept: a git checkout of a crate carries the code
//! of its crates.io release of that version, so the crate's advisories apply. The line of a package is
//! the line of its `[[package]]` header.

use serde::Deserialize;
use toml::Spanned;

use crate::cyclonedx::LineIndex;
use crate::{Format, LockfileParseError, Package, Parsed, other_error};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: Spanned<String>,
    version: Spanned<String>,
    source: Option<String>,
}

/// The deepest nesting of arrays and inline tables accepted (Cargo writes 2). The TOML parser recurses
/// into nested values, so absurd nesting is refused before it gets there.
const MAX_NESTING: usize = 64;

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::CargoLock;
    let index = LineIndex::new(text);
    if let Some(offset) = too_deep(text, MAX_NESTING) {
        let (line, column) = index.line_col(text, offset);
        return Err(other_error(
            format,
            Some(line),
            Some(column),
            "arrays or tables nested too deep",
        ));
    }
    let lock: Lock = toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = index.line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        other_error(format, line, column, e.message().trim_end())
    })?;
    let mut out = Parsed::default();
    for package in lock.package {
        if package.source.is_none() {
            continue;
        }
        let name_at = package.name.span().start;
        out.packages.push(Package {
            ecosystem: "crates.io".to_owned(),
            name: package.name.into_inner(),
            version: package.version.into_inner(),
            line: Some(header_line(text, &index, name_at)),
            dev: false,
            optional: false,
        });
    }
    Ok(out)
}

/// The line of the last `[[…]]` header before `offset`, else the line of `offset`.
fn header_line(text: &str, index: &LineIndex, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or_default();
    let mut start = before.len();
    loop {
        let line_start = before[..start].rfind('\n').map_or(0, |i| i + 1);
        if before[line_start..].trim_start().starts_with("[[") {
            return index.line(line_start);
        }
        if line_start == 0 {
            return index.line(offset);
        }
        start = line_start - 1;
    }
}

/// The offset of the first `[` / `{` opening a value nested deeper than `max`, skipping strings and
/// comments; None when the text nests no deeper.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let triple = bytes.get(i..i + 3) == Some(&[b, b, b][..]);
                let escapes = b == b'"';
                i += if triple { 3 } else { 1 };
                while let Some(&c) = bytes.get(i) {
                    if escapes && c == b'\\' {
                        i += 2;
                        continue;
                    }
                    if c == b {
                        if !triple {
                            break;
                        }
                        if bytes.get(i..i + 3) == Some(&[b, b, b][..]) {
                            // A closing `"""` may be followed by up to two more quotes of the content.
                            while bytes.get(i + 3) == Some(&b) {
                                i += 1;
                            }
                            i += 2;
                            break;
                        }
                    }
                    if !triple && c == b'\n' {
                        break;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting() {
        assert_eq!(too_deep("a = [[1], [2]]\n[[package]]\n", 3), None);
        assert_eq!(too_deep("a = [[[[1]]]]", 3), Some(7));
        assert_eq!(too_deep("a = \"[[[[\"", 3), None);
        assert_eq!(too_deep("a = '''[[[[''' # [[[[\n", 3), None);
        assert_eq!(too_deep("a = \"\"\"x\"\" [[[[ \"\"\"", 3), None);
        assert_eq!(too_deep("a = \"\"\"x\"\"\"\" [[[[", 3), Some(16));
        assert_eq!(too_deep("a = \"\\\"[[[[\"", 3), None);
        assert_eq!(too_deep("a = { b = { c = [ [ 1 ] ] } }", 3), Some(18));
    }
}
