//! The triage queue over HTTP: notices (`notices list`), a decision on one (`notices triage`), and
//! tickets and user reports sent to `POST /api/v1/reports`, which join the queue as notices like
//! `patch new --source … --queue` (token-authenticated, or public when `[server.reports]` allows it).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use patchwarden_app::notices::{Report, Triage};
use patchwarden_core::Severity;
use patchwarden_core::workflow::RecordSource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Body, Params, Segments, document, parse_field, to_json};
use crate::auth::{Actor, MaybeActor};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeQuery {
    /// Only notices waiting for a decision.
    untriaged: Option<bool>,
}

pub(super) async fn list(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<NoticeQuery>,
) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let notices = app.list_notices(q.untriaged.unwrap_or(false)).await?;
    Ok(document(
        "patchwarden.notices/v1",
        json!({
            "triage_within": app.settings.config.notices.triage_within.to_string(),
            "notices": to_json(&notices)?,
        }),
    ))
}

/// `{"open_record": true, "severity": …, "asset": …}` or `{"dismiss": true, "reason": …}`, as the
/// CLI's flags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriageBody {
    #[serde(default)]
    open_record: bool,
    severity: Option<String>,
    asset: Option<String>,
    #[serde(default)]
    dismiss: bool,
    reason: Option<String>,
}

pub(super) async fn triage(
    State(state): AppState,
    actor: Actor,
    Segments(id): Segments<i64>,
    Body(body): Body<TriageBody>,
) -> ApiResult<Json<Value>> {
    actor.require_write("triage a notice")?;
    let decision = match (body.open_record, body.dismiss) {
        (true, false) => Triage::OpenRecord {
            severity: parse_field::<Severity>("severity", body.severity.as_ref())?,
            asset: body.asset,
        },
        (false, true) => Triage::Dismiss {
            reason: body.reason.unwrap_or_default(),
        },
        _ => {
            return Err(ApiError::bad_request(
                "decide one way: \"open_record\": true (with severity, asset) or \"dismiss\": true with a reason",
            ));
        }
    };
    let app = state.app_as(Some(&actor.person.name));
    let triaged = app.triage_notice(id, decision).await?;
    Ok(document("patchwarden.notice-triage/v1", to_json(&triaged)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    title: String,
    /// What happened; CVE ids in it are noted.
    #[serde(default)]
    text: String,
    /// `user-report` (the default) or `ticket`.
    source: Option<String>,
    asset: Option<String>,
    link: Option<String>,
}

const MAX_TITLE_CHARS: usize = 300;

/// Refuses a report the same way whoever sends it, before anything is counted or stored.
fn check_report(state: &crate::ServerState, body: &ReportBody) -> ApiResult<RecordSource> {
    let source = match body.source.as_deref().unwrap_or("user-report") {
        "user-report" => RecordSource::UserReport,
        "ticket" => RecordSource::Ticket,
        other => {
            return Err(ApiError::bad_request(format!(
                "source {other:?}: expected user-report or ticket"
            ))
            .with("field", json!("source")));
        }
    };
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad_request(format!(
            "a report needs a title of 1 to {MAX_TITLE_CHARS} characters"
        ))
        .with("field", json!("title")));
    }
    if let Some(asset) = &body.asset
        && !state
            .settings
            .config
            .assets
            .iter()
            .any(|a| &a.name == asset)
    {
        return Err(
            ApiError::bad_request(format!("unknown asset {asset:?}")).with("field", json!("asset"))
        );
    }
    // Shown as a link on the pages: only web addresses.
    if let Some(link) = &body.link
        && !(link.starts_with("https://") || link.starts_with("http://"))
    {
        return Err(
            ApiError::bad_request("link must be an http:// or https:// address")
                .with("field", json!("link")),
        );
    }
    Ok(source)
}

/// `POST /api/v1/reports`: a ticket or user report joins the triage queue as a notice.
pub(super) async fn submit(State(state): AppState, request: Request) -> ApiResult<Response> {
    let settings = &state.settings.config.server.reports;
    if !settings.enabled {
        return Err(ApiError::not_found(
            "reports are switched off here ([server.reports] enabled = false)",
        ));
    }
    let (mut parts, body) = request.into_parts();
    let MaybeActor(actor) = MaybeActor::from_request_parts(&mut parts, &state).await?;
    // Someone who may write reports as themselves; anyone else only when public reports are allowed.
    let writer = actor.as_ref().filter(|a| a.person.can_write());
    if writer.is_none() && !settings.public {
        return Err(match &actor {
            Some(a) => a
                .require_write("send a report (public reports are off)")
                .err()
                .unwrap_or_else(|| ApiError::forbidden("public reports are off")),
            None => ApiError::unauthorized(
                "send `Authorization: Bearer <token>`: this server takes no public reports",
            ),
        });
    }
    let limit = (settings.max_bytes as usize).min(state.options.body_limit);
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("a report is at most {limit} bytes"),
        )
        .with("max_bytes", json!(limit))
    })?;
    let report: ReportBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the JSON body is invalid: {e}")))?;
    let source = check_report(&state, &report)?;
    let reporter = match (writer, &actor) {
        (Some(w), _) => w.person.name.clone(),
        (None, Some(a)) => a.person.name.clone(),
        (None, None) => "anonymous".to_owned(),
    };
    if writer.is_none() {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        let window =
            TimeDelta::seconds(i64::try_from(settings.rate_window.as_secs()).unwrap_or(i64::MAX));
        if let Err(wait) =
            state
                .throttle
                .reports
                .admit(addr, state.now(), settings.rate_limit, window)
        {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!(
                    "at most {} reports in {} from one address: try again in {wait} s",
                    settings.rate_limit, settings.rate_window
                ),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
    }
    let app = state.app_as(Some(&reporter));
    let report = Report {
        source,
        title: report.title,
        asset: report.asset,
        link: report.link,
        text: report.text,
    };
    let notice = match writer {
        Some(_) => app.report_notice(report).await?,
        None => app.queue_report(report, &reporter).await?,
    };
    tracing::info!(notice = notice.id, reporter = %reporter, "report queued");
    Ok((
        StatusCode::CREATED,
        document("patchwarden.notice/v1", to_json(&notice)?),
    )
        .into_response())
}
