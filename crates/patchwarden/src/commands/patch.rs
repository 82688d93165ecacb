//! `patchwarden patch …`, `sla` and `records purge`: the workflow from the command line.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use owo_colors::OwoColorize;
use patchwarden_app::App;
use patchwarden_app::records::{JunitFile, ManualRecord};
use patchwarden_core::workflow::{DismissKind, PatchPath, PatchRecord, SlaStatus, allowed_actions};
use patchwarden_core::{Action, PolicyDuration, Severity};
use patchwarden_store::RecordFilter;
use serde::Serialize;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, PatchCommand};
use crate::output::{dim, good, print_json, severity_style, warn};
use crate::settings;

/// A date given as `YYYY-MM-DD` (midnight UTC) or RFC 3339.
fn parse_date(flag: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .with_context(|| format!("{flag} {text:?} is not a date (YYYY-MM-DD or RFC 3339)"))
}

pub(crate) fn opt_date(flag: &str, text: Option<&String>) -> anyhow::Result<Option<DateTime<Utc>>> {
    text.map(|t| parse_date(flag, t)).transpose()
}

fn severity(text: Option<&String>) -> Option<Severity> {
    text.and_then(|s| s.parse().ok())
}

pub async fn run(global: &GlobalArgs, cmd: PatchCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let result = dispatch(&app, cmd).await;
    app.store.close().await;
    result
}

async fn dispatch(app: &App, cmd: PatchCommand) -> anyhow::Result<Outcome> {
    let (ids, action, junit) = match cmd {
        PatchCommand::List { asset, all, format } => {
            let records = app
                .records(&RecordFilter {
                    asset,
                    open_only: !all,
                    ids: Vec::new(),
                })
                .await?;
            print_records(&records, app.settings.now, format)?;
            return Ok(Outcome::Ok);
        }
        PatchCommand::Show { id, format } => {
            let record = app.record(id).await?;
            let evidence = app.store.evidence(id).await?;
            match format {
                Format::Json => print_json(
                    "patch-record",
                    &ShowRecord {
                        record: &record,
                        evidence: evidence
                            .iter()
                            .map(|(n, s, b)| Evidence {
                                file: n,
                                sha256: s,
                                bytes: *b,
                            })
                            .collect(),
                        allowed_next: allowed_actions(&record),
                    },
                )?,
                Format::Table => print_record(&record, &evidence, app.settings.now)?,
            }
            return Ok(Outcome::Ok);
        }
        PatchCommand::New {
            title,
            asset,
            source,
            links,
            queue: true,
            format,
            ..
        } => {
            let notice = app
                .report_notice(patchwarden_app::notices::Report {
                    source: source.parse().map_err(anyhow::Error::msg)?,
                    title,
                    asset: Some(asset),
                    link: links.first().cloned(),
                    text: links.join("\n"),
                })
                .await?;
            match format {
                Format::Json => print_json("notice", &notice)?,
                Format::Table => writeln!(
                    anstream::stdout().lock(),
                    "{} notice #{}: {}",
                    good("queued"),
                    notice.id,
                    notice.notice.title
                )?,
            }
            return Ok(Outcome::Ok);
        }
        PatchCommand::New {
            title,
            asset,
            severity: sev,
            cvss,
            source,
            links,
            queue: false,
            format,
        } => {
            let record = app
                .new_record(ManualRecord {
                    title,
                    asset,
                    severity: severity(sev.as_ref()),
                    cvss,
                    source: source.parse().map_err(anyhow::Error::msg)?,
                    links,
                })
                .await?;
            match format {
                Format::Json => print_json("patch-record", &record)?,
                Format::Table => writeln!(
                    anstream::stdout().lock(),
                    "{} record {}: {}",
                    good("opened"),
                    record.id,
                    record.title
                )?,
            }
            return Ok(Outcome::Ok);
        }
        PatchCommand::Assess {
            ids,
            severity: sev,
            reason,
            affects,
            data_at_risk,
            path,
        } => (
            ids,
            Action::Assess {
                severity: severity(sev.as_ref()),
                reason,
                affected_assets: affects,
                data_at_risk,
                path: path
                    .map(|p| p.parse::<PatchPath>())
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
            },
            vec![],
        ),
        PatchCommand::Plan {
            ids,
            release_owner,
            targets,
            rollback,
            tests,
            release_date,
        } => (
            ids,
            Action::Plan {
                release_owner,
                target_versions: targets,
                rollback_plan: rollback,
                tests,
                planned_release: opt_date("--release-date", release_date.as_ref())?,
            },
            vec![],
        ),
        PatchCommand::Test { ids, junit } => {
            let files: Vec<JunitFile> = junit.into_iter().map(|path| JunitFile { path }).collect();
            let (evidence, kept) = app.read_junit(&files)?;
            (ids, Action::Test { evidence }, kept)
        }
        PatchCommand::Approve { ids } => (ids, Action::Approve, vec![]),
        PatchCommand::Deploy { ids, reference } => (ids, Action::Deploy { reference }, vec![]),
        PatchCommand::Verify { ids, notes, rescan } => {
            (ids, Action::Verify { notes, rescan }, vec![])
        }
        PatchCommand::Close {
            ids,
            incident,
            postmortem,
        } => (
            ids,
            Action::Close {
                incident_link: incident,
                postmortem_link: postmortem,
            },
            vec![],
        ),
        PatchCommand::Mitigate {
            ids,
            control,
            evidence,
            owner,
            recheck,
        } => (
            ids,
            Action::Mitigate {
                control,
                evidence,
                owner,
                recheck_at: opt_date("--recheck", recheck.as_ref())?,
            },
            vec![],
        ),
        PatchCommand::AcceptRisk {
            ids,
            reason,
            expires,
            approve,
        } => {
            let action = if approve {
                Action::ApproveRiskAcceptance
            } else {
                Action::RequestRiskAcceptance {
                    reason,
                    expires_at: opt_date("--expires", expires.as_ref())?,
                }
            };
            (ids, action, vec![])
        }
        PatchCommand::Dismiss {
            ids,
            not_affected,
            false_positive,
            justification,
        } => {
            let kind = match (not_affected, false_positive) {
                (true, false) => DismissKind::NotAffected,
                (false, true) => DismissKind::FalsePositive,
                _ => bail!("say why: --not-affected or --false-positive"),
            };
            (
                ids,
                Action::Dismiss {
                    kind,
                    justification,
                },
                vec![],
            )
        }
        PatchCommand::Comment { ids, text } => (ids, Action::Comment { text }, vec![]),
        PatchCommand::Reevaluate { ids } => (
            ids,
            Action::Reevaluate {
                policy: Box::new(app.settings.config.policy.clone()),
            },
            vec![],
        ),
    };
    let before: Vec<_> = {
        let mut v = Vec::new();
        for id in &ids.ids {
            v.push(app.store.record(*id).await?.state);
        }
        v
    };
    let after = app.act(&ids.ids, &action, &junit).await?;
    match ids.format {
        Format::Json => print_json(
            "patch-records",
            &Records {
                records: after.iter().collect(),
            },
        )?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            for (r, was) in after.iter().zip(before) {
                let change = if was == r.state {
                    format!("{}", r.state)
                } else {
                    format!("{was} → {}", r.state)
                };
                writeln!(out, "{} record {}: {change}", good(action.name()), r.id)?;
                if let Some(pm) = r.postmortem_due.filter(|_| action.name() == "deploy") {
                    writeln!(out, "  post-mortem due {}", pm.format("%Y-%m-%d %H:%M UTC"))?;
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

#[derive(Debug, Serialize)]
struct Records<'a> {
    records: Vec<&'a PatchRecord>,
}

#[derive(Debug, Serialize)]
struct Evidence<'a> {
    file: &'a str,
    sha256: &'a str,
    bytes: i64,
}

#[derive(Debug, Serialize)]
struct ShowRecord<'a> {
    record: &'a PatchRecord,
    evidence: Vec<Evidence<'a>>,
    allowed_next: Vec<&'static str>,
}

fn sla_text(r: &PatchRecord, now: DateTime<Utc>) -> String {
    let hours = |d: chrono::TimeDelta| {
        let h = d.num_hours();
        if h >= 48 {
            format!("{}d", h / 24)
        } else {
            format!("{h}h")
        }
    };
    match r.sla(now) {
        SlaStatus::NoTarget => "-".to_owned(),
        SlaStatus::Running { left } => format!("due in {}", hours(left)),
        SlaStatus::Overdue { by } => format!("OVERDUE by {}", hours(by)),
        SlaStatus::Met { .. } => "met".to_owned(),
        SlaStatus::Missed { by } => format!("missed by {}", hours(by)),
    }
}

fn print_records(
    records: &[PatchRecord],
    now: DateTime<Utc>,
    format: Format,
) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_json(
            "patch-records",
            &Records {
                records: records.iter().collect(),
            },
        );
    }
    let mut out = anstream::stdout().lock();
    if records.is_empty() {
        writeln!(out, "{}", dim("no records"))?;
    }
    for r in records {
        let sev = r.severity.map_or_else(
            || "unknown".to_owned(),
            |s| s.style(severity_style(s)).to_string(),
        );
        let sla = sla_text(r, now);
        let sla = if sla.starts_with("OVERDUE") {
            warn(&sla)
        } else {
            sla
        };
        writeln!(
            out,
            "{:>5}  {:<9} {:<13} {:<14} {:<18} {}",
            r.id,
            sev,
            r.state.as_str(),
            r.asset,
            sla,
            r.title
        )?;
    }
    Ok(())
}

fn print_record(
    r: &PatchRecord,
    evidence: &[(String, String, i64)],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    writeln!(out, "{} {}", format!("record {}", r.id).bold(), r.title)?;
    writeln!(
        out,
        "state       {} (next: {})",
        r.state,
        allowed_actions(r).join(", ")
    )?;
    writeln!(out, "asset       {}", r.asset)?;
    if let Some(v) = &r.vulnerability {
        writeln!(
            out,
            "vuln        {v}{}",
            if r.aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.aliases.join(", "))
            }
        )?;
    }
    writeln!(
        out,
        "severity    {}{}",
        r.severity.map_or("unknown", Severity::as_str),
        r.severity_reason
            .as_ref()
            .map(|x| format!(" (overridden: {x})"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "detected    {}",
        r.detected_at.format("%Y-%m-%d %H:%M UTC")
    )?;
    if let Some(due) = r.due_at {
        writeln!(
            out,
            "due         {} ({})",
            due.format("%Y-%m-%d %H:%M UTC"),
            sla_text(r, now)
        )?;
    }
    if let Some(a) = &r.assessment {
        writeln!(
            out,
            "assessed    {:?} path; affects {}; data at risk: {} — {} {}",
            a.path,
            a.affected_assets.join(", "),
            a.data_at_risk,
            a.stamp.by,
            a.stamp.at.format("%Y-%m-%d %H:%M")
        )?;
    }
    if let Some(p) = &r.plan {
        writeln!(
            out,
            "planned     release owner {}; {}; rollback: {}; tests: {}{}",
            p.release_owner,
            p.target_versions.join(", "),
            p.rollback_plan,
            p.tests.join(", "),
            p.planned_release
                .map(|d| format!("; release {}", d.format("%Y-%m-%d")))
                .unwrap_or_default()
        )?;
    }
    for t in &r.tests {
        for e in &t.evidence {
            writeln!(
                out,
                "tested      {} ({}): {}/{} passed, {} skipped{} — {} {}",
                e.file,
                e.flavour,
                e.passed,
                e.passed + e.failed,
                e.skipped,
                if t.expedited { ", expedited" } else { "" },
                t.stamp.by,
                t.stamp.at.format("%Y-%m-%d %H:%M")
            )?;
        }
    }
    if let Some(a) = &r.approval {
        writeln!(
            out,
            "approved    {} {}",
            a.by,
            a.at.format("%Y-%m-%d %H:%M")
        )?;
    }
    if let Some(d) = &r.deployment {
        writeln!(
            out,
            "deployed    {} — {} {}",
            d.reference,
            d.stamp.by,
            d.stamp.at.format("%Y-%m-%d %H:%M")
        )?;
    }
    if let Some(pm) = r.postmortem_due {
        writeln!(out, "post-mortem due {}", pm.format("%Y-%m-%d %H:%M UTC"))?;
    }
    if let Some(v) = &r.verification {
        writeln!(
            out,
            "verified    {}{} — {} {}",
            v.notes.join("; "),
            v.rescan
                .map(|s| format!(" (re-scan {s})"))
                .unwrap_or_default(),
            v.stamp.by,
            v.stamp.at.format("%Y-%m-%d %H:%M")
        )?;
    }
    if let Some(m) = &r.mitigation {
        writeln!(
            out,
            "mitigated   {} ({}); owner {}; re-check {}; permanent fix due {}",
            m.control,
            m.evidence,
            m.owner,
            m.recheck_at.format("%Y-%m-%d"),
            m.permanent_fix_due.format("%Y-%m-%d %H:%M")
        )?;
    }
    if let Some(k) = &r.risk {
        writeln!(
            out,
            "risk        {} until {} — requested by {}{}",
            k.reason,
            k.expires_at.format("%Y-%m-%d"),
            k.requested.by,
            k.approved
                .as_ref()
                .map(|a| format!(", approved by {}", a.by))
                .unwrap_or_else(|| ", awaiting approval".into())
        )?;
    }
    if let Some(d) = &r.dismissal {
        writeln!(
            out,
            "dismissed   {:?}: {} — {}",
            d.kind, d.justification, d.stamp.by
        )?;
    }
    if let Some(c) = &r.closure {
        writeln!(
            out,
            "closed      {} {}{}{}",
            c.stamp.by,
            c.stamp.at.format("%Y-%m-%d %H:%M"),
            c.incident_link
                .as_ref()
                .map(|l| format!("; incident {l}"))
                .unwrap_or_default(),
            c.postmortem_link
                .as_ref()
                .map(|l| format!("; post-mortem {l}"))
                .unwrap_or_default()
        )?;
    }
    for (name, sha, bytes) in evidence {
        writeln!(out, "evidence    {name} sha256:{sha} ({bytes} bytes)")?;
    }
    for c in &r.comments {
        writeln!(
            out,
            "comment     {} — {} {}",
            c.text,
            c.stamp.by,
            c.stamp.at.format("%Y-%m-%d %H:%M")
        )?;
    }
    Ok(())
}

pub async fn sla(
    global: &GlobalArgs,
    overdue: bool,
    due_within: Option<&str>,
    alert: bool,
    format: Format,
) -> anyhow::Result<Outcome> {
    let window: Option<PolicyDuration> = due_within
        .map(|d| d.parse::<PolicyDuration>())
        .transpose()
        .context("--due-within")?;
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let now = app.settings.now;
    let records = app
        .records(&RecordFilter {
            open_only: true,
            ..RecordFilter::default()
        })
        .await;
    let records = match (records, window) {
        (Ok(records), Some(window)) if alert => app
            .raise_sla_check_alerts(&records, window.to_chrono())
            .await
            .map(|_| records),
        (records, _) => records,
    };
    app.store.close().await;
    let mut records: Vec<_> = records?
        .into_iter()
        .filter(|r| r.state.is_open() && r.remediated_at().is_none() && r.due_at.is_some())
        .filter(|r| !overdue || matches!(r.sla(now), SlaStatus::Overdue { .. }))
        .filter(|r| window.is_none_or(|w| r.due_at.is_some_and(|d| d <= now + w.to_chrono())))
        .collect();
    records.sort_by_key(|r| r.due_at);
    print_records(&records, now, format)?;
    Ok(Outcome::Ok)
}

pub async fn purge(global: &GlobalArgs, before: Option<&str>) -> anyhow::Result<Outcome> {
    let before = before.map(|b| parse_date("--before", b)).transpose()?;
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let result = app.purge(before).await;
    app.store.close().await;
    let ids = result?;
    let when = match before {
        Some(b) => format!("closed before {}", b.format("%Y-%m-%d")),
        None => format!(
            "past retention ({} months)",
            app.settings.config.policy.retention_months
        ),
    };
    writeln!(
        anstream::stdout().lock(),
        "{} {} records {when}",
        good("purged"),
        ids.len(),
    )?;
    Ok(Outcome::Ok)
}
