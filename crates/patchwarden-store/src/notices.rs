//! The triage queue: notices from vendor feeds, tickets and user reports, the feeds' poll state (so an
//! unchanged feed costs no body and an item is considered once), and triage decisions, each an audit
//! event in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use patchwarden_core::{EventDraft, PatchRecord, Severity};
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::records::insert_record_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// What `feeds poll` remembers of a feed between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedState {
    pub name: String,
    pub url: String,
    /// Validators of the last body read in full (a failed poll leaves them as they were).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub polled_at: Option<DateTime<Utc>>,
    pub succeeded_at: Option<DateTime<Utc>>,
    /// The last poll's error, if it failed.
    pub error: Option<String>,
    /// Failed polls in a row.
    pub failures: i64,
}

/// A notice to add to the queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewNotice {
    /// `feed`, `ticket` or `user-report`.
    pub source: String,
    pub feed: Option<String>,
    pub item_id: Option<String>,
    pub vendor: Option<String>,
    pub asset: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub cves: Vec<String>,
    pub severity: Option<Severity>,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeState {
    Untriaged,
    /// A patch record was opened for it.
    Opened,
    Dismissed,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Untriaged => "untriaged",
            Self::Opened => "opened",
            Self::Dismissed => "dismissed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "untriaged" => Ok(Self::Untriaged),
            "opened" => Ok(Self::Opened),
            "dismissed" => Ok(Self::Dismissed),
            other => Err(StoreError::Corrupt(format!("notices.state \"{other}\""))),
        }
    }
}

/// A notice in the queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    #[serde(flatten)]
    pub notice: NewNotice,
    pub received_at: DateTime<Utc>,
    pub state: NoticeState,
    pub triaged_at: Option<DateTime<Utc>>,
    pub triaged_by: Option<String>,
    pub reason: Option<String>,
    pub record_id: Option<i64>,
}

/// What one poll read: the items of the body (relevant ones with their notice) and the new validators.
#[derive(Debug, Clone, Default)]
pub struct FeedRead {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub items: Vec<(String, Option<NewNotice>)>,
}

const NOTICE_COLUMNS: &str = "id, source, feed, item_id, vendor, asset, title, link, published_at, received_at, \
     cves, severity, state, triaged_at, triaged_by, reason, record_id";

fn notice_from_row<R>(row: &R) -> Result<Notice>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let cves: String = row.try_get("cves")?;
    let severity: Option<String> = row.try_get("severity")?;
    let state: String = row.try_get("state")?;
    Ok(Notice {
        id: row.try_get("id")?,
        notice: NewNotice {
            source: row.try_get("source")?,
            feed: row.try_get("feed")?,
            item_id: row.try_get("item_id")?,
            vendor: row.try_get("vendor")?,
            asset: row.try_get("asset")?,
            title: row.try_get("title")?,
            link: row.try_get("link")?,
            published_at: row.try_get("published_at")?,
            cves: serde_json::from_str(&cves)
                .map_err(|e| StoreError::Corrupt(format!("notices.cves: {e}")))?,
            severity: severity
                .map(|s| s.parse())
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("notices.severity: {e}")))?,
        },
        received_at: row.try_get("received_at")?,
        state: NoticeState::parse(&state)?,
        triaged_at: row.try_get("triaged_at")?,
        triaged_by: row.try_get("triaged_by")?,
        reason: row.try_get("reason")?,
        record_id: row.try_get("record_id")?,
    })
}

/// Inserts a notice and its `notice.received` event in the open transaction `$tx`; evaluates to its id.
macro_rules! insert_notice_in_tx {
    ($tx:expr, $n:expr, $at:expr, $actor:expr) => {{
        let n: &NewNotice = $n;
        let cves = serde_json::to_string(&n.cves)
            .map_err(|e| StoreError::Corrupt(format!("notice cves: {e}")))?;
        let id: i64 = sqlx::query(
            "INSERT INTO notices (source, feed, item_id, vendor, asset, title, link, published_at, received_at, cves, severity, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'untriaged') RETURNING id",
        )
        .bind(&n.source)
        .bind(&n.feed)
        .bind(&n.item_id)
        .bind(&n.vendor)
        .bind(&n.asset)
        .bind(&n.title)
        .bind(&n.link)
        .bind(n.published_at)
        .bind($at)
        .bind(cves)
        .bind(n.severity.map(|s| s.as_str()))
        .fetch_one(&mut *$tx)
        .await?
        .try_get("id")?;
        let details = serde_json::json!({
            "source": n.source, "feed": n.feed, "title": n.title, "link": n.link,
            "cves": n.cves, "severity": n.severity.map(|s| s.as_str()),
        });
        append_in_tx!($tx, EventDraft::new($at, $actor, "notice.received", format!("notice:{id}"), details.to_string()));
        id
    }};
}

impl Store {
    pub async fn feed_state(&self, name: &str) -> Result<Option<FeedState>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT name, url, etag, last_modified, polled_at, succeeded_at, error, failures FROM feed_state WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?;
            row.map(|r| -> Result<FeedState> {
                Ok(FeedState {
                    name: r.try_get("name")?,
                    url: r.try_get("url")?,
                    etag: r.try_get("etag")?,
                    last_modified: r.try_get("last_modified")?,
                    polled_at: r.try_get("polled_at")?,
                    succeeded_at: r.try_get("succeeded_at")?,
                    error: r.try_get("error")?,
                    failures: r.try_get("failures")?,
                })
            })
            .transpose()
        })
    }

    /// Which of `ids` were already read from `feed`.
    pub async fn seen_feed_items(&self, feed: &str, ids: &[String]) -> Result<Vec<String>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT item_id FROM feed_items WHERE feed = $1")
                .bind(feed)
                .fetch_all(pool)
                .await?;
            let mut seen = Vec::new();
            for r in &rows {
                let id: String = r.try_get("item_id")?;
                if ids.contains(&id) {
                    seen.push(id);
                }
            }
            Ok(seen)
        })
    }

    /// A failed poll: the error is kept and the validators are not, so the next poll reads the body again.
    pub async fn feed_failed(
        &self,
        name: &str,
        url: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO feed_state (name, url, polled_at, error, failures) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (name) DO UPDATE SET url = $2, polled_at = $3, error = $4, failures = feed_state.failures + 1",
            )
            .bind(name)
            .bind(url)
            .bind(at)
            .bind(error)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The server said the feed has not changed.
    pub async fn feed_not_modified(&self, name: &str, url: &str, at: DateTime<Utc>) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO feed_state (name, url, polled_at, succeeded_at, failures) VALUES ($1, $2, $3, $3, 0) \
                 ON CONFLICT (name) DO UPDATE SET url = $2, polled_at = $3, succeeded_at = $3, error = NULL, failures = 0",
            )
            .bind(name)
            .bind(url)
            .bind(at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// A body read in full: items not read before are remembered, the relevant ones become notices, and the
    /// validators are kept, all in one transaction. Returns the notices added.
    pub async fn feed_read(
        &self,
        name: &str,
        url: &str,
        at: DateTime<Utc>,
        read: &FeedRead,
        actor: &str,
    ) -> Result<Vec<i64>> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut added = Vec::new();
            for (item_id, notice) in &read.items {
                let fresh = sqlx::query(
                    "INSERT INTO feed_items (feed, item_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(name)
                .bind(item_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if let (true, Some(n)) = (fresh, notice) {
                    added.push(insert_notice_in_tx!(tx, n, at, actor));
                }
            }
            sqlx::query(
                "INSERT INTO feed_state (name, url, etag, last_modified, polled_at, succeeded_at, failures) \
                 VALUES ($1, $2, $3, $4, $5, $5, 0) \
                 ON CONFLICT (name) DO UPDATE SET url = $2, etag = $3, last_modified = $4, polled_at = $5, \
                 succeeded_at = $5, error = NULL, failures = 0",
            )
            .bind(name)
            .bind(url)
            .bind(&read.etag)
            .bind(&read.last_modified)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Adds one notice (a ticket or a user report) with its audit event.
    pub async fn create_notice(
        &self,
        notice: &NewNotice,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<Notice> {
        let id = on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = insert_notice_in_tx!(tx, notice, at, actor);
            tx.commit().await?;
            id
        });
        self.notice(id).await
    }

    pub async fn notice(&self, id: i64) -> Result<Notice> {
        on_backend!(self, pool => {
            let row = sqlx::query(&format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))?;
            notice_from_row(&row)
        })
    }

    /// Notices, oldest first; only those waiting for a decision with `untriaged_only`.
    pub async fn notices(&self, untriaged_only: bool) -> Result<Vec<Notice>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(&format!(
                "SELECT {NOTICE_COLUMNS} FROM notices WHERE (NOT $1 OR state = 'untriaged') ORDER BY received_at, id"
            ))
            .bind(untriaged_only)
            .fetch_all(pool)
            .await?;
            rows.iter().map(notice_from_row).collect()
        })
    }

    /// Dismisses an untriaged notice (else `Conflict`), with a `notice.dismissed` event.
    pub async fn dismiss_notice(
        &self,
        id: i64,
        at: DateTime<Utc>,
        actor: &str,
        reason: &str,
    ) -> Result<Notice> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE notices SET state = 'dismissed', triaged_at = $1, triaged_by = $2, reason = $3 \
                 WHERE id = $4 AND state = 'untriaged'",
            )
            .bind(at)
            .bind(actor)
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(already_triaged(id));
            }
            append_in_tx!(tx, EventDraft::new(at, actor, "notice.dismissed", format!("notice:{id}"),
                serde_json::json!({ "reason": reason }).to_string()));
            tx.commit().await?;
        });
        self.notice(id).await
    }

    /// Opens `record` for an untriaged notice (else `Conflict`) and links them: the record, its
    /// `record.opened` event, the notice's change and its `notice.triaged` event in one transaction.
    pub async fn open_record_for_notice(
        &self,
        id: i64,
        record: PatchRecord,
        at: DateTime<Utc>,
        actor: &str,
        details: serde_json::Value,
    ) -> Result<(Notice, PatchRecord)> {
        let record = on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let record = insert_record_in_tx!(tx, record, actor, details);
            let done = sqlx::query(
                "UPDATE notices SET state = 'opened', triaged_at = $1, triaged_by = $2, record_id = $3 \
                 WHERE id = $4 AND state = 'untriaged'",
            )
            .bind(at)
            .bind(actor)
            .bind(record.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(already_triaged(id));
            }
            append_in_tx!(tx, EventDraft::new(at, actor, "notice.triaged", format!("notice:{id}"),
                serde_json::json!({ "decision": "open-record", "record": record.id }).to_string()));
            tx.commit().await?;
            record
        });
        Ok((self.notice(id).await?, record))
    }

    /// What the advisory database knows of each CVE: the CVSS scores and severity labels of the advisories
    /// that name it, and whether it is listed as known exploited.
    pub async fn cve_knowledge(&self, cves: &[String]) -> Result<Vec<CveKnowledge>> {
        let mut out = Vec::with_capacity(cves.len());
        for cve in cves {
            let knowledge = on_backend!(self, pool => {
                let rows = sqlx::query(
                    "SELECT CAST(a.severity_score AS DOUBLE PRECISION) AS score, a.severity_label AS label \
                     FROM advisory_aliases x JOIN advisories a ON a.id = x.advisory_id WHERE x.alias = $1",
                )
                .bind(cve)
                .fetch_all(pool)
                .await?;
                let mut k = CveKnowledge { cve: cve.clone(), ..CveKnowledge::default() };
                for r in &rows {
                    if let Some(score) = r.try_get::<Option<f64>, _>("score")? {
                        k.scores.push(score);
                    }
                    if let Some(label) = r.try_get::<Option<String>, _>("label")? {
                        k.labels.push(label);
                    }
                }
                k.known_exploited = sqlx::query("SELECT 1 AS one FROM kev_entries WHERE cve_id = $1")
                    .bind(cve)
                    .fetch_optional(pool)
                    .await?
                    .is_some();
                k
            });
            out.push(knowledge);
        }
        Ok(out)
    }
}

/// What the advisory database knows of one CVE.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CveKnowledge {
    pub cve: String,
    pub scores: Vec<f64>,
    pub labels: Vec<String>,
    pub known_exploited: bool,
}

fn already_triaged(id: i64) -> StoreError {
    StoreError::Conflict(format!(
        "notice {id} is not waiting for triage (already decided)"
    ))
}
