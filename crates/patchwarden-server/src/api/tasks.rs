//! Maintenance tasks over HTTP: the list (`tasks list`), a task's history (`tasks history`), one run with
//! its captured output (`tasks logs`), and the heartbeat of an external cron (`tasks report`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use patchwarden_app::tasks::{ReportPhase, RunReport, RunView};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Body, Params, Segments, document, to_json};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};

const DEFAULT_HISTORY: i64 = 20;
const MAX_HISTORY: i64 = 10_000;

pub(super) async fn list(State(state): AppState, actor: Actor) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let tasks = app.task_views().await?;
    Ok(document(
        "patchwarden.tasks/v1",
        json!({ "tasks": to_json(&tasks)? }),
    ))
}

/// The task's configured name, or a 404 naming the known ones.
fn known_task(app: &patchwarden_app::App, name: &str) -> ApiResult<()> {
    let tasks = app.tasks();
    if tasks.iter().any(|t| t.name == name) {
        return Ok(());
    }
    let known: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
    Err(ApiError::not_found(format!("no task named {name:?}")).with("tasks", json!(known)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistoryQuery {
    limit: Option<i64>,
}

pub(super) async fn history(
    State(state): AppState,
    actor: Actor,
    Segments(name): Segments<String>,
    Params(q): Params<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(DEFAULT_HISTORY);
    if !(1..=MAX_HISTORY).contains(&limit) {
        return Err(
            ApiError::bad_request(format!("limit must be between 1 and {MAX_HISTORY}"))
                .with("field", json!("limit")),
        );
    }
    let app = state.app_as(Some(&actor.person.name));
    known_task(&app, &name)?;
    let runs: Vec<RunView> = app
        .task_history(&name, limit)
        .await?
        .iter()
        .map(|r| RunView::of(r, false))
        .collect();
    Ok(document(
        "patchwarden.task-runs/v1",
        json!({ "task": name, "runs": to_json(&runs)? }),
    ))
}

pub(super) async fn show_run(
    State(state): AppState,
    actor: Actor,
    Segments(id): Segments<i64>,
) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let run = app.task_run(id).await?;
    Ok(document(
        "patchwarden.task-run/v1",
        to_json(&RunView::of(&run, true))?,
    ))
}

/// A heartbeat: `{"start": true, "run_id": …}` marks a run's start; `{"exit_code": N, "run_id": …,
/// "log": …}` its end (or a whole run, when no start was reported).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportBody {
    #[serde(default)]
    start: bool,
    exit_code: Option<i32>,
    run_id: Option<String>,
    /// When a run reported only at its end started (default: now).
    started_at: Option<DateTime<Utc>>,
    log: Option<String>,
}

pub(super) async fn report(
    State(state): AppState,
    actor: Actor,
    Segments(name): Segments<String>,
    Body(body): Body<ReportBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    actor.require_write("report a task run")?;
    let phase = match (body.start, body.exit_code) {
        (true, None) => ReportPhase::Start,
        (false, Some(exit_code)) => ReportPhase::End { exit_code },
        (true, Some(_)) => {
            return Err(ApiError::bad_request(
                "a report marks a start or an end: give start or exit_code, not both",
            )
            .with("field", json!("exit_code")));
        }
        (false, None) => {
            return Err(
                ApiError::bad_request("give \"start\": true, or the run's \"exit_code\"")
                    .with("field", json!("exit_code")),
            );
        }
    };
    if body
        .run_id
        .as_deref()
        .is_some_and(|id| id.trim().is_empty())
    {
        return Err(ApiError::bad_request("run_id is empty").with("field", json!("run_id")));
    }
    let app = state.app_as(Some(&actor.person.name));
    known_task(&app, &name)?;
    let run = app
        .report_run(&RunReport {
            task: name,
            phase,
            run_id: body.run_id,
            started_at: body.started_at,
            log: body.log,
            reporter: actor.person.name.clone(),
            at: app.settings.now,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        document(
            "patchwarden.task-run/v1",
            to_json(&RunView::of(&run, false))?,
        ),
    ))
}
