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
    /// How its changes are tested (`fix` runs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<AssetTest>,
    /// Where its pull requests go (`fix` opens one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forge: Option<Forge>,
}

/// `[assets.test]`: the command that tests a change, and the JUnit reports it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetTest {
    /// Run with `sh -c` in the changed tree.
    pub command: String,
    /// Reports relative to the repository.
    pub junit: Vec<String>,
}

/// `[assets.forge]`: the forge hosting the asset's repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forge {
    pub kind: ForgeKind,
    /// The API's base URL (`https://api.github.com`, `https://gitlab.example/api/v4`,
    /// `https://gitea.example/api/v1`).
    pub api_url: String,
    /// `owner/name` (GitLab: the project path).
    pub repository: String,
    /// The environment variable holding the token (never the token itself).
    pub token_env: String,
    /// The branch pull requests go into.
    pub base: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    Github,
    Gitlab,
    Gitea,
}

impl FromStr for ForgeKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "github" => Ok(ForgeKind::Github),
            "gitlab" => Ok(ForgeKind::Gitlab),
            "gitea" => Ok(ForgeKind::Gitea),
            _ => Err(format!(
                "unknown forge \"{s}\" (expected github, gitlab or gitea)"
            )),
        }
    }
}

/// Where an asset stands against its layer's cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CadenceCheck {
    /// When its next patch is due: the last patch (or, never patched, when the asset was first known)
    /// plus the cadence's gap; None for an `immediate` (vendor-managed) layer.
    pub next_due: Option<chrono::DateTime<chrono::Utc>>,
    /// The cadence was not kept: `next_due` has passed. A finding of its own, due at `next_due`.
    pub missed: bool,
    /// An out-of-cycle patch is due now: the layer patches "on critical alert" and the asset has an open
    /// critical record.
    pub out_of_cycle: bool,
}

/// Checks an asset's cadence on `now`. `last_patched` is its latest patch (a closed record, a successful
/// task linked to it, a patch recorded by hand); `known_since` counts when it was never patched.
pub fn check_cadence(
    layer: &Layer,
    last_patched: Option<chrono::DateTime<chrono::Utc>>,
    known_since: chrono::DateTime<chrono::Utc>,
    open_critical: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> CadenceCheck {
    let next_due = layer
        .cadence
        .max_gap()
        .map(|gap| last_patched.unwrap_or(known_since) + gap.to_chrono());
    CadenceCheck {
        next_due,
        missed: next_due.is_some_and(|due| now > due),
        out_of_cycle: layer.on_critical && open_critical,
    }
}

#[cfg(test)]
mod cadence_tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn layer(cadence: Cadence, on_critical: bool) -> Layer {
        Layer {
            name: "base-os".into(),
            title: "Base OS (Containers)".into(),
            responsible: "CTO".into(),
            mechanism: "rebuild of Docker/OCI images".into(),
            cadence,
            on_critical,
        }
    }

    fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn an_image_not_rebuilt_for_more_than_a_week_has_missed_its_cadence() {
        let weekly = layer(Cadence::Weekly, true);
        let check = check_cadence(&weekly, Some(at(1, 9)), at(1, 0), false, at(8, 9));
        assert_eq!(check.next_due, Some(at(8, 9)));
        assert!(!check.missed, "exactly a week is still on time");
        assert!(check_cadence(&weekly, Some(at(1, 9)), at(1, 0), false, at(8, 10)).missed);
    }

    #[test]
    fn an_asset_never_patched_counts_from_when_it_was_first_known() {
        let monthly = layer(Cadence::Monthly, false);
        let check = check_cadence(&monthly, None, at(1, 0), false, at(20, 0));
        assert_eq!(check.next_due, Some(at(1, 0) + chrono::TimeDelta::days(31)));
        assert!(!check.missed);
    }

    #[test]
    fn a_critical_alert_makes_a_rebuild_due_now_only_where_the_layer_says_so() {
        let check = check_cadence(
            &layer(Cadence::Weekly, true),
            Some(at(7, 0)),
            at(1, 0),
            true,
            at(8, 0),
        );
        assert!(check.out_of_cycle && !check.missed);
        assert!(
            !check_cadence(
                &layer(Cadence::Monthly, false),
                None,
                at(1, 0),
                true,
                at(2, 0)
            )
            .out_of_cycle
        );
    }

    #[test]
    fn vendor_managed_layers_track_no_gap() {
        let check = check_cadence(
            &layer(Cadence::Immediate, false),
            None,
            at(1, 0),
            false,
            at(30, 0),
        );
        assert_eq!((check.next_due, check.missed), (None, false));
    }
}
