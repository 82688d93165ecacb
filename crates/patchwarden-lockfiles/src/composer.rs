//! `composer.lock`: `packages` and `packages-dev` (dev), ecosystem `Packagist`.
//!
//! Composer writes a package's version as its tag, often with a `v` (`v5.4.47`); Packagist advisories
//! name versions without it (`5.4.47`), so a `v` before a digit is dropped. A branch checkout
//! (`dev-main`, `2.x-dev`) is no release and cannot be checked: it is reported as unpinned. The line of
//! a package is the line of its `{`.

use serde_json::Value;

use crate::cyclonedx::{json_error, json_lines};
use crate::{Format, LockfileParseError, Package, Parsed, Unpinned, other_error};

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let format = Format::ComposerLock;
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
    let mut out = Parsed::default();
    for (key, dev) in [("packages", false), ("packages-dev", true)] {
        let Some(list) = obj.get(key) else { continue };
        let node = lines.as_ref().and_then(|n| n.get(key));
        let list_line = node.map_or(root_line, |n| n.line);
        let list = match list {
            Value::Array(list) => list,
            // `"packages-dev": null` is what `--no-dev` installs write.
            Value::Null => continue,
            _ => {
                return Err(other_error(
                    format,
                    Some(list_line),
                    None,
                    format!("`{key}` is not an array"),
                ));
            }
        };
        for (i, entry) in list.iter().enumerate() {
            let line = node.and_then(|n| n.index(i)).map_or(list_line, |n| n.line);
            let field = |name: &str| entry.get(name).and_then(Value::as_str).map(str::trim);
            let Some(name) = field("name").filter(|n| !n.is_empty()) else {
                return Err(other_error(
                    format,
                    Some(line),
                    None,
                    format!("an entry of `{key}` has no `name`"),
                ));
            };
            let Some(version) = field("version").filter(|v| !v.is_empty()) else {
                return Err(other_error(
                    format,
                    Some(line),
                    None,
                    format!("package `{name}` has no `version`"),
                ));
            };
            if version.starts_with("dev-") || version.ends_with("-dev") {
                out.unpinned.push(Unpinned {
                    name: name.to_owned(),
                    requirement: version.to_owned(),
                    line,
                });
                continue;
            }
            let version = match version.strip_prefix(['v', 'V']) {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
                _ => version,
            };
            out.packages.push(Package {
                ecosystem: "Packagist".to_owned(),
                name: name.to_owned(),
                version: version.to_owned(),
                line: Some(line),
                dev,
                optional: false,
            });
        }
    }
    Ok(out)
}
