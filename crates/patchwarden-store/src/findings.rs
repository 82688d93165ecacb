//! Scans and findings: recording what a scan saw for an asset, keeping each finding's first detection
//! (the remediation clock does not restart) and marking what a scan no longer sees.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use patchwarden_core::policy::RemediationTargets;
use patchwarden_core::{EventDraft, Severity};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// What one scan saw: a vulnerability in a package of the asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The alias group's id.
    pub vulnerability: String,
    pub ecosystem: String,
    pub package: String,
    pub version: String,
    pub advisory_ids: Vec<String>,
    pub aliases: Vec<String>,
    /// None: no severity is known.
    pub severity: Option<Severity>,
    pub cvss_score: Option<f64>,
    pub kev: bool,
    pub fixed_versions: Vec<String>,
    pub source: String,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub asset: String,
    pub started_at: DateTime<Utc>,
    pub targets: Vec<String>,
    pub packages: i64,
    pub unevaluated: i64,
}

/// A finding as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub id: i64,
    pub asset: String,
    pub observation: Observation,
    pub detected_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub first_scan: i64,
    pub last_seen_scan: i64,
    pub last_seen_at: DateTime<Utc>,
    /// The first scan that no longer saw it.
    pub not_detected_since: Option<i64>,
    /// The tools that still see it (`patchwarden` for its own scans), by name.
    pub sources: Vec<String>,
}

/// Which findings to list a page of: every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    pub asset: Option<String>,
    pub severity: Option<Severity>,
    /// Only those the last scan of their asset still saw.
    pub open_only: bool,
}

/// What recording a scan did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedScan {
    pub scan_id: i64,
    /// The findings this scan saw, as now stored (first detection kept).
    pub findings: Vec<StoredFinding>,
    pub new: usize,
    /// Findings of the asset this scan no longer saw.
    pub gone: Vec<StoredFinding>,
}

/// The tool name of patchwarden's own scans among a finding's sources.
pub const OWN_TOOL: &str = "patchwarden";

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn list(text: &str, column: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("findings.{column}: {e}")))
}

fn severity_text(s: Option<Severity>) -> &'static str {
    s.map_or("unknown", Severity::as_str)
}

fn key(o: &Observation) -> (String, String, String) {
    (
        o.vulnerability.clone(),
        o.ecosystem.clone(),
        o.package.clone(),
    )
}

const SELECT: &str = "SELECT id, asset, vulnerability, ecosystem, package, version, advisory_ids, aliases, \
    severity, cvss_score, kev, fixed_versions, source, summary, detected_at, due_at, first_scan, \
    last_seen_scan, last_seen_at, not_detected_since FROM findings";

macro_rules! finding_from_row {
    ($r:expr) => {{
        let r = $r;
        let severity: String = r.try_get("severity")?;
        StoredFinding {
            id: r.try_get("id")?,
            asset: r.try_get("asset")?,
            observation: Observation {
                vulnerability: r.try_get("vulnerability")?,
                ecosystem: r.try_get("ecosystem")?,
                package: r.try_get("package")?,
                version: r.try_get("version")?,
                advisory_ids: list(r.try_get("advisory_ids")?, "advisory_ids")?,
                aliases: list(r.try_get("aliases")?, "aliases")?,
                severity: severity.parse().ok(),
                cvss_score: r.try_get("cvss_score")?,
                kev: r.try_get("kev")?,
                fixed_versions: list(r.try_get("fixed_versions")?, "fixed_versions")?,
                source: r.try_get("source")?,
                summary: r.try_get("summary")?,
            },
            detected_at: r.try_get("detected_at")?,
            due_at: r.try_get("due_at")?,
            first_scan: r.try_get("first_scan")?,
            last_seen_scan: r.try_get("last_seen_scan")?,
            last_seen_at: r.try_get("last_seen_at")?,
            not_detected_since: r.try_get("not_detected_since")?,
            sources: Vec::new(),
        }
    }};
}

impl Store {
    /// Findings, optionally of one asset, optionally only those the last scan still saw.
    pub async fn findings(
        &self,
        asset: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<StoredFinding>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(&format!(
                "{SELECT} WHERE (CAST($1 AS TEXT) IS NULL OR asset = $1) AND (NOT $2 OR not_detected_since IS NULL) \
                 ORDER BY asset, id"
            ))
            .bind(asset)
            .bind(open_only)
            .fetch_all(pool)
            .await?;
            let sources = sqlx::query(
                "SELECT s.finding_id AS finding_id, s.tool AS tool FROM finding_sources s \
                 JOIN findings f ON f.id = s.finding_id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR f.asset = $1) AND s.not_detected_since IS NULL ORDER BY s.tool",
            )
            .bind(asset)
            .fetch_all(pool)
            .await?;
            let mut by_finding: HashMap<i64, Vec<String>> = HashMap::new();
            for r in &sources {
                by_finding.entry(r.try_get("finding_id")?).or_default().push(r.try_get("tool")?);
            }
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut f = finding_from_row!(r);
                f.sources = by_finding.remove(&f.id).unwrap_or_default();
                out.push(f);
            }
            Ok(out)
        })
    }

    /// How many findings match `query`, and those at `offset..offset + limit` in (asset, id) order, filtered,
    /// counted and paged in the database in one read transaction.
    pub async fn findings_page(
        &self,
        query: &FindingQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<StoredFinding>)> {
        // Only the conditions given, so that the database can use the asset index.
        let mut conditions = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        for (column, value) in [
            ("asset", query.asset.as_deref()),
            ("severity", query.severity.map(Severity::as_str)),
        ] {
            if let Some(v) = value {
                values.push(v);
                conditions.push(format!("{column} = ${}", values.len()));
            }
        }
        if query.open_only {
            conditions.push("not_detected_since IS NULL".to_owned());
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM findings {filter}");
        let page_sql = format!(
            "{SELECT} {filter} ORDER BY asset, id LIMIT ${} OFFSET ${}",
            values.len() + 1,
            values.len() + 2
        );
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut count = sqlx::query(&count_sql);
            for v in &values {
                count = count.bind(*v);
            }
            let total: i64 = count.fetch_one(&mut *tx).await?.try_get("n")?;
            let mut page = sqlx::query(&page_sql);
            for v in &values {
                page = page.bind(*v);
            }
            let rows = page.bind(limit).bind(offset).fetch_all(&mut *tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(finding_from_row!(r));
            }
            if !out.is_empty() {
                // The tools that still see each finding of the page, as `findings` gives them.
                let placeholders: Vec<String> = (1..=out.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT finding_id, tool FROM finding_sources \
                     WHERE finding_id IN ({}) AND not_detected_since IS NULL ORDER BY tool",
                    placeholders.join(", ")
                );
                let mut sources = sqlx::query(&sql);
                for f in &out {
                    sources = sources.bind(f.id);
                }
                let mut by_finding: HashMap<i64, Vec<String>> = HashMap::new();
                for r in &sources.fetch_all(&mut *tx).await? {
                    by_finding.entry(r.try_get("finding_id")?).or_default().push(r.try_get("tool")?);
                }
                for f in &mut out {
                    f.sources = by_finding.remove(&f.id).unwrap_or_default();
                }
            }
            tx.commit().await?;
            Ok((total, out))
        })
    }

    /// The first scan after `after` that no longer saw this vulnerability on this asset: the re-scan that
    /// proves a deploy removed it.
    pub async fn scan_without(
        &self,
        asset: &str,
        vulnerability: &str,
        after: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT s.id AS id FROM findings f JOIN scans s ON s.id = f.not_detected_since \
                 WHERE f.asset = $1 AND f.vulnerability = $2 AND s.started_at >= $3 ORDER BY s.id LIMIT 1",
            )
            .bind(asset)
            .bind(vulnerability)
            .bind(after)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(r) => Ok(Some(r.try_get("id")?)),
                None => Ok(None),
            }
        })
    }

    /// Records a scan of one asset by patchwarden itself; see [`Store::record_run`].
    pub async fn record_scan(
        &self,
        scan: &NewScan,
        observations: &[Observation],
        targets: &RemediationTargets,
        actor: &str,
    ) -> Result<RecordedScan> {
        self.record_run(scan, OWN_TOOL, observations, targets, actor)
            .await
    }

    /// Records one run of a tool (patchwarden's own scan, or an imported report of another tool) for
    /// one asset and what it saw, in one transaction with one audit event. New findings get
    /// `detected_at` = the run's start; findings seen before, by this tool or another, keep theirs (their
    /// due date follows the current severity from that first detection). The tool is recorded as a
    /// source of each finding it saw; findings this tool saw before and no longer sees lose it as a
    /// source, and are marked `not_detected_since` this run only when no other tool still sees them.
    pub async fn record_run(
        &self,
        scan: &NewScan,
        tool: &str,
        observations: &[Observation],
        targets: &RemediationTargets,
        actor: &str,
    ) -> Result<RecordedScan> {
        let due = |severity: Option<Severity>, detected: DateTime<Utc>| {
            severity.map(|s| detected + targets.for_severity(s).to_chrono())
        };
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let scan_id: i64 = sqlx::query(
                "INSERT INTO scans (asset, started_at, targets, packages, findings, unevaluated, tool) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&scan.asset)
            .bind(scan.started_at)
            .bind(json_list(&scan.targets))
            .bind(scan.packages)
            .bind(observations.len() as i64)
            .bind(scan.unevaluated)
            .bind(tool)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;

            let rows = sqlx::query(&format!("{SELECT} WHERE asset = $1"))
                .bind(&scan.asset)
                .fetch_all(&mut *tx)
                .await?;
            let mut existing = HashMap::new();
            for r in &rows {
                let f = finding_from_row!(r);
                existing.insert(key(&f.observation), f);
            }
            // The tools that still see each finding of the asset.
            let rows = sqlx::query(
                "SELECT s.finding_id AS finding_id, s.tool AS tool FROM finding_sources s \
                 JOIN findings f ON f.id = s.finding_id WHERE f.asset = $1 AND s.not_detected_since IS NULL",
            )
            .bind(&scan.asset)
            .fetch_all(&mut *tx)
            .await?;
            let mut seen_by: HashMap<i64, BTreeSet<String>> = HashMap::new();
            for r in &rows {
                seen_by.entry(r.try_get("finding_id")?).or_default().insert(r.try_get("tool")?);
            }

            let mut seen = Vec::with_capacity(observations.len());
            let mut new = 0;
            for o in observations {
                let previous = existing.remove(&key(o));
                let (detected_at, first_scan) = previous
                    .as_ref()
                    .map_or((scan.started_at, scan_id), |p| (p.detected_at, p.first_scan));
                new += usize::from(previous.is_none());
                let o = match &previous {
                    Some(p) => merged(&p.observation, o),
                    None => o.clone(),
                };
                let due_at = due(o.severity, detected_at);
                let id: i64 = sqlx::query(
                    "INSERT INTO findings (asset, vulnerability, ecosystem, package, version, advisory_ids, aliases, \
                     severity, cvss_score, kev, fixed_versions, source, summary, detected_at, due_at, first_scan, \
                     last_seen_scan, last_seen_at, not_detected_since) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULL) \
                     ON CONFLICT (asset, vulnerability, ecosystem, package) DO UPDATE SET version = $5, \
                     advisory_ids = $6, aliases = $7, severity = $8, cvss_score = $9, kev = $10, fixed_versions = $11, \
                     source = $12, summary = $13, due_at = $15, last_seen_scan = $17, last_seen_at = $18, \
                     not_detected_since = NULL RETURNING id",
                )
                .bind(&scan.asset)
                .bind(&o.vulnerability)
                .bind(&o.ecosystem)
                .bind(&o.package)
                .bind(&o.version)
                .bind(json_list(&o.advisory_ids))
                .bind(json_list(&o.aliases))
                .bind(severity_text(o.severity))
                .bind(o.cvss_score)
                .bind(o.kev)
                .bind(json_list(&o.fixed_versions))
                .bind(&o.source)
                .bind(&o.summary)
                .bind(detected_at)
                .bind(due_at)
                .bind(first_scan)
                .bind(scan_id)
                .bind(scan.started_at)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                sqlx::query(
                    "INSERT INTO finding_sources (finding_id, tool, first_seen_at, first_scan, last_seen_at, \
                     last_seen_scan, not_detected_since) VALUES ($1, $2, $3, $4, $3, $4, NULL) \
                     ON CONFLICT (finding_id, tool) DO UPDATE SET last_seen_at = $3, last_seen_scan = $4, \
                     not_detected_since = NULL",
                )
                .bind(id)
                .bind(tool)
                .bind(scan.started_at)
                .bind(scan_id)
                .execute(&mut *tx)
                .await?;
                let mut sources = seen_by.remove(&id).unwrap_or_default();
                sources.insert(tool.to_owned());
                seen.push(StoredFinding {
                    id,
                    asset: scan.asset.clone(),
                    observation: o,
                    detected_at,
                    due_at,
                    first_scan,
                    last_seen_scan: scan_id,
                    last_seen_at: scan.started_at,
                    not_detected_since: None,
                    sources: sources.into_iter().collect(),
                });
            }

            // What this tool saw before and no longer sees: it stops being a source; the finding is gone
            // only when no tool sees it any more.
            let mut gone = Vec::new();
            for (_, mut f) in existing {
                let mut sources = seen_by.remove(&f.id).unwrap_or_default();
                if !sources.remove(tool) {
                    continue;
                }
                sqlx::query("UPDATE finding_sources SET not_detected_since = $1 WHERE finding_id = $2 AND tool = $3")
                    .bind(scan_id)
                    .bind(f.id)
                    .bind(tool)
                    .execute(&mut *tx)
                    .await?;
                if !sources.is_empty() || f.not_detected_since.is_some() {
                    continue;
                }
                sqlx::query("UPDATE findings SET not_detected_since = $1 WHERE id = $2")
                    .bind(scan_id)
                    .bind(f.id)
                    .execute(&mut *tx)
                    .await?;
                f.not_detected_since = Some(scan_id);
                f.sources = Vec::new();
                gone.push(f);
            }
            gone.sort_by_key(|f| f.id);

            let details = serde_json::json!({
                "scan": scan_id,
                "tool": tool,
                "asset": scan.asset,
                "targets": scan.targets,
                "packages": scan.packages,
                "findings": observations.len(),
                "new": seen.iter().filter(|f| f.first_scan == scan_id).map(|f| format!("{} {}@{}", f.observation.vulnerability, f.observation.package, f.observation.version)).collect::<Vec<_>>(),
                "no_longer_detected": gone.iter().map(|f| format!("{} {}", f.observation.vulnerability, f.observation.package)).collect::<Vec<_>>(),
            });
            let kind = if tool == OWN_TOOL { "scan.recorded" } else { "import.recorded" };
            append_in_tx!(tx, EventDraft::new(
                scan.started_at,
                actor,
                kind,
                format!("asset:{}", scan.asset),
                details.to_string(),
            ));
            tx.commit().await?;
            Ok(RecordedScan { scan_id, findings: seen, new, gone })
        })
    }
}

/// What one run saw, on top of what was stored for the same finding: the run's facts win where it has
/// them, names of the vulnerability add up, and what it does not know (another tool may) is kept.
fn merged(stored: &Observation, seen: &Observation) -> Observation {
    let union = |a: &[String], b: &[String]| -> Vec<String> {
        let mut all: Vec<String> = a.iter().chain(b).cloned().collect();
        all.sort();
        all.dedup();
        all
    };
    let mut advisory_ids = union(&seen.advisory_ids, &stored.advisory_ids);
    // The first id stays the run's own (it is what the run reports); the rest in order.
    if let Some(first) = seen.advisory_ids.first() {
        advisory_ids.retain(|i| i != first);
        advisory_ids.insert(0, first.clone());
    }
    Observation {
        advisory_ids,
        aliases: union(&seen.aliases, &stored.aliases),
        severity: seen.severity.or(stored.severity),
        cvss_score: seen.cvss_score.or(stored.cvss_score),
        kev: seen.kev || stored.kev,
        fixed_versions: if seen.fixed_versions.is_empty() {
            stored.fixed_versions.clone()
        } else {
            seen.fixed_versions.clone()
        },
        summary: seen.summary.clone().or_else(|| stored.summary.clone()),
        ..seen.clone()
    }
}

/// An advisory found by one of the names a vulnerability goes by (to group an imported finding with the
/// advisory database's aliases and enrich it).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedAdvisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity_score: Option<f64>,
    pub severity_label: Option<String>,
    /// One of its names is in the known-exploited catalog.
    pub known_exploited: bool,
}

impl Store {
    /// The non-withdrawn advisories whose id or an alias is `name`, and whether `name` itself is listed
    /// as known exploited.
    pub async fn advisories_named(&self, name: &str) -> Result<(Vec<NamedAdvisory>, bool)> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT a.id AS id, a.aliases AS aliases, a.summary AS summary, \
                 CAST(a.severity_score AS DOUBLE PRECISION) AS score, a.severity_label AS label, \
                 EXISTS (SELECT 1 FROM advisory_aliases y JOIN kev_entries k ON k.cve_id = y.alias \
                         WHERE y.advisory_id = a.id) AS kev \
                 FROM advisories a WHERE a.withdrawn IS NULL AND (a.id = $1 OR a.id IN \
                 (SELECT x.advisory_id FROM advisory_aliases x WHERE x.alias = $1)) ORDER BY a.id",
            )
            .bind(name)
            .fetch_all(pool)
            .await?;
            let mut found = Vec::with_capacity(rows.len());
            for r in &rows {
                found.push(NamedAdvisory {
                    id: r.try_get("id")?,
                    aliases: serde_json::from_str(r.try_get("aliases")?)
                        .map_err(|e| StoreError::Corrupt(format!("advisories.aliases: {e}")))?,
                    summary: r.try_get("summary")?,
                    severity_score: r.try_get("score")?,
                    severity_label: r.try_get("label")?,
                    known_exploited: r.try_get("kev")?,
                });
            }
            let kev = sqlx::query("SELECT 1 AS one FROM kev_entries WHERE cve_id = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
                .is_some();
            Ok((found, kev))
        })
    }
}
