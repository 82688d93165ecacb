//! `patchwarden scheduler` and `patchwarden tasks …`: run the configured tasks, inspect their runs, and
//! record runs of jobs an external cron starts.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use patchwarden_app::App;
use patchwarden_app::tasks::{
    Clock, DEFAULT_OUTPUT_LIMIT, ReportPhase, RunReport, RunView, SchedulerOptions, offset_clock,
    run_process,
};
use patchwarden_core::{PolicyDuration, TaskSpec};
use patchwarden_store::{RunStatus, TaskRun};

use crate::Outcome;
use crate::cli::{Format, GlobalArgs, TasksCommand};
use crate::output::{bad, dim, good, print_json};
use crate::settings;

fn duration_arg(flag: &str, text: &str) -> anyhow::Result<Duration> {
    let d: PolicyDuration = text
        .parse()
        .map_err(|e| anyhow::anyhow!("{flag} {text:?}: {e}"))?;
    if d.as_secs() == 0 {
        bail!("{flag} must be at least 1s");
    }
    Ok(Duration::from_secs(d.as_secs()))
}

/// The scheduler's clock: `PATCHWARDEN_NOW` (or the real time) at start, then running in real time.
pub(crate) fn clock(app: &App) -> Clock {
    if std::env::var_os("PATCHWARDEN_NOW").is_some() {
        offset_clock(app.settings.now)
    } else {
        Arc::new(Utc::now)
    }
}

pub(crate) fn runner_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host = host.trim();
    format!(
        "{}:{}",
        if host.is_empty() { "localhost" } else { host },
        std::process::id()
    )
}

pub async fn scheduler(
    global: &GlobalArgs,
    once: bool,
    tick: &str,
    lease: &str,
) -> anyhow::Result<Outcome> {
    let options = SchedulerOptions {
        runner: runner_name(),
        tick: duration_arg("--tick", tick)?,
        lease: duration_arg("--lease", lease)?,
        output_limit: DEFAULT_OUTPUT_LIMIT,
    };
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let clock = clock(&app);
    let mut scheduler = app.scheduler(options, clock);
    if once {
        scheduler.tick().await?;
        scheduler.wait_for_runs().await?;
    } else {
        tracing::info!("scheduler started");
        scheduler
            .run_until(patchwarden_server::shutdown_signal())
            .await?;
    }
    app.store.close().await;
    Ok(Outcome::Ok)
}

pub async fn run(global: &GlobalArgs, cmd: TasksCommand) -> anyhow::Result<Outcome> {
    let (app, _) = App::open(settings::resolve(global)?).await?;
    let outcome = match cmd {
        TasksCommand::List { format } => list(&app, format).await,
        TasksCommand::Run { name, format } => {
            let run = app
                .run_task_now(&name, &runner_name(), &clock(&app))
                .await?;
            show_run(&run, format)?;
            Ok(verdict(&run))
        }
        TasksCommand::History {
            name,
            limit,
            format,
        } => {
            let runs = app.task_history(&name, limit.clamp(1, 10_000)).await?;
            history(&runs, format)
        }
        TasksCommand::Logs { run_id, format } => {
            let run = app.task_run(run_id).await?;
            match format {
                Format::Json => print_json("task_run", &RunView::of(&run, true))?,
                Format::Table => {
                    let mut out = anstream::stdout().lock();
                    out.write_all(run.output.as_bytes())?;
                }
            }
            Ok(Outcome::Ok)
        }
        TasksCommand::Exec { name, command } => exec(&app, &name, command).await,
        TasksCommand::Report {
            name,
            start,
            exit_code,
            run_id,
            log,
            format,
        } => {
            let log = log
                .map(|path| {
                    std::fs::read(&path)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .with_context(|| format!("--log {}", path.display()))
                })
                .transpose()?;
            let phase = match (start, exit_code) {
                (true, _) => ReportPhase::Start,
                (false, Some(exit_code)) => ReportPhase::End { exit_code },
                (false, None) => bail!("give --start or --exit-code N"),
            };
            let run = app
                .report_run(&RunReport {
                    task: name,
                    phase,
                    run_id,
                    started_at: None,
                    log,
                    reporter: reporter(&app),
                    at: app.settings.now,
                })
                .await?;
            show_run(&run, format)?;
            Ok(Outcome::Ok)
        }
    };
    app.store.close().await;
    outcome
}

fn reporter(app: &App) -> String {
    app.settings.actor.clone().unwrap_or_else(|| "cli".into())
}

fn verdict(run: &TaskRun) -> Outcome {
    match run.status {
        RunStatus::Succeeded => Outcome::Ok,
        _ => Outcome::Failed,
    }
}

/// `tasks exec NAME -- CMD…`: start, run, end, each recorded; exits with the command's exit code
/// mapped onto patchwarden's (0 ok, 1 the command failed).
async fn exec(app: &App, name: &str, command: Vec<String>) -> anyhow::Result<Outcome> {
    let spec = app
        .tasks()
        .into_iter()
        .find(|t| t.name == name)
        .with_context(|| format!("no task named {name:?} in the config"))?;
    let clock = clock(app);
    let run_id = format!("exec-{}-{}", std::process::id(), clock().timestamp_millis());
    let report = |phase, log, at| RunReport {
        task: name.to_owned(),
        phase,
        run_id: Some(run_id.clone()),
        started_at: None,
        log,
        reporter: reporter(app),
        at,
    };
    app.report_run(&report(ReportPhase::Start, None, clock()))
        .await?;
    let wrapped = TaskSpec {
        command,
        shell: false,
        ..spec.clone()
    };
    let outcome = run_process(
        &wrapped,
        Duration::from_secs(spec.timeout.as_secs()),
        DEFAULT_OUTPUT_LIMIT,
    )
    .await;
    // Pass the output through, as the cron job's own log would have it.
    print!("{}", outcome.output);
    let exit_code = match (outcome.exit_code, outcome.timed_out) {
        (Some(code), false) => code,
        _ => 124,
    };
    let mut log = outcome.output;
    if let Some(problem) = &outcome.problem {
        log.push_str(&format!("\n[patchwarden: {problem}]\n"));
    }
    let run = app
        .report_run(&report(ReportPhase::End { exit_code }, Some(log), clock()))
        .await?;
    Ok(verdict(&run))
}

fn status_text(status: RunStatus) -> String {
    match status {
        RunStatus::Succeeded => good(status.as_str()).to_string(),
        RunStatus::Running => status.as_str().to_owned(),
        _ => bad(status.as_str()).to_string(),
    }
}

fn run_line(run: &TaskRun) -> String {
    format!(
        "run {:<6} {:<10} {:<10} started {}  {}  exit {}{}",
        run.id,
        run.task,
        status_text(run.status),
        run.started_at.format("%Y-%m-%d %H:%M:%S"),
        run.duration()
            .map(|d| format!("{:.1}s", d.num_milliseconds() as f64 / 1000.0))
            .unwrap_or_else(|| "-".into()),
        run.exit_code.map_or("-".into(), |c| c.to_string()),
        run.detail
            .as_deref()
            .map(|d| format!("  {}", dim(d)))
            .unwrap_or_default(),
    )
}

fn show_run(run: &TaskRun, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print_json("task_run", &RunView::of(run, false)),
        Format::Table => {
            writeln!(anstream::stdout().lock(), "{}", run_line(run))?;
            Ok(())
        }
    }
}

fn history(runs: &[TaskRun], format: Format) -> anyhow::Result<Outcome> {
    match format {
        Format::Json => {
            let views: Vec<_> = runs.iter().map(|r| RunView::of(r, false)).collect();
            print_json("task_runs", &serde_json::json!({ "runs": views }))?;
        }
        Format::Table => {
            let mut out = anstream::stdout().lock();
            if runs.is_empty() {
                writeln!(out, "no runs yet")?;
            }
            for run in runs {
                writeln!(out, "{}", run_line(run))?;
            }
        }
    }
    Ok(Outcome::Ok)
}

async fn list(app: &App, format: Format) -> anyhow::Result<Outcome> {
    let views = app.task_views().await?;
    match format {
        Format::Json => print_json("tasks", &serde_json::json!({ "tasks": views }))?,
        Format::Table => {
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "{:<32} {:<14} {:<10} {:<17} LAST",
                "TASK", "SCHEDULE", "KIND", "NEXT RUN (UTC)"
            )?;
            for v in &views {
                let last = v.last_run.as_ref().map_or_else(
                    || dim("never").to_string(),
                    |r| {
                        format!(
                            "{} {}",
                            status_text_str(r.status),
                            r.started_at.format("%Y-%m-%d %H:%M")
                        )
                    },
                );
                writeln!(
                    out,
                    "{:<32} {:<14} {:<10} {:<17} {last}",
                    v.name,
                    v.schedule,
                    v.kind,
                    v.next_run.map_or("disabled".into(), |n| n
                        .format("%Y-%m-%d %H:%M")
                        .to_string()),
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

fn status_text_str(status: &str) -> String {
    match status {
        "succeeded" => good(status).to_string(),
        "running" => status.to_owned(),
        _ => bad(status).to_string(),
    }
}
