//! The triage queue as use cases (for the CLI today and the HTTP API and UI alike): list notices with
//! the ones past the policy's triage limit marked, decide on one (open a linked patch record, or
//! dismiss it with a reason) as a person with a triaging role, and queue tickets and user reports.

use patchwarden_core::notice::triage_overdue;
use patchwarden_core::workflow::{NewRecord, PatchRecord, RecordSource};
use patchwarden_core::{Person, Role, Severity};
use patchwarden_store::{NewNotice, Notice, NoticeState};
use serde::Serialize;

use crate::{App, AppError, Result};

/// Who may decide on a notice: the same people who may open a patch record.
const TRIAGERS: [Role; 3] = [
    Role::EngineeringLead,
    Role::IncidentCommander,
    Role::ReleaseOwner,
];

/// A notice as listed, with whether it has waited too long for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedNotice {
    #[serde(flatten)]
    pub notice: Notice,
    pub overdue: bool,
}

/// A triage decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Triage {
    /// Open a patch record for the notice; `severity` and `asset` override what the notice knows.
    OpenRecord {
        severity: Option<Severity>,
        asset: Option<String>,
    },
    Dismiss {
        reason: String,
    },
}

/// The outcome of a triage decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triaged {
    pub notice: Notice,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<PatchRecord>,
}

/// A ticket or user report to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub source: RecordSource,
    pub title: String,
    pub asset: Option<String>,
    pub link: Option<String>,
    /// Free text; CVE ids in it are noted.
    pub text: String,
}

impl App {
    fn triager(&self, doing: &str) -> Result<&Person> {
        let actor = self.settings.actor()?;
        patchwarden_core::actor::require_role(actor, &TRIAGERS, doing)?;
        Ok(actor)
    }

    /// Notices, oldest first (only those waiting for a decision with `untriaged_only`).
    pub async fn list_notices(&self, untriaged_only: bool) -> Result<Vec<ListedNotice>> {
        let within = self.settings.config.notices.triage_within;
        let now = self.settings.now;
        Ok(self
            .store
            .notices(untriaged_only)
            .await?
            .into_iter()
            .map(|notice| ListedNotice {
                overdue: notice.state == NoticeState::Untriaged
                    && triage_overdue(notice.received_at, now, within),
                notice,
            })
            .collect())
    }

    /// Untriaged notices past the policy's limit: what the scheduler alerts about.
    pub async fn overdue_notices(&self) -> Result<Vec<Notice>> {
        Ok(self
            .list_notices(true)
            .await?
            .into_iter()
            .filter(|n| n.overdue)
            .map(|n| n.notice)
            .collect())
    }

    /// Decides on notice `id`; an audited event either way.
    pub async fn triage_notice(&self, id: i64, decision: Triage) -> Result<Triaged> {
        let now = self.settings.now;
        match decision {
            Triage::Dismiss { reason } => {
                let actor = self.triager("dismiss a notice")?;
                if reason.trim().is_empty() {
                    return Err(AppError::Input(
                        "dismissing a notice needs a reason (--reason)".into(),
                    ));
                }
                // An unknown notice is not found, not "already decided".
                self.store.notice(id).await?;
                let notice = self
                    .store
                    .dismiss_notice(id, now, &actor.name, reason.trim())
                    .await?;
                Ok(Triaged {
                    notice,
                    record: None,
                })
            }
            Triage::OpenRecord { severity, asset } => {
                let actor = self.triager("open a patch record from a notice")?;
                let notice = self.store.notice(id).await?;
                let n = &notice.notice;
                let asset = asset.or_else(|| n.asset.clone()).ok_or_else(|| {
                    AppError::Input(format!(
                        "notice {id} concerns no asset; name one with --asset"
                    ))
                })?;
                if !self.settings.config.assets.iter().any(|a| a.name == asset) {
                    return Err(AppError::Input(format!(
                        "unknown asset \"{asset}\" (assets are declared in [[assets]])"
                    )));
                }
                let severity = severity.or(n.severity);
                let source = match n.source.as_str() {
                    "ticket" => RecordSource::Ticket,
                    "user-report" => RecordSource::UserReport,
                    _ => RecordSource::VendorAdvisory,
                };
                let record = PatchRecord::open(
                    0,
                    NewRecord {
                        title: match &n.vendor {
                            Some(vendor) => format!("{vendor}: {}", n.title),
                            None => n.title.clone(),
                        },
                        asset: asset.clone(),
                        vulnerability: n.cves.first().cloned(),
                        aliases: n.cves.iter().skip(1).cloned().collect(),
                        source,
                        links: n.link.iter().cloned().collect(),
                        severity,
                        cvss_vector: None,
                        cvss_score: None,
                        detected_at: now,
                    },
                    &self.settings.config.policy,
                );
                let details = serde_json::json!({
                    "source": source,
                    "notice": id,
                    "title": record.title,
                    "asset": asset,
                    "severity": severity.map(|s| s.as_str()),
                    "links": record.links,
                    "due": record.due_at,
                });
                let (notice, record) = self
                    .store
                    .open_record_for_notice(id, record, now, &actor.name, details)
                    .await?;
                Ok(Triaged {
                    notice,
                    record: Some(record),
                })
            }
        }
    }

    /// Queues a ticket or user report as a notice for triage.
    pub async fn report_notice(&self, report: Report) -> Result<Notice> {
        let actor = self.triager("queue a notice")?.name.clone();
        self.queue_report(report, &actor).await
    }

    /// Queues a ticket or user report sent by someone who need not triage — a viewer, or anyone when the
    /// server accepts public reports — recorded (and audited) as `reporter`. Deciding on it still takes a
    /// triager.
    pub async fn queue_report(&self, report: Report, reporter: &str) -> Result<Notice> {
        let source = match report.source {
            RecordSource::Ticket => "ticket",
            RecordSource::UserReport => "user-report",
            other => {
                return Err(AppError::Input(format!(
                    "a queued notice comes from a ticket or a user report, not {other:?}"
                )));
            }
        };
        if report.title.trim().is_empty() {
            return Err(AppError::Input("a notice needs a title".into()));
        }
        let cves = patchwarden_feeds::cve_ids(&format!("{}\n{}", report.title, report.text));
        let notice = NewNotice {
            source: source.into(),
            feed: None,
            item_id: None,
            vendor: None,
            asset: report.asset,
            title: report.title.trim().to_owned(),
            link: report.link,
            published_at: None,
            severity: self.known_severity(&cves).await?,
            cves,
        };
        Ok(self
            .store
            .create_notice(&notice, self.settings.now, reporter)
            .await?)
    }
}
