//! Notification channels as configured, and the pure rules of routing and de-duplication.

use serde::{Deserialize, Serialize};

use crate::duration::PolicyDuration;
use crate::severity::Severity;

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, upgraded with STARTTLS (port 587); refused if the server does not offer it.
    Starttls,
    /// No encryption, for a relay on localhost.
    Plain,
}

/// Where a channel delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Delivery {
    /// POST of the alert as JSON with a Slack-compatible `text` field.
    Webhook { url: String },
    /// An e-mail; the credentials are read from the named environment variables at send time.
    Email {
        host: String,
        port: u16,
        security: SmtpSecurity,
        from: String,
        to: Vec<String>,
        username_env: Option<String>,
        password_env: Option<String>,
    },
    /// A program (no shell) that receives the alert JSON on stdin.
    Command { command: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyChannel {
    pub name: String,
    pub delivery: Delivery,
    /// Alert kinds this channel receives (`task.failed`, `task.*`, `*`); empty means all.
    pub events: Vec<String>,
    /// The least severe alert this channel receives.
    pub min_severity: Severity,
    /// Attempts after the first failure, with doubling waits.
    pub retries: u32,
    /// The same alert (kind and subject) is not sent again within this window.
    pub dedupe_window: PolicyDuration,
}

impl NotifyChannel {
    /// Whether this channel wants an alert of `kind` and `severity`.
    pub fn routes(&self, kind: &str, severity: Severity) -> bool {
        let kind_ok = self.events.is_empty()
            || self
                .events
                .iter()
                .any(|pattern| match pattern.strip_suffix('*') {
                    Some(prefix) => kind.starts_with(prefix),
                    None => pattern == kind,
                });
        kind_ok && severity >= self.min_severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(events: &[&str], min: Severity) -> NotifyChannel {
        NotifyChannel {
            name: "ops".into(),
            delivery: Delivery::Command {
                command: vec!["cat".into()],
            },
            events: events.iter().map(|s| s.to_string()).collect(),
            min_severity: min,
            retries: 3,
            dedupe_window: PolicyDuration::hours(1),
        }
    }

    #[test]
    fn routing_is_by_kind_pattern_and_least_severity() {
        let c = channel(&["task.*", "sla.breached"], Severity::High);
        assert!(c.routes("task.failed", Severity::Critical));
        assert!(c.routes("sla.breached", Severity::High));
        assert!(!c.routes("sla.due_soon", Severity::Critical));
        assert!(!c.routes("task.failed", Severity::Medium));
        assert!(channel(&[], Severity::Low).routes("anything", Severity::Low));
    }
}
