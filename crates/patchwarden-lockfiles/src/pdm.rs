//! `pdm.lock`: `[metadata]` (`groups`, `lock_version`, …) and `[[package]]` tables with `name`,
//! `version`, `groups` (lock_version ≥ 4.4) and, for packages from elsewhere than an index, `git` (+
//! `revision`/`ref`), `url` or `path` (+ `editable`).
//!
//! Dev: a package whose `groups` lack `default` is dev (pdm.lock does not tell dev groups from
//! optional-dependency groups, so an extra's packages count as dev too); files without per-package
//! `groups` have no dev packages. Nothing is optional. `git` and `url` packages, and `path` ones that
//! are archives, are [`crate::Unpinned`]; other `path` / `editable` packages are the project's own code
//! and skipped.

use crate::js_py::{Collector, LineIndex, error};
use crate::poetry::tomlx::{self, array_of, bool_of, str_of};
use crate::{Format, LockfileParseError, Parsed};

const FORMAT: Format = Format::PdmLock;

const ARCHIVES: [&str; 6] = [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"];

pub(crate) fn parse(text: &str) -> Result<Parsed, LockfileParseError> {
    let lines = LineIndex::new(text);
    let root = tomlx::parse(text, FORMAT, &lines)?;
    let mut c = Collector::new("PyPI");
    for (line, pkg) in tomlx::packages(root.get_ref(), FORMAT, &lines)? {
        let (name, version) = tomlx::name_version(pkg, FORMAT, line)?;
        let dev = array_of(pkg, "groups")
            .is_some_and(|g| !g.iter().any(|g| g.get_ref().as_str() == Some("default")));
        if let Some(git) = str_of(pkg, "git") {
            let git = git.strip_prefix("git+").unwrap_or(git);
            let req = match str_of(pkg, "revision").or_else(|| str_of(pkg, "ref")) {
                Some(rev) => format!("{name} @ git+{git}@{rev}"),
                None => format!("{name} @ git+{git}"),
            };
            c.unpinned(name, &req, line);
        } else if let Some(url) = str_of(pkg, "url") {
            c.unpinned(name, &format!("{name} @ {url}"), line);
        } else if let Some(path) = str_of(pkg, "path") {
            let archive = ARCHIVES
                .iter()
                .any(|a| path.to_ascii_lowercase().ends_with(a));
            if archive && !bool_of(pkg, "editable") {
                c.unpinned(name, &format!("{name} @ {path}"), line);
            }
        } else if bool_of(pkg, "editable") {
            // the project's own code
        } else if let Some(version) = version.filter(|v| !v.trim().is_empty()) {
            c.package(name, version, Some(line), dev, false);
        } else {
            return Err(error(
                FORMAT,
                Some(line),
                None,
                format!(
                    "the package `{}` has no version",
                    crate::js_py::excerpt(name)
                ),
            ));
        }
    }
    Ok(c.finish())
}
