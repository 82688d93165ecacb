//! `patchwarden audit verify|log`: prove the record was not altered, and read it.

use std::io::Write;

use anyhow::{Context, bail};
use patchwarden_app::App;
use patchwarden_core::{AuditEvent, ChainBreak, ChainHead};
use serde::Serialize;

use crate::Outcome;
use crate::cli::{AuditCommand, Format, GlobalArgs};
use crate::output::{bad, dim, good, print_json};
use crate::settings;

pub async fn run(global: &GlobalArgs, cmd: AuditCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        AuditCommand::Verify {
            expect_head,
            format,
        } => {
            let expected = expect_head.as_deref().map(parse_head).transpose()?;
            verify(&app, expected.as_ref(), format).await
        }
        AuditCommand::Log {
            after,
            limit,
            format,
        } => log(&app, after, limit, format).await,
    };
    app.store.close().await;
    outcome
}

fn parse_head(text: &str) -> anyhow::Result<ChainHead> {
    let (seq, hash) = text
        .split_once(':')
        .context("--expect-head must be SEQ:HASH, as `audit verify` prints it")?;
    let seq: i64 = seq
        .parse()
        .with_context(|| format!("--expect-head: {seq:?} is not a sequence number"))?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--expect-head: the hash must be 64 hexadecimal digits");
    }
    Ok(ChainHead {
        seq,
        hash: hash.to_ascii_lowercase(),
    })
}

#[derive(Debug, Serialize)]
struct Verification {
    intact: bool,
    events: i64,
    head: Option<ChainHead>,
    #[serde(rename = "break")]
    broken: Option<BreakReport>,
}

#[derive(Debug, Serialize)]
struct BreakReport {
    kind: &'static str,
    seq: i64,
    message: String,
}

fn break_report(b: &ChainBreak) -> BreakReport {
    let (kind, seq) = match *b {
        ChainBreak::Altered { seq } => ("altered", seq),
        ChainBreak::Relinked { seq } => ("relinked", seq),
        ChainBreak::Gap { expected, .. } => ("missing", expected),
        ChainBreak::Truncated { found_last, .. } => ("truncated", found_last + 1),
        ChainBreak::HeadMismatch { seq } => ("head-mismatch", seq),
    };
    BreakReport {
        kind,
        seq,
        message: b.to_string(),
    }
}

async fn verify(
    app: &App,
    expected: Option<&ChainHead>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let v = app.store.verify_audit(expected).await?;
    let report = Verification {
        intact: v.result.is_ok(),
        events: v.events,
        head: v.result.as_ref().ok().cloned().flatten(),
        broken: v.result.as_ref().err().map(break_report),
    };
    match format {
        Format::Json => print_json("audit-verification", &report)?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            match (&report.broken, &report.head) {
                (Some(b), _) => writeln!(out, "{} {}", bad("audit log BROKEN:"), b.message)?,
                (None, Some(head)) => {
                    let plural = if report.events == 1 { "" } else { "s" };
                    writeln!(
                        out,
                        "{} {} event{plural}, every hash and link checks out",
                        good("audit log intact:"),
                        report.events
                    )?;
                    writeln!(out, "head {}:{}", head.seq, head.hash)?;
                    writeln!(
                        out,
                        "{}",
                        dim(
                            "keep this head elsewhere; `audit verify --expect-head` proves nothing before it changed"
                        )
                    )?;
                }
                (None, None) => writeln!(out, "{} no events yet", good("audit log intact:"))?,
            }
        }
    }
    Ok(if report.intact {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

#[derive(Debug, Serialize)]
struct EventList {
    events: Vec<AuditEvent>,
}

async fn log(app: &App, after: i64, limit: i64, format: Format) -> anyhow::Result<Outcome> {
    if limit < 1 {
        bail!("--limit must be at least 1");
    }
    let events = app.store.audit_events(after, limit).await?;
    match format {
        Format::Json => print_json("audit-events", &EventList { events })?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            for e in &events {
                writeln!(
                    out,
                    "{:>6}  {}  {:<12} {:<24} {:<28} {}",
                    e.seq,
                    e.at.format("%Y-%m-%d %H:%M:%SZ"),
                    e.actor,
                    e.action,
                    e.subject,
                    dim(&e.details)
                )?;
            }
            if events.is_empty() {
                writeln!(out, "{}", dim("no events"))?;
            }
        }
    }
    Ok(Outcome::Ok)
}
