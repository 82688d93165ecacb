//! Notification bookkeeping: each channel's cursor over the audit log's alerts, and the delivery log.

use chrono::{DateTime, Utc};
use patchwarden_core::{AuditEvent, EventDraft};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// One delivery attempt's outcome, as `notify log` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub event_seq: Option<i64>,
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub channel: &'a str,
    pub event_seq: Option<i64>,
    pub kind: &'a str,
    pub subject: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub error: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl Store {
    /// The last audit sequence number `channel` has handled; a new channel starts at the current head, so
    /// it is not flooded with old alerts.
    pub async fn notify_cursor(&self, channel: &str) -> Result<i64> {
        let head = self.audit_head().await?.seq;
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO notify_cursor (channel, last_seq) VALUES ($1, $2) ON CONFLICT (channel) DO NOTHING",
            )
            .bind(channel)
            .bind(head)
            .execute(pool)
            .await?;
            Ok(sqlx::query("SELECT last_seq FROM notify_cursor WHERE channel = $1")
                .bind(channel)
                .fetch_one(pool)
                .await?
                .try_get("last_seq")?)
        })
    }

    /// Moves the cursor forward only if it is still at `from` (another scheduler may have handled these
    /// alerts meanwhile); true when this caller owns the range.
    pub async fn advance_notify_cursor(&self, channel: &str, from: i64, to: i64) -> Result<bool> {
        on_backend!(self, pool => {
            let done = sqlx::query(
                "UPDATE notify_cursor SET last_seq = $1 WHERE channel = $2 AND last_seq = $3",
            )
            .bind(to)
            .bind(channel)
            .bind(from)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Alerts (events whose details carry `"alert": true`) after `after`, oldest first.
    pub async fn alerts_after(&self, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        Ok(self
            .audit_events(after, limit)
            .await?
            .into_iter()
            .filter(|e| {
                serde_json::from_str::<serde_json::Value>(&e.details)
                    .is_ok_and(|d| d["alert"] == serde_json::Value::Bool(true))
            })
            .collect())
    }

    pub async fn record_delivery(&self, d: &NewDelivery<'_>) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO notify_deliveries (channel, event_seq, kind, subject, status, attempts, error, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(d.channel)
            .bind(d.event_seq)
            .bind(d.kind)
            .bind(d.subject)
            .bind(d.status)
            .bind(d.attempts)
            .bind(d.error)
            .bind(d.at.timestamp_millis())
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Whether `channel` sent an alert of this kind and subject at or after `since`.
    pub async fn sent_since(
        &self,
        channel: &str,
        kind: &str,
        subject: &str,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT id FROM notify_deliveries WHERE channel = $1 AND kind = $2 AND subject = $3 \
                 AND status = 'sent' AND at >= $4 LIMIT 1",
            )
            .bind(channel)
            .bind(kind)
            .bind(subject)
            .bind(since.timestamp_millis())
            .fetch_optional(pool)
            .await?;
            Ok(row.is_some())
        })
    }

    /// The latest deliveries, newest first.
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, channel, event_seq, kind, subject, status, attempts, error, at \
                 FROM notify_deliveries ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let at: i64 = r.try_get("at")?;
                    Ok(Delivery {
                        id: r.try_get("id")?,
                        channel: r.try_get("channel")?,
                        event_seq: r.try_get("event_seq")?,
                        kind: r.try_get("kind")?,
                        subject: r.try_get("subject")?,
                        status: r.try_get("status")?,
                        attempts: r.try_get("attempts")?,
                        error: r.try_get("error")?,
                        at: DateTime::from_timestamp_millis(at)
                            .ok_or_else(|| StoreError::Corrupt(format!("delivery time {at}")))?,
                    })
                })
                .collect()
        })
    }
}

/// An alert to raise once per occasion: `key` names the occasion within `kind` (a record and its
/// deadline, an asset and its due date, a component and its end of life).
#[derive(Debug, Clone, PartialEq)]
pub struct OnceAlert {
    pub kind: String,
    pub key: String,
    pub severity: String,
    /// The audit event's subject (`record:4`, `asset:base-image`, `notice:2`).
    pub subject: String,
    pub message: String,
    /// More details for the event (the record, the due date…), merged into the alert's.
    pub details: serde_json::Value,
}

impl Store {
    /// Raises `alert` as an audit event unless its occasion was raised before (by any scheduler): the
    /// mark and the event are written in one transaction. True when raised now.
    pub async fn raise_alert_once(&self, alert: &OnceAlert, now: DateTime<Utc>) -> Result<bool> {
        let mut details = serde_json::json!({
            "alert": true,
            "severity": alert.severity,
            "kind": alert.kind,
            "message": alert.message,
        });
        if let (Some(d), serde_json::Value::Object(extra)) =
            (details.as_object_mut(), alert.details.clone())
        {
            d.extend(extra);
        }
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO raised_alerts (kind, key, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (kind, key) DO NOTHING",
            )
            .bind(&alert.kind)
            .bind(&alert.key)
            .bind(now.timestamp_millis())
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok(false);
            }
            append_in_tx!(tx, EventDraft::new(
                now,
                patchwarden_core::SYSTEM_ACTOR,
                alert.kind.clone(),
                alert.subject.clone(),
                details.to_string(),
            ));
            tx.commit().await?;
            Ok(true)
        })
    }
}
