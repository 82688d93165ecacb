//! Patch records as use cases: opened from scans or by hand, moved through the workflow by the core's
//! rules with the acting person's roles, each change one audited event with its before and after, and
//! the tool's own housekeeping (SLA breaches, expired risk acceptances) recorded when noticed.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use patchwarden_core::workflow::{self, NewRecord, PatchRecord, RecordSource, State, TestEvidence};
use patchwarden_core::{Action, EventDraft, Person, Severity};
use patchwarden_store::{EvidenceFile, RecordFilter, RecordQuery, StoredFinding};

use crate::{App, AppError, Result, SYSTEM};

/// A test report given with `patch test --junit FILE`.
#[derive(Debug, Clone)]
pub struct JunitFile {
    pub path: PathBuf,
}

/// What to open a record for by hand.
#[derive(Debug, Clone)]
pub struct ManualRecord {
    pub title: String,
    pub asset: String,
    pub severity: Option<Severity>,
    pub cvss: Option<String>,
    pub source: RecordSource,
    pub links: Vec<String>,
}

/// The fields that changed between two versions of a record, as `{field: {before, after}}`.
fn changes(before: &PatchRecord, after: &PatchRecord) -> serde_json::Value {
    let (b, a) = match (serde_json::to_value(before), serde_json::to_value(after)) {
        (Ok(serde_json::Value::Object(b)), Ok(serde_json::Value::Object(a))) => (b, a),
        _ => return serde_json::Value::Null,
    };
    let mut out = serde_json::Map::new();
    for (key, after_value) in &a {
        if key == "version" {
            continue;
        }
        let before_value = b.get(key).cloned().unwrap_or(serde_json::Value::Null);
        if &before_value != after_value {
            out.insert(
                key.clone(),
                serde_json::json!({ "before": before_value, "after": after_value }),
            );
        }
    }
    serde_json::Value::Object(out)
}

/// Reads one test report (a file given on the command line or uploaded) into evidence and the file kept
/// with the record.
pub fn junit_evidence(name: String, bytes: Vec<u8>) -> Result<(TestEvidence, EvidenceFile)> {
    let report =
        patchwarden_junit::parse(&bytes).map_err(|e| AppError::Input(format!("{name}: {e}")))?;
    let sha256 = crate::sha256_hex(&bytes);
    Ok((
        TestEvidence {
            file: name.clone(),
            sha256: sha256.clone(),
            flavour: report.flavour.to_string(),
            tests: report.tests,
            passed: report.passed,
            failed: report.failed,
            skipped: report.skipped,
        },
        EvidenceFile {
            name,
            sha256,
            content: bytes,
        },
    ))
}

impl App {
    /// The configured person acting, required for every change.
    fn acting(&self) -> Result<&Person> {
        Ok(self.settings.actor()?)
    }

    /// Opens a record for each finding that has none open on its asset; a finding whose vulnerability
    /// already has an open record joins it. Returns the records opened.
    pub async fn open_records_for(&self, findings: &[StoredFinding]) -> Result<Vec<PatchRecord>> {
        let mut opened = Vec::new();
        for f in findings {
            let o = &f.observation;
            if self
                .store
                .open_record_for(&f.asset, &o.vulnerability)
                .await?
                .is_some()
            {
                continue;
            }
            let title = match &o.summary {
                Some(s) => format!("{}: {} {} ({})", o.vulnerability, o.package, o.version, s),
                None => format!("{} in {} {}", o.vulnerability, o.package, o.version),
            };
            let mut aliases: Vec<String> =
                o.advisory_ids.iter().chain(&o.aliases).cloned().collect();
            aliases.sort();
            aliases.dedup();
            aliases.retain(|a| a != &o.vulnerability);
            let record = PatchRecord::open(
                0,
                NewRecord {
                    title,
                    asset: f.asset.clone(),
                    vulnerability: Some(o.vulnerability.clone()),
                    aliases,
                    source: RecordSource::Scan,
                    links: Vec::new(),
                    severity: o.severity,
                    cvss_vector: None,
                    cvss_score: o.cvss_score,
                    detected_at: f.detected_at,
                },
                &self.settings.config.policy,
            );
            let details = serde_json::json!({
                "source": "scan",
                "finding": f.id,
                "package": format!("{}@{}", o.package, o.version),
                "severity": o.severity.map(|s| s.as_str()),
                "due": record.due_at,
            });
            opened.push(self.store.create_record(record, SYSTEM, details).await?);
        }
        Ok(opened)
    }

    /// `patch new`: a record for a vendor advisory, a ticket or a user report.
    pub async fn new_record(&self, manual: ManualRecord) -> Result<PatchRecord> {
        let actor = self.acting()?;
        patchwarden_core::actor::require_role(
            actor,
            &[
                patchwarden_core::Role::EngineeringLead,
                patchwarden_core::Role::IncidentCommander,
                patchwarden_core::Role::ReleaseOwner,
            ],
            "open a patch record",
        )?;
        let (severity, score, vector) = match &manual.cvss {
            Some(v) => {
                let cvss = patchwarden_cvss::parse(v.trim())
                    .map_err(|e| AppError::Input(format!("--cvss: {e}")))?;
                let score = cvss.base_score();
                let sev = manual.severity.or(self
                    .settings
                    .config
                    .policy
                    .severity_for(Some(score), false));
                (sev, Some(score), Some(cvss.to_string()))
            }
            None => (manual.severity, None, None),
        };
        let record = PatchRecord::open(
            0,
            NewRecord {
                title: manual.title.clone(),
                asset: manual.asset.clone(),
                vulnerability: None,
                aliases: Vec::new(),
                source: manual.source,
                links: manual.links.clone(),
                severity,
                cvss_vector: vector,
                cvss_score: score,
                detected_at: self.settings.now,
            },
            &self.settings.config.policy,
        );
        let details = serde_json::json!({
            "source": manual.source,
            "title": manual.title,
            "asset": manual.asset,
            "severity": severity.map(|s| s.as_str()),
            "links": manual.links,
            "due": record.due_at,
        });
        Ok(self
            .store
            .create_record(record, &actor.name, details)
            .await?)
    }

    /// Records what the tool notices on its own: an SLA breach, an expired risk acceptance.
    pub(crate) async fn housekeep(&self, mut record: PatchRecord) -> Result<PatchRecord> {
        let now = self.settings.now;
        if !record.housekeeping_due(now) {
            // The common case, without trying (and cloning the record for) each system action.
            return Ok(record);
        }
        for action in [Action::ExpireRiskAcceptance, Action::RecordBreach] {
            let people = &self.settings.config.people;
            if let Ok(next) = workflow::apply(&record, &action, None, people, now) {
                let event = EventDraft::new(
                    now,
                    SYSTEM,
                    format!("record.{}", action.name()),
                    format!("record:{}", record.id),
                    serde_json::json!({ "from": record.state, "to": next.state, "changes": changes(&record, &next) }).to_string(),
                );
                self.store.update_record(&record, &next, event, &[]).await?;
                record = next;
            }
        }
        Ok(record)
    }

    /// Records, with the tool's housekeeping applied first.
    pub async fn records(&self, filter: &RecordFilter) -> Result<Vec<PatchRecord>> {
        let mut out = Vec::new();
        for r in self.store.records(filter).await? {
            out.push(self.housekeep(r).await?);
        }
        Ok(out)
    }

    /// The records still open and those closed or dismissed at or after `since`, with the tool's
    /// housekeeping applied first: all a report over a period starting at `since` needs.
    pub async fn records_active_since(&self, since: DateTime<Utc>) -> Result<Vec<PatchRecord>> {
        let mut out = Vec::new();
        for r in self.store.records_active_since(since).await? {
            out.push(self.housekeep(r).await?);
        }
        Ok(out)
    }

    /// How many records match `query`, and one page of them, paged in the database. When the query names
    /// a state, housekeeping first expires the risk acceptances due (the one change that moves a record
    /// out of a state; it stays open, on its asset, at its severity, so other queries are not affected);
    /// then it records the SLA breaches of the page.
    pub async fn records_page(
        &self,
        query: &RecordQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<PatchRecord>)> {
        if query.state.is_some() {
            let accepted = RecordQuery {
                state: Some(State::RiskAccepted),
                ..RecordQuery::default()
            };
            for r in self.store.records_page(&accepted, 0, i64::MAX).await?.1 {
                self.housekeep(r).await?;
            }
        }
        let (total, page) = self.store.records_page(query, offset, limit).await?;
        let mut out = Vec::with_capacity(page.len());
        for r in page {
            out.push(self.housekeep(r).await?);
        }
        Ok((total, out))
    }

    pub async fn record(&self, id: i64) -> Result<PatchRecord> {
        let r = self.store.record(id).await?;
        self.housekeep(r).await
    }

    /// Reads test reports into evidence (the files themselves are kept with the record).
    pub fn read_junit(
        &self,
        files: &[JunitFile],
    ) -> Result<(Vec<TestEvidence>, Vec<EvidenceFile>)> {
        let mut evidence = Vec::new();
        let mut kept = Vec::new();
        for f in files {
            let bytes = std::fs::read(&f.path)
                .map_err(|e| AppError::Input(format!("cannot read {}: {e}", f.path.display())))?;
            let (e, k) = junit_evidence(f.path.display().to_string(), bytes)?;
            evidence.push(e);
            kept.push(k);
        }
        Ok((evidence, kept))
    }

    /// Takes one step on each of `ids` as the acting person. All records are checked before any is
    /// changed: one refusal changes nothing.
    pub async fn act(
        &self,
        ids: &[i64],
        action: &Action,
        evidence: &[EvidenceFile],
    ) -> Result<Vec<PatchRecord>> {
        let actor = self.acting()?.clone();
        let people = &self.settings.config.people;
        let now = self.settings.now;
        let mut planned = Vec::new();
        for id in ids {
            let before = self.record(*id).await?;
            let mut action = action.clone();
            // "Evidence is a re-scan in which the finding is gone (linked automatically)".
            if let (
                Action::Verify {
                    rescan: rescan @ None,
                    ..
                },
                Some(vuln),
                Some(d),
            ) = (
                &mut action,
                before.vulnerability.as_deref(),
                before.deployment.as_ref(),
            ) {
                *rescan = self
                    .store
                    .scan_without(&before.asset, vuln, d.stamp.at)
                    .await?;
            }
            let after = workflow::apply(&before, &action, Some(&actor), people, now)?;
            planned.push((before, after, action));
        }
        let mut done = Vec::new();
        for (before, after, action) in planned {
            let event = EventDraft::new(
                now,
                actor.name.clone(),
                format!("record.{}", action.name()),
                format!("record:{}", before.id),
                serde_json::json!({
                    "from": before.state,
                    "to": after.state,
                    "changes": changes(&before, &after),
                    "evidence": evidence.iter().map(|e| serde_json::json!({"file": e.name, "sha256": e.sha256})).collect::<Vec<_>>(),
                })
                .to_string(),
            );
            self.store
                .update_record(&before, &after, event, evidence)
                .await?;
            done.push(after);
        }
        Ok(done)
    }

    /// Purges closed and dismissed records ended before `before`, refusing any date inside the
    /// retention period; the Engineering Lead's step. Without `before`, purges every record past
    /// retention: the policy decides what goes, so the daily built-in task does it as `system` when
    /// nobody is acting (a person acting must still be the Engineering Lead).
    pub async fn purge(&self, before: Option<DateTime<Utc>>) -> Result<Vec<i64>> {
        let named = self.settings.actor.as_deref().filter(|n| !n.is_empty());
        let actor = match (before, named) {
            (None, None) => SYSTEM.to_owned(),
            _ => {
                let actor = self.acting()?;
                patchwarden_core::actor::require_role(
                    actor,
                    &[patchwarden_core::Role::EngineeringLead],
                    "purge records",
                )?;
                actor.name.clone()
            }
        };
        let now = self.settings.now;
        let retention = self.settings.config.policy.retention_months;
        let earliest_allowed = now
            .checked_sub_months(chrono::Months::new(retention))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let before = before.unwrap_or(earliest_allowed);
        if before > earliest_allowed {
            return Err(AppError::Input(format!(
                "refusing to purge records closed before {}: the policy keeps records {retention} months after closure, so nothing closed after {} may be purged",
                before.format("%Y-%m-%d"),
                earliest_allowed.format("%Y-%m-%d")
            )));
        }
        let candidates: Vec<PatchRecord> = self
            .store
            .records(&RecordFilter::default())
            .await?
            .into_iter()
            .filter(|r| {
                let closed = match r.state {
                    workflow::State::Closed => r.closure.as_ref().map(|c| c.stamp.at),
                    workflow::State::Dismissed => r.dismissal.as_ref().map(|d| d.stamp.at),
                    _ => None,
                };
                closed.is_some_and(|at| at < before && r.policy.purgeable_after(at) <= now)
            })
            .collect();
        let ids: Vec<i64> = candidates.iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            let details = serde_json::json!({ "before": before, "records": ids, "retention_months": retention });
            self.store.purge_records(&ids, &actor, now, details).await?;
        }
        Ok(ids)
    }
}
