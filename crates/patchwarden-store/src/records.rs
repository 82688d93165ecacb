//! Patch records: created, read and changed with optimistic concurrency, every change an audit event in
//! the same transaction; evidence files; purging closed records past retention (the chain is untouched).

use chrono::{DateTime, Utc};
use patchwarden_core::workflow::State;
use patchwarden_core::{EventDraft, PatchRecord, Severity};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// An evidence file to keep with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub name: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// Which records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub asset: Option<String>,
    pub open_only: bool,
    pub ids: Vec<i64>,
}

/// Which records to list a page of: every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    pub asset: Option<String>,
    /// Leave out closed and dismissed records.
    pub open_only: bool,
    pub state: Option<State>,
    pub severity: Option<Severity>,
}

pub(crate) fn document(record: &PatchRecord) -> Result<String> {
    serde_json::to_string(record)
        .map_err(|e| StoreError::Corrupt(format!("record {}: {e}", record.id)))
}

fn from_document(text: &str) -> Result<PatchRecord> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("records.document: {e}")))
}

fn closed_at(record: &PatchRecord) -> Option<DateTime<Utc>> {
    match record.state {
        State::Closed => record.closure.as_ref().map(|c| c.stamp.at),
        State::Dismissed => record.dismissal.as_ref().map(|d| d.stamp.at),
        _ => None,
    }
}

/// Inserts `$record` (its `id` assigned here) with a `record.opened` event inside the open transaction
/// `$tx`, evaluating to the stored record.
macro_rules! insert_record_in_tx {
    ($tx:expr, $record:expr, $actor:expr, $details:expr) => {{
        let mut record: patchwarden_core::PatchRecord = $record;
        let id: i64 = sqlx::query(
            "INSERT INTO records (version, asset, vulnerability, state, severity, detected_at, due_at, closed_at, document) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '{}') RETURNING id",
        )
        .bind(record.version)
        .bind(&record.asset)
        .bind(&record.vulnerability)
        .bind(record.state.as_str())
        .bind(record.severity.map(|s| s.as_str()))
        .bind(record.detected_at)
        .bind(record.due_at)
        .fetch_one(&mut *$tx)
        .await?
        .try_get("id")?;
        record.id = id;
        sqlx::query("UPDATE records SET document = $1 WHERE id = $2")
            .bind($crate::records::document(&record)?)
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        $crate::audit::append_in_tx!($tx, patchwarden_core::EventDraft::new(
            record.detected_at.max(record.clock_started_at),
            $actor,
            "record.opened",
            format!("record:{id}"),
            $details.to_string(),
        ));
        record
    }};
}
pub(crate) use insert_record_in_tx;

impl Store {
    /// Stores a new record (its `id` is assigned here) with a `record.opened` event.
    pub async fn create_record(
        &self,
        record: PatchRecord,
        actor: &str,
        details: serde_json::Value,
    ) -> Result<PatchRecord> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let record = insert_record_in_tx!(tx, record, actor, details);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn record(&self, id: i64) -> Result<PatchRecord> {
        on_backend!(self, pool => {
            let row = sqlx::query("SELECT document FROM records WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("record {id}")))?;
            from_document(row.try_get("document")?)
        })
    }

    pub async fn records(&self, filter: &RecordFilter) -> Result<Vec<PatchRecord>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT document FROM records WHERE (CAST($1 AS TEXT) IS NULL OR asset = $1) \
                 AND (NOT $2 OR state NOT IN ('closed', 'dismissed')) ORDER BY id",
            )
            .bind(&filter.asset)
            .bind(filter.open_only)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let record = from_document(r.try_get("document")?)?;
                if filter.ids.is_empty() || filter.ids.contains(&record.id) {
                    out.push(record);
                }
            }
            Ok(out)
        })
    }

    /// How many records match `query`, and those of them at `offset..offset + limit` in id order: the
    /// filtering and paging happen in the database, so a page costs the same however many records there are.
    pub async fn records_page(
        &self,
        query: &RecordQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<PatchRecord>)> {
        // Only the conditions given, so that the database can use its indexes (a `$1 IS NULL OR …`
        // condition makes SQLite scan every row).
        let mut conditions = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        for (column, value) in [
            ("state", query.state.map(State::as_str)),
            ("severity", query.severity.map(Severity::as_str)),
            ("asset", query.asset.as_deref()),
        ] {
            if let Some(v) = value {
                values.push(v);
                conditions.push(format!("{column} = ${}", values.len()));
            }
        }
        let where_ = |extra: Option<String>| {
            let all: Vec<&str> = conditions
                .iter()
                .map(String::as_str)
                .chain(extra.as_deref())
                .collect();
            if all.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", all.join(" AND "))
            }
        };
        // Open records: the count lists the open states, so that it reads only their entries of the
        // `records_state` index (`NOT IN` seeks nothing and reads every entry); the page keeps `NOT IN`, so
        // that it walks the table in id order and stops after the page (the index would sort every open
        // record's document first).
        let (count_filter, filter) = if query.open_only {
            let open: Vec<String> = State::ALL
                .iter()
                .filter(|s| !matches!(s, State::Closed | State::Dismissed))
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            (
                where_(Some(format!("state IN ({})", open.join(", ")))),
                where_(Some("state NOT IN ('closed', 'dismissed')".to_owned())),
            )
        } else {
            (where_(None), where_(None))
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM records {count_filter}");
        let page_sql = format!(
            "SELECT document FROM records {filter} ORDER BY id LIMIT ${} OFFSET ${}",
            values.len() + 1,
            values.len() + 2
        );
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut count = sqlx::query(&count_sql);
            for v in &values {
                count = count.bind(*v);
            }
            let total: i64 = count.fetch_one(&mut *tx).await?.try_get("n")?;
            let mut page = sqlx::query(&page_sql);
            for v in &values {
                page = page.bind(*v);
            }
            let rows = page.bind(limit).bind(offset).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(from_document(r.try_get("document")?)?);
            }
            Ok((total, out))
        })
    }

    /// The records still open and those closed or dismissed at or after `since`: every record a report
    /// on a period starting at `since` can count, without reading the older history.
    pub async fn records_active_since(&self, since: DateTime<Utc>) -> Result<Vec<PatchRecord>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT document FROM records \
                 WHERE state NOT IN ('closed', 'dismissed') OR closed_at >= $1 ORDER BY id",
            )
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(from_document(r.try_get("document")?)?);
            }
            Ok(out)
        })
    }

    /// The id and version of every record, in id order: enough to tell whether a copy read earlier is
    /// still current, without reading the documents.
    pub async fn record_versions(&self) -> Result<Vec<(i64, i64)>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT id, version FROM records ORDER BY id")
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("id")?, r.try_get("version")?));
            }
            Ok(out)
        })
    }

    /// The records with these ids (those that exist), in id order.
    pub async fn records_by_id(&self, ids: &[i64]) -> Result<Vec<PatchRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        // Bounded statements: SQLite allows 32,766 parameters, PostgreSQL 65,535.
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT document FROM records WHERE id IN ({}) ORDER BY id",
                params.join(", ")
            );
            on_backend!(self, pool => {
                let mut query = sqlx::query(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                for r in &query.fetch_all(pool).await? {
                    out.push(from_document(r.try_get("document")?)?);
                }
            });
        }
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// The record still open for this vulnerability on this asset, if any (a finding that reappears
    /// joins it).
    pub async fn open_record_for(
        &self,
        asset: &str,
        vulnerability: &str,
    ) -> Result<Option<PatchRecord>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT document FROM records WHERE asset = $1 AND vulnerability = $2 \
                 AND state NOT IN ('closed', 'dismissed') ORDER BY id DESC LIMIT 1",
            )
            .bind(asset)
            .bind(vulnerability)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(r) => Ok(Some(from_document(r.try_get("document")?)?)),
                None => Ok(None),
            }
        })
    }

    /// Replaces `before` by `after` if nobody changed the record since `before` was read (else
    /// `Conflict`), with one audit event and the evidence files, in one transaction.
    pub async fn update_record(
        &self,
        before: &PatchRecord,
        after: &PatchRecord,
        event: EventDraft,
        evidence: &[EvidenceFile],
    ) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE records SET version = $1, state = $2, severity = $3, due_at = $4, closed_at = $5, document = $6 \
                 WHERE id = $7 AND version = $8",
            )
            .bind(after.version)
            .bind(after.state.as_str())
            .bind(after.severity.map(|s| s.as_str()))
            .bind(after.due_at)
            .bind(closed_at(after))
            .bind(document(after)?)
            .bind(before.id)
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "record {} was changed by someone else since it was read (version {}); read it again and retry",
                    before.id, before.version
                )));
            }
            for file in evidence {
                sqlx::query(
                    "INSERT INTO evidence (record_id, name, sha256, content, added_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(before.id)
                .bind(&file.name)
                .bind(&file.sha256)
                .bind(&file.content)
                .bind(event.at)
                .execute(&mut *tx)
                .await?;
            }
            append_in_tx!(tx, event);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Evidence kept for a record: (name, sha256, size).
    pub async fn evidence(&self, record_id: i64) -> Result<Vec<(String, String, i64)>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT name, sha256, content FROM evidence WHERE record_id = $1 ORDER BY id")
                .bind(record_id)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let content: Vec<u8> = r.try_get("content")?;
                    Ok((r.try_get("name")?, r.try_get("sha256")?, content.len() as i64))
                })
                .collect()
        })
    }

    /// Deletes the given closed records and their evidence, with one audit event. The audit log itself
    /// is never touched, so the chain still verifies. The caller has checked retention.
    pub async fn purge_records(
        &self,
        ids: &[i64],
        actor: &str,
        at: DateTime<Utc>,
        details: serde_json::Value,
    ) -> Result<u64> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut purged = 0;
            for id in ids {
                purged += sqlx::query("DELETE FROM records WHERE id = $1 AND state IN ('closed', 'dismissed')")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            append_in_tx!(tx, EventDraft::new(at, actor, "records.purged", "records", details.to_string()));
            tx.commit().await?;
            Ok(purged)
        })
    }
}
