//! Is this package version affected? The OSV specification's evaluation
//! (https://ossf.github.io/osv-schema/#evaluation), with the ecosystem's own version ordering:
//!
//! ```text
//! affected if v is in `versions`, or for some SEMVER/ECOSYSTEM range, v is before its limits and,
//! walking the events sorted by version ("0" first): introduced ≤ v sets affected, fixed ≤ v clears
//! it, last_affected < v clears it.
//! ```
//!
//! GIT ranges describe commits, not package versions, and are not used here.

use std::cmp::Ordering;

use patchwarden_versions::{Scheme, Version, VersionParseError};

use crate::model::{Affected, EventKind, RangeType};

/// The outcome for one `affected[]` entry and one installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Affected; `fixed` lists the fix versions above the installed one that the ranges name, lowest
    /// first (empty: no fix is known).
    Affected {
        fixed: Vec<String>,
    },
    NotAffected,
    /// Cannot be decided: the ecosystem's ordering is not implemented, or a version does not parse.
    Unevaluable(Unevaluable),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unevaluable {
    /// patchwarden has no version ordering for this ecosystem.
    UnsupportedEcosystem(String),
    /// The installed version is not a valid version of the ecosystem.
    InstalledVersion(VersionParseError),
    /// A version in the advisory's ranges is not a valid version of the ecosystem.
    AdvisoryVersion(VersionParseError),
}

/// The ordering a range is evaluated with: SEMVER ranges always use SemVer (Go's flavour for Go, whose
/// versions carry a `v`), ECOSYSTEM ranges the ecosystem's own.
fn range_scheme(ecosystem_scheme: Scheme, kind: RangeType) -> Option<Scheme> {
    match kind {
        RangeType::SemVer if ecosystem_scheme == Scheme::Go => Some(Scheme::Go),
        RangeType::SemVer => Some(Scheme::SemVer),
        RangeType::Ecosystem => Some(ecosystem_scheme),
        RangeType::Git | RangeType::Other => None,
    }
}

/// Evaluates one `affected[]` entry of an advisory for `version` of its package.
pub fn evaluate(affected: &Affected, version: &str) -> Verdict {
    let Some(package) = &affected.package else {
        return Verdict::NotAffected;
    };
    let Some(scheme) = Scheme::for_ecosystem(&package.ecosystem) else {
        return Verdict::Unevaluable(Unevaluable::UnsupportedEcosystem(package.ecosystem.clone()));
    };
    let installed = match scheme.parse(version) {
        Ok(v) => v,
        Err(e) => return Verdict::Unevaluable(Unevaluable::InstalledVersion(e)),
    };
    let listed = affected
        .versions
        .iter()
        .any(|listed| listed == version || scheme.parse(listed).is_ok_and(|l| l == installed));

    let mut affected_by_range = false;
    let mut fixed = Vec::new();
    let mut problem = None;
    for range in &affected.ranges {
        let Some(range_scheme) = range_scheme(scheme, range.kind) else {
            continue;
        };
        let v = if range_scheme == scheme {
            installed.clone()
        } else {
            match range_scheme.parse(version) {
                Ok(v) => v,
                Err(e) => {
                    problem.get_or_insert(Unevaluable::InstalledVersion(e));
                    continue;
                }
            }
        };
        match evaluate_range(range_scheme, &range.events, &v) {
            Ok(RangeOutcome { affected, fixed: f }) => {
                if affected {
                    affected_by_range = true;
                    fixed.extend(f);
                }
            }
            Err(e) => {
                problem.get_or_insert(Unevaluable::AdvisoryVersion(e));
            }
        }
    }
    if listed || affected_by_range {
        fixed.sort_by(|a: &(Version, String), b| a.0.cmp(&b.0));
        fixed.dedup_by(|a, b| a.0 == b.0);
        return Verdict::Affected {
            fixed: fixed.into_iter().map(|(_, s)| s).collect(),
        };
    }
    match problem {
        Some(p) => Verdict::Unevaluable(p),
        None => Verdict::NotAffected,
    }
}

struct RangeOutcome {
    affected: bool,
    /// Fix versions above the installed one, parsed and as written.
    fixed: Vec<(Version, String)>,
}

/// `IncludedInRanges` and `BeforeLimits` of the specification, for one range.
fn evaluate_range(
    scheme: Scheme,
    events: &[crate::model::Event],
    v: &Version,
) -> Result<RangeOutcome, VersionParseError> {
    // (kind, parsed version or None for introduced "0", text)
    let mut parsed = Vec::with_capacity(events.len());
    for event in events {
        let Some((kind, text)) = event.get() else {
            continue;
        };
        let version = if kind == EventKind::Introduced && text == "0" {
            None
        } else {
            Some(scheme.parse(text)?)
        };
        parsed.push((kind, version, text));
    }
    let limits: Vec<&Version> = parsed
        .iter()
        .filter(|(k, _, _)| *k == EventKind::Limit)
        .filter_map(|(_, v, _)| v.as_ref())
        .collect();
    if !limits.is_empty() && !limits.iter().any(|limit| v < *limit) {
        return Ok(RangeOutcome {
            affected: false,
            fixed: Vec::new(),
        });
    }
    // "0" sorts before every version; the sort is stable, so equal versions keep the record's order.
    parsed.sort_by(|a, b| match (&a.1, &b.1) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    let mut affected = false;
    for (kind, version, _) in &parsed {
        match (kind, version) {
            (EventKind::Introduced, None) => affected = true,
            (EventKind::Introduced, Some(e)) if v >= e => affected = true,
            (EventKind::Fixed, Some(e)) if v >= e => affected = false,
            (EventKind::LastAffected, Some(e)) if v > e => affected = false,
            _ => {}
        }
    }
    let fixed = if affected {
        parsed
            .iter()
            .filter(|(k, _, _)| *k == EventKind::Fixed)
            .filter_map(|(_, version, text)| {
                version
                    .as_ref()
                    .filter(|f| *f > v)
                    .map(|f| (f.clone(), (*text).to_owned()))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(RangeOutcome { affected, fixed })
}

#[cfg(test)]
mod tests;
