//! CVSS vectors — v2.0, v3.0, v3.1 and v4.0 — parsed and scored exactly as
//! the FIRST specifications say, rounding included.
//!
//! ```
//! use patchwarden_cvss::{Rating, Version};
//!
//! let cvss = patchwarden_cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:W")?;
//! assert_eq!(cvss.version(), Version::V3_1);
//! assert_eq!(cvss.base_score(), 6.1);
//! assert_eq!(cvss.scores().temporal, Some(5.6));
//! assert_eq!(cvss.scores().environmental, None);
//! assert_eq!(cvss.overall_score(), 5.6);
//! assert_eq!(cvss.severity(), Rating::Medium);
//!
//! let v2: patchwarden_cvss::Cvss = "AV:N/AC:L/Au:N/C:P/I:P/A:P".parse()?;
//! assert_eq!((v2.base_score(), v2.severity()), (7.5, Rating::High));
//!
//! let v4 = patchwarden_cvss::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")?;
//! assert_eq!((v4.base_score(), v4.nomenclature()), (8.1, Some("CVSS-BT")));
//! # Ok::<(), patchwarden_cvss::CvssParseError>(())
//! ```
//!
//! - **v2.0**: bare vectors as NVD and OSV store them (`AV:N/AC:L/Au:N/...`;
//!   a `CVSS:2.0/` prefix is tolerated). [`v2`]
//! - **v3.0 / v3.1**: `CVSS:3.0/...`, `CVSS:3.1/...`, with the v3.0/v3.1
//!   differences in the environmental equation. [`v3`]
//! - **v4.0**: `CVSS:4.0/...`, scored by the `cvss` crate. [`v4`]
//!
//! v2 and v3 are computed in exact decimal arithmetic, so scores never fall
//! on the wrong side of a rounding boundary. Scores are checked against the
//! reference Python package `cvss` 3.4 by the crate's differential test.
//!
//! Parsing follows the reference: metrics in any order, every base metric
//! required, no duplicates, case-sensitive names and values, no empty parts,
//! no surrounding whitespace. Not-defined values (`X`, `ND`) are accepted and
//! dropped: the canonical form ([`Display`](fmt::Display)) lists the defined
//! metrics in specification order. Nothing here panics or does IO.
//!
//! Where this crate deliberately differs from the reference implementation:
//!
//! - v3 temporal and environmental scores are `None` unless the vector
//!   defines a metric of that group (as for v2). The reference always
//!   computes them; its v3.1 environmental score without environmental
//!   metrics can even differ from the base score (the v3.1 ModifiedImpact
//!   formula is not the base Impact formula), which is not a meaningful score.
//! - `CVSS:2.0/` before a v2 vector is accepted (and dropped).
//! - v4 canonical strings list metrics in the specification's order (base,
//!   threat, environmental, supplemental), the reference puts threat last.

use core::fmt;
use core::str::FromStr;

mod decimal;
mod error;
mod parse;
pub mod v2;
pub mod v3;
pub mod v4;

pub use error::{CvssParseError, ErrorKind};

/// A CVSS specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// CVSS v2.0.
    V2_0,
    /// CVSS v3.0.
    V3_0,
    /// CVSS v3.1.
    V3_1,
    /// CVSS v4.0.
    V4_0,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V2_0 => "2.0",
            Version::V3_0 => "3.0",
            Version::V3_1 => "3.1",
            Version::V4_0 => "4.0",
        })
    }
}

/// Qualitative severity rating.
///
/// v3.x/v4.0 (specification section 5 / 6): 0.0 none, 0.1–3.9 low, 4.0–6.9
/// medium, 7.0–8.9 high, 9.0–10.0 critical. v2.0 (NVD bands): 0.0–3.9 low,
/// 4.0–6.9 medium, 7.0–10.0 high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rating {
    /// 0.0 (v3, v4 only).
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// 9.0–10.0 (v3, v4 only).
    Critical,
}

impl Rating {
    /// The v3.x/v4.0 rating of a score given in tenths.
    pub(crate) fn from_tenths(tenths: i64) -> Rating {
        match tenths {
            ..=0 => Rating::None,
            1..=39 => Rating::Low,
            40..=69 => Rating::Medium,
            70..=89 => Rating::High,
            _ => Rating::Critical,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rating::None => "none",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        })
    }
}

/// The scores of a vector, each with one decimal (0.0–10.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Base score (for v4.0: the single v4 score, whatever metrics it used).
    pub base: f64,
    /// Temporal score, when the vector defines a temporal metric (v2, v3).
    pub temporal: Option<f64>,
    /// Environmental score, when the vector defines an environmental metric (v2, v3).
    pub environmental: Option<f64>,
}

impl Scores {
    pub(crate) fn from_tenths(
        base: i64,
        temporal: Option<i64>,
        environmental: Option<i64>,
    ) -> Self {
        // Scores are within 0..=100 tenths by construction; the clamp only
        // guards the "never outside 0.0–10.0" promise.
        let score = |tenths: i64| tenths.clamp(0, 100) as f64 / 10.0;
        Scores {
            base: score(base),
            temporal: temporal.map(score),
            environmental: environmental.map(score),
        }
    }
}

/// A parsed CVSS vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cvss {
    /// CVSS v2.0.
    V2(v2::Vector),
    /// CVSS v3.0 or v3.1.
    V3(v3::Vector),
    /// CVSS v4.0.
    V4(v4::Vector),
}

/// Parses a CVSS vector string: `CVSS:4.0/...`, `CVSS:3.1/...`,
/// `CVSS:3.0/...`, or a bare v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`).
pub fn parse(vector: &str) -> Result<Cvss, CvssParseError> {
    parse_kind(vector).map_err(CvssParseError::from)
}

fn parse_kind(vector: &str) -> Result<Cvss, ErrorKind> {
    if vector.is_empty() {
        return Err(ErrorKind::Empty);
    }
    if vector.ends_with('/') {
        return Err(ErrorKind::TrailingSlash);
    }
    let (first, rest) = match vector.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (vector, None),
    };
    if !first
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("CVSS"))
    {
        // No version prefix: CVSS v2.0, whose vectors carry none.
        return v2::Vector::parse_body(Some(vector), 1).map(Cvss::V2);
    }
    match first {
        // Not defined by the v2 guide and rejected by the reference; accepted
        // because a few tools write it and it cannot be mistaken for anything else.
        "CVSS:2.0" => v2::Vector::parse_body(rest, 2).map(Cvss::V2),
        "CVSS:3.0" => v3::Vector::parse_body(Version::V3_0, rest, 2).map(Cvss::V3),
        "CVSS:3.1" => v3::Vector::parse_body(Version::V3_1, rest, 2).map(Cvss::V3),
        "CVSS:4.0" => v4::Vector::parse_body(rest, 2).map(Cvss::V4),
        _ => Err(ErrorKind::UnsupportedVersion {
            prefix: error::quote(first),
        }),
    }
}

impl FromStr for Cvss {
    type Err = CvssParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Cvss {
    /// The specification version.
    pub fn version(&self) -> Version {
        match self {
            Cvss::V2(_) => Version::V2_0,
            Cvss::V3(v) => v.version(),
            Cvss::V4(_) => Version::V4_0,
        }
    }

    /// All scores. For v4.0 the single score is in `base`.
    pub fn scores(&self) -> Scores {
        match self {
            Cvss::V2(v) => v.scores(),
            Cvss::V3(v) => v.scores(),
            Cvss::V4(v) => v.scores(),
        }
    }

    /// The base score (v4.0: the score).
    pub fn base_score(&self) -> f64 {
        self.scores().base
    }

    /// The most specific score present: environmental, else temporal, else
    /// base (v4.0: the score).
    pub fn overall_score(&self) -> f64 {
        let scores = self.scores();
        scores
            .environmental
            .or(scores.temporal)
            .unwrap_or(scores.base)
    }

    /// Qualitative rating of the base score (v2: NVD's low/medium/high bands).
    pub fn severity(&self) -> Rating {
        match self {
            Cvss::V2(v) => v.severity(),
            Cvss::V3(v) => v.severity(),
            Cvss::V4(v) => v.severity(),
        }
    }

    /// v4.0 only: `CVSS-B`, `CVSS-BT`, `CVSS-BE` or `CVSS-BTE` (see
    /// [`v4::Vector::nomenclature`]); `None` for older versions.
    pub fn nomenclature(&self) -> Option<&'static str> {
        match self {
            Cvss::V4(v) => Some(v.nomenclature()),
            Cvss::V2(_) | Cvss::V3(_) => None,
        }
    }
}

/// The canonical vector string.
impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cvss::V2(v) => v.fmt(f),
            Cvss::V3(v) => v.fmt(f),
            Cvss::V4(v) => v.fmt(f),
        }
    }
}
