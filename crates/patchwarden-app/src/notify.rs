//! Notifications: alerts from the audit log delivered to the configured channels (webhook, e-mail,
//! command), routed by kind and severity, retried with backoff, not repeated within a channel's window,
//! and every outcome kept in the delivery log.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_core::{AuditEvent, Delivery, NotifyChannel, Severity, SmtpSecurity};
use patchwarden_store::{NewDelivery, Store};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::{App, AppError, Result};

/// The first wait before a retry; each further retry waits twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// How many alerts one pass reads per channel.
const BATCH: i64 = 500;

/// An alert as channels receive it.
#[derive(Debug, Clone)]
pub struct AlertMessage {
    pub event_seq: Option<i64>,
    pub kind: String,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
    pub at: DateTime<Utc>,
    pub details: Value,
}

impl AlertMessage {
    /// The alerts an event carries: an alert event (details with `"alert": true`), or an event the
    /// workflow records on its own that deserves one — an SLA breach, an expired risk acceptance, a
    /// record opened critical or turned critical by its assessment (`finding.critical`), a record put
    /// on the emergency path, which waits for the Incident Commander's approval
    /// (`emergency.approval_requested`), a relevant vendor notice queued (`notice.new`). Other events
    /// carry none.
    pub fn from_event(e: &AuditEvent) -> Vec<Self> {
        let Ok(details) = serde_json::from_str::<Value>(&e.details) else {
            return Vec::new();
        };
        let alert = |kind: &str, severity: Severity, message: String| Self {
            event_seq: Some(e.seq),
            kind: kind.into(),
            severity,
            subject: e.subject.clone(),
            message,
            at: e.at,
            details: details.clone(),
        };
        let changed_to = |field: &str| {
            let change = &details["changes"][field];
            (change["before"] != change["after"]).then_some(&change["after"])
        };
        let severity_of =
            |v: &Value, default| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(default);
        let mut out = Vec::new();
        match e.action.as_str() {
            "record.record-breach" => out.push(alert(
                "sla.breached",
                Severity::Critical,
                format!("{}: the SLA deadline passed", e.subject),
            )),
            "record.expire-risk" => out.push(alert(
                "risk.expired",
                Severity::High,
                format!(
                    "{}: the risk acceptance expired; the record is open again",
                    e.subject
                ),
            )),
            "record.opened" if details["severity"] == "critical" => {
                let what = details["package"]
                    .as_str()
                    .or(details["title"].as_str())
                    .unwrap_or("a finding");
                out.push(alert(
                    "finding.critical",
                    Severity::Critical,
                    format!(
                        "{} opened critical for {what}, due at {}",
                        e.subject,
                        details["due"].as_str().unwrap_or("-")
                    ),
                ));
            }
            "record.assess" | "record.reevaluate" => {
                if changed_to("severity").is_some_and(|s| s == "critical") {
                    out.push(alert(
                        "finding.critical",
                        Severity::Critical,
                        format!("{} was assessed critical", e.subject),
                    ));
                }
                if changed_to("assessment").is_some_and(|a| a["path"] == "emergency") {
                    out.push(alert(
                        "emergency.approval_requested",
                        Severity::Critical,
                        format!(
                            "{} takes the emergency path: the hotfix waits for the Incident Commander's approval (patch approve)",
                            e.subject
                        ),
                    ));
                }
            }
            "notice.received" => out.push(alert(
                "notice.new",
                severity_of(&details["severity"], Severity::Medium),
                format!(
                    "{}: {}",
                    e.subject,
                    details["title"].as_str().unwrap_or("a vendor notice")
                ),
            )),
            _ if details["alert"] == Value::Bool(true) => out.push(alert(
                &e.action,
                severity_of(&details["severity"], Severity::Critical),
                details["message"].as_str().unwrap_or(&e.action).to_owned(),
            )),
            _ => {}
        }
        out
    }

    /// One line for chat and subject lines.
    pub fn text(&self) -> String {
        format!(
            "[{}] {}: {}",
            self.severity.as_str().to_uppercase(),
            self.kind,
            self.message
        )
    }

    /// The JSON every channel receives; `text` makes it a valid Slack incoming-webhook message.
    pub fn to_json(&self) -> Value {
        json!({
            "schema": "patchwarden.alert/v1",
            "text": self.text(),
            "kind": self.kind,
            "severity": self.severity.as_str(),
            "subject": self.subject,
            "message": self.message,
            "at": self.at,
            "event_seq": self.event_seq,
            "details": self.details,
        })
    }
}

async fn send_webhook(url: &str, body: String) -> Result<(), String> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .into();
        agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

async fn send_email(delivery: &Delivery, alert: &AlertMessage) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let Delivery::Email {
        host,
        port,
        security,
        from,
        to,
        username_env,
        password_env,
    } = delivery
    else {
        return Err("not an e-mail channel".into());
    };
    let mut message = Message::builder()
        .from(from.parse().map_err(|e| format!("from {from:?}: {e}"))?)
        .subject(alert.text());
    for addr in to {
        message = message.to(addr.parse().map_err(|e| format!("to {addr:?}: {e}"))?);
    }
    let body = format!(
        "{}\n\nSubject: {}\nAt: {}\n\n{}\n",
        alert.message,
        alert.subject,
        alert.at,
        serde_json::to_string_pretty(&alert.to_json()).unwrap_or_default()
    );
    let email = message
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    let builder = match security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| e.to_string())?
    .port(*port)
    .timeout(Some(Duration::from_secs(15)));
    // Credentials come from the environment at send time and are never logged or stored.
    let builder = match (username_env, password_env) {
        (Some(u), Some(p)) => {
            let user =
                std::env::var(u).map_err(|_| format!("environment variable {u} is not set"))?;
            let pass =
                std::env::var(p).map_err(|_| format!("environment variable {p} is not set"))?;
            builder.credentials(Credentials::new(user, pass))
        }
        _ => builder,
    };
    builder
        .build()
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn send_command(command: &[String], body: String) -> Result<(), String> {
    let (program, args) = command.split_first().ok_or("empty command")?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {program:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(body.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
    }
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .map_err(|_| "timed out after 30s".to_owned())?
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

async fn send_once(channel: &NotifyChannel, alert: &AlertMessage) -> Result<(), String> {
    let body = alert.to_json().to_string();
    match &channel.delivery {
        Delivery::Webhook { url } => send_webhook(url, body).await,
        Delivery::Email { .. } => send_email(&channel.delivery, alert).await,
        Delivery::Command { command } => send_command(command, body).await,
    }
}

/// Sends with retries (waits of 0.5 s, 1 s, 2 s, …); returns the attempts made and the last error.
pub async fn send(channel: &NotifyChannel, alert: &AlertMessage) -> (i32, Option<String>) {
    let mut wait = FIRST_BACKOFF;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match send_once(channel, alert).await {
            Ok(()) => return (attempts, None),
            Err(e) if attempts > i32::try_from(channel.retries).unwrap_or(i32::MAX) => {
                return (attempts, Some(e));
            }
            Err(e) => {
                tracing::warn!(channel = %channel.name, attempt = attempts, "delivery failed, retrying: {e}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// Delivers one alert to one channel unless it repeats one sent within the window; logs the outcome.
async fn deliver(
    store: &Store,
    channel: &NotifyChannel,
    alert: &AlertMessage,
    now: DateTime<Utc>,
) -> Result<&'static str> {
    let window =
        TimeDelta::seconds(i64::try_from(channel.dedupe_window.as_secs()).unwrap_or(i64::MAX));
    let duplicate = alert.event_seq.is_some()
        && store
            .sent_since(&channel.name, &alert.kind, &alert.subject, now - window)
            .await?;
    let (status, attempts, error) = if duplicate {
        ("suppressed", 0, None)
    } else {
        let (attempts, error) = send(channel, alert).await;
        (
            if error.is_none() { "sent" } else { "failed" },
            attempts,
            error,
        )
    };
    if let Some(e) = &error {
        tracing::error!(channel = %channel.name, kind = %alert.kind, "alert not delivered: {e}");
    }
    store
        .record_delivery(&NewDelivery {
            channel: &channel.name,
            event_seq: alert.event_seq,
            kind: &alert.kind,
            subject: &alert.subject,
            status,
            attempts,
            error: error.as_deref(),
            at: now,
        })
        .await?;
    Ok(status)
}

/// One pass over every channel: the alerts it has not handled yet, routed, de-duplicated and delivered.
/// Safe with several schedulers: a channel's batch is delivered by whoever advances its cursor first.
pub async fn dispatch(
    store: &Store,
    channels: &[NotifyChannel],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut delivered = 0;
    for channel in channels {
        let from = store.notify_cursor(&channel.name).await?;
        let events = store.audit_events(from, BATCH).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            continue;
        };
        if !store
            .advance_notify_cursor(&channel.name, from, last)
            .await?
        {
            continue;
        }
        for alert in events.iter().flat_map(AlertMessage::from_event) {
            if channel.routes(&alert.kind, alert.severity)
                && deliver(store, channel, &alert, now).await? == "sent"
            {
                delivered += 1;
            }
        }
    }
    Ok(delivered)
}

impl App {
    fn channel(&self, name: &str) -> Result<&NotifyChannel> {
        self.settings
            .config
            .notify
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                AppError::Input(format!(
                    "no [[notify]] channel named {name:?} in the config"
                ))
            })
    }

    /// Sends a test message through one channel (no routing, no dedupe), logged like any delivery.
    pub async fn notify_test(&self, name: &str) -> Result<(i32, Option<String>)> {
        let channel = self.channel(name)?;
        let now = self.settings.now;
        let alert = AlertMessage {
            event_seq: None,
            kind: "notify.test".into(),
            severity: Severity::Low,
            subject: format!("notify:{name}"),
            message: format!("patchwarden test message for channel {name}"),
            at: now,
            details: json!({}),
        };
        let (attempts, error) = send(channel, &alert).await;
        self.store
            .record_delivery(&NewDelivery {
                channel: name,
                event_seq: None,
                kind: &alert.kind,
                subject: &alert.subject,
                status: if error.is_none() { "sent" } else { "failed" },
                attempts,
                error: error.as_deref(),
                at: now,
            })
            .await?;
        Ok((attempts, error))
    }

    /// Raises a decided alert once per occasion; true when raised now.
    pub(crate) async fn raise_once(
        &self,
        draft: &patchwarden_core::alerts::AlertDraft,
        details: Value,
    ) -> Result<bool> {
        let alert = patchwarden_store::OnceAlert {
            kind: draft.kind.into(),
            key: draft.key.clone(),
            severity: draft.severity.as_str().into(),
            subject: draft.subject.clone(),
            message: draft.message.clone(),
            details,
        };
        Ok(self
            .store
            .raise_alert_once(&alert, self.settings.now)
            .await?)
    }

    /// The SLA check's alerts, each once per occasion: `sla.due_soon` for each open record due within
    /// `lead`, `postmortem.due` for each emergency post-mortem due within `lead` (or past) and not
    /// linked, `risk.expiring` for each risk acceptance expiring within `lead`, and `notice.untriaged`
    /// for each vendor notice untriaged past `[notices] triage_within`. Returns how many were raised.
    pub async fn raise_sla_check_alerts(
        &self,
        records: &[patchwarden_core::PatchRecord],
        lead: TimeDelta,
    ) -> Result<usize> {
        let now = self.settings.now;
        let mut raised = 0;
        for r in records {
            for draft in patchwarden_core::alerts::record_alerts(r, lead, now) {
                let due = draft.due.unwrap_or(now);
                let fresh = if draft.kind == "sla.due_soon" {
                    let alert = patchwarden_store::Alert {
                        kind: draft.kind.into(),
                        severity: draft.severity.as_str().into(),
                        message: draft.message.clone(),
                    };
                    self.store.warn_due_soon(r.id, due, &alert, now).await?
                } else {
                    self.raise_once(&draft, json!({"record": r.id, "due_at": due}))
                        .await?
                };
                raised += usize::from(fresh);
            }
        }
        let within = self.settings.config.notices.triage_within;
        for n in self.overdue_notices().await? {
            let draft = patchwarden_core::alerts::AlertDraft {
                kind: "notice.untriaged",
                key: n.id.to_string(),
                severity: n.notice.severity.unwrap_or(Severity::High),
                subject: format!("notice:{}", n.id),
                message: format!(
                    "notice {} ({}) has waited for triage since {}, longer than {within}",
                    n.id, n.notice.title, n.received_at
                ),
                due: None,
            };
            raised += usize::from(self.raise_once(&draft, json!({"notice": n.id})).await?);
        }
        Ok(raised)
    }

    /// Delivers pending alerts now (the scheduler does this every tick).
    pub async fn notify_dispatch(&self) -> Result<usize> {
        dispatch(&self.store, &self.settings.config.notify, self.settings.now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, subject: &str, details: &str) -> AuditEvent {
        AuditEvent {
            seq: 7,
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            actor: "system".into(),
            action: action.into(),
            subject: subject.into(),
            details: details.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn kinds(action: &str, details: &str) -> Vec<String> {
        AlertMessage::from_event(&event(action, "record:4", details))
            .into_iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn alerts_and_workflow_breaches_become_messages_and_other_events_do_not() {
        let failed = AlertMessage::from_event(&event(
            "task.failed",
            "task:x",
            r#"{"alert":true,"severity":"critical","message":"task x exited with code 1"}"#,
        ));
        assert_eq!(
            failed[0].text(),
            "[CRITICAL] task.failed: task x exited with code 1"
        );
        let breach = AlertMessage::from_event(&event("record.record-breach", "record:4", "{}"));
        assert_eq!(breach[0].kind, "sla.breached");
        assert_eq!(breach[0].severity, Severity::Critical);
        assert_eq!(kinds("record.expire-risk", "{}"), ["risk.expired"]);
        assert!(kinds("task.finished", r#"{"run":1}"#).is_empty());
        assert!(kinds("record.opened", "{}").is_empty());
        assert!(kinds("not json", "{").is_empty());
    }

    #[test]
    fn a_critical_record_and_the_emergency_path_are_alerted_when_they_happen() {
        assert_eq!(
            kinds(
                "record.opened",
                r#"{"source":"scan","package":"django@4.2.1","severity":"critical","due":"2026-03-04T09:00:00Z"}"#
            ),
            ["finding.critical"]
        );
        assert!(kinds("record.opened", r#"{"severity":"high"}"#).is_empty());
        // Assessed up to critical, on the emergency path: both.
        assert_eq!(
            kinds(
                "record.assess",
                r#"{"changes":{"severity":{"before":"high","after":"critical"},"assessment":{"before":null,"after":{"path":"emergency"}}}}"#
            ),
            ["finding.critical", "emergency.approval_requested"]
        );
        // Critical from the start and scheduled: neither (the opening was alerted).
        assert!(
            kinds(
                "record.assess",
                r#"{"changes":{"assessment":{"before":null,"after":{"path":"scheduled"}}}}"#
            )
            .is_empty()
        );
        let notice = AlertMessage::from_event(&event(
            "notice.received",
            "notice:2",
            r#"{"title":"Postgres minor release","severity":"high"}"#,
        ));
        assert_eq!(
            (notice[0].kind.as_str(), notice[0].severity),
            ("notice.new", Severity::High)
        );
        assert_eq!(notice[0].message, "notice:2: Postgres minor release");
    }
}
