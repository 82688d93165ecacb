//! Which alerts the periodic checks raise, decided from a record, an asset or a component and the time.
//! Each alert names its occasion (a record and its deadline, an asset and its due date, a component and
//! its end of life), so a check that runs every five minutes raises it once.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::estate::{CadenceCheck, Layer};
use crate::severity::Severity;
use crate::workflow::{PatchRecord, State};

/// An alert a check decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    /// `sla.due_soon`, `postmortem.due`, `risk.expiring`, `cadence.missed`, `rebuild.due`,
    /// `eol.reached`, `eol.nearing`.
    pub kind: &'static str,
    /// The occasion within the kind: the same key is never alerted twice.
    pub key: String,
    pub severity: Severity,
    /// The audit subject: `record:4`, `asset:base-image`.
    pub subject: String,
    pub message: String,
    /// The deadline, due date or expiry the alert is about.
    pub due: Option<DateTime<Utc>>,
}

fn record_label(r: &PatchRecord) -> String {
    format!(
        "record {} ({} on {})",
        r.id,
        r.vulnerability.as_deref().unwrap_or(&r.title),
        r.asset
    )
}

fn hours(d: TimeDelta) -> f64 {
    d.num_minutes() as f64 / 60.0
}

/// The alerts a record earns on `now` with `lead` as the warning time: its SLA deadline comes within
/// the lead (`sla.due_soon`); its emergency post-mortem falls due within the lead, or has, and is not
/// linked (`postmortem.due`); its risk acceptance expires within the lead (`risk.expiring`).
pub fn record_alerts(r: &PatchRecord, lead: TimeDelta, now: DateTime<Utc>) -> Vec<AlertDraft> {
    let mut out = Vec::new();
    let severity = r.severity.unwrap_or(Severity::Low);
    let subject = format!("record:{}", r.id);
    if let Some(due) = r.due_at
        && r.state.is_open()
        && r.remediated_at().is_none()
        && due > now
        && due <= now + lead
    {
        out.push(AlertDraft {
            kind: "sla.due_soon",
            key: format!("{}@{}", r.id, due.to_rfc3339()),
            severity,
            subject: subject.clone(),
            message: format!(
                "{} is due in {:.1} h, at {due}",
                record_label(r),
                hours(due - now)
            ),
            due: Some(due),
        });
    }
    let postmortem_linked = r
        .closure
        .as_ref()
        .is_some_and(|c| c.postmortem_link.is_some());
    if let Some(due) = r.postmortem_due
        && !postmortem_linked
        && !matches!(r.state, State::Closed | State::Dismissed)
        && due <= now + lead
    {
        let when = if due > now {
            format!("is due in {:.1} h, at {due}", hours(due - now))
        } else {
            format!("was due at {due} and is not linked")
        };
        out.push(AlertDraft {
            kind: "postmortem.due",
            key: format!("{}@{}", r.id, due.to_rfc3339()),
            severity: Severity::High,
            subject: subject.clone(),
            message: format!("the post-mortem of emergency {} {when}", record_label(r)),
            due: Some(due),
        });
    }
    if let Some(risk) = &r.risk
        && r.state == State::RiskAccepted
        && risk.approved.is_some()
        && risk.expires_at > now
        && risk.expires_at <= now + lead
    {
        let expires = risk.expires_at;
        out.push(AlertDraft {
            kind: "risk.expiring",
            key: format!("{}@{}", r.id, expires.to_rfc3339()),
            severity,
            subject,
            message: format!(
                "the risk acceptance of {} expires in {:.1} h, at {expires}; the record then opens again",
                record_label(r),
                hours(expires - now)
            ),
            due: Some(expires),
        });
    }
    out
}

/// The alerts an asset earns from its cadence check: a missed cadence (`cadence.missed`, once per due
/// date) and, where the layer patches on a critical alert and `newest_critical` (the newest open critical
/// record on it) exists, an out-of-cycle patch due now (`rebuild.due`, once per critical record).
pub fn cadence_alerts(
    asset: &str,
    layer: &Layer,
    check: &CadenceCheck,
    newest_critical: Option<i64>,
) -> Vec<AlertDraft> {
    let mut out = Vec::new();
    let subject = format!("asset:{asset}");
    if let Some(due) = check.next_due.filter(|_| check.missed) {
        out.push(AlertDraft {
            kind: "cadence.missed",
            key: format!("{asset}@{}", due.to_rfc3339()),
            severity: Severity::High,
            subject: subject.clone(),
            message: format!(
                "asset {asset} missed its {} cadence ({}): its patch was due at {due}",
                layer.cadence,
                layer.mechanism.to_lowercase()
            ),
            due: Some(due),
        });
    }
    if let Some(record) = newest_critical.filter(|_| check.out_of_cycle) {
        out.push(AlertDraft {
            kind: "rebuild.due",
            key: format!("{asset}:record:{record}"),
            severity: Severity::Critical,
            subject,
            message: format!(
                "asset {asset} has critical record {record} open and its layer patches on a critical alert: an out-of-cycle {} is due now",
                layer.mechanism.to_lowercase()
            ),
            due: None,
        });
    }
    out
}

/// A component past or near its end of life, as the end-of-life check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EolFinding<'a> {
    pub asset: &'a str,
    pub product: &'a str,
    pub version: &'a str,
    pub cycle: Option<&'a str>,
    pub eol: Option<NaiveDate>,
    pub upgrade_to: Option<&'a str>,
    /// Past its end of life (else within the warning window).
    pub reached: bool,
}

/// The alert for a component past its end of life (`eol.reached`, of the policy's `severity`) or within
/// the warning window (`eol.nearing`, medium): once per component and end-of-life date.
pub fn eol_alert(c: &EolFinding, severity: Severity) -> AlertDraft {
    let cycle = c.cycle.unwrap_or(c.version);
    let date = c
        .eol
        .map_or_else(|| "unknown".to_owned(), |d| d.to_string());
    let upgrade = c
        .upgrade_to
        .map(|u| format!("; move to {u}"))
        .unwrap_or_default();
    let (kind, severity, what) = if c.reached {
        (
            "eol.reached",
            severity,
            format!("reached its end of life on {date}"),
        )
    } else {
        (
            "eol.nearing",
            Severity::Medium,
            format!("reaches its end of life on {date}"),
        )
    };
    AlertDraft {
        kind,
        key: format!("{}:{}@{cycle}:{date}", c.asset, c.product),
        severity,
        subject: format!("asset:{}", c.asset),
        message: format!(
            "{} {} on asset {} {what}{upgrade}",
            c.product, c.version, c.asset
        ),
        due: c
            .eol
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::estate::Cadence;
    use crate::policy::Policy;
    use crate::workflow::{Closure, NewRecord, RecordSource, RiskAcceptance, Stamp};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .single()
            .expect("time")
    }

    fn record(severity: Severity) -> PatchRecord {
        PatchRecord::open(
            4,
            NewRecord {
                title: "RCE in upload".into(),
                asset: "api".into(),
                vulnerability: Some("CVE-2099-0001".into()),
                aliases: Vec::new(),
                source: RecordSource::Scan,
                links: Vec::new(),
                severity: Some(severity),
                cvss_vector: None,
                cvss_score: None,
                detected_at: at(2, 9),
            },
            &Policy::default(),
        )
    }

    fn kinds(alerts: &[AlertDraft]) -> Vec<&str> {
        alerts.iter().map(|a| a.kind).collect()
    }

    #[test]
    fn a_deadline_within_the_lead_is_due_soon_keyed_by_record_and_deadline() {
        let r = record(Severity::Critical); // due on the 4th at 09:00
        let lead = TimeDelta::hours(24);
        assert!(record_alerts(&r, lead, at(3, 8)).is_empty());
        let soon = record_alerts(&r, lead, at(3, 10));
        assert_eq!(kinds(&soon), ["sla.due_soon"]);
        assert_eq!(soon[0].key, "4@2026-03-04T09:00:00+00:00");
        assert_eq!(soon[0].severity, Severity::Critical);
        assert_eq!(soon, record_alerts(&r, lead, at(3, 10)));
        assert!(
            record_alerts(&r, lead, at(4, 10)).is_empty(),
            "overdue is a breach"
        );
    }

    #[test]
    fn an_unwritten_post_mortem_is_due_until_it_is_linked() {
        let mut r = record(Severity::Critical);
        r.state = State::Deployed;
        r.postmortem_due = Some(at(5, 9));
        let lead = TimeDelta::hours(24);
        let alerts = |r: &PatchRecord, now| {
            record_alerts(r, lead, now)
                .into_iter()
                .filter(|a| a.kind == "postmortem.due")
                .collect::<Vec<_>>()
        };
        assert!(alerts(&r, at(4, 8)).is_empty());
        let due = alerts(&r, at(4, 10));
        assert_eq!(due.len(), 1);
        assert!(
            due[0].message.contains("is due in 23.0 h"),
            "{}",
            due[0].message
        );
        let late = alerts(&r, at(6, 9));
        assert!(
            late[0].message.contains("was due at"),
            "{}",
            late[0].message
        );
        assert_eq!(late[0].key, due[0].key, "one occasion: raised once");
        r.state = State::Closed;
        r.closure = Some(Closure {
            incident_link: None,
            postmortem_link: Some("https://example.invalid/pm/4".into()),
            stamp: Stamp {
                by: "ivy".into(),
                at: at(5, 0),
            },
        });
        assert!(alerts(&r, at(6, 9)).is_empty());
    }

    #[test]
    fn an_approved_risk_acceptance_is_expiring_within_the_lead() {
        let mut r = record(Severity::High);
        r.state = State::RiskAccepted;
        let stamp = Stamp {
            by: "leo".into(),
            at: at(2, 10),
        };
        r.risk = Some(RiskAcceptance {
            reason: "vendor fix next month".into(),
            expires_at: at(20, 0),
            requested: stamp.clone(),
            approved: None,
        });
        let lead = TimeDelta::days(2);
        assert!(
            record_alerts(&r, lead, at(19, 0)).is_empty(),
            "only once approved"
        );
        if let Some(risk) = r.risk.as_mut() {
            risk.approved = Some(stamp);
        }
        assert!(record_alerts(&r, lead, at(17, 0)).is_empty());
        let expiring = record_alerts(&r, lead, at(19, 0));
        assert_eq!(kinds(&expiring), ["risk.expiring"]);
        assert_eq!(expiring[0].severity, Severity::High);
        assert!(record_alerts(&r, lead, at(20, 1)).is_empty());
    }

    #[test]
    fn a_missed_cadence_and_a_rebuild_due_now_are_keyed_by_due_date_and_record() {
        let layer = Layer {
            name: "base-os".into(),
            title: "Base OS (Containers)".into(),
            responsible: "CTO".into(),
            mechanism: "Rebuild of Docker/OCI images".into(),
            cadence: Cadence::Weekly,
            on_critical: true,
        };
        let check = CadenceCheck {
            next_due: Some(at(8, 9)),
            missed: true,
            out_of_cycle: true,
        };
        let alerts = cadence_alerts("base-image", &layer, &check, Some(7));
        assert_eq!(kinds(&alerts), ["cadence.missed", "rebuild.due"]);
        assert_eq!(alerts[0].key, "base-image@2026-03-08T09:00:00+00:00");
        assert_eq!(alerts[1].key, "base-image:record:7");
        assert_eq!(alerts[1].severity, Severity::Critical);
        assert!(
            alerts[1]
                .message
                .contains("out-of-cycle rebuild of docker/oci images")
        );
        let kept = CadenceCheck {
            missed: false,
            out_of_cycle: false,
            ..check
        };
        assert!(cadence_alerts("base-image", &layer, &kept, Some(7)).is_empty());
    }

    #[test]
    fn end_of_life_alerts_name_the_date_and_the_cycle_to_move_to() {
        let c = EolFinding {
            asset: "api",
            product: "python",
            version: "3.8.10",
            cycle: Some("3.8"),
            eol: NaiveDate::from_ymd_opt(2024, 10, 7),
            upgrade_to: Some("3.12"),
            reached: true,
        };
        let a = eol_alert(&c, Severity::High);
        assert_eq!((a.kind, a.severity), ("eol.reached", Severity::High));
        assert_eq!(a.key, "api:python@3.8:2024-10-07");
        assert_eq!(
            a.message,
            "python 3.8.10 on asset api reached its end of life on 2024-10-07; move to 3.12"
        );
        let near = eol_alert(
            &EolFinding {
                reached: false,
                ..c
            },
            Severity::High,
        );
        assert_eq!(
            (near.kind, near.severity),
            ("eol.nearing", Severity::Medium)
        );
    }
}
