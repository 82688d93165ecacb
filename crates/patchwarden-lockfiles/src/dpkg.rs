//! The dpkg status database (`/var/lib/dpkg/status`, and the per-package files of
//! `/var/lib/dpkg/status.d/` that distroless images carry): stanzas of `Field: value` lines separated
//! by blank lines.
//!
//! * Installed packages only: a stanza whose `Status` ends in `installed` (`install ok installed`, and
//!   also `hold ok installed`: a held package is installed, and held back from updates). Stanzas of
//!   removed packages (`deinstall ok config-files`), half-installed or unpacked ones are skipped. The
//!   files of `status.d/` have no `Status` field: a stanza without one is taken as installed.
//! * OSV's Debian and Ubuntu advisories are filed under the **source** package: the name is the
//!   `Source` field without its `(version)` part, or the binary package's name when there is no
//!   `Source` (the source is then named like the binary). The version is the binary's `Version` (epoch
//!   included, `1:1.2.13.dfsg-1`), or the version in `Source: name (version)`, which dpkg writes when
//!   the binary's version differs from the source's (binNMUs, `+b1`).
//! * Several binaries of one source give one package: each (source, version) is listed once, at the
//!   `Package:` line of its first stanza.
//! * Ecosystem: the OS's (`ParseContext::os_ecosystem`, e.g. `Debian:12`), else the bare `Debian`.

use std::collections::HashSet;

use crate::{Format, LockfileParseError, Package, ParseContext, Parsed, other_error, to_u32};

#[derive(Default)]
struct Stanza<'a> {
    first_line: u32,
    package: Option<(&'a str, u32)>,
    status: Option<&'a str>,
    version: Option<&'a str>,
    source: Option<&'a str>,
}

pub(crate) fn parse(text: &str, ctx: &ParseContext) -> Result<Parsed, LockfileParseError> {
    let ecosystem = ctx
        .os_ecosystem
        .clone()
        .unwrap_or_else(|| "Debian".to_owned());
    let mut out = Parsed::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut stanza: Option<Stanza<'_>> = None;

    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        let line_no = to_u32(i + 1);
        if line.trim().is_empty() {
            if let Some(s) = stanza.take() {
                finish(s, &ecosystem, &mut out, &mut seen)?;
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if stanza.is_none() {
                return Err(err(line_no, "a continuation line outside any field"));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((field, value)) = line.split_once(':') else {
            return Err(err(line_no, "expected `Field: value`"));
        };
        let s = stanza.get_or_insert_with(|| Stanza {
            first_line: line_no,
            ..Stanza::default()
        });
        let value = value.trim();
        let field = field.trim();
        if field.eq_ignore_ascii_case("Package") {
            s.package = Some((value, line_no));
        } else if field.eq_ignore_ascii_case("Status") {
            s.status = Some(value);
        } else if field.eq_ignore_ascii_case("Version") {
            s.version = Some(value);
        } else if field.eq_ignore_ascii_case("Source") {
            s.source = Some(value);
        }
    }
    Ok(out)
}

fn err(line: u32, message: &str) -> LockfileParseError {
    other_error(Format::DpkgStatus, Some(line), None, message)
}

fn finish(
    s: Stanza<'_>,
    ecosystem: &str,
    out: &mut Parsed,
    seen: &mut HashSet<(String, String)>,
) -> Result<(), LockfileParseError> {
    let Some((package, line)) = s.package.filter(|(p, _)| !p.is_empty()) else {
        return Err(err(s.first_line, "a stanza without a `Package` field"));
    };
    if let Some(status) = s.status
        && status.split_whitespace().last() != Some("installed")
    {
        return Ok(());
    }
    let Some(version) = s.version.filter(|v| !v.is_empty()) else {
        return Err(err(line, &format!("package `{package}` has no `Version`")));
    };
    let (name, version) = match s.source.map(str::trim).filter(|v| !v.is_empty()) {
        Some(source) => match source.split_once(char::is_whitespace) {
            Some((name, rest)) => {
                let rest = rest.trim();
                let source_version = rest
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .map(str::trim)
                    .filter(|v| !v.is_empty());
                (name, source_version.unwrap_or(version))
            }
            None => (source, version),
        },
        None => (package, version),
    };
    if seen.insert((name.to_owned(), version.to_owned())) {
        out.packages.push(Package {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            line: Some(line),
            dev: false,
            optional: false,
        });
    }
    Ok(())
}
