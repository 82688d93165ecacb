//! Maintenance tasks: running one now, recording runs reported from elsewhere, and the [`Scheduler`]
//! that starts each configured task at its slots, once across every scheduler on the database.

pub mod builtin;
mod runner;
mod scheduler;
mod view;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use patchwarden_core::task::heartbeat_slot;
use patchwarden_core::{TaskSpec, Trigger};
use patchwarden_store::{
    Alert, Claim, ClaimRefused, RunEnd, RunOrigin, RunStatus, Store, StoreError, TaskRun,
};

pub use runner::{BoundedOutput, DEFAULT_OUTPUT_LIMIT, ProcessOutcome, run_process};
pub use scheduler::{Clock, Scheduler, SchedulerOptions, offset_clock};
pub use view::{RunView, TaskView};

use crate::{App, AppError, Result};

/// How long a claim holds without renewal, and how often a running run renews it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// The status and alert a finished run earns: a non-zero exit, a timeout and a run that "succeeded"
/// faster than the task's `min_duration` are each a critical alert.
pub fn judge(
    spec: &TaskSpec,
    exit_code: Option<i32>,
    timed_out: bool,
    problem: Option<&str>,
    duration: TimeDelta,
) -> (RunStatus, Option<Alert>) {
    let name = &spec.name;
    if timed_out {
        return (
            RunStatus::TimedOut,
            Some(Alert::critical(
                "task.timed_out",
                format!("task {name} timed out after {}", spec.timeout),
            )),
        );
    }
    match exit_code {
        Some(0) => {
            let too_short = spec
                .min_duration
                .filter(|min| duration < TimeDelta::seconds(min.as_secs() as i64));
            let alert = too_short.map(|min| {
                Alert::critical(
                    "task.too_short",
                    format!(
                        "task {name} succeeded in {} ms, less than its min_duration {min}: it probably did nothing",
                        duration.num_milliseconds()
                    ),
                )
            });
            (RunStatus::Succeeded, alert)
        }
        Some(code) => (
            RunStatus::Failed,
            Some(Alert::critical(
                "task.failed",
                format!("task {name} exited with code {code}"),
            )),
        ),
        None => (
            RunStatus::Failed,
            Some(Alert::critical(
                "task.failed",
                format!(
                    "task {name} failed: {}",
                    problem.unwrap_or("it ended without an exit code")
                ),
            )),
        ),
    }
}

/// Runs a claimed run's command, renewing its lease while it runs, and stores how it ended.
pub(crate) async fn execute(
    store: &Store,
    spec: &TaskSpec,
    run: TaskRun,
    clock: &Clock,
    lease: Duration,
    output_limit: usize,
) -> Result<TaskRun> {
    let renewer = {
        let store = store.clone();
        let clock = clock.clone();
        let id = run.id;
        tokio::spawn(async move {
            let every = (lease / 3).max(Duration::from_millis(100));
            loop {
                tokio::time::sleep(every).await;
                match store.renew_lease(id, clock() + delta(lease)).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(run = id, "cannot renew the lease: {e}"),
                }
            }
        })
    };
    let timeout = Duration::from_secs(spec.timeout.as_secs());
    let outcome = run_process(spec, timeout, output_limit).await;
    renewer.abort();
    let now = clock();
    let (status, alert) = judge(
        spec,
        outcome.exit_code,
        outcome.timed_out,
        outcome.problem.as_deref(),
        now - run.started_at,
    );
    if let Some(alert) = &alert {
        tracing::error!(task = %spec.name, run = run.id, kind = %alert.kind, "{}", alert.message);
    }
    let end = RunEnd {
        status,
        exit_code: outcome.exit_code,
        output: outcome.output,
        output_dropped: i64::try_from(outcome.output_dropped).unwrap_or(i64::MAX),
        detail: outcome.problem,
        now,
        alert,
        asset: spec.asset.clone(),
    };
    Ok(store.finish_run(run.id, &end).await?)
}

/// One side of a run reported from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportPhase {
    /// The run started; its end follows with the same run id.
    Start,
    /// The run ended (with or without an earlier start).
    End { exit_code: i32 },
}

/// A run reported by an external cron: `tasks report`, `tasks exec`, `POST /api/v1/tasks/NAME/runs`.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub task: String,
    pub phase: ReportPhase,
    /// The reporter's id for the run, so overlapping runs are told apart and an end finds its start.
    pub run_id: Option<String>,
    /// When the run started, for an end reported without a start (default: now).
    pub started_at: Option<DateTime<Utc>>,
    pub log: Option<String>,
    pub reporter: String,
    /// When the report is made (the start's or the end's time).
    pub at: DateTime<Utc>,
}

impl App {
    /// The tasks this instance runs: the built-ins (running this executable) and the configured ones.
    pub fn tasks(&self) -> Vec<TaskSpec> {
        let exe = std::env::current_exe().ok();
        builtin::effective_tasks(&self.settings, exe.as_deref())
    }

    fn task_spec(&self, name: &str) -> Result<TaskSpec> {
        let tasks = self.tasks();
        tasks
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .ok_or_else(|| {
                AppError::Input(format!(
                    "no task named {name:?} in the config (known: {})",
                    tasks
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Runs a task now, in the foreground, unless a run of it is live. Returns the finished run.
    pub async fn run_task_now(&self, name: &str, runner: &str, clock: &Clock) -> Result<TaskRun> {
        let spec = self.task_spec(name)?;
        if spec.command.is_empty() {
            return Err(AppError::Input(format!(
                "task {name} is a heartbeat task: an external cron runs it and reports with `patchwarden tasks report`"
            )));
        }
        let claim = Claim {
            task: name,
            slot: None,
            origin: RunOrigin::Manual,
            runner,
            external_id: None,
            now: clock(),
            lease: delta(DEFAULT_LEASE),
            exclusive: true,
        };
        match self.store.claim_run(&claim).await? {
            Ok(run) => {
                execute(
                    &self.store,
                    &spec,
                    run,
                    clock,
                    DEFAULT_LEASE,
                    DEFAULT_OUTPUT_LIMIT,
                )
                .await
            }
            Err(ClaimRefused::Busy { run }) => Err(AppError::Input(format!(
                "task {name} is running already (run {run}); a task never runs twice at the same time"
            ))),
            Err(ClaimRefused::SlotTaken) => {
                Err(AppError::Input(format!("task {name}: slot taken")))
            }
        }
    }

    /// Records a run reported from elsewhere. A start opens a run that must end within the task's timeout
    /// (or is alerted as abandoned); an end closes it (found by its run id) or records a whole run.
    pub async fn report_run(&self, report: &RunReport) -> Result<TaskRun> {
        let spec = self.task_spec(&report.task)?;
        let now = report.at;
        let timeout = TimeDelta::seconds(i64::try_from(spec.timeout.as_secs()).unwrap_or(i64::MAX));
        let existing = match &report.run_id {
            Some(id) => match self.store.task_run_by_external(&report.task, id).await {
                Ok(run) => Some(run),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let run = match (report.phase, existing) {
            (ReportPhase::Start, Some(run)) => {
                return Err(AppError::Input(format!(
                    "run {:?} of task {} was reported started already (run {})",
                    report.run_id.as_deref().unwrap_or_default(),
                    report.task,
                    run.id
                )));
            }
            (ReportPhase::End { .. }, Some(run)) => run,
            (phase, None) => {
                let started = match phase {
                    ReportPhase::Start => now,
                    ReportPhase::End { .. } => report.started_at.unwrap_or(now),
                };
                if started > now {
                    return Err(AppError::Input("a run cannot start after it ended".into()));
                }
                let slot = match &spec.trigger {
                    Trigger::Heartbeat { grace } => Some(
                        heartbeat_slot(&spec.schedule, *grace, started)
                            .map_err(|e| AppError::Input(e.to_string()))?,
                    ),
                    Trigger::Scheduled => None,
                };
                let mut claim = Claim {
                    task: &report.task,
                    slot,
                    origin: RunOrigin::Report,
                    runner: &report.reporter,
                    external_id: report.run_id.as_deref(),
                    now: started,
                    lease: timeout,
                    exclusive: false,
                };
                let run = match self.store.claim_run(&claim).await? {
                    Ok(run) => run,
                    // Another report (or a missed-run declaration) holds the slot: keep the run, unslotted.
                    Err(_) => {
                        claim.slot = None;
                        self.store.claim_run(&claim).await?.map_err(|refused| {
                            AppError::Input(format!("cannot record the run: {refused:?}"))
                        })?
                    }
                };
                if phase == ReportPhase::Start {
                    return Ok(run);
                }
                run
            }
        };
        let ReportPhase::End { exit_code } = report.phase else {
            return Ok(run);
        };
        let (status, alert) = judge(&spec, Some(exit_code), false, None, now - run.started_at);
        let mut output = BoundedOutput::new(DEFAULT_OUTPUT_LIMIT);
        if let Some(log) = &report.log {
            output.push(log.as_bytes());
        }
        let end = RunEnd {
            status,
            exit_code: Some(exit_code),
            output: output.render(),
            output_dropped: i64::try_from(output.dropped()).unwrap_or(i64::MAX),
            detail: None,
            now,
            alert,
            asset: spec.asset.clone(),
        };
        Ok(self.store.finish_run(run.id, &end).await?)
    }

    /// The latest runs of a configured task, newest first.
    pub async fn task_history(&self, name: &str, limit: i64) -> Result<Vec<TaskRun>> {
        self.task_spec(name)?;
        Ok(self.store.task_runs(name, limit).await?)
    }

    pub async fn task_run(&self, id: i64) -> Result<TaskRun> {
        Ok(self.store.task_run(id).await?)
    }

    /// A scheduler over this app's store and configured tasks.
    pub fn scheduler(&self, options: SchedulerOptions, clock: Clock) -> Scheduler {
        Scheduler::new(
            self.store.clone(),
            self.tasks(),
            self.settings.config.notify.clone(),
            options,
            clock,
        )
    }
}
