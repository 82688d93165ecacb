//! The estate over HTTP: the assets with their cadence and their components' end-of-life status
//! (`assets list`), the unsupported-systems report (`report unsupported`), and the notification
//! delivery log (`notify log`).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use patchwarden_app::eol;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Params, document, download, to_json};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};

/// Every configured asset where it stands (`assets list --format json`), each with the end-of-life status
/// of its components, scanned or declared (as `report unsupported` finds them).
pub(super) async fn assets(State(state): AppState, actor: Actor) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let statuses = app.asset_statuses().await?;
    let components = app.unsupported_report(&[]).await?;
    let mut rows = Vec::with_capacity(statuses.len());
    for status in &statuses {
        let mut row = to_json(status)?;
        let mine: Vec<_> = components
            .iter()
            .filter(|c| c.asset.as_deref() == Some(status.name.as_str()))
            .collect();
        if let Value::Object(m) = &mut row {
            m.insert(
                "unsupported".into(),
                mine.iter().filter(|c| c.is_unsupported()).count().into(),
            );
            m.insert("component_status".into(), to_json(&mine)?);
        }
        rows.push(row);
    }
    Ok(document(
        "patchwarden.assets/v1",
        json!({ "now": app.settings.now, "assets": rows }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormatQuery {
    format: Option<String>,
}

/// `report unsupported`: every component of every asset with its end-of-life date and status.
pub(super) async fn unsupported(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<FormatQuery>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "markdown" | "md") {
        return Err(ApiError::bad_request(format!(
            "format {format:?}: expected json, csv or markdown"
        ))
        .with("field", json!("format")));
    }
    let app = state.app_as(Some(&actor.person.name));
    let components = app.unsupported_report(&[]).await?;
    let now = app.settings.now;
    Ok(match format {
        "csv" => download(
            "text/csv; charset=utf-8",
            "unsupported.csv",
            eol::unsupported_csv(&components),
        ),
        "markdown" | "md" => download(
            "text/markdown; charset=utf-8",
            "unsupported.md",
            eol::unsupported_markdown(&components, now),
        ),
        _ => download(
            "application/json",
            "unsupported.json",
            eol::unsupported_json(&components, now),
        ),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LimitQuery {
    limit: Option<i64>,
}

const DEFAULT_DELIVERIES: i64 = 50;
const MAX_DELIVERIES: i64 = 10_000;

/// `notify log`: the latest deliveries, newest first.
pub(super) async fn deliveries(
    State(state): AppState,
    _actor: Actor,
    Params(q): Params<LimitQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(DEFAULT_DELIVERIES);
    if !(1..=MAX_DELIVERIES).contains(&limit) {
        return Err(
            ApiError::bad_request(format!("limit must be between 1 and {MAX_DELIVERIES}"))
                .with("field", json!("limit")),
        );
    }
    let log = state.store.deliveries(limit).await?;
    Ok(document(
        "patchwarden.notify-log/v1",
        json!({ "deliveries": to_json(&log)? }),
    ))
}
