//! `poetry.lock`: the pre-1.0 format (`[[package]]` with `category`, hashes under
//! `[metadata.files]`) and lock-version 1.1, 2.0 and 2.1 (per-package `files`, 2.1 with `groups` and
//! `markers`).
//!
//! Also home of the TOML helpers the TOML lockfiles share ([`tomlx`]): `[[package]]` tables with the
//! line of their header.
//!
//! Dev: `groups` without `main` (2.1), else `category = "dev"` (up to 1.1); 2.0 files say neither, so
//! nothing is dev there. Optional: `optional = true` (a dependency only an extra asks for). A `git`,
//! `url` or `file` source is [`crate::Unpinned`] (`name @ git+URL@commit`); a `directory` source is the
//! project's own code and skipped; `legacy` (a private index) and no source are packages.

use crate::js_py::{Collector, LineIndex};
use crate::{Format, LockfileParseError, Parsed};

use tomlx::{bool_of, str_of, table_of};

const FORMAT: Format = Format::PoetryLock;

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let lines = LineIndex::new(text);
    let root = tomlx::parse(text, FORMAT, &lines)?;
    let mut c = Collector::new("PyPI");
    for (line, pkg) in tomlx::packages(root.get_ref(), FORMAT, &lines)? {
        let (name, version) = tomlx::name_version(pkg, FORMAT, line)?;
        let version = version.unwrap_or_default();
        let dev = match tomlx::array_of(pkg, "groups") {
            Some(groups) => !groups.iter().any(|g| g.get_ref().as_str() == Some("main")),
            None => str_of(pkg, "category") == Some("dev"),
        };
        let optional = bool_of(pkg, "optional");
        let source = table_of(pkg, "source");
        let kind = source.and_then(|s| str_of(s, "type")).unwrap_or_default();
        let url = source.and_then(|s| str_of(s, "url")).unwrap_or_default();
        match kind {
            "git" => {
                let rev = source.and_then(|s| {
                    str_of(s, "resolved_reference").or_else(|| str_of(s, "reference"))
                });
                let req = match rev {
                    Some(r) => format!("{name} @ git+{url}@{r}"),
                    None => format!("{name} @ git+{url}"),
                };
                c.unpinned(name, &req, line);
            }
            "url" | "file" => c.unpinned(name, &format!("{name} @ {url}"), line),
            "directory" => {}
            _ if version.is_empty() => {
                return Err(crate::js_py::error(
                    FORMAT,
                    Some(line),
                    None,
                    format!(
                        "the package `{}` has no version",
                        crate::js_py::excerpt(name)
                    ),
                ));
            }
            _ => c.package(name, version, Some(line), dev, optional),
        }
    }
    Ok(c.finish())
}

/// TOML helpers for `poetry.lock`, `uv.lock` and `pdm.lock`.
pub(crate) mod tomlx {
    use toml::Spanned;
    use toml::de::{DeArray, DeTable, DeValue};

    use crate::js_py::{LineIndex, error};
    use crate::{Format, LockfileParseError};

    /// Parses a TOML document; a syntax error gets its line and column.
    pub(crate) fn parse<'i>(
        text: &'i str,
        format: Format,
        lines: &LineIndex<'_>,
    ) -> Result<Spanned<DeTable<'i>>, LockfileParseError> {
        DeTable::parse(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let (l, c) = lines.line_col(span.start);
                    (Some(l), Some(c))
                }
                None => (None, None),
            };
            error(format, line, column, e.message().trim().to_owned())
        })
    }

    pub(crate) fn value_of<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeValue<'i>> {
        t.get(key).map(Spanned::get_ref)
    }

    pub(crate) fn str_of<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
        value_of(t, key)?.as_str()
    }

    pub(crate) fn bool_of(t: &DeTable<'_>, key: &str) -> bool {
        value_of(t, key).and_then(DeValue::as_bool).unwrap_or(false)
    }

    pub(crate) fn table_of<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        value_of(t, key)?.as_table()
    }

    pub(crate) fn array_of<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeArray<'i>> {
        value_of(t, key)?.as_array()
    }

    /// The `[[package]]` tables, each with the line of its header.
    pub(crate) fn packages<'a, 'i>(
        root: &'a DeTable<'i>,
        format: Format,
        lines: &LineIndex<'_>,
    ) -> Result<Vec<(u32, &'a DeTable<'i>)>, LockfileParseError> {
        let Some(value) = root.get("package") else {
            return Ok(Vec::new());
        };
        let not_tables = || {
            error(
                format,
                Some(lines.line(value.span().start)),
                None,
                "`package` is not an array of tables",
            )
        };
        let array = value.get_ref().as_array().ok_or_else(not_tables)?;
        array
            .iter()
            .map(|item| {
                let table = item.get_ref().as_table().ok_or_else(not_tables)?;
                Ok((lines.line(item.span().start), table))
            })
            .collect()
    }

    /// The `name` (required) and `version` of a package table.
    pub(crate) fn name_version<'a>(
        pkg: &'a DeTable<'_>,
        format: Format,
        line: u32,
    ) -> Result<(&'a str, Option<&'a str>), LockfileParseError> {
        let name = str_of(pkg, "name")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| error(format, Some(line), None, "a package without a name"))?;
        let version = match value_of(pkg, "version") {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(|| {
                error(
                    format,
                    Some(line),
                    None,
                    format!(
                        "the version of `{}` is not a string",
                        crate::js_py::excerpt(name)
                    ),
                )
            })?),
        };
        Ok((name, version))
    }
}
