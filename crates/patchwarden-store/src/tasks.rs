//! Task runs: claims that make a slot run once across schedulers, leases that expire when a scheduler
//! dies, outcomes with their captured output, and the audit events (alerts) that go with them.

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_core::EventDraft;
use serde_json::json;
use sqlx::Row;

use crate::audit::append_in_tx;
use crate::{Result, Store, StoreError, on_backend};

/// Why a run exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOrigin {
    /// The scheduler started it for a slot.
    Schedule,
    /// Someone asked for it now (`tasks run`).
    Manual,
    /// It ran elsewhere and was reported (`tasks report`, `tasks exec`, the API).
    Report,
}

impl RunOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOrigin::Schedule => "schedule",
            RunOrigin::Manual => "manual",
            RunOrigin::Report => "report",
        }
    }
}

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Abandoned,
    Missed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Abandoned => "abandoned",
            RunStatus::Missed => "missed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            "timed_out" => RunStatus::TimedOut,
            "abandoned" => RunStatus::Abandoned,
            "missed" => RunStatus::Missed,
            other => return Err(StoreError::Corrupt(format!("unknown run status {other:?}"))),
        })
    }
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRun {
    pub id: i64,
    pub task: String,
    pub slot: Option<DateTime<Utc>>,
    pub origin: String,
    pub status: RunStatus,
    pub runner: String,
    pub external_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub lease_until: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub output: String,
    pub output_dropped: i64,
    pub detail: Option<String>,
}

impl TaskRun {
    pub fn duration(&self) -> Option<TimeDelta> {
        self.ended_at.map(|end| end - self.started_at)
    }
}

/// A request to start a run.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub task: &'a str,
    /// The slot for a scheduled run (one run per slot); None for manual and reported runs.
    pub slot: Option<DateTime<Utc>>,
    pub origin: RunOrigin,
    /// Who runs it: a scheduler's id, or the reporting actor.
    pub runner: &'a str,
    pub external_id: Option<&'a str>,
    pub now: DateTime<Utc>,
    /// Until when the claim holds without renewal.
    pub lease: TimeDelta,
    /// Refuse when another run of the task is live (scheduled and manual runs); reports may overlap.
    pub exclusive: bool,
}

/// Why a claim was not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimRefused {
    /// Another run of the task holds a live lease.
    Busy { run: i64 },
    /// The slot has been run (or declared missed) already.
    SlotTaken,
}

/// How a run ended, as the runner saw it.
#[derive(Debug, Clone)]
pub struct RunEnd {
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub output: String,
    pub output_dropped: i64,
    pub detail: Option<String>,
    pub now: DateTime<Utc>,
    /// The alert to raise with the outcome (`task.failed`, `task.too_short`…), if any.
    pub alert: Option<Alert>,
    /// The asset the task maintains: a run that succeeds records a patch of it.
    pub asset: Option<String>,
}

/// A critical alert about a task, recorded as an audit event whose details carry `"alert": true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// A dotted event kind: `task.failed`, `task.timed_out`, `task.missed`, `task.abandoned`, `task.too_short`.
    pub kind: String,
    pub severity: String,
    pub message: String,
}

impl Alert {
    pub fn critical(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            severity: "critical".to_owned(),
            message: message.into(),
        }
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {v} out of range")))
}

fn alert_details(run: i64, task: &str, alert: &Alert, extra: serde_json::Value) -> String {
    let mut d = json!({
        "alert": true,
        "severity": alert.severity,
        "kind": alert.kind,
        "task": task,
        "run": run,
        "message": alert.message,
    });
    if let (Some(d), serde_json::Value::Object(extra)) = (d.as_object_mut(), extra) {
        d.extend(extra);
    }
    d.to_string()
}

const RUN_COLUMNS: &str = "id, task, slot, origin, status, runner, external_id, started_at, ended_at, \
     lease_until, exit_code, output, output_dropped, detail";

fn run_from_row<R>(row: &R) -> Result<TaskRun>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i32: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let opt_time = |v: Option<i64>| v.map(from_ms).transpose();
    Ok(TaskRun {
        id: row.try_get("id")?,
        task: row.try_get("task")?,
        slot: row
            .try_get::<Option<i64>, _>("slot")?
            .map(|s| {
                DateTime::from_timestamp(s, 0)
                    .ok_or_else(|| StoreError::Corrupt(format!("slot {s} out of range")))
            })
            .transpose()?,
        origin: row.try_get("origin")?,
        status: RunStatus::parse(&row.try_get::<String, _>("status")?)?,
        runner: row.try_get("runner")?,
        external_id: row.try_get("external_id")?,
        started_at: from_ms(row.try_get("started_at")?)?,
        ended_at: opt_time(row.try_get("ended_at")?)?,
        lease_until: opt_time(row.try_get("lease_until")?)?,
        exit_code: row.try_get("exit_code")?,
        output: row.try_get("output")?,
        output_dropped: row.try_get("output_dropped")?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Registers a task (first seen `now`) and returns when it was first seen.
    pub async fn task_first_seen(&self, task: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO task_state (task, first_seen, claims) VALUES ($1, $2, 0) \
                 ON CONFLICT (task) DO NOTHING",
            )
            .bind(task)
            .bind(ms(now))
            .execute(pool)
            .await?;
            let first: i64 = sqlx::query("SELECT first_seen FROM task_state WHERE task = $1")
                .bind(task)
                .fetch_one(pool)
                .await?
                .try_get("first_seen")?;
            from_ms(first)
        })
    }

    /// The latest slot of `task` that was run or declared missed.
    pub async fn last_slot(&self, task: &str) -> Result<Option<DateTime<Utc>>> {
        on_backend!(self, pool => {
            let slot: Option<i64> = sqlx::query("SELECT MAX(slot) AS slot FROM task_runs WHERE task = $1")
                .bind(task)
                .fetch_one(pool)
                .await?
                .try_get("slot")?;
            Ok(slot.and_then(|s| DateTime::from_timestamp(s, 0)))
        })
    }

    /// Starts a run if nobody else has: the claim row is locked first, so concurrent claims on one task
    /// (several schedulers, one database) are decided one after the other.
    pub async fn claim_run(&self, claim: &Claim<'_>) -> Result<Result<TaskRun, ClaimRefused>> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO task_state (task, first_seen, claims) VALUES ($1, $2, 0) \
                 ON CONFLICT (task) DO NOTHING",
            )
            .bind(claim.task)
            .bind(ms(claim.now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE task_state SET claims = claims + 1 WHERE task = $1")
                .bind(claim.task)
                .execute(&mut *tx)
                .await?;
            if claim.exclusive {
                let busy = sqlx::query(
                    "SELECT id FROM task_runs WHERE task = $1 AND status = 'running' AND lease_until > $2 \
                     ORDER BY id LIMIT 1",
                )
                .bind(claim.task)
                .bind(ms(claim.now))
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = busy {
                    return Ok(Err(ClaimRefused::Busy { run: row.try_get("id")? }));
                }
            }
            if let Some(slot) = claim.slot {
                let taken = sqlx::query("SELECT id FROM task_runs WHERE task = $1 AND slot = $2")
                    .bind(claim.task)
                    .bind(slot.timestamp())
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Ok(Err(ClaimRefused::SlotTaken));
                }
            }
            let lease_until = claim.now + claim.lease;
            let row = sqlx::query(&format!(
                "INSERT INTO task_runs (task, slot, origin, status, runner, external_id, started_at, lease_until) \
                 VALUES ($1, $2, $3, 'running', $4, $5, $6, $7) RETURNING {RUN_COLUMNS}"
            ))
            .bind(claim.task)
            .bind(claim.slot.map(|s| s.timestamp()))
            .bind(claim.origin.as_str())
            .bind(claim.runner)
            .bind(claim.external_id)
            .bind(ms(claim.now))
            .bind(ms(lease_until))
            .fetch_one(&mut *tx)
            .await?;
            let run = run_from_row(&row)?;
            append_in_tx!(tx, EventDraft::new(
                claim.now,
                patchwarden_core::SYSTEM_ACTOR,
                "task.started",
                format!("task:{}", claim.task),
                json!({
                    "run": run.id,
                    "origin": claim.origin.as_str(),
                    "runner": claim.runner,
                    "slot": claim.slot,
                    "external_id": claim.external_id,
                }).to_string(),
            ));
            tx.commit().await?;
            Ok(Ok(run))
        })
    }

    /// Extends a running run's lease; false when the run is no longer running (it was declared abandoned).
    pub async fn renew_lease(&self, run: i64, until: DateTime<Utc>) -> Result<bool> {
        on_backend!(self, pool => {
            let done = sqlx::query(
                "UPDATE task_runs SET lease_until = $1 WHERE id = $2 AND status = 'running'",
            )
            .bind(ms(until))
            .bind(run)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Records how a run ended, with `task.finished` and, if any, its alert event; a successful run of a
    /// task linked to an asset records a patch of it. A run that was declared abandoned meanwhile keeps
    /// that status; its output is still stored.
    pub async fn finish_run(&self, run: i64, end: &RunEnd) -> Result<TaskRun> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // Write first: SQLite then takes its write lock up front (a read that later turns into a
            // write can fail with "database is locked"), PostgreSQL the task's claim row.
            sqlx::query(
                "UPDATE task_state SET claims = claims WHERE task = (SELECT task FROM task_runs WHERE id = $1)",
            )
            .bind(run)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM task_runs WHERE id = $1"))
                .bind(run)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("run {run}")))?;
            let before = run_from_row(&row)?;
            let status = if before.status == RunStatus::Running {
                end.status
            } else {
                before.status
            };
            if !matches!(before.status, RunStatus::Running | RunStatus::Abandoned) {
                return Err(StoreError::Conflict(format!(
                    "run {run} has already ended ({})",
                    before.status.as_str()
                )));
            }
            let row = sqlx::query(&format!(
                "UPDATE task_runs SET status = $1, ended_at = $2, lease_until = NULL, exit_code = $3, \
                 output = $4, output_dropped = $5, detail = $6 WHERE id = $7 RETURNING {RUN_COLUMNS}"
            ))
            .bind(status.as_str())
            .bind(ms(end.now))
            .bind(end.exit_code)
            .bind(&end.output)
            .bind(end.output_dropped)
            .bind(&end.detail)
            .bind(run)
            .fetch_one(&mut *tx)
            .await?;
            let after = run_from_row(&row)?;
            let duration_ms = (end.now - before.started_at).num_milliseconds();
            append_in_tx!(tx, EventDraft::new(
                end.now,
                patchwarden_core::SYSTEM_ACTOR,
                "task.finished",
                format!("task:{}", before.task),
                json!({
                    "run": run,
                    "status": status.as_str(),
                    "exit_code": end.exit_code,
                    "duration_ms": duration_ms,
                    "output_dropped": end.output_dropped,
                }).to_string(),
            ));
            if let Some(alert) = &end.alert {
                append_in_tx!(tx, EventDraft::new(
                    end.now,
                    patchwarden_core::SYSTEM_ACTOR,
                    alert.kind.clone(),
                    format!("task:{}", before.task),
                    alert_details(run, &before.task, alert, json!({
                        "exit_code": end.exit_code,
                        "duration_ms": duration_ms,
                    })),
                ));
            }
            if let (RunStatus::Succeeded, Some(asset)) = (status, &end.asset) {
                crate::estate::insert_asset_patch_in_tx!(tx, &crate::estate::AssetPatch {
                    asset: asset.clone(),
                    at: end.now,
                    actor: patchwarden_core::SYSTEM_ACTOR.to_owned(),
                    via: format!("task:{} run {run}", before.task),
                    note: before.external_id.as_ref().map(|id| format!("reported run {id}")),
                });
            }
            tx.commit().await?;
            Ok(after)
        })
    }

    /// Declares every running run whose lease ran out abandoned, each with a critical `task.abandoned`
    /// alert, and returns them. Safe to call from several schedulers at once: a run is declared once.
    pub async fn abandon_expired(&self, now: DateTime<Utc>) -> Result<Vec<TaskRun>> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(&format!(
                "UPDATE task_runs SET status = 'abandoned', ended_at = $1, lease_until = NULL, \
                 detail = 'its runner stopped renewing the lease (it died, or the run never reported its end)' \
                 WHERE status = 'running' AND lease_until <= $1 RETURNING {RUN_COLUMNS}"
            ))
            .bind(ms(now))
            .fetch_all(&mut *tx)
            .await?;
            let mut runs = Vec::with_capacity(rows.len());
            for row in &rows {
                let run = run_from_row(row)?;
                let alert = Alert::critical(
                    "task.abandoned",
                    format!(
                        "task {} run {} started at {} by {} never finished",
                        run.task, run.id, run.started_at, run.runner
                    ),
                );
                append_in_tx!(tx, EventDraft::new(
                    now,
                    patchwarden_core::SYSTEM_ACTOR,
                    alert.kind.clone(),
                    format!("task:{}", run.task),
                    alert_details(run.id, &run.task, &alert, json!({"runner": run.runner})),
                ));
                runs.push(run);
            }
            tx.commit().await?;
            Ok(runs)
        })
    }

    /// Declares `slot` of `task` missed (once across schedulers), with a critical `task.missed` alert.
    /// Returns false when the slot already has a run.
    pub async fn record_missed(
        &self,
        task: &str,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        message: &str,
        extra: serde_json::Value,
    ) -> Result<bool> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO task_runs (task, slot, origin, status, runner, started_at, ended_at, detail) \
                 VALUES ($1, $2, 'schedule', 'missed', 'scheduler', $3, $3, $4) \
                 ON CONFLICT (task, slot) DO NOTHING RETURNING id",
            )
            .bind(task)
            .bind(slot.timestamp())
            .bind(ms(now))
            .bind(message)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = inserted else {
                return Ok(false);
            };
            let id: i64 = row.try_get("id")?;
            let alert = Alert::critical("task.missed", message);
            let mut extra = extra;
            if let Some(o) = extra.as_object_mut() {
                o.insert("slot".into(), json!(slot));
            }
            append_in_tx!(tx, EventDraft::new(
                now,
                patchwarden_core::SYSTEM_ACTOR,
                alert.kind.clone(),
                format!("task:{task}"),
                alert_details(id, task, &alert, extra),
            ));
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Records a critical alert about a task that is not tied to a run's end (e.g. skipped slots).
    pub async fn record_task_alert(
        &self,
        task: &str,
        run: i64,
        alert: &Alert,
        now: DateTime<Utc>,
        extra: serde_json::Value,
    ) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            append_in_tx!(tx, EventDraft::new(
                now,
                patchwarden_core::SYSTEM_ACTOR,
                alert.kind.clone(),
                format!("task:{task}"),
                alert_details(run, task, alert, extra),
            ));
            tx.commit().await?;
            Ok(())
        })
    }

    /// Raises the `sla.due_soon` alert for a record's deadline once (across schedulers); false if it was
    /// raised before.
    pub async fn warn_due_soon(
        &self,
        record_id: i64,
        due_at: DateTime<Utc>,
        alert: &Alert,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO sla_warnings (record_id, due_at, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (record_id, due_at) DO NOTHING",
            )
            .bind(record_id)
            .bind(ms(due_at))
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok(false);
            }
            let details = json!({
                "alert": true,
                "severity": alert.severity,
                "kind": alert.kind,
                "record": record_id,
                "due_at": due_at,
                "message": alert.message,
            });
            append_in_tx!(tx, EventDraft::new(
                now,
                patchwarden_core::SYSTEM_ACTOR,
                alert.kind.clone(),
                format!("record:{record_id}"),
                details.to_string(),
            ));
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn task_run(&self, id: i64) -> Result<TaskRun> {
        on_backend!(self, pool => {
            let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM task_runs WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("run {id}")))?;
            run_from_row(&row)
        })
    }

    /// The run a reporter named with its own id.
    pub async fn task_run_by_external(&self, task: &str, external_id: &str) -> Result<TaskRun> {
        on_backend!(self, pool => {
            let row = sqlx::query(&format!(
                "SELECT {RUN_COLUMNS} FROM task_runs WHERE task = $1 AND external_id = $2"
            ))
            .bind(task)
            .bind(external_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("run {external_id:?} of task {task}")))?;
            run_from_row(&row)
        })
    }

    /// The latest runs of `task`, newest first.
    pub async fn task_runs(&self, task: &str, limit: i64) -> Result<Vec<TaskRun>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(&format!(
                "SELECT {RUN_COLUMNS} FROM task_runs WHERE task = $1 ORDER BY started_at DESC, id DESC LIMIT $2"
            ))
            .bind(task)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(run_from_row).collect()
        })
    }
}
