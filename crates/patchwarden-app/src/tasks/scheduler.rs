//! The scheduler loop: every tick it declares dead runs abandoned, alerts late heartbeats and skipped
//! slots, and starts what is due. Several schedulers may share one database; the store's claims make
//! each slot run once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use patchwarden_core::task::{due, overdue_heartbeat};
use patchwarden_core::{TaskSpec, Trigger};
use patchwarden_store::{Claim, ClaimRefused, RunOrigin, Store};
use serde_json::json;
use tokio::task::JoinSet;

use super::{DEFAULT_LEASE, DEFAULT_OUTPUT_LIMIT, delta, execute};
use crate::Result;

/// "Now" for a long-running loop: the real clock, or one started at a given instant that then runs.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A clock that reads `start` now and advances in real time (`PATCHWARDEN_NOW` for a scheduler).
pub fn offset_clock(start: DateTime<Utc>) -> Clock {
    let origin = Instant::now();
    Arc::new(move || start + super::delta(origin.elapsed()))
}

#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Names this scheduler in claims and events (host and process id by default).
    pub runner: String,
    /// How often the loop looks for due work.
    pub tick: Duration,
    pub lease: Duration,
    pub output_limit: usize,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self {
            runner: format!("scheduler-{}", std::process::id()),
            tick: Duration::from_secs(5),
            lease: DEFAULT_LEASE,
            output_limit: DEFAULT_OUTPUT_LIMIT,
        }
    }
}

pub struct Scheduler {
    store: Store,
    tasks: Vec<TaskSpec>,
    channels: Vec<patchwarden_core::NotifyChannel>,
    options: SchedulerOptions,
    clock: Clock,
    running: JoinSet<()>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("tasks", &self.tasks.len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    pub fn new(
        store: Store,
        tasks: Vec<TaskSpec>,
        channels: Vec<patchwarden_core::NotifyChannel>,
        options: SchedulerOptions,
        clock: Clock,
    ) -> Self {
        Self {
            store,
            tasks,
            channels,
            options,
            clock,
            running: JoinSet::new(),
        }
    }

    /// One pass: abandoned runs, late heartbeats, skipped slots, and the start of every due run (in the
    /// background; they finish while later ticks go on).
    pub async fn tick(&mut self) -> Result<()> {
        let now = (self.clock)();
        for run in self.store.abandon_expired(now).await? {
            tracing::error!(task = %run.task, run = run.id, runner = %run.runner, "run abandoned: its runner stopped renewing the lease");
        }
        let enabled: Vec<TaskSpec> = self.tasks.iter().filter(|t| t.enabled).cloned().collect();
        for spec in &enabled {
            let first_seen = self.store.task_first_seen(&spec.name, now).await?;
            let since = self
                .store
                .last_slot(&spec.name)
                .await?
                .unwrap_or(first_seen)
                .max(first_seen);
            match &spec.trigger {
                Trigger::Heartbeat { grace } => {
                    let late = overdue_heartbeat(&spec.schedule, *grace, since, now)
                        .map_err(|e| crate::AppError::Input(e.to_string()))?;
                    if let Some(slot) = late {
                        let message = format!(
                            "task {} did not report its run due at {slot} within its grace of {grace}",
                            spec.name
                        );
                        if self
                            .store
                            .record_missed(&spec.name, slot, now, &message, json!({}))
                            .await?
                        {
                            tracing::error!(task = %spec.name, %slot, "{message}");
                        }
                    }
                }
                Trigger::Scheduled => {
                    let Some(d) = due(&spec.schedule, since, now)
                        .map_err(|e| crate::AppError::Input(e.to_string()))?
                    else {
                        continue;
                    };
                    if d.skipped > 0 {
                        let first_skipped = spec
                            .schedule
                            .next_after(since)
                            .map_err(|e| crate::AppError::Input(e.to_string()))?;
                        let message = format!(
                            "task {}: {} scheduled run(s) from {first_skipped} were missed (no scheduler was running); it runs once now",
                            spec.name, d.skipped
                        );
                        if self
                            .store
                            .record_missed(
                                &spec.name,
                                first_skipped,
                                now,
                                &message,
                                json!({"skipped": d.skipped}),
                            )
                            .await?
                        {
                            tracing::error!(task = %spec.name, "{message}");
                        }
                    }
                    self.start(spec.clone(), d.slot, now).await?;
                }
            }
        }
        self.notify().await?;
        // Reap finished runs so the set does not grow.
        while self.running.try_join_next().is_some() {}
        Ok(())
    }

    async fn start(
        &mut self,
        spec: TaskSpec,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let claim = Claim {
            task: &spec.name,
            slot: Some(slot),
            origin: RunOrigin::Schedule,
            runner: &self.options.runner,
            external_id: None,
            now,
            lease: delta(self.options.lease),
            exclusive: true,
        };
        match self.store.claim_run(&claim).await? {
            Ok(run) => {
                tracing::info!(task = %spec.name, run = run.id, %slot, "run started");
                let store = self.store.clone();
                let clock = self.clock.clone();
                let (lease, limit) = (self.options.lease, self.options.output_limit);
                self.running.spawn(async move {
                    match execute(&store, &spec, run, &clock, lease, limit).await {
                        Ok(run) => tracing::info!(task = %spec.name, run = run.id, status = run.status.as_str(), "run ended"),
                        Err(e) => tracing::error!(task = %spec.name, "cannot record the run's end: {e}"),
                    }
                });
            }
            Err(ClaimRefused::SlotTaken) => {}
            Err(ClaimRefused::Busy { run }) => {
                let message = format!(
                    "task {}: the run due at {slot} was skipped because run {run} is still running",
                    spec.name
                );
                if self
                    .store
                    .record_missed(&spec.name, slot, now, &message, json!({"running": run}))
                    .await?
                {
                    tracing::error!(task = %spec.name, "{message}");
                }
            }
        }
        Ok(())
    }

    /// Ticks until `shutdown` resolves, then waits for the runs it started to end.
    pub async fn run_until(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!("scheduler tick failed: {e}");
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.options.tick) => {}
            }
        }
        tracing::info!(
            runs = self.running.len(),
            "scheduler stopping; waiting for running tasks"
        );
        while self.running.join_next().await.is_some() {}
        Ok(())
    }

    /// Waits for every run started so far to end, then delivers the alerts they raised (`--once`).
    pub async fn wait_for_runs(&mut self) -> Result<()> {
        while self.running.join_next().await.is_some() {}
        self.notify().await
    }

    /// Delivers the alerts raised since the last pass to the configured channels.
    async fn notify(&self) -> Result<()> {
        if !self.channels.is_empty() {
            crate::notify::dispatch(&self.store, &self.channels, (self.clock)()).await?;
        }
        Ok(())
    }
}
