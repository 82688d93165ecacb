//! The estate: layers (how a kind of thing gets patched, by whom, how often) and the assets in them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::duration::PolicyDuration;

/// How often a layer is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    /// Vendor-managed, applied as soon as released.
    Immediate,
    Daily,
    Weekly,
    Monthly,
}

impl Cadence {
    pub const ALL: [Cadence; 4] = [
        Cadence::Immediate,
        Cadence::Daily,
        Cadence::Weekly,
        Cadence::Monthly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Immediate => "immediate",
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    /// The longest gap between two patches this cadence allows (None: no gap is tracked).
    pub fn max_gap(self) -> Option<PolicyDuration> {
        match self {
            Cadence::Immediate => None,
            Cadence::Daily => Some(PolicyDuration::days(1)),
            Cadence::Weekly => Some(PolicyDuration::weeks(1)),
            Cadence::Monthly => Some(PolicyDuration::days(31)),
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Cadence {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cadence::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown cadence \"{s}\" (expected one of immediate, daily, weekly, monthly)"
                )
            })
    }
}

/// A patching layer, e.g. "Base OS (Containers): CTO, rebuild of Docker/OCI images, weekly or on critical
/// alert".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Short identifier used by assets (`layer = "base-os"`).
    pub name: String,
    pub title: String,
    pub responsible: String,
    pub mechanism: String,
    pub cadence: Cadence,
    /// Whether a critical alert demands an out-of-cycle patch ("weekly or on critical alert").
    pub on_critical: bool,
}

/// Something the team runs and patches: a service, an image, a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub name: String,
    pub layer: String,
    pub owner: Option<String>,
    pub environment: Option<String>,
    /// What data is at risk if the asset is compromised (used when assessing exposure).
    pub data_classification: Option<String>,
    /// Lockfiles, SBOMs, image tarballs or root filesystems to scan, relative to the config file.
    pub scan: Vec<String>,
    /// Components that cannot be scanned, declared as `name@version`.
    pub components: Vec<String>,
}
