//! The patch record and its workflow: the two procedures as a state machine.
//!
//! ```text
//! detected → assessed → planned → tested → deployed → verified → closed
//!     \__________\__________\_________\→ mitigated (a compensating control; the permanent fix is still owed)
//!     \__________\__________\_________\→ risk_accepted (four eyes, with an expiry; re-opens when it passes)
//!     \__________\__________\_________\→ dismissed (not affected / false positive, with a justification)
//! ```
//!
//! [`apply`] is the only way a record changes: `(record, action, actor, people, now) → record'`, pure. It
//! refuses with a [`TransitionError`] that lists everything missing and the steps allowed next. The policy
//! a record follows is the one it was opened under ([`PatchRecord::policy`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::severity::Severity;

mod apply;
pub use apply::{Action, DismissKind, TransitionError, allowed_actions, apply};

#[cfg(test)]
mod tests;

/// Where a record is in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Detected,
    Assessed,
    Planned,
    Tested,
    Deployed,
    Verified,
    Closed,
    Mitigated,
    RiskAccepted,
    Dismissed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Detected => "detected",
            State::Assessed => "assessed",
            State::Planned => "planned",
            State::Tested => "tested",
            State::Deployed => "deployed",
            State::Verified => "verified",
            State::Closed => "closed",
            State::Mitigated => "mitigated",
            State::RiskAccepted => "risk_accepted",
            State::Dismissed => "dismissed",
        }
    }

    /// Work is still owed (the SLA clock runs).
    pub fn is_open(self) -> bool {
        !matches!(self, State::Closed | State::Dismissed | State::RiskAccepted)
    }

    pub const ALL: [State; 10] = [
        State::Detected,
        State::Assessed,
        State::Planned,
        State::Tested,
        State::Deployed,
        State::Verified,
        State::Closed,
        State::Mitigated,
        State::RiskAccepted,
        State::Dismissed,
    ];
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown state \"{s}\""))
    }
}

/// "Decide patch path: immediate hotfix vs. scheduled release."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchPath {
    Emergency,
    Scheduled,
}

impl std::str::FromStr for PatchPath {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "emergency" | "hotfix" => Ok(PatchPath::Emergency),
            "scheduled" => Ok(PatchPath::Scheduled),
            _ => Err(format!(
                "unknown path \"{s}\" (expected emergency or scheduled)"
            )),
        }
    }
}

/// How the record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordSource {
    Scan,
    VendorAdvisory,
    Ticket,
    UserReport,
}

impl std::str::FromStr for RecordSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scan" => Ok(RecordSource::Scan),
            "vendor-advisory" => Ok(RecordSource::VendorAdvisory),
            "ticket" => Ok(RecordSource::Ticket),
            "user-report" => Ok(RecordSource::UserReport),
            _ => Err(format!(
                "unknown source \"{s}\" (expected vendor-advisory, ticket or user-report)"
            )),
        }
    }
}

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// "Affected components".
    pub affected_assets: Vec<String>,
    /// "Data at risk".
    pub data_at_risk: String,
    pub path: PatchPath,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub release_owner: String,
    /// "Prepare patch": the versions to move to, e.g. `django@4.2.11`.
    pub target_versions: Vec<String>,
    pub rollback_plan: String,
    /// "Identify tests required for safe release."
    pub tests: Vec<String>,
    /// Scheduled path: the release date set by the Engineering Lead.
    pub planned_release: Option<DateTime<Utc>>,
    pub stamp: Stamp,
}

/// A test report kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestEvidence {
    pub file: String,
    pub sha256: String,
    pub flavour: String,
    pub tests: u64,
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    pub evidence: Vec<TestEvidence>,
    /// Run by the Engineering Lead on the emergency path ("expedited testing").
    pub expedited: bool,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// Runbook, pull request, commit or deploy id.
    pub reference: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// "Confirm remediation with logs/monitoring. Validate affected user flows."
    pub notes: Vec<String>,
    /// A scan after the deploy in which the finding is gone.
    pub rescan: Option<i64>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub incident_link: Option<String>,
    pub postmortem_link: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mitigation {
    /// The compensating control, e.g. "WAF rule blocking /api/upload".
    pub control: String,
    pub evidence: String,
    pub owner: String,
    pub recheck_at: DateTime<Utc>,
    /// The permanent fix is still owed by then.
    pub permanent_fix_due: DateTime<Utc>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAcceptance {
    pub reason: String,
    pub expires_at: DateTime<Utc>,
    pub requested: Stamp,
    pub approved: Option<Stamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    pub kind: DismissKind,
    pub justification: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub text: String,
    pub stamp: Stamp,
}

/// A patch record: the work to remove one vulnerability from one asset, and the proof it was done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRecord {
    pub id: i64,
    /// Optimistic concurrency: bumped on every change.
    pub version: i64,
    pub title: String,
    pub asset: String,
    /// The vulnerability (alias group id) for records opened from findings.
    pub vulnerability: Option<String>,
    pub aliases: Vec<String>,
    pub source: RecordSource,
    pub links: Vec<String>,
    pub state: State,
    /// The state work resumes from after a mitigation or an expired risk acceptance.
    pub resume_state: Option<State>,
    /// What the data says (CVSS, KEV, database rating), None when unknown.
    pub computed_severity: Option<Severity>,
    /// The severity in force: the computed one, or an override with its reason.
    pub severity: Option<Severity>,
    pub severity_reason: Option<String>,
    pub cvss_vector: Option<String>,
    pub cvss_score: Option<f64>,
    pub detected_at: DateTime<Utc>,
    /// When the SLA clock started: detection, or the expiry of a risk acceptance.
    pub clock_started_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub sla_breached_at: Option<DateTime<Utc>>,
    pub assessment: Option<Assessment>,
    pub plan: Option<Plan>,
    pub tests: Vec<TestRun>,
    pub approval: Option<Stamp>,
    pub deployment: Option<Deployment>,
    pub postmortem_due: Option<DateTime<Utc>>,
    pub verification: Option<Verification>,
    pub closure: Option<Closure>,
    pub mitigation: Option<Mitigation>,
    pub risk: Option<RiskAcceptance>,
    pub dismissal: Option<Dismissal>,
    pub comments: Vec<Comment>,
    /// The policy the record was opened under (or last re-evaluated with).
    pub policy: Policy,
}

/// What a new record starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub title: String,
    pub asset: String,
    pub vulnerability: Option<String>,
    pub aliases: Vec<String>,
    pub source: RecordSource,
    pub links: Vec<String>,
    pub severity: Option<Severity>,
    pub cvss_vector: Option<String>,
    pub cvss_score: Option<f64>,
    pub detected_at: DateTime<Utc>,
}

impl PatchRecord {
    /// A record in `detected`, due per `policy` from its detection.
    pub fn open(id: i64, new: NewRecord, policy: &Policy) -> Self {
        let due_at = new.severity.map(|s| policy.due_at(s, new.detected_at));
        Self {
            id,
            version: 1,
            title: new.title,
            asset: new.asset,
            vulnerability: new.vulnerability,
            aliases: new.aliases,
            source: new.source,
            links: new.links,
            state: State::Detected,
            resume_state: None,
            computed_severity: new.severity,
            severity: new.severity,
            severity_reason: None,
            cvss_vector: new.cvss_vector,
            cvss_score: new.cvss_score,
            detected_at: new.detected_at,
            clock_started_at: new.detected_at,
            due_at,
            sla_breached_at: None,
            assessment: None,
            plan: None,
            tests: Vec::new(),
            approval: None,
            deployment: None,
            postmortem_due: None,
            verification: None,
            closure: None,
            mitigation: None,
            risk: None,
            dismissal: None,
            comments: Vec::new(),
            policy: policy.clone(),
        }
    }

    pub fn path(&self) -> Option<PatchPath> {
        self.assessment.as_ref().map(|a| a.path)
    }

    /// When the SLA was met: the deploy, or an accepted mitigation, whichever came first.
    pub fn remediated_at(&self) -> Option<DateTime<Utc>> {
        let deployed = self.deployment.as_ref().map(|d| d.stamp.at);
        let mitigated = self.mitigation.as_ref().map(|m| m.stamp.at);
        match (deployed, mitigated) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Met, missed (by how much), or still running.
    pub fn sla(&self, now: DateTime<Utc>) -> SlaStatus {
        let Some(due) = self.due_at else {
            return SlaStatus::NoTarget;
        };
        match self.remediated_at() {
            Some(at) if at <= due => SlaStatus::Met { margin: due - at },
            Some(at) => SlaStatus::Missed { by: at - due },
            None if self.state == State::Dismissed => SlaStatus::NoTarget,
            None if now > due => SlaStatus::Overdue { by: now - due },
            None => SlaStatus::Running { left: due - now },
        }
    }

    /// Whether the record is past due and not remediated, and the breach not yet recorded.
    pub fn breach_unrecorded(&self, now: DateTime<Utc>) -> bool {
        self.sla_breached_at.is_none()
            && self.state.is_open()
            && matches!(self.sla(now), SlaStatus::Overdue { .. })
    }

    /// Whether patchwarden has something to record on its own about this record at `now`: an approved
    /// risk acceptance that has expired, or an SLA breach not yet recorded (the system actions'
    /// conditions, checked without building the changed record).
    pub fn housekeeping_due(&self, now: DateTime<Utc>) -> bool {
        let acceptance_expired = self.state == State::RiskAccepted
            && self
                .risk
                .as_ref()
                .is_some_and(|r| r.approved.is_some() && r.expires_at <= now);
        acceptance_expired || self.breach_unrecorded(now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStatus {
    NoTarget,
    Running { left: chrono::TimeDelta },
    Overdue { by: chrono::TimeDelta },
    Met { margin: chrono::TimeDelta },
    Missed { by: chrono::TimeDelta },
}
