//! The reports of the patch workflow, as pure functions over the records, "now" and a period:
//!
//! - the **patch log** an auditor reads ("All security patches are recorded in the
//!   `compliance/vulnerability-patch-log.md`"; "Record the patch, severity, date/time, and verification
//!   steps. Link any related incident report."), as Markdown, CSV (RFC 4180) or JSON
//!   (`patchwarden.patch-log/v1`);
//! - the **metrics** of the workflow: open records, overdue, mean time to remediate, share within SLA
//!   (`patchwarden.metrics/v1`);
//! - a **CycloneDX 1.5 VEX** document of the dismissed and mitigated records.
//!
//! Nothing here reads the clock or the database; [`write_atomic`] is the only IO.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_core::Severity;
use patchwarden_core::workflow::{
    DismissKind, PatchPath, PatchRecord, RecordSource, SlaStatus, State,
};
use serde::Serialize;
use serde_json::{Value, json};

/// The schema id of the patch log's JSON form.
pub const PATCH_LOG_SCHEMA: &str = "patchwarden.patch-log/v1";
/// The schema id of the metrics' JSON form.
pub const METRICS_SCHEMA: &str = "patchwarden.metrics/v1";

/// A half-open period `[since, until)`; an absent bound is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Period {
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// The metrics' default: the `days` before `until` (default: now).
    pub fn last_days(
        days: i64,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let until = until.unwrap_or(now);
        Self {
            since: Some(since.unwrap_or(until - TimeDelta::days(days))),
            until: Some(until),
        }
    }

    /// "2026-03-01 to 2026-03-31", "from 2026-03-01", "all records"; a bound at midnight is shown as a
    /// date, and an exclusive `until` at midnight as the day before (the last day included).
    pub fn describe(&self) -> String {
        let since = self.since.map(|s| moment(s, false));
        let until = self.until.map(|u| moment(u, true));
        match (since, until) {
            (None, None) => "all records".to_owned(),
            (Some(s), None) => format!("from {s}"),
            (None, Some(u)) => format!("up to {u}"),
            (Some(s), Some(u)) => format!("{s} to {u}"),
        }
    }
}

fn moment(t: DateTime<Utc>, exclusive_end: bool) -> String {
    if t.format("%H:%M:%S%.f").to_string() == "00:00:00" {
        let day = if exclusive_end {
            t - TimeDelta::days(1)
        } else {
            t
        };
        day.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A duration as a person reads it: `45m`, `26h`, `26h 30m`, `4d`, `7d 3h`.
pub fn human(d: TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    if mins >= 48 * 60 {
        if hours > 0 {
            format!("{days}d {hours}h")
        } else {
            format!("{days}d")
        }
    } else if mins >= 60 {
        let h = mins / 60;
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else {
        format!("{m}m")
    }
}

fn hours(d: TimeDelta) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

/// When a record left the workflow: closed, dismissed, or its risk acceptance approved.
pub fn ended_at(r: &PatchRecord) -> Option<DateTime<Utc>> {
    match r.state {
        State::Closed => r.closure.as_ref().map(|c| c.stamp.at),
        State::Dismissed => r.dismissal.as_ref().map(|d| d.stamp.at),
        State::RiskAccepted => r
            .risk
            .as_ref()
            .and_then(|k| k.approved.as_ref())
            .map(|a| a.at),
        _ => None,
    }
}

/// Whether a record is still open or was closed or dismissed at or after `since`: the records
/// [`crate::App::records_active_since`] reads, told from a record in hand.
pub fn active_since(r: &PatchRecord, since: DateTime<Utc>) -> bool {
    match r.state {
        State::Closed => r.closure.as_ref().is_some_and(|c| c.stamp.at >= since),
        State::Dismissed => r.dismissal.as_ref().is_some_and(|d| d.stamp.at >= since),
        _ => true,
    }
}

/// Whether a record belongs in the patch log of `period`: opened, remediated (deployed or mitigated) or
/// ended (closed, dismissed, risk accepted) in it.
pub fn in_patch_log(r: &PatchRecord, period: &Period) -> bool {
    [Some(r.detected_at), r.remediated_at(), ended_at(r)]
        .into_iter()
        .flatten()
        .any(|t| period.contains(t))
}

// ---------------------------------------------------------------------------------------------------
// The patch log
// ---------------------------------------------------------------------------------------------------

/// How a record was resolved, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    Deployed,
    Mitigated,
    Dismissed,
    RiskAccepted,
    /// Not resolved yet.
    Open,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution {
    pub kind: ResolutionKind,
    pub at: Option<DateTime<Utc>>,
    /// The deploy reference, the control, the dismissal's justification or the acceptance's reason.
    pub detail: Option<String>,
    /// Mitigated: when the permanent fix is due; risk accepted: when the acceptance expires.
    pub until: Option<DateTime<Utc>>,
}

impl Resolution {
    fn of(r: &PatchRecord) -> Self {
        if let Some(d) = &r.deployment {
            return Self {
                kind: ResolutionKind::Deployed,
                at: Some(d.stamp.at),
                detail: Some(d.reference.clone()),
                until: None,
            };
        }
        if let Some(m) = &r.mitigation {
            return Self {
                kind: ResolutionKind::Mitigated,
                at: Some(m.stamp.at),
                detail: Some(m.control.clone()),
                until: Some(m.permanent_fix_due),
            };
        }
        if let (State::Dismissed, Some(d)) = (r.state, &r.dismissal) {
            return Self {
                kind: ResolutionKind::Dismissed,
                at: Some(d.stamp.at),
                detail: Some(format!("{}: {}", dismiss_kind(d.kind), d.justification)),
                until: None,
            };
        }
        if let (State::RiskAccepted, Some(k)) = (r.state, &r.risk) {
            return Self {
                kind: ResolutionKind::RiskAccepted,
                at: k.approved.as_ref().map(|a| a.at),
                detail: Some(k.reason.clone()),
                until: Some(k.expires_at),
            };
        }
        Self {
            kind: ResolutionKind::Open,
            at: None,
            detail: None,
            until: None,
        }
    }

    fn text(&self) -> String {
        let at = self.at.map(minute).unwrap_or_default();
        let detail = self.detail.clone().unwrap_or_default();
        match self.kind {
            ResolutionKind::Deployed => format!("{at} (deployed: {detail})"),
            ResolutionKind::Mitigated => format!(
                "{at} (mitigated: {detail}; permanent fix due {})",
                self.until.map(minute).unwrap_or_default()
            ),
            ResolutionKind::Dismissed => format!("dismissed {at} ({detail})"),
            ResolutionKind::RiskAccepted => format!(
                "risk accepted {at} until {} ({detail})",
                self.until
                    .map(|u| u.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            ),
            ResolutionKind::Open => "—".to_owned(),
        }
    }
}

fn dismiss_kind(k: DismissKind) -> &'static str {
    match k {
        DismissKind::NotAffected => "not affected",
        DismissKind::FalsePositive => "false positive",
    }
}

/// Met or missed and by how much, overdue or running; suspended while a risk acceptance holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaCell {
    /// `met`, `missed`, `overdue`, `running`, `suspended`, `not_applicable` (dismissed) or `no_target`.
    pub status: &'static str,
    /// By how much (met: early; missed, overdue: late; running: left), in hours.
    pub hours: Option<f64>,
    pub text: String,
}

impl SlaCell {
    fn of(r: &PatchRecord, now: DateTime<Utc>) -> Self {
        let cell = |status, d: Option<TimeDelta>, text: String| Self {
            status,
            hours: d.map(|d| round2(hours(d))),
            text,
        };
        if r.state == State::Dismissed {
            return cell("not_applicable", None, "n/a (dismissed)".into());
        }
        if r.state == State::RiskAccepted {
            return cell("suspended", None, "suspended (risk accepted)".into());
        }
        match r.sla(now) {
            SlaStatus::NoTarget => cell("no_target", None, "no target".into()),
            SlaStatus::Met { margin } => cell(
                "met",
                Some(margin),
                if margin.num_minutes() > 0 {
                    format!("met, {} early", human(margin))
                } else {
                    "met".into()
                },
            ),
            SlaStatus::Missed { by } => {
                cell("missed", Some(by), format!("missed by {}", human(by)))
            }
            SlaStatus::Overdue { by } => {
                cell("overdue", Some(by), format!("OVERDUE by {}", human(by)))
            }
            SlaStatus::Running { left } => cell(
                "running",
                Some(left),
                format!("running, {} left", human(left)),
            ),
        }
    }
}

/// One test report kept as evidence, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestSummary {
    pub file: String,
    pub sha256: String,
    pub flavour: String,
    pub tests: u64,
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
    pub expedited: bool,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl TestSummary {
    fn text(&self) -> String {
        format!(
            "tests {} ({}): {}/{} passed{}, sha256 {}{} ({})",
            self.file,
            self.flavour,
            self.passed,
            self.passed + self.failed,
            if self.skipped > 0 {
                format!(", {} skipped", self.skipped)
            } else {
                String::new()
            },
            &self.sha256[..self.sha256.len().min(12)],
            if self.expedited { ", expedited" } else { "" },
            self.by
        )
    }
}

/// "Validation steps performed."
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    pub tests: Vec<TestSummary>,
    /// "Confirm remediation with logs/monitoring. Validate affected user flows."
    pub notes: Vec<String>,
    /// A scan after the deploy in which the finding is gone.
    pub rescan: Option<i64>,
    pub verified_by: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    /// The evidence that a compensating control is in place.
    pub mitigation_evidence: Option<String>,
}

impl Validation {
    fn of(r: &PatchRecord) -> Self {
        let v = r.verification.as_ref();
        Self {
            tests: r
                .tests
                .iter()
                .flat_map(|t| {
                    t.evidence.iter().map(|e| TestSummary {
                        file: e.file.clone(),
                        sha256: e.sha256.clone(),
                        flavour: e.flavour.clone(),
                        tests: e.tests,
                        passed: e.passed,
                        failed: e.failed,
                        skipped: e.skipped,
                        expedited: t.expedited,
                        by: t.stamp.by.clone(),
                        at: t.stamp.at,
                    })
                })
                .collect(),
            notes: v.map(|v| v.notes.clone()).unwrap_or_default(),
            rescan: v.and_then(|v| v.rescan),
            verified_by: v.map(|v| v.stamp.by.clone()),
            verified_at: v.map(|v| v.stamp.at),
            mitigation_evidence: r.mitigation.as_ref().map(|m| m.evidence.clone()),
        }
    }

    /// Each step as one line of text, in the order they were done.
    pub fn steps(&self) -> Vec<String> {
        let mut out: Vec<String> = self.tests.iter().map(TestSummary::text).collect();
        if let Some(e) = &self.mitigation_evidence {
            out.push(format!("control in place: {e}"));
        }
        out.extend(self.notes.iter().cloned());
        if let Some(s) = self.rescan {
            out.push(format!("re-scan #{s} without the finding"));
        }
        out
    }
}

/// One row of the patch log: one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRow {
    pub id: i64,
    pub title: String,
    pub state: State,
    pub severity: Option<Severity>,
    /// Why the severity in force differs from the computed one.
    pub severity_reason: Option<String>,
    pub cvss_score: Option<f64>,
    pub affected_systems: Vec<String>,
    pub data_at_risk: Option<String>,
    pub vulnerability: Option<String>,
    pub aliases: Vec<String>,
    pub source: RecordSource,
    pub links: Vec<String>,
    pub path: Option<PatchPath>,
    /// `detected_at`: the date of discovery.
    pub discovered: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub resolution: Resolution,
    pub sla: SlaCell,
    pub sla_breach_recorded_at: Option<DateTime<Utc>>,
    pub validation: Validation,
    pub release_owner: Option<String>,
    pub approved_by: Option<String>,
    pub incident_link: Option<String>,
    pub postmortem_link: Option<String>,
    pub postmortem_due: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl LogRow {
    pub fn of(r: &PatchRecord, now: DateTime<Utc>) -> Self {
        let closure = r.closure.as_ref();
        Self {
            id: r.id,
            title: r.title.clone(),
            state: r.state,
            severity: r.severity,
            severity_reason: r.severity_reason.clone(),
            cvss_score: r.cvss_score,
            affected_systems: r
                .assessment
                .as_ref()
                .map_or_else(|| vec![r.asset.clone()], |a| a.affected_assets.clone()),
            data_at_risk: r.assessment.as_ref().map(|a| a.data_at_risk.clone()),
            vulnerability: r.vulnerability.clone(),
            aliases: r.aliases.clone(),
            source: r.source,
            links: r.links.clone(),
            path: r.path(),
            discovered: r.detected_at,
            due: r.due_at,
            resolution: Resolution::of(r),
            sla: SlaCell::of(r, now),
            sla_breach_recorded_at: r.sla_breached_at,
            validation: Validation::of(r),
            release_owner: r.plan.as_ref().map(|p| p.release_owner.clone()),
            approved_by: r.approval.as_ref().map(|a| a.by.clone()),
            incident_link: closure.and_then(|c| c.incident_link.clone()),
            postmortem_link: closure.and_then(|c| c.postmortem_link.clone()),
            postmortem_due: r.postmortem_due,
            closed_at: ended_at(r),
        }
    }

    fn severity_text(&self) -> String {
        let s = self.severity.map_or("unknown", Severity::as_str);
        match &self.severity_reason {
            Some(why) => format!("{s} (override: {why})"),
            None => s.to_owned(),
        }
    }

    fn state_text(&self) -> String {
        match self.path {
            Some(PatchPath::Emergency) => format!("{} (emergency hotfix)", self.state),
            _ => self.state.to_string(),
        }
    }

    fn postmortem_text(&self, now: DateTime<Utc>) -> String {
        match (&self.postmortem_link, self.postmortem_due) {
            (Some(link), _) => link.clone(),
            (None, Some(due)) if now > due => format!("MISSING (was due {})", minute(due)),
            (None, Some(due)) => format!("due {}", minute(due)),
            (None, None) => "—".to_owned(),
        }
    }
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl SeverityCounts {
    fn add(&mut self, s: Option<Severity>) {
        *match s {
            Some(Severity::Critical) => &mut self.critical,
            Some(Severity::High) => &mut self.high,
            Some(Severity::Medium) => &mut self.medium,
            Some(Severity::Low) => &mut self.low,
            None => &mut self.unknown,
        } += 1;
    }

    fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    fn text(&self) -> String {
        let mut parts: Vec<String> = Severity::ALL_DESC
            .iter()
            .map(|s| format!("{s} {}", self.get(*s)))
            .collect();
        if self.unknown > 0 {
            parts.push(format!("unknown {}", self.unknown));
        }
        parts.join(", ")
    }
}

/// The patch log's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogSummary {
    pub records: usize,
    pub by_severity: SeverityCounts,
    pub emergency: usize,
    pub met: usize,
    pub missed: usize,
    pub overdue: usize,
    pub running: usize,
    pub dismissed: usize,
    pub risk_accepted: usize,
    pub mitigated: usize,
    /// met / (met + missed + overdue): of the records whose SLA is decided, the share that made it.
    pub within_sla_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generator {
    pub name: &'static str,
    pub version: &'static str,
}

const GENERATOR: Generator = Generator {
    name: "patchwarden",
    version: env!("CARGO_PKG_VERSION"),
};

/// The vulnerability patch log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchLog {
    pub schema: &'static str,
    pub generated_at: DateTime<Utc>,
    pub generator: Generator,
    pub period: Period,
    pub summary: LogSummary,
    pub records: Vec<LogRow>,
}

/// The patch log of the records opened, remediated or ended in `period`, oldest record first.
pub fn patch_log(records: &[PatchRecord], period: Period, now: DateTime<Utc>) -> PatchLog {
    let mut rows: Vec<LogRow> = records
        .iter()
        .filter(|r| in_patch_log(r, &period))
        .map(|r| LogRow::of(r, now))
        .collect();
    rows.sort_by_key(|r| r.id);
    let mut by_severity = SeverityCounts::default();
    let count = |status: &str| rows.iter().filter(|r| r.sla.status == status).count();
    for r in &rows {
        by_severity.add(r.severity);
    }
    let (met, missed, overdue) = (count("met"), count("missed"), count("overdue"));
    let kind = |k: ResolutionKind| rows.iter().filter(|r| r.resolution.kind == k).count();
    let summary = LogSummary {
        records: rows.len(),
        by_severity,
        emergency: rows
            .iter()
            .filter(|r| r.path == Some(PatchPath::Emergency))
            .count(),
        met,
        missed,
        overdue,
        running: count("running"),
        dismissed: kind(ResolutionKind::Dismissed),
        risk_accepted: kind(ResolutionKind::RiskAccepted),
        mitigated: rows.iter().filter(|r| r.state == State::Mitigated).count(),
        within_sla_percent: percent(met, met + missed + overdue),
    };
    PatchLog {
        schema: PATCH_LOG_SCHEMA,
        generated_at: now,
        generator: GENERATOR,
        period,
        summary,
        records: rows,
    }
}

/// Escapes text for one Markdown table cell: `\` and `|` escaped, `<`/`>` as entities, line breaks
/// as `<br>`.
pub fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "\n")
        .replace(['\r', '\n'], "<br>")
}

fn or_dash(v: Option<&String>) -> String {
    v.cloned().unwrap_or_else(|| "—".to_owned())
}

fn fmt_percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.1}%"))
}

pub fn patch_log_markdown(log: &PatchLog) -> String {
    let s = &log.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# Vulnerability patch log: {}", log.period.describe());
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Generated {} by {} {}. All times are UTC. Records opened, remediated or closed in the period.",
        log.generated_at.format("%Y-%m-%d %H:%M UTC"),
        log.generator.name,
        log.generator.version
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "## Summary");
    let _ = writeln!(out);
    let _ = writeln!(out, "- Records: {} ({})", s.records, s.by_severity.text());
    let _ = writeln!(
        out,
        "- Within SLA: {} of {} with a decided SLA ({}); {} missed, {} overdue, {} still running",
        s.met,
        s.met + s.missed + s.overdue,
        fmt_percent(s.within_sla_percent),
        s.missed,
        s.overdue,
        s.running
    );
    let _ = writeln!(
        out,
        "- Emergency hotfixes: {}; mitigated: {}; risk accepted: {}; dismissed: {}",
        s.emergency, s.mitigated, s.risk_accepted, s.dismissed
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "## Records");
    let _ = writeln!(out);
    if log.records.is_empty() {
        let _ = writeln!(out, "No records in the period.");
        return out;
    }
    let _ = writeln!(
        out,
        "| ID | Title | Severity | Affected systems | Discovered | Resolved | SLA | Validation steps | Incident | Post-mortem | State |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---|---|---|---|---|---|---|");
    for r in &log.records {
        let validation: Vec<String> = r.validation.steps().iter().map(|s| md_cell(s)).collect();
        let cells = [
            r.id.to_string(),
            md_cell(&r.title),
            md_cell(&r.severity_text()),
            md_cell(&r.affected_systems.join(", ")),
            minute(r.discovered),
            md_cell(&r.resolution.text()),
            md_cell(&r.sla.text),
            if validation.is_empty() {
                "—".to_owned()
            } else {
                validation.join("<br>")
            },
            md_cell(&or_dash(r.incident_link.as_ref())),
            md_cell(&r.postmortem_text(log.generated_at)),
            md_cell(&r.state_text()),
        ];
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

/// One CSV field per RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

const CSV_COLUMNS: [&str; 21] = [
    "id",
    "title",
    "state",
    "severity",
    "severity_reason",
    "affected_systems",
    "vulnerability",
    "path",
    "discovered",
    "due",
    "resolution",
    "resolved",
    "resolution_detail",
    "sla_status",
    "sla_hours",
    "sla",
    "validation_steps",
    "incident",
    "postmortem",
    "postmortem_due",
    "closed",
];

/// The patch log as CSV (RFC 4180: CRLF line ends, a header row).
pub fn patch_log_csv(log: &PatchLog) -> String {
    let mut out = String::new();
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str("\r\n");
    let opt = |t: Option<DateTime<Utc>>| t.map(rfc3339).unwrap_or_default();
    for r in &log.records {
        let fields = [
            r.id.to_string(),
            r.title.clone(),
            r.state.to_string(),
            r.severity.map(|s| s.to_string()).unwrap_or_default(),
            r.severity_reason.clone().unwrap_or_default(),
            r.affected_systems.join("; "),
            r.vulnerability.clone().unwrap_or_default(),
            match r.path {
                Some(PatchPath::Emergency) => "emergency".into(),
                Some(PatchPath::Scheduled) => "scheduled".into(),
                None => String::new(),
            },
            rfc3339(r.discovered),
            opt(r.due),
            serde_json::to_value(r.resolution.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            opt(r.resolution.at),
            r.resolution.detail.clone().unwrap_or_default(),
            r.sla.status.to_owned(),
            r.sla.hours.map(|h| format!("{h:.2}")).unwrap_or_default(),
            r.sla.text.clone(),
            r.validation.steps().join("; "),
            r.incident_link.clone().unwrap_or_default(),
            r.postmortem_link.clone().unwrap_or_default(),
            opt(r.postmortem_due),
            opt(r.closed_at),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn patch_log_json(log: &PatchLog) -> String {
    let mut text = serde_json::to_string_pretty(log).unwrap_or_default();
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------------

/// Mean hours per severity; None where nothing was remediated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MeanHours {
    pub critical: Option<f64>,
    pub high: Option<f64>,
    pub medium: Option<f64>,
    pub low: Option<f64>,
}

impl MeanHours {
    fn get(&self, s: Severity) -> Option<f64> {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithinSla {
    /// Remediated in the period by their due time.
    pub met: usize,
    /// Remediated in the period after their due time.
    pub missed: usize,
    /// met / (met + missed).
    pub percent: Option<f64>,
}

/// The workflow in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub schema: &'static str,
    pub generated_at: DateTime<Utc>,
    pub period: Period,
    /// Now: records whose work is still owed (mitigated ones too: the permanent fix is owed).
    pub open_by_severity: SeverityCounts,
    /// Now: open records past their due time, unremediated.
    pub overdue_now: usize,
    pub overdue_records: Vec<i64>,
    /// Now: mitigated records whose permanent fix is past due.
    pub permanent_fix_overdue: usize,
    /// In the period: detected.
    pub opened: usize,
    /// In the period: closed after a deploy and verification.
    pub closed: usize,
    /// In the period: remediated (deployed, or an accepted mitigation), per severity.
    pub remediated: SeverityCounts,
    /// Detected → remediated, over the records remediated in the period.
    pub mean_time_to_remediate_hours: MeanHours,
    pub within_sla: WithinSla,
    /// In the period: mitigations put in place, risk acceptances approved, dismissals.
    pub mitigated: usize,
    pub risk_accepted: usize,
    pub dismissed: usize,
}

/// The workflow's metrics over `records` (owned or borrowed: the dashboard counts its kept copies).
pub fn metrics<R: std::borrow::Borrow<PatchRecord>>(
    records: &[R],
    period: Period,
    now: DateTime<Utc>,
) -> Metrics {
    let records: Vec<&PatchRecord> = records.iter().map(R::borrow).collect();
    let mut open_by_severity = SeverityCounts::default();
    let mut overdue_records = Vec::new();
    let mut permanent_fix_overdue = 0;
    for r in records.iter().filter(|r| r.state.is_open()) {
        open_by_severity.add(r.severity);
        if matches!(r.sla(now), SlaStatus::Overdue { .. }) {
            overdue_records.push(r.id);
        }
        if r.state == State::Mitigated
            && r.mitigation
                .as_ref()
                .is_some_and(|m| m.permanent_fix_due < now)
        {
            permanent_fix_overdue += 1;
        }
    }
    overdue_records.sort_unstable();
    let remediated: Vec<&PatchRecord> = records
        .iter()
        .copied()
        .filter(|r| r.remediated_at().is_some_and(|t| period.contains(t)))
        .collect();
    let mut counts = SeverityCounts::default();
    let mut sums = [(0.0f64, 0usize); 4];
    let (mut met, mut missed) = (0, 0);
    for r in &remediated {
        counts.add(r.severity);
        if let (Some(s), Some(at)) = (r.severity, r.remediated_at()) {
            let slot = &mut sums[s as usize];
            slot.0 += hours(at - r.detected_at);
            slot.1 += 1;
        }
        match r.sla(now) {
            SlaStatus::Met { .. } => met += 1,
            SlaStatus::Missed { .. } => missed += 1,
            _ => {}
        }
    }
    let mean = |s: Severity| {
        let (sum, n) = sums[s as usize];
        (n > 0).then(|| round1(sum / n as f64))
    };
    let in_period = |t: Option<DateTime<Utc>>| t.is_some_and(|t| period.contains(t));
    Metrics {
        schema: METRICS_SCHEMA,
        generated_at: now,
        period,
        open_by_severity,
        overdue_now: overdue_records.len(),
        overdue_records,
        permanent_fix_overdue,
        opened: records
            .iter()
            .filter(|r| period.contains(r.detected_at))
            .count(),
        closed: records
            .iter()
            .filter(|r| in_period(r.closure.as_ref().map(|c| c.stamp.at)))
            .count(),
        remediated: counts,
        mean_time_to_remediate_hours: MeanHours {
            critical: mean(Severity::Critical),
            high: mean(Severity::High),
            medium: mean(Severity::Medium),
            low: mean(Severity::Low),
        },
        within_sla: WithinSla {
            met,
            missed,
            percent: percent(met, met + missed),
        },
        mitigated: records
            .iter()
            .filter(|r| in_period(r.mitigation.as_ref().map(|m| m.stamp.at)))
            .count(),
        risk_accepted: records
            .iter()
            .filter(|r| {
                in_period(
                    r.risk
                        .as_ref()
                        .and_then(|k| k.approved.as_ref())
                        .map(|a| a.at),
                )
            })
            .count(),
        dismissed: records
            .iter()
            .filter(|r| {
                r.state == State::Dismissed && in_period(r.dismissal.as_ref().map(|d| d.stamp.at))
            })
            .count(),
    }
}

pub fn metrics_table(m: &Metrics) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "period                 {} (generated {})",
        m.period.describe(),
        m.generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "severity   open now  remediated  mean time to remediate"
    );
    for s in Severity::ALL_DESC {
        let mttr = m
            .mean_time_to_remediate_hours
            .get(s)
            .map_or_else(|| "-".to_owned(), |h| format!("{h:.1}h"));
        let _ = writeln!(
            out,
            "{:<10} {:>8}  {:>10}  {}",
            s.as_str(),
            m.open_by_severity.get(s),
            m.remediated.get(s),
            mttr
        );
    }
    if m.open_by_severity.unknown + m.remediated.unknown > 0 {
        let _ = writeln!(
            out,
            "{:<10} {:>8}  {:>10}  -",
            "unknown", m.open_by_severity.unknown, m.remediated.unknown
        );
    }
    let _ = writeln!(out);
    let ids: Vec<String> = m.overdue_records.iter().map(|i| format!("#{i}")).collect();
    let _ = writeln!(
        out,
        "overdue now            {}{}",
        m.overdue_now,
        if ids.is_empty() {
            String::new()
        } else {
            format!(" ({})", ids.join(", "))
        }
    );
    if m.permanent_fix_overdue > 0 {
        let _ = writeln!(
            out,
            "permanent fix overdue  {} mitigated record(s)",
            m.permanent_fix_overdue
        );
    }
    let _ = writeln!(
        out,
        "within SLA             {} of {} remediated ({})",
        m.within_sla.met,
        m.within_sla.met + m.within_sla.missed,
        fmt_percent(m.within_sla.percent)
    );
    let _ = writeln!(out, "opened / closed        {} / {}", m.opened, m.closed);
    let _ = writeln!(
        out,
        "mitigated {}, risk accepted {}, dismissed {}",
        m.mitigated, m.risk_accepted, m.dismissed
    );
    out
}

pub fn metrics_json(m: &Metrics) -> String {
    let mut text = serde_json::to_string_pretty(m).unwrap_or_default();
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------------
// VEX
// ---------------------------------------------------------------------------------------------------

/// Whether a record is stated in the VEX document: dismissed, or mitigated (a compensating control,
/// the permanent fix still owed).
pub fn in_vex(r: &PatchRecord) -> bool {
    match r.state {
        State::Dismissed => r.dismissal.is_some(),
        State::Mitigated => r.mitigation.is_some(),
        _ => false,
    }
}

/// The id of a record's vulnerability in the VEX document: its vulnerability, else `PATCHWARDEN-<id>`.
pub fn vex_id(r: &PatchRecord) -> String {
    r.vulnerability
        .clone()
        .unwrap_or_else(|| format!("PATCHWARDEN-{}", r.id))
}

/// Who publishes a vulnerability id, by its prefix.
fn vuln_source(id: &str) -> Value {
    if id.starts_with("CVE-") {
        json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}") })
    } else if id.starts_with("GHSA-") {
        json!({ "name": "GitHub Advisories", "url": format!("https://github.com/advisories/{id}") })
    } else if id.starts_with("PATCHWARDEN-") {
        json!({ "name": "patchwarden" })
    } else {
        json!({ "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") })
    }
}

/// CVSS qualitative rating of a base score (v3/v4 bands).
fn cvss_rating(score: f64) -> &'static str {
    match (score * 10.0).round() as i64 {
        90.. => "critical",
        70..=89 => "high",
        40..=69 => "medium",
        1..=39 => "low",
        _ => "none",
    }
}

fn cvss_method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4.0/") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1/") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3.0/") {
        "CVSSv3"
    } else if vector.starts_with("CVSS:") {
        "other"
    } else {
        "CVSSv2"
    }
}

fn asset_ref(asset: &str) -> String {
    format!("asset:{asset}")
}

fn affected(r: &PatchRecord) -> Vec<String> {
    r.assessment
        .as_ref()
        .map_or_else(|| vec![r.asset.clone()], |a| a.affected_assets.clone())
}

fn vex_entry(r: &PatchRecord) -> Value {
    let id = vex_id(r);
    let mut v = serde_json::Map::new();
    v.insert(
        "bom-ref".into(),
        json!(format!("patchwarden-record-{}", r.id)),
    );
    v.insert("id".into(), json!(id));
    v.insert("source".into(), vuln_source(&id));
    let references: Vec<Value> = r
        .aliases
        .iter()
        .filter(|a| **a != id)
        .map(|a| json!({ "id": a, "source": vuln_source(a) }))
        .collect();
    if !references.is_empty() {
        v.insert("references".into(), json!(references));
    }
    let mut ratings = Vec::new();
    if let Some(score) = r.cvss_score {
        let mut rating = json!({ "score": score, "severity": cvss_rating(score) });
        if let Some(vector) = &r.cvss_vector {
            rating["method"] = json!(cvss_method(vector));
            rating["vector"] = json!(vector);
        }
        ratings.push(rating);
    }
    if let Some(s) = r.severity {
        let mut rating = json!({
            "source": { "name": "patchwarden policy" },
            "severity": s.as_str(),
            "method": "other",
        });
        if let Some(why) = &r.severity_reason {
            rating["justification"] = json!(why);
        }
        ratings.push(rating);
    }
    if !ratings.is_empty() {
        v.insert("ratings".into(), json!(ratings));
    }
    v.insert("description".into(), json!(r.title));
    let advisories: Vec<Value> = r.links.iter().map(|l| json!({ "url": l })).collect();
    if !advisories.is_empty() {
        v.insert("advisories".into(), json!(advisories));
    }
    let mut properties = vec![
        json!({ "name": "patchwarden:record", "value": r.id.to_string() }),
        json!({ "name": "patchwarden:state", "value": r.state.as_str() }),
        json!({ "name": "patchwarden:detected", "value": rfc3339(r.detected_at) }),
    ];
    match (r.state, &r.dismissal, &r.mitigation) {
        (State::Dismissed, Some(d), _) => {
            let state = match d.kind {
                DismissKind::NotAffected => "not_affected",
                DismissKind::FalsePositive => "false_positive",
            };
            v.insert(
                "analysis".into(),
                json!({
                    "state": state,
                    "detail": d.justification,
                    "firstIssued": rfc3339(d.stamp.at),
                    "lastUpdated": rfc3339(d.stamp.at),
                }),
            );
            properties.push(json!({ "name": "patchwarden:decided_by", "value": d.stamp.by }));
        }
        (_, _, Some(m)) => {
            let mut detail = format!(
                "Mitigated by a compensating control: {} (evidence: {}; owner {}; re-check {}). The permanent fix is still owed, due {}.",
                m.control,
                m.evidence,
                m.owner,
                m.recheck_at.format("%Y-%m-%d"),
                m.permanent_fix_due.format("%Y-%m-%d %H:%M UTC")
            );
            if let Some(p) = &r.plan {
                let _ = write!(detail, " Planned fix: {}.", p.target_versions.join(", "));
            }
            v.insert(
                "analysis".into(),
                json!({
                    "state": "exploitable",
                    "response": ["workaround_available", "update"],
                    "detail": detail,
                    "firstIssued": rfc3339(m.stamp.at),
                    "lastUpdated": rfc3339(m.stamp.at),
                }),
            );
            v.insert("workaround".into(), json!(m.control));
            properties.push(json!({ "name": "patchwarden:decided_by", "value": m.stamp.by }));
            properties.push(json!({ "name": "patchwarden:permanent_fix_due", "value": rfc3339(m.permanent_fix_due) }));
        }
        _ => {}
    }
    let affects: Vec<Value> = affected(r)
        .iter()
        .map(|a| json!({ "ref": asset_ref(a) }))
        .collect();
    v.insert("affects".into(), json!(affects));
    v.insert("properties".into(), json!(properties));
    Value::Object(v)
}

/// A CycloneDX 1.5 VEX document of the dismissed and mitigated records; each affected asset is a
/// component (`bom-ref` `asset:<name>`) the statements point at. `serial` is a `urn:uuid:…`
/// ([`serial_number`]).
pub fn vex(records: &[PatchRecord], now: DateTime<Utc>, serial: &str) -> Value {
    let mut stated: Vec<&PatchRecord> = records.iter().filter(|r| in_vex(r)).collect();
    stated.sort_by_key(|r| r.id);
    let mut assets: Vec<String> = stated.iter().flat_map(|r| affected(r)).collect();
    assets.sort();
    assets.dedup();
    let components: Vec<Value> = assets
        .iter()
        .map(|a| json!({ "type": "application", "bom-ref": asset_ref(a), "name": a }))
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": rfc3339(now),
            "tools": {
                "components": [{ "type": "application", "name": GENERATOR.name, "version": GENERATOR.version }]
            },
        },
        "components": components,
        "vulnerabilities": stated.iter().map(|r| vex_entry(r)).collect::<Vec<_>>(),
    })
}

pub fn vex_json(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A `urn:uuid:` serial number (RFC 4122 version 4 layout) drawn from a SHA-256 of `seed`: the caller
/// makes the seed unique (time, process, content).
pub fn serial_number(seed: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

// ---------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------

/// Writes `bytes` to `path` atomically: parent directories created, a temporary file beside the target
/// written and synced, then renamed over it; a reader sees the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the output path names no file",
        )
    })?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests;
