//! The apk database of Alpine (`/lib/apk/db/installed`): one record per installed package, records
//! separated by blank lines, each line `X:value` with a one-letter key (`P` name, `V` version, `o`
//! origin, …).
//!
//! OSV's Alpine advisories are filed under the **origin** (source) package (`libcrypto3` and `libssl3`
//! are built from `openssl`): the name is the `o:` field, or `P:` when a record has no origin. A
//! source's binaries share its version, so (origin, version) is listed once, at the first record's
//! line (the record's first line). Ecosystem: the OS's (`ParseContext::os_ecosystem`, e.g.
//! `Alpine:v3.18`), else the bare `Alpine`.

use std::collections::HashSet;

use crate::{Format, LockfileParseError, Package, ParseContext, Parsed, other_error, to_u32};

/// Whether `head` looks like an apk database: its first line is `X:value` with one of the keys a
/// record starts with.
pub(crate) fn looks_like(head: &str) -> bool {
    let first = head.lines().next().unwrap_or_default();
    ["C:", "P:", "V:", "A:"]
        .iter()
        .any(|k| first.starts_with(k))
}

#[derive(Default)]
struct Record<'a> {
    first_line: u32,
    name: Option<&'a str>,
    version: Option<&'a str>,
    origin: Option<&'a str>,
}

pub(crate) fn parse(text: &str, ctx: &ParseContext) -> Result<Parsed, LockfileParseError> {
    let ecosystem = ctx
        .os_ecosystem
        .clone()
        .unwrap_or_else(|| "Alpine".to_owned());
    let mut out = Parsed::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut record: Option<Record<'_>> = None;
    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        let line_no = to_u32(i + 1);
        if line.trim().is_empty() {
            let Some(r) = record.take() else { continue };
            let Some(name) = r.name.filter(|n| !n.is_empty()) else {
                return Err(err(
                    r.first_line,
                    "a record without a `P:` (package name) line",
                ));
            };
            let Some(version) = r.version.filter(|v| !v.is_empty()) else {
                return Err(err(
                    r.first_line,
                    &format!("package `{name}` has no `V:` (version) line"),
                ));
            };
            let name = r.origin.filter(|o| !o.is_empty()).unwrap_or(name);
            if seen.insert((name.to_owned(), version.to_owned())) {
                out.packages.push(Package {
                    ecosystem: ecosystem.clone(),
                    name: name.to_owned(),
                    version: version.to_owned(),
                    line: Some(r.first_line),
                    dev: false,
                    optional: false,
                });
            }
            continue;
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphanumeric() {
            return Err(err(line_no, "expected a `X:value` line"));
        }
        let r = record.get_or_insert_with(|| Record {
            first_line: line_no,
            ..Record::default()
        });
        let value = line[2..].trim();
        match bytes[0] {
            b'P' => r.name = Some(value),
            b'V' => r.version = Some(value),
            b'o' => r.origin = Some(value),
            _ => {}
        }
    }
    Ok(out)
}

fn err(line: u32, message: &str) -> LockfileParseError {
    other_error(Format::ApkInstalled, Some(line), None, message)
}
