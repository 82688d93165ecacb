//! People and assets as configured, mirrored into the database so records can refer to them and every
//! change to who may act is itself an audited event.

use chrono::{DateTime, Utc};
use patchwarden_core::{Asset, EventDraft, Person, Role};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// A person as stored: inactive once removed from the config (kept so old records still name them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub person: Person,
    pub active: bool,
}

/// The `settings` column of an asset.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct AssetSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test: Option<patchwarden_core::AssetTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    forge: Option<patchwarden_core::Forge>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAsset {
    pub asset: Asset,
    pub active: bool,
}

/// What a sync changed, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl SyncSummary {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

fn roles_to_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn roles_from_text(text: &str) -> Result<Vec<Role>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|e| StoreError::Corrupt(format!("people.roles: {e}")))
        })
        .collect()
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn list_from_json(text: &str, column: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("assets.{column}: {e}")))
}

/// One planned change: the subject, the action, and details for the audit event.
struct Change {
    name: String,
    action: &'static str,
    details: serde_json::Value,
}

/// Compares configured items with stored ones by name: which to add, change or deactivate.
fn diff<T: PartialEq>(
    configured: &[(String, T)],
    stored: &[(String, T, bool)],
    describe: impl Fn(&T) -> serde_json::Value,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, item) in configured {
        match stored.iter().find(|(n, _, _)| n == name) {
            None => changes.push(Change {
                name: name.clone(),
                action: "added",
                details: describe(item),
            }),
            Some((_, old, active)) if old != item || !active => changes.push(Change {
                name: name.clone(),
                action: "changed",
                details: serde_json::json!({ "before": describe(old), "after": describe(item) }),
            }),
            Some(_) => {}
        }
    }
    for (name, old, active) in stored {
        if *active && !configured.iter().any(|(n, _)| n == name) {
            changes.push(Change {
                name: name.clone(),
                action: "removed",
                details: describe(old),
            });
        }
    }
    changes
}

fn summarize(changes: &[Change]) -> SyncSummary {
    let pick = |action| {
        changes
            .iter()
            .filter(|c| c.action == action)
            .map(|c| c.name.clone())
            .collect()
    };
    SyncSummary {
        added: pick("added"),
        changed: pick("changed"),
        removed: pick("removed"),
    }
}

impl Store {
    pub async fn people(&self) -> Result<Vec<StoredPerson>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT name, email, roles, active FROM people ORDER BY name")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(StoredPerson {
                        person: Person {
                            name: row.try_get("name")?,
                            email: row.try_get("email")?,
                            roles: roles_from_text(row.try_get("roles")?)?,
                        },
                        active: row.try_get("active")?,
                    })
                })
                .collect()
        })
    }

    /// Makes the stored people match the configured ones, in one transaction with one audit event per
    /// change (`person.added`, `person.changed`, `person.removed`).
    pub async fn sync_people(
        &self,
        people: &[Person],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<SyncSummary> {
        let stored: Vec<_> = self
            .people()
            .await?
            .into_iter()
            .map(|s| (s.person.name.clone(), s.person, s.active))
            .collect();
        let configured: Vec<_> = people.iter().map(|p| (p.name.clone(), p.clone())).collect();
        let changes = diff(
            &configured,
            &stored,
            |p| serde_json::json!({ "email": p.email, "roles": roles_to_text(&p.roles) }),
        );
        if changes.is_empty() {
            return Ok(SyncSummary::default());
        }
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            for change in &changes {
                match configured.iter().find(|(n, _)| *n == change.name) {
                    Some((_, p)) => {
                        sqlx::query(
                            "INSERT INTO people (name, email, roles, active, updated_at) \
                             VALUES ($1, $2, $3, TRUE, $4) \
                             ON CONFLICT (name) DO UPDATE SET email = $2, roles = $3, active = TRUE, updated_at = $4",
                        )
                        .bind(&p.name)
                        .bind(&p.email)
                        .bind(roles_to_text(&p.roles))
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("UPDATE people SET active = FALSE, updated_at = $2 WHERE name = $1")
                            .bind(&change.name)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                append_in_tx!(tx, EventDraft::new(
                    at,
                    actor,
                    format!("person.{}", change.action),
                    format!("person:{}", change.name),
                    change.details.to_string(),
                ));
            }
            tx.commit().await?;
            Ok(summarize(&changes))
        })
    }

    pub async fn assets(&self) -> Result<Vec<StoredAsset>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT name, layer, owner, environment, data_classification, scan, components, settings, \
                 active FROM assets ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let settings: String = row.try_get("settings")?;
                    let settings: AssetSettings = serde_json::from_str(&settings)
                        .map_err(|e| StoreError::Corrupt(format!("assets.settings: {e}")))?;
                    Ok(StoredAsset {
                        asset: Asset {
                            test: settings.test,
                            forge: settings.forge,
                            name: row.try_get("name")?,
                            layer: row.try_get("layer")?,
                            owner: row.try_get("owner")?,
                            environment: row.try_get("environment")?,
                            data_classification: row.try_get("data_classification")?,
                            scan: list_from_json(row.try_get("scan")?, "scan")?,
                            components: list_from_json(row.try_get("components")?, "components")?,
                        },
                        active: row.try_get("active")?,
                    })
                })
                .collect()
        })
    }

    /// Makes the stored assets match the configured ones (`asset.added`, `asset.changed`, `asset.removed`).
    pub async fn sync_assets(
        &self,
        assets: &[Asset],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<SyncSummary> {
        let stored: Vec<_> = self
            .assets()
            .await?
            .into_iter()
            .map(|s| (s.asset.name.clone(), s.asset, s.active))
            .collect();
        let configured: Vec<_> = assets.iter().map(|a| (a.name.clone(), a.clone())).collect();
        let changes = diff(&configured, &stored, |a| {
            serde_json::to_value(a).unwrap_or(serde_json::Value::Null)
        });
        if changes.is_empty() {
            return Ok(SyncSummary::default());
        }
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            for change in &changes {
                match configured.iter().find(|(n, _)| *n == change.name) {
                    Some((_, a)) => {
                        sqlx::query(
                            "INSERT INTO assets (name, layer, owner, environment, data_classification, scan, \
                             components, active, updated_at, settings) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9) \
                             ON CONFLICT (name) DO UPDATE SET layer = $2, owner = $3, environment = $4, \
                             data_classification = $5, scan = $6, components = $7, active = TRUE, \
                             updated_at = $8, settings = $9",
                        )
                        .bind(&a.name)
                        .bind(&a.layer)
                        .bind(&a.owner)
                        .bind(&a.environment)
                        .bind(&a.data_classification)
                        .bind(json_list(&a.scan))
                        .bind(json_list(&a.components))
                        .bind(at)
                        .bind(
                            serde_json::to_string(&AssetSettings {
                                test: a.test.clone(),
                                forge: a.forge.clone(),
                            })
                            .unwrap_or_else(|_| "{}".into()),
                        )
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("UPDATE assets SET active = FALSE, updated_at = $2 WHERE name = $1")
                            .bind(&change.name)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                append_in_tx!(tx, EventDraft::new(
                    at,
                    actor,
                    format!("asset.{}", change.action),
                    format!("asset:{}", change.name),
                    change.details.to_string(),
                ));
            }
            tx.commit().await?;
            Ok(summarize(&changes))
        })
    }
}

/// A patch applied to an asset outside the patch records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPatch {
    pub asset: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `manual`, or `task:<name> run <id>`.
    pub via: String,
    pub note: Option<String>,
}

/// Inserts `$patch` (an [`AssetPatch`]) and its `asset.patched` event in the open transaction `$tx`.
macro_rules! insert_asset_patch_in_tx {
    ($tx:expr, $patch:expr) => {{
        let patch: &$crate::estate::AssetPatch = $patch;
        sqlx::query("INSERT INTO asset_patches (asset, at, actor, via, note) VALUES ($1, $2, $3, $4, $5)")
            .bind(&patch.asset)
            .bind(patch.at)
            .bind(&patch.actor)
            .bind(&patch.via)
            .bind(&patch.note)
            .execute(&mut *$tx)
            .await?;
        $crate::audit::append_in_tx!($tx, patchwarden_core::EventDraft::new(
            patch.at,
            &patch.actor,
            "asset.patched",
            format!("asset:{}", patch.asset),
            serde_json::json!({"via": patch.via, "note": patch.note}).to_string(),
        ));
    }};
}
pub(crate) use insert_asset_patch_in_tx;

impl Store {
    /// Records a patch of an asset, with its audit event, in one transaction.
    pub async fn record_asset_patch(&self, patch: &AssetPatch) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_asset_patch_in_tx!(tx, patch);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The latest patch recorded for each asset.
    pub async fn last_asset_patches(&self) -> Result<Vec<AssetPatch>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT p.asset, p.at, p.actor, p.via, p.note FROM asset_patches p \
                 WHERE p.id = (SELECT q.id FROM asset_patches q WHERE q.asset = p.asset \
                               ORDER BY q.at DESC, q.id DESC LIMIT 1) ORDER BY p.asset",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AssetPatch {
                        asset: r.try_get("asset")?,
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        via: r.try_get("via")?,
                        note: r.try_get("note")?,
                    })
                })
                .collect()
        })
    }

    /// When each asset first appeared in the audit log (its `asset.added` event).
    pub async fn assets_known_since(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT subject, MIN(at) AS first FROM audit_events \
                 WHERE subject LIKE 'asset:%' GROUP BY subject",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let subject: String = r.try_get("subject")?;
                    let first: DateTime<Utc> = r.try_get("first")?;
                    Ok((subject.trim_start_matches("asset:").to_owned(), first))
                })
                .collect()
        })
    }
}
