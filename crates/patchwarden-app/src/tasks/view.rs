//! Tasks and runs as `tasks list|history|logs --format json` and `GET /api/v1/tasks…` show them: one
//! shape for the CLI and the API.

use chrono::{DateTime, Utc};
use patchwarden_core::Trigger;
use patchwarden_store::TaskRun;
use serde::Serialize;

use crate::{App, Result};

/// A run as shown; `output` only where the captured output is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunView {
    pub id: i64,
    pub task: String,
    pub status: &'static str,
    pub origin: String,
    pub runner: String,
    /// The reporter's own id for the run (`--run-id`), if it gave one.
    pub run_id: Option<String>,
    pub slot: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub exit_code: Option<i32>,
    pub detail: Option<String>,
    pub output_dropped_bytes: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

impl RunView {
    pub fn of(run: &TaskRun, with_output: bool) -> Self {
        Self {
            id: run.id,
            task: run.task.clone(),
            status: run.status.as_str(),
            origin: run.origin.clone(),
            runner: run.runner.clone(),
            run_id: run.external_id.clone(),
            slot: run.slot,
            started_at: run.started_at,
            ended_at: run.ended_at,
            duration_ms: run.duration().map(|d| d.num_milliseconds()),
            exit_code: run.exit_code,
            detail: run.detail.clone(),
            output_dropped_bytes: run.output_dropped,
            output: with_output.then(|| run.output.clone()),
        }
    }
}

/// A task with its schedule, next run and last result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    pub name: String,
    pub schedule: String,
    /// `scheduled` (run by the scheduler) or `heartbeat` (reported by an external cron).
    pub kind: &'static str,
    pub enabled: bool,
    pub next_run: Option<DateTime<Utc>>,
    pub last_run: Option<RunView>,
    pub purpose: Option<String>,
    pub compliance: Option<String>,
}

impl App {
    /// Every task this instance knows, with its next run (now) and its latest run.
    pub async fn task_views(&self) -> Result<Vec<TaskView>> {
        let now = self.settings.now;
        let mut views = Vec::new();
        for t in self.tasks() {
            let last = self.store.task_runs(&t.name, 1).await?.into_iter().next();
            views.push(TaskView {
                schedule: t.schedule.describe(),
                kind: match t.trigger {
                    Trigger::Scheduled => "scheduled",
                    Trigger::Heartbeat { .. } => "heartbeat",
                },
                enabled: t.enabled,
                next_run: t.schedule.next_after(now).ok().filter(|_| t.enabled),
                last_run: last.as_ref().map(|r| RunView::of(r, false)),
                purpose: t.purpose.clone(),
                compliance: t.compliance.clone(),
                name: t.name,
            });
        }
        Ok(views)
    }
}
