//! Lockfiles, OS package databases and SBOMs → the packages they install.
//!
//! One module per format. Each parser takes the file's text (no IO: finding files, following
//! `-r` includes and reading `/etc/os-release` are the caller's job) and returns every package with the
//! OSV ecosystem it belongs to, its version, the line it came from and whether it is a dev or optional
//! dependency. A malformed file gets a [`LockfileParseError`] with the line where the problem is.

use std::fmt;

use serde::Serialize;

// ---- formats of the JavaScript and Python ecosystems (one engineer edits this block) ----
// (modules: npm, yarn, pnpm, bun, poetry, pipfile, uv, pdm, requirements)

/// The JavaScript/Python format of a file, by its name (and content where the name is ambiguous).
fn detect_js_python(_file_name: &str, _head: &[u8]) -> Option<Format> {
    None
}

/// Parses a JavaScript/Python format; None for formats of the other block.
fn parse_js_python(
    _format: Format,
    _text: &str,
    _ctx: &ParseContext,
) -> Option<Result<Parsed, LockfileParseError>> {
    None
}
// ---- end of JavaScript and Python block ----

// ---- formats of other ecosystems, OS databases and SBOMs (another engineer edits this block) ----
// (modules: cargo, gomod, gemfile, composer, dpkg, apk, os_release, purl, cyclonedx, spdx)

mod apk;
mod cargo;
mod composer;
mod cyclonedx;
mod dpkg;
mod gemfile;
mod gomod;
mod os_release;
mod purl;
mod spdx;

pub use os_release::os_ecosystem;
pub use purl::{PurlPackage, parse_purl};

/// The format of a file of the other ecosystems, OS databases or SBOMs, by its name or content.
///
/// `file_name` may be a bare name or a path (`/` or `\\` separated): the dpkg and apk databases are
/// recognised by their place in the file system (`…/var/lib/dpkg/status`, `…/lib/apk/db/installed`) or,
/// under their bare names `status` / `installed`, by their first bytes. SBOMs are recognised by their
/// conventional names (`bom.json`, `*.cdx.json`, `bom.xml`, `*.cdx.xml`, `*.spdx.json`) or, for any
/// `.json` / `.xml` file, by `"bomFormat": "CycloneDX"`, a `<bom … cyclonedx.org/schema/bom…>` root or
/// `"spdxVersion"` in `head`.
fn detect_other(file_name: &str, head: &[u8]) -> Option<Format> {
    let path = file_name.replace('\\', "/");
    let base = path.rsplit('/').next().unwrap_or(path.as_str());
    let head = String::from_utf8_lossy(head);
    let head = head.trim_start_matches('\u{feff}');
    match base {
        "Cargo.lock" => return Some(Format::CargoLock),
        "go.mod" => return Some(Format::GoMod),
        "Gemfile.lock" | "gems.locked" => return Some(Format::GemfileLock),
        "composer.lock" => return Some(Format::ComposerLock),
        _ => {}
    }
    if path.ends_with("var/lib/dpkg/status")
        || path.contains("var/lib/dpkg/status.d/")
        || (base == "status" && head.starts_with("Package:"))
    {
        return Some(Format::DpkgStatus);
    }
    if path.ends_with("lib/apk/db/installed") || (base == "installed" && apk::looks_like(head)) {
        return Some(Format::ApkInstalled);
    }
    let lower = base.to_ascii_lowercase();
    if lower.ends_with(".spdx.json") {
        return Some(Format::SpdxJson);
    }
    if lower == "bom.json" || lower.ends_with(".cdx.json") {
        return Some(Format::CycloneDxJson);
    }
    if lower == "bom.xml" || lower.ends_with(".cdx.xml") {
        return Some(Format::CycloneDxXml);
    }
    if lower.ends_with(".json") {
        if head.contains("\"bomFormat\"") && head.contains("\"CycloneDX\"") {
            return Some(Format::CycloneDxJson);
        }
        if head.contains("\"spdxVersion\"") {
            return Some(Format::SpdxJson);
        }
    }
    if lower.ends_with(".xml") && head.contains("<bom") && head.contains("cyclonedx.org/schema/bom")
    {
        return Some(Format::CycloneDxXml);
    }
    None
}

/// Parses a format of this block; None for formats of the other block.
fn parse_other(
    format: Format,
    text: &str,
    ctx: &ParseContext,
) -> Option<Result<Parsed, LockfileParseError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ours = matches!(
        format,
        Format::CargoLock
            | Format::GoMod
            | Format::GemfileLock
            | Format::ComposerLock
            | Format::DpkgStatus
            | Format::ApkInstalled
            | Format::CycloneDxJson
            | Format::CycloneDxXml
            | Format::SpdxJson
    );
    // An empty file installs nothing, whatever its format.
    if ours && text.trim().is_empty() {
        return Some(Ok(Parsed::default()));
    }
    let result = match format {
        Format::CargoLock => cargo::parse(text),
        Format::GoMod => gomod::parse(text),
        Format::GemfileLock => gemfile::parse(text),
        Format::ComposerLock => composer::parse(text),
        Format::DpkgStatus => dpkg::parse(text, ctx),
        Format::ApkInstalled => apk::parse(text, ctx),
        Format::CycloneDxJson => cyclonedx::parse_json(text),
        Format::CycloneDxXml => cyclonedx::parse_xml(text),
        Format::SpdxJson => spdx::parse(text),
        _ => return None,
    };
    Some(result)
}

/// An error of `format` at `line` (1-based), for the parsers of this block.
fn other_error(
    format: Format,
    line: Option<u32>,
    column: Option<u32>,
    message: impl Into<String>,
) -> LockfileParseError {
    LockfileParseError {
        format,
        line,
        column,
        message: message.into(),
    }
}

/// A count or index as the u32 of [`Package::line`], saturating.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
// ---- end of other block ----

/// A package a lockfile, database or SBOM says is installed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// The OSV ecosystem: `npm`, `PyPI`, `crates.io`, `Go`, `RubyGems`, `Packagist`, `Debian:12`,
    /// `Ubuntu:22.04`, `Alpine:v3.18`, …
    pub ecosystem: String,
    /// The name as the file writes it (matching normalises it per ecosystem).
    pub name: String,
    pub version: String,
    /// 1-based line of the entry in the file, where the format has lines worth pointing at.
    pub line: Option<u32>,
    /// A development-only dependency (npm `dev`, poetry `category = "dev"` / groups, Pipfile `develop`, …).
    pub dev: bool,
    /// An optional dependency (npm `optional`, poetry `optional = true`, …).
    pub optional: bool,
}

/// A requirement that names no exact version (e.g. `flask>=2` in requirements.txt): it cannot be
/// checked against advisories, and is reported rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unpinned {
    pub name: String,
    /// The requirement as written.
    pub requirement: String,
    pub line: u32,
}

/// What a file yields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Parsed {
    pub packages: Vec<Package>,
    pub unpinned: Vec<Unpinned>,
    /// Other files this one includes (requirements `-r` / `-c`), as written, relative to this file.
    pub includes: Vec<String>,
}

/// Why a file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockfileParseError {
    pub format: Format,
    /// 1-based line (and column, where known) of the problem.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl fmt::Display for LockfileParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        write!(f, "invalid {}: {}", self.format.name(), self.message)
    }
}

impl std::error::Error for LockfileParseError {}

/// Context a parser may need beyond the file itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseContext {
    /// The OSV ecosystem of the operating system the file belongs to (from `/etc/os-release`, e.g.
    /// `Debian:12`), for dpkg and apk databases. None: the parser says what it can.
    pub os_ecosystem: Option<String>,
}

/// Every format patchwarden reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    NpmLock,
    YarnLock,
    PnpmLock,
    BunLock,
    PoetryLock,
    PipfileLock,
    UvLock,
    PdmLock,
    Requirements,
    CargoLock,
    GoMod,
    GemfileLock,
    ComposerLock,
    DpkgStatus,
    ApkInstalled,
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
}

impl Format {
    /// A human name, e.g. "package-lock.json".
    pub fn name(self) -> &'static str {
        match self {
            Format::NpmLock => "package-lock.json",
            Format::YarnLock => "yarn.lock",
            Format::PnpmLock => "pnpm-lock.yaml",
            Format::BunLock => "bun.lock",
            Format::PoetryLock => "poetry.lock",
            Format::PipfileLock => "Pipfile.lock",
            Format::UvLock => "uv.lock",
            Format::PdmLock => "pdm.lock",
            Format::Requirements => "requirements.txt",
            Format::CargoLock => "Cargo.lock",
            Format::GoMod => "go.mod",
            Format::GemfileLock => "Gemfile.lock",
            Format::ComposerLock => "composer.lock",
            Format::DpkgStatus => "dpkg status database",
            Format::ApkInstalled => "apk installed database",
            Format::CycloneDxJson => "CycloneDX JSON SBOM",
            Format::CycloneDxXml => "CycloneDX XML SBOM",
            Format::SpdxJson => "SPDX JSON SBOM",
        }
    }
}

/// The format of a file, judged by its name (`package-lock.json`, `requirements-dev.txt`, `status` under
/// `dpkg`, …) and, where the name is not enough, by the first bytes of its content.
pub fn detect(file_name: &str, head: &[u8]) -> Option<Format> {
    detect_js_python(file_name, head).or_else(|| detect_other(file_name, head))
}

/// Parses a file of a known format.
pub fn parse(format: Format, text: &str, ctx: &ParseContext) -> Result<Parsed, LockfileParseError> {
    parse_js_python(format, text, ctx)
        .or_else(|| parse_other(format, text, ctx))
        .unwrap_or_else(|| {
            Err(LockfileParseError {
                format,
                line: None,
                column: None,
                message: "no parser for this format".to_owned(),
            })
        })
}
