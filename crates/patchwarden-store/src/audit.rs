//! The audit log in the database: appends that extend the hash chain under a lock, and verification.

use chrono::{DateTime, Utc};
use patchwarden_core::{AuditEvent, ChainBreak, ChainHead, ChainVerifier, EventDraft};
use sqlx::Row;

use crate::{Result, Store, StoreError, on_backend};

/// How many events verification reads per query.
const VERIFY_PAGE: i64 = 5_000;

/// Appends `$draft` inside the open transaction `$tx`, evaluating to the sealed event.
///
/// The first statement writes the head row: in PostgreSQL that takes its row lock, in SQLite the database
/// write lock, so concurrent appends (several CLI processes or server instances) queue up instead of
/// forking the chain.
macro_rules! append_in_tx {
    ($tx:expr, $draft:expr) => {{
        let draft: patchwarden_core::EventDraft = $draft;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *$tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *$tx)
            .await?;
        let (seq, hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        let event = draft.seal((seq > 0).then_some((seq, hash.as_str())));
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.seq)
        .bind(event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.subject)
        .bind(&event.details)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(event.seq)
            .bind(&event.hash)
            .execute(&mut *$tx)
            .await?;
        event
    }};
}
pub(crate) use append_in_tx;

fn event_from_row<R>(row: &R) -> Result<AuditEvent>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        details: row.try_get("details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The outcome of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// How many events were checked.
    pub events: i64,
    /// The verified end of the chain (None: empty log), or where it breaks.
    pub result: Result<Option<ChainHead>, ChainBreak>,
}

impl Store {
    /// Appends one event to the audit log in its own transaction.
    pub async fn append_event(&self, draft: EventDraft) -> Result<AuditEvent> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let event = append_in_tx!(tx, draft);
            tx.commit().await?;
            Ok(event)
        })
    }

    /// Events with `seq > after`, oldest first, at most `limit`.
    pub async fn audit_events(&self, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events \
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(event_from_row).collect()
        })
    }

    /// The events about one subject (`record:7`), oldest first.
    pub async fn audit_events_for(&self, subject: &str) -> Result<Vec<AuditEvent>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events \
                 WHERE subject = $1 ORDER BY seq",
            )
            .bind(subject)
            .fetch_all(pool)
            .await?;
            rows.iter().map(event_from_row).collect()
        })
    }

    /// The recorded end of the chain (seq 0 and the genesis hash for an empty log).
    pub async fn audit_head(&self) -> Result<ChainHead> {
        on_backend!(self, pool => {
            let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::Corrupt("the audit head row is missing".into()))?;
            Ok(ChainHead { seq: row.try_get("seq")?, hash: row.try_get("hash")? })
        })
    }

    /// Re-computes every event's hash and link, page by page, and compares the end with the recorded head.
    /// `expected` is a head recorded outside the tool earlier (`audit verify --expect-head SEQ:HASH`): the
    /// event at that position must still carry that hash.
    pub async fn verify_audit(&self, expected: Option<&ChainHead>) -> Result<AuditVerification> {
        let recorded = self.audit_head().await?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        let mut count = 0;
        let broken = |events, e| {
            Ok(AuditVerification {
                events,
                result: Err(e),
            })
        };
        loop {
            let page = self.audit_events(after, VERIFY_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for event in &page {
                count += 1;
                if let Err(e) = verifier.push(event) {
                    return broken(count, e);
                }
                if let Some(outside) =
                    expected.filter(|h| h.seq == event.seq && h.hash != event.hash)
                {
                    return broken(count, ChainBreak::HeadMismatch { seq: outside.seq });
                }
            }
        }
        let result = verifier.finish(Some(&recorded)).and_then(|found| {
            let found_last = found.as_ref().map_or(0, |f| f.seq);
            match expected {
                Some(outside) if outside.seq > found_last => Err(ChainBreak::Truncated {
                    expected_last: outside.seq,
                    found_last,
                }),
                _ => Ok(found),
            }
        });
        Ok(AuditVerification {
            events: count,
            result,
        })
    }
}
