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

mod bun;
mod npm;
mod pdm;
mod pipfile;
mod pnpm;
mod poetry;
mod requirements;
mod uv;
mod yarn;

/// The JavaScript/Python format of a file, by its name (and content where the name is ambiguous).
///
/// `file_name` may be a path relative to the scan root (`requirements/dev.txt`); a backslash counts as `/`.
fn detect_js_python(file_name: &str, head: &[u8]) -> Option<Format> {
    let path = file_name.replace('\\', "/");
    let base = path.rsplit('/').next().unwrap_or(path.as_str());
    let format = match base {
        "package-lock.json" | "npm-shrinkwrap.json" => Format::NpmLock,
        "yarn.lock" => Format::YarnLock,
        "pnpm-lock.yaml" | "pnpm-lock.yml" => Format::PnpmLock,
        "bun.lock" => Format::BunLock,
        "poetry.lock" => Format::PoetryLock,
        "Pipfile.lock" => Format::PipfileLock,
        "uv.lock" => Format::UvLock,
        "pdm.lock" => Format::PdmLock,
        _ if requirements::detect(&path, head) => Format::Requirements,
        _ => return None,
    };
    Some(format)
}

/// Parses a JavaScript/Python format; None for formats of the other block.
///
/// A file that is empty or only whitespace yields no packages, whatever its format.
fn parse_js_python(
    format: Format,
    text: &str,
    _ctx: &ParseContext,
) -> Option<Result<Parsed, LockfileParseError>> {
    let parser: fn(&str) -> Result<Parsed, LockfileParseError> = match format {
        Format::NpmLock => npm::parse,
        Format::YarnLock => yarn::parse,
        Format::PnpmLock => pnpm::parse,
        Format::BunLock => bun::parse,
        Format::PoetryLock => poetry::parse,
        Format::PipfileLock => pipfile::parse,
        Format::UvLock => uv::parse,
        Format::PdmLock => pdm::parse,
        Format::Requirements => requirements::parse,
        _ => return None,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Some(Ok(Parsed::default()));
    }
    Some(parser(text))
}

/// Helpers shared by the JavaScript/Python parsers.
mod js_py {
    use std::collections::HashMap;

    use super::{Format, LockfileParseError, Package, Parsed, Unpinned};

    /// A parse error at a line (and column).
    pub(crate) fn error(
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

    /// Input text quoted in an error message: at most 60 characters.
    pub(crate) fn excerpt(text: &str) -> String {
        match text.char_indices().nth(60) {
            Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
            None => text.to_owned(),
        }
    }

    /// A count or position as a `u32`, saturating.
    pub(crate) fn to_u32(n: usize) -> u32 {
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether a version is a registry version (`1.2.3`, `0.0.0-beta.1`), rather than a URL, path or tag.
    pub(crate) fn is_plain_version(version: &str) -> bool {
        version.as_bytes().first().is_some_and(u8::is_ascii_digit)
    }

    /// Splits `name@rest` (the name may be scoped: `@scope/name@rest`); None without a separating `@`.
    pub(crate) fn split_at_name(spec: &str) -> Option<(&str, &str)> {
        let from = usize::from(spec.starts_with('@'));
        let at = spec.get(from..)?.find('@')? + from;
        Some((spec.get(..at)?, spec.get(at + 1..)?))
    }

    /// Byte offsets → 1-based lines and columns.
    #[derive(Debug)]
    pub(crate) struct LineIndex<'a> {
        text: &'a str,
        starts: Vec<usize>,
    }

    impl<'a> LineIndex<'a> {
        pub(crate) fn new(text: &'a str) -> Self {
            let mut starts = vec![0];
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            LineIndex { text, starts }
        }

        /// The 1-based line of a byte offset.
        pub(crate) fn line(&self, offset: usize) -> u32 {
            to_u32(self.starts.partition_point(|&s| s <= offset).max(1))
        }

        /// The 1-based line and column (in characters) of a byte offset.
        pub(crate) fn line_col(&self, offset: usize) -> (u32, u32) {
            let line = self.line(offset);
            let start = self
                .starts
                .get((line as usize).saturating_sub(1))
                .copied()
                .unwrap_or(0);
            let end = offset.min(self.text.len()).max(start);
            let column = self
                .text
                .as_bytes()
                .get(start..end)
                .map_or(0, |b| String::from_utf8_lossy(b).chars().count());
            (line, to_u32(column + 1))
        }
    }

    /// Gathers what a file yields: one [`Package`] per distinct (name, version), at the line where it
    /// first appears, dev (or optional) only when every occurrence is.
    #[derive(Debug)]
    pub(crate) struct Collector {
        ecosystem: &'static str,
        seen: HashMap<(String, String), usize>,
        parsed: Parsed,
    }

    impl Collector {
        pub(crate) fn new(ecosystem: &'static str) -> Self {
            Collector {
                ecosystem,
                seen: HashMap::new(),
                parsed: Parsed::default(),
            }
        }

        pub(crate) fn package(
            &mut self,
            name: &str,
            version: &str,
            line: Option<u32>,
            dev: bool,
            optional: bool,
        ) {
            let key = (name.to_owned(), version.to_owned());
            if let Some(&i) = self.seen.get(&key) {
                if let Some(p) = self.parsed.packages.get_mut(i) {
                    p.dev &= dev;
                    p.optional &= optional;
                }
                return;
            }
            self.seen.insert(key, self.parsed.packages.len());
            self.parsed.packages.push(Package {
                ecosystem: self.ecosystem.to_owned(),
                name: name.to_owned(),
                version: version.to_owned(),
                line,
                dev,
                optional,
            });
        }

        pub(crate) fn unpinned(&mut self, name: &str, requirement: &str, line: u32) {
            self.parsed.unpinned.push(Unpinned {
                name: name.to_owned(),
                requirement: requirement.to_owned(),
                line,
            });
        }

        pub(crate) fn include(&mut self, path: &str) {
            self.parsed.includes.push(path.to_owned());
        }

        pub(crate) fn finish(self) -> Parsed {
            self.parsed
        }
    }

    /// A dependency graph, to tell dev and optional packages where the file does not say.
    ///
    /// A node reachable from a production root is not dev, and optional unless a path of required
    /// edges from a required production root reaches it. A node reachable from dev roots only is dev,
    /// and optional unless required edges from a required dev root reach it. A node nothing reaches is
    /// neither.
    #[derive(Debug, Default)]
    pub(crate) struct DepGraph {
        edges: Vec<Vec<(usize, bool)>>,
        prod_roots: Vec<(usize, bool)>,
        dev_roots: Vec<(usize, bool)>,
    }

    impl DepGraph {
        pub(crate) fn new(nodes: usize) -> Self {
            DepGraph {
                edges: vec![Vec::new(); nodes],
                ..DepGraph::default()
            }
        }

        /// Adds a node (e.g. a stand-in for "any version of this name"); its index.
        pub(crate) fn add_node(&mut self) -> usize {
            self.edges.push(Vec::new());
            self.edges.len() - 1
        }

        pub(crate) fn edge(&mut self, from: usize, to: usize, optional: bool) {
            if to < self.edges.len() {
                if let Some(e) = self.edges.get_mut(from) {
                    e.push((to, optional));
                }
            }
        }

        pub(crate) fn root(&mut self, node: usize, dev: bool, optional: bool) {
            if node < self.edges.len() {
                if dev {
                    self.dev_roots.push((node, optional));
                } else {
                    self.prod_roots.push((node, optional));
                }
            }
        }

        fn reach(&self, roots: &[(usize, bool)], required_only: bool) -> Vec<bool> {
            let mut seen = vec![false; self.edges.len()];
            let mut stack: Vec<usize> = roots
                .iter()
                .filter(|(_, optional)| !(required_only && *optional))
                .map(|&(n, _)| n)
                .collect();
            while let Some(n) = stack.pop() {
                match seen.get_mut(n) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                for &(to, optional) in self.edges.get(n).map_or(&[][..], Vec::as_slice) {
                    if !(required_only && optional) {
                        stack.push(to);
                    }
                }
            }
            seen
        }

        /// (dev, optional) for every node.
        pub(crate) fn classify(&self) -> Vec<(bool, bool)> {
            let prod = self.reach(&self.prod_roots, false);
            let prod_required = self.reach(&self.prod_roots, true);
            let dev = self.reach(&self.dev_roots, false);
            let dev_required = self.reach(&self.dev_roots, true);
            (0..self.edges.len())
                .map(|i| {
                    let at = |v: &Vec<bool>| v.get(i).copied().unwrap_or(false);
                    if at(&prod) {
                        (false, !at(&prod_required))
                    } else if at(&dev) {
                        (true, !at(&dev_required))
                    } else {
                        (false, false)
                    }
                })
                .collect()
        }
    }
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
    /// Packages declared for an asset in the config (`components = ["pkg:pypi/django@4.2.1"]`): no file.
    Declared,
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
            Format::Declared => "declared components",
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
