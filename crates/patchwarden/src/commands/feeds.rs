//! `patchwarden feeds poll` and `patchwarden notices list|triage`: vendor feeds and the triage queue.

use std::io::Write;

use patchwarden_app::App;
use patchwarden_app::feeds::PolledFeed;
use patchwarden_app::notices::{ListedNotice, Triage};
use patchwarden_core::Severity;
use serde::Serialize;

use crate::Outcome;
use crate::cli::{FeedsCommand, Format, GlobalArgs, NoticesCommand};
use crate::output::{bad, dim, good, print_json, severity_style, warn};
use crate::settings;

pub async fn run(global: &GlobalArgs, cmd: FeedsCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let FeedsCommand::Poll { name, format } = cmd;
    let outcome = poll(&app, name.as_deref(), format).await;
    app.store.close().await;
    outcome
}

#[derive(Debug, Serialize)]
struct Polled {
    feeds: Vec<PolledFeed>,
}

async fn poll(app: &App, name: Option<&str>, format: Format) -> anyhow::Result<Outcome> {
    if name.is_none() && app.settings.config.feeds.is_empty() {
        anyhow::bail!(
            "no feeds configured: add [[feeds]] to patchwarden.toml (see `patchwarden init`)"
        );
    }
    let feeds = app.poll_feeds(name).await?;
    let failed: Vec<&str> = feeds
        .iter()
        .filter(|f| f.outcome == "failed")
        .map(|f| f.name.as_str())
        .collect();
    match format {
        Format::Json => print_json(
            "feeds-poll",
            &Polled {
                feeds: feeds.clone(),
            },
        )?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            for f in &feeds {
                match (f.outcome, &f.error) {
                    ("failed", Some(e)) => writeln!(out, "{} {}: {e}", bad("failed"), f.name)?,
                    ("not-modified", _) => {
                        writeln!(out, "{} {}: not modified", good("ok"), f.name)?
                    }
                    _ => writeln!(
                        out,
                        "{} {}: {} items, {} new notice(s){}",
                        good("read"),
                        f.name,
                        f.items,
                        f.notices.len(),
                        if f.notices.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " ({})",
                                f.notices
                                    .iter()
                                    .map(|id| format!("#{id}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    )?,
                }
            }
        }
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "polling failed for {} (tried again on the next poll)",
            failed.join(", ")
        );
    }
    Ok(Outcome::Ok)
}

pub async fn notices(global: &GlobalArgs, cmd: NoticesCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        NoticesCommand::List { untriaged, format } => list(&app, untriaged, format).await,
        NoticesCommand::Triage {
            id,
            open_record,
            severity,
            asset,
            dismiss: _,
            reason,
            format,
        } => {
            let decision = if open_record {
                Triage::OpenRecord {
                    severity: severity.map(|s| s.parse::<Severity>()).transpose()?,
                    asset,
                }
            } else {
                Triage::Dismiss {
                    reason: reason.unwrap_or_default(),
                }
            };
            triage(&app, id, decision, format).await
        }
    };
    app.store.close().await;
    outcome
}

#[derive(Debug, Serialize)]
struct Listed {
    notices: Vec<ListedNotice>,
}

async fn list(app: &App, untriaged: bool, format: Format) -> anyhow::Result<Outcome> {
    let notices = app.list_notices(untriaged).await?;
    let overdue: Vec<i64> = notices
        .iter()
        .filter(|n| n.overdue)
        .map(|n| n.notice.id)
        .collect();
    match format {
        Format::Json => print_json("notices", &Listed { notices })?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            if notices.is_empty() {
                writeln!(out, "{}", dim("no notices"))?;
            }
            for l in &notices {
                let n = &l.notice.notice;
                let severity = n
                    .severity
                    .map(|s| {
                        format!(
                            "{}",
                            owo_colors::OwoColorize::style(&s.as_str(), severity_style(s))
                        )
                    })
                    .unwrap_or_else(|| dim("-"));
                let state = match (l.notice.state.as_str(), l.notice.record_id) {
                    (_, Some(record)) => format!("record #{record}"),
                    ("untriaged", _) if l.overdue => warn("overdue"),
                    (state, _) => state.to_owned(),
                };
                writeln!(
                    out,
                    "#{:<4} {:<10} {:<9} {:<14} {}{}{}",
                    l.notice.id,
                    l.notice.received_at.format("%Y-%m-%d"),
                    severity,
                    state,
                    n.vendor
                        .as_deref()
                        .map(|v| format!("{v}: "))
                        .unwrap_or_else(|| format!("[{}] ", n.source)),
                    n.title,
                    if n.cves.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", n.cves.join(", "))
                    }
                )?;
                if let Some(link) = &n.link {
                    writeln!(out, "      {}", dim(link))?;
                }
            }
        }
    }
    if !overdue.is_empty() {
        let within = app.settings.config.notices.triage_within;
        writeln!(
            anstream::stderr().lock(),
            "{} {} notice(s) untriaged for more than {within}: {}",
            warn("warning:"),
            overdue.len(),
            overdue
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(Outcome::Ok)
}

async fn triage(app: &App, id: i64, decision: Triage, format: Format) -> anyhow::Result<Outcome> {
    let triaged = app.triage_notice(id, decision).await?;
    match format {
        Format::Json => print_json("notice-triage", &triaged)?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            match &triaged.record {
                Some(r) => writeln!(
                    out,
                    "{} notice #{id}: opened record #{} ({}, due {})",
                    good("triaged"),
                    r.id,
                    r.severity.map_or("no severity", |s| s.as_str()),
                    r.due_at.map_or_else(
                        || "-".to_owned(),
                        |d| d.format("%Y-%m-%d %H:%M").to_string()
                    )
                )?,
                None => writeln!(out, "{} notice #{id}: dismissed", good("triaged"))?,
            }
        }
    }
    Ok(Outcome::Ok)
}
