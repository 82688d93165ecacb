//! The estate as a use case: each configured asset with its layer, when it was last patched (a closed
//! record, a successful task linked to it, or a patch recorded by hand), when its next patch is due, and
//! whether its cadence was kept; the estate check and its alerts; recording a patch done outside the
//! records.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use patchwarden_core::actor::require_role;
use patchwarden_core::alerts::{EolFinding, cadence_alerts, eol_alert};
use patchwarden_core::{CadenceCheck, Role, Severity, State, check_cadence};
use patchwarden_store::{AssetPatch, RecordFilter};
use serde::Serialize;
use serde_json::json;

use crate::eol::ComponentStatus;
use crate::{App, AppError, Result};

/// An asset and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetStatus {
    pub name: String,
    pub layer: String,
    pub owner: Option<String>,
    pub environment: Option<String>,
    pub data_classification: Option<String>,
    /// The layer's update mechanism and cadence.
    pub mechanism: Option<String>,
    pub cadence: Option<String>,
    pub scan: Vec<String>,
    pub components: Vec<String>,
    pub last_patched: Option<DateTime<Utc>>,
    /// `record <id>`, `manual` or `task:<name>`.
    pub last_patched_via: Option<String>,
    pub next_due: Option<DateTime<Utc>>,
    /// The cadence was not kept: a finding of its own, due at `next_due`.
    pub missed: bool,
    /// A critical record is open and the layer patches "on critical alert": an out-of-cycle patch (a
    /// rebuild, for base images) is due now.
    pub out_of_cycle: bool,
    pub open_records: usize,
    pub open_critical: usize,
    /// The newest open critical record on it (what an out-of-cycle patch answers).
    #[serde(skip)]
    pub newest_critical: Option<i64>,
}

/// What the estate check found: every asset against its cadence, the components past or near their
/// end of life, and how many alerts it raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstateCheck {
    pub assets: Vec<AssetStatus>,
    /// Components of the configured assets (scanned from their `scan` targets, or declared) that are
    /// `unsupported` or `nearing-eol`.
    pub components: Vec<ComponentStatus>,
    /// Alerts raised now (alerted occasions are not raised again).
    pub alerts_raised: usize,
}

impl EstateCheck {
    /// A cadence missed, an out-of-cycle patch due, or an unsupported component: what `--fail` fails on.
    pub fn needs_attention(&self) -> bool {
        self.assets.iter().any(|a| a.missed || a.out_of_cycle)
            || self.components.iter().any(ComponentStatus::is_unsupported)
    }
}

/// The latest patch of each asset among closed records (deployed, else closed).
fn patched_by_records(
    records: &[patchwarden_core::PatchRecord],
) -> HashMap<String, (DateTime<Utc>, String)> {
    let mut latest: HashMap<String, (DateTime<Utc>, String)> = HashMap::new();
    for r in records.iter().filter(|r| r.state == State::Closed) {
        let at = r
            .deployment
            .as_ref()
            .map(|d| d.stamp.at)
            .or_else(|| r.closure.as_ref().map(|c| c.stamp.at));
        if let Some(at) = at
            && latest.get(&r.asset).is_none_or(|(t, _)| at > *t)
        {
            latest.insert(r.asset.clone(), (at, format!("record {}", r.id)));
        }
    }
    latest
}

impl App {
    /// Every configured asset and where it stands against its cadence, now.
    pub async fn asset_statuses(&self) -> Result<Vec<AssetStatus>> {
        let records = self
            .records(&RecordFilter {
                open_only: false,
                ..RecordFilter::default()
            })
            .await?;
        self.asset_statuses_of(&records).await
    }

    /// [`App::asset_statuses`] over `records`, every record read already (with housekeeping applied).
    pub async fn asset_statuses_of(
        &self,
        records: &[patchwarden_core::PatchRecord],
    ) -> Result<Vec<AssetStatus>> {
        let now = self.settings.now;
        let mut last = patched_by_records(records);
        for p in self.store.last_asset_patches().await? {
            if last.get(&p.asset).is_none_or(|(t, _)| p.at > *t) {
                last.insert(p.asset.clone(), (p.at, p.via));
            }
        }
        let known_since: HashMap<String, DateTime<Utc>> =
            self.store.assets_known_since().await?.into_iter().collect();
        let config = &self.settings.config;
        Ok(config
            .assets
            .iter()
            .map(|a| {
                let open: Vec<_> = records
                    .iter()
                    .filter(|r| r.asset == a.name && r.state.is_open())
                    .collect();
                let critical: Vec<i64> = open
                    .iter()
                    .filter(|r| r.severity == Some(Severity::Critical))
                    .map(|r| r.id)
                    .collect();
                let open_critical = critical.len();
                let layer = config.layers.iter().find(|l| l.name == a.layer);
                let (last_patched, via) = last.get(&a.name).cloned().unzip();
                let check = layer.map_or(
                    CadenceCheck {
                        next_due: None,
                        missed: false,
                        out_of_cycle: false,
                    },
                    |l| {
                        let since = known_since.get(&a.name).copied().unwrap_or(now);
                        check_cadence(l, last_patched, since, open_critical > 0, now)
                    },
                );
                AssetStatus {
                    name: a.name.clone(),
                    layer: a.layer.clone(),
                    owner: a.owner.clone(),
                    environment: a.environment.clone(),
                    data_classification: a.data_classification.clone(),
                    mechanism: layer.map(|l| l.mechanism.clone()),
                    cadence: layer.map(|l| l.cadence.to_string()),
                    scan: a.scan.clone(),
                    components: a.components.clone(),
                    last_patched,
                    last_patched_via: via,
                    next_due: check.next_due,
                    missed: check.missed,
                    out_of_cycle: check.out_of_cycle,
                    open_records: open.len(),
                    open_critical,
                    newest_critical: critical.iter().max().copied(),
                }
            })
            .collect())
    }

    /// The estate check (`assets check`, the daily `patchwarden.estate-check`): every asset against its
    /// cadence and every component against its end of life. With `alert`, raises `cadence.missed` (once
    /// per asset and due date), `rebuild.due` (once per asset and critical record), `eol.reached` and
    /// `eol.nearing` (once per component and end-of-life date).
    pub async fn estate_check(&self, alert: bool) -> Result<EstateCheck> {
        let assets = self.asset_statuses().await?;
        let components: Vec<ComponentStatus> = self
            .unsupported_report(&[])
            .await?
            .into_iter()
            .filter(ComponentStatus::needs_action)
            .collect();
        let mut raised = 0;
        if alert {
            let config = &self.settings.config;
            for a in &assets {
                let Some(layer) = config.layers.iter().find(|l| l.name == a.layer) else {
                    continue;
                };
                let check = CadenceCheck {
                    next_due: a.next_due,
                    missed: a.missed,
                    out_of_cycle: a.out_of_cycle,
                };
                for draft in cadence_alerts(&a.name, layer, &check, a.newest_critical) {
                    let details = json!({
                        "asset": a.name,
                        "layer": a.layer,
                        "due_at": draft.due,
                        "last_patched": a.last_patched,
                        "record": a.newest_critical.filter(|_| draft.kind == "rebuild.due"),
                    });
                    raised += usize::from(self.raise_once(&draft, details).await?);
                }
            }
            for c in &components {
                let Some(asset) = &c.asset else { continue };
                let finding = EolFinding {
                    asset,
                    product: &c.component.product,
                    version: &c.component.version,
                    cycle: c.cycle.as_deref(),
                    eol: c.eol,
                    upgrade_to: c.upgrade_to.as_deref(),
                    reached: c.is_unsupported(),
                };
                let draft = eol_alert(&finding, config.policy.unsupported.severity);
                let details = json!({
                    "asset": asset,
                    "product": c.component.product,
                    "version": c.component.version,
                    "source": c.component.source,
                    "cycle": c.cycle,
                    "eol": c.eol,
                    "upgrade_to": c.upgrade_to,
                });
                raised += usize::from(self.raise_once(&draft, details).await?);
            }
        }
        Ok(EstateCheck {
            assets,
            components,
            alerts_raised: raised,
        })
    }

    /// Records that `asset` was patched now, outside the records (a rebuild, a maintenance window): any
    /// role but viewer may.
    pub async fn record_asset_patch(
        &self,
        asset: &str,
        note: Option<String>,
    ) -> Result<AssetPatch> {
        let actor = self.settings.actor()?;
        require_role(
            actor,
            &[
                Role::IncidentCommander,
                Role::EngineeringLead,
                Role::ReleaseOwner,
            ],
            "record a patch of an asset",
        )?;
        if !self.settings.config.assets.iter().any(|a| a.name == asset) {
            return Err(AppError::Input(format!(
                "no asset named \"{asset}\" in the config (configured: {})",
                self.settings
                    .config
                    .assets
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let patch = AssetPatch {
            asset: asset.to_owned(),
            at: self.settings.now,
            actor: actor.name.clone(),
            via: "manual".to_owned(),
            note,
        };
        self.store.record_asset_patch(&patch).await?;
        Ok(patch)
    }
}
