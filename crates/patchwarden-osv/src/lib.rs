//! OSV advisories (https://ossf.github.io/osv-schema/) and the CISA KEV catalog: the model, parsing with
//! errors that name the JSON path, an advisory's severity, and the specification's matching of a package
//! version against `affected[]` with the ecosystem's own version ordering.
//!
//! Pure: records come in as bytes; reading zips, directories and URLs is the caller's job.

pub mod kev;
pub mod matching;
pub mod model;
pub mod parse;
pub mod severity;

pub use kev::{DocumentKind, KevCatalog, KevEntry, parse_kev, sniff};
pub use matching::{Unevaluable, Verdict, evaluate};
pub use model::{Advisory, Affected, Event, EventKind, Package, Range, RangeType};
pub use parse::{OsvParseError, parse_advisory};
pub use severity::{AdvisorySeverity, advisory_severity, invalid_vectors};

use patchwarden_versions::Scheme;

/// The key an advisory's package is indexed and looked up by: the ecosystem as OSV writes it and the
/// name as the ecosystem compares names (PEP 503 for PyPI …). Unknown ecosystems keep the name as is.
pub fn package_key(ecosystem: &str, name: &str) -> (String, String) {
    let name = match Scheme::for_ecosystem(ecosystem) {
        Some(scheme) => scheme.normalize_name(name).into_owned(),
        None => name.to_owned(),
    };
    (ecosystem.to_owned(), name)
}

/// The ecosystem without its release suffix: `Debian:12` → `Debian`, `Alpine:v3.18` → `Alpine`.
pub fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem
        .split_once(':')
        .map_or(ecosystem, |(base, _)| base)
}
