//! `patchwarden notify test|send|log`: try a channel, deliver pending alerts, read the delivery log.

use std::io::Write;

use chrono::{DateTime, Utc};
use patchwarden_app::App;
use serde::Serialize;

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, NotifyCommand};
use crate::output::{bad, dim, good, print_json};
use crate::settings;

#[derive(Debug, Serialize)]
struct DeliveryView<'a> {
    id: i64,
    channel: &'a str,
    event_seq: Option<i64>,
    kind: &'a str,
    subject: &'a str,
    status: &'a str,
    attempts: i32,
    error: Option<&'a str>,
    at: DateTime<Utc>,
}

pub async fn run(global: &GlobalArgs, cmd: NotifyCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        NotifyCommand::Test { channel } => {
            let (attempts, error) = app.notify_test(&channel).await?;
            let mut out = anstream::stdout().lock();
            match error {
                None => {
                    writeln!(
                        out,
                        "{} test message to {channel} ({attempts} attempt(s))",
                        good("sent")
                    )?;
                    Ok(Outcome::Ok)
                }
                Some(e) => {
                    writeln!(
                        out,
                        "{} test message to {channel} after {attempts} attempt(s): {e}",
                        bad("failed")
                    )?;
                    Ok(Outcome::Failed)
                }
            }
        }
        NotifyCommand::Send => {
            let sent = app.notify_dispatch().await?;
            writeln!(anstream::stdout().lock(), "{sent} alert(s) delivered")?;
            Ok(Outcome::Ok)
        }
        NotifyCommand::Log { limit, format } => {
            let log = app.store.deliveries(limit.clamp(1, 10_000)).await?;
            let views: Vec<DeliveryView> = log
                .iter()
                .map(|d| DeliveryView {
                    id: d.id,
                    channel: &d.channel,
                    event_seq: d.event_seq,
                    kind: &d.kind,
                    subject: &d.subject,
                    status: &d.status,
                    attempts: d.attempts,
                    error: d.error.as_deref(),
                    at: d.at,
                })
                .collect();
            match format {
                Format::Json => {
                    print_json("notify_log", &serde_json::json!({ "deliveries": views }))?
                }
                Format::Table => {
                    let mut out = anstream::stdout().lock();
                    if views.is_empty() {
                        writeln!(out, "no deliveries yet")?;
                    }
                    for v in &views {
                        let status = match v.status {
                            "sent" => good(v.status),
                            "suppressed" => dim(v.status),
                            _ => bad(v.status),
                        };
                        writeln!(
                            out,
                            "{}  {:<12} {:<10} {:<16} {:<24} {} attempt(s){}",
                            v.at.format("%Y-%m-%d %H:%M:%S"),
                            v.channel,
                            status,
                            v.kind,
                            v.subject,
                            v.attempts,
                            v.error.map(|e| format!("  {e}")).unwrap_or_default()
                        )?;
                    }
                }
            }
            Ok(Outcome::Ok)
        }
    };
    app.store.close().await;
    outcome
}
