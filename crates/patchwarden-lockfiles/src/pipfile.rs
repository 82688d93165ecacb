//! Pipenv's `Pipfile.lock`: the `default` and `develop` sections, each mapping a name to
//! `{"version": "==1.2.3", "hashes": [...], "markers": ...}`.
//!
//! `develop` entries are dev; a package in both sections at the same version is one package, not
//! dev. An entry without an `==`/`===` version (git, path, file, editable) is
//! reported as [`crate::Unpinned`], its requirement written like pip would (`git+URL@ref`, `-e ./path`).

use crate::js_py::{Collector, error, excerpt};
use crate::npm::json::{self, Value};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::PipfileLock;

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
    let mut c = Collector::new("PyPI");
    for (section, dev) in [("default", false), ("develop", true)] {
        let Some(node) = root.value.get(section) else {
            continue;
        };
        let Some(entries) = node.value.as_object() else {
            return Err(error(
                FORMAT,
                Some(node.line),
                None,
                format!("`{section}` is not an object"),
            ));
        };
        for m in entries {
            let entry = &m.value.value;
            if entry.as_object().is_none() {
                return Err(error(
                    FORMAT,
                    Some(m.line),
                    None,
                    format!("the entry `{}` is not an object", excerpt(&m.key)),
                ));
            }
            let pinned = entry.str("version").and_then(|v| {
                let v = v.trim();
                let exact = v
                    .strip_prefix("===")
                    .or_else(|| v.strip_prefix("=="))?
                    .trim();
                (!exact.is_empty() && !exact.contains(['*', ',', ' '])).then_some(exact)
            });
            match pinned {
                Some(version) => c.package(&m.key, version, Some(m.line), dev, false),
                None => c.unpinned(&m.key, &requirement(entry), m.line),
            }
        }
    }
    Ok(c.finish())
}

/// What an entry without an exact version asks for.
fn requirement(entry: &Value) -> String {
    if let Some(git) = entry.str("git") {
        let url = if git.starts_with("git+") {
            git.to_owned()
        } else {
            format!("git+{git}")
        };
        return match entry.str("ref") {
            Some(r) => format!("{url}@{r}"),
            None => url,
        };
    }
    for key in ["path", "file"] {
        if let Some(p) = entry.str(key) {
            return if entry.bool("editable") {
                format!("-e {p}")
            } else {
                p.to_owned()
            };
        }
    }
    entry.str("version").unwrap_or_default().to_owned()
}
