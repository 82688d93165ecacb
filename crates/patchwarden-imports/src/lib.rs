//! Other tools' vulnerability reports, read into one shape: a vulnerability id (with its aliases) in a
//! package version of an ecosystem, with what the report says about severity and fixes.
//!
//! Pure: text in, [`Report`] out, no IO and no panics on any input (fuzzed in `fuzz/`). Which report a
//! text is can be detected from its content ([`detect`]). Errors say where: a JSON syntax error its line
//! and column, a wrong shape the JSON path of the value that is not what the tool's schema says.

mod formats;
mod node;
mod purl;

use std::fmt;
use std::str::FromStr;

pub use purl::{Purl, ecosystem_of};

/// The report formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    OsvScanner,
    PipAudit,
    NpmAudit,
    YarnAudit,
    Trivy,
    Grype,
    CargoAudit,
    Dependabot,
    Sarif,
    CycloneDxVex,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::OsvScanner,
        Format::PipAudit,
        Format::NpmAudit,
        Format::YarnAudit,
        Format::Trivy,
        Format::Grype,
        Format::CargoAudit,
        Format::Dependabot,
        Format::Sarif,
        Format::CycloneDxVex,
    ];

    /// The name used on the command line, and recorded as the finding's source tool.
    pub fn name(self) -> &'static str {
        match self {
            Format::OsvScanner => "osv-scanner",
            Format::PipAudit => "pip-audit",
            Format::NpmAudit => "npm-audit",
            Format::YarnAudit => "yarn-audit",
            Format::Trivy => "trivy",
            Format::Grype => "grype",
            Format::CargoAudit => "cargo-audit",
            Format::Dependabot => "dependabot",
            Format::Sarif => "sarif",
            Format::CycloneDxVex => "cyclonedx-vex",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown report format {s:?}"))
    }
}

/// One vulnerability in one package version, as a report states it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    /// The report's id for the vulnerability (CVE, GHSA, PYSEC, RUSTSEC, …).
    pub id: String,
    /// Other ids the report gives for the same vulnerability.
    pub aliases: Vec<String>,
    /// The OSV ecosystem name (`PyPI`, `npm`, `crates.io`, `Debian:12`, …).
    pub ecosystem: String,
    pub package: String,
    /// The installed version; a vulnerable range where the tool does not report the installed version
    /// (npm audit v2, Dependabot).
    pub version: String,
    /// The report's severity label, lower-case (`critical`, `high`, `moderate`, …).
    pub severity: Option<String>,
    pub cvss_vector: Option<String>,
    pub cvss_score: Option<f64>,
    pub fixed_versions: Vec<String>,
    pub summary: Option<String>,
    /// Where the package was found, as the report says (a lockfile, a manifest, an image layer).
    pub location: Option<String>,
}

/// A report read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub items: Vec<Imported>,
    /// Entries of the report that are not package vulnerabilities findings can be made of, and why
    /// (a SARIF result with no package, a VEX statement of not affected, a dismissed alert).
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}, column {column}: not valid JSON: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
    #[error("not a report of a known format ({0}); name one with --format")]
    Unknown(String),
}

/// Which format a report is, from its content.
pub fn detect(text: &str) -> Result<Format, ImportError> {
    if formats::is_yarn_ndjson(text) {
        return Ok(Format::YarnAudit);
    }
    let value = node::parse_json(text)?;
    formats::detect(&value)
}

/// Reads a report of the given format.
pub fn parse(text: &str, format: Format) -> Result<Report, ImportError> {
    use node::Node;
    let json = || node::parse_json(text);
    match format {
        Format::YarnAudit => formats::yarn_audit(text),
        Format::OsvScanner => formats::osv_scanner(Node::root(&json()?)),
        Format::PipAudit => formats::pip_audit(Node::root(&json()?)),
        Format::NpmAudit => formats::npm_audit(Node::root(&json()?)),
        Format::Trivy => formats::trivy(Node::root(&json()?)),
        Format::Grype => formats::grype(Node::root(&json()?)),
        Format::CargoAudit => formats::cargo_audit(Node::root(&json()?)),
        Format::Dependabot => formats::dependabot(Node::root(&json()?)),
        Format::Sarif => formats::sarif(Node::root(&json()?)),
        Format::CycloneDxVex => formats::cyclonedx_vex(Node::root(&json()?)),
    }
}

/// Whether an id names a vulnerability in a vulnerability database (CVE, GHSA or an OSV database's
/// prefix), rather than a linter's rule.
pub fn is_vulnerability_id(id: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "CVE-", "GHSA-", "PYSEC-", "RUSTSEC-", "GO-", "OSV-", "GSD-", "MAL-", "DSA-", "DLA-",
        "ELA-", "USN-", "ALSA-", "ALPINE-", "RHSA-", "BIT-",
    ];
    PREFIXES.iter().any(|p| {
        id.strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().any(|c| c.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert!("nessus".parse::<Format>().is_err());
    }

    #[test]
    fn vulnerability_ids_are_told_from_rule_ids() {
        assert!(is_vulnerability_id("CVE-2021-23337"));
        assert!(is_vulnerability_id("GHSA-35jh-r3h4-6jhm"));
        assert!(is_vulnerability_id("RUSTSEC-2020-0071"));
        assert!(!is_vulnerability_id("js/sql-injection"));
        assert!(!is_vulnerability_id("CVE-"));
        assert!(!is_vulnerability_id("GO-vet"));
    }
}
