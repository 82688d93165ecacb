//! The HTML pages: server-rendered from auto-escaping templates (minijinja escapes every value in a
//! `.html` template), no script, usable with the keyboard. Forms carry the session's CSRF token and are
//! checked before anything runs; the steps go through the same use cases as the API and the CLI.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, TimeDelta, Utc};
use minijinja::{Environment, context};
use patchwarden_app::notices::Triage;
use patchwarden_app::notify::AlertMessage;
use patchwarden_core::task::Trigger;
use patchwarden_core::workflow::{PatchRecord, SlaStatus, allowed_actions};
use patchwarden_core::{Delivery, Person, Role, Severity};
use patchwarden_store::RecordFilter;
use patchwarden_store::{NoticeState, RunStatus, TaskRun};
use serde_json::{Value, json};

use crate::ServerState;
use crate::api::{self, StepBody};
use crate::auth::{self, SESSION_COOKIE};
use crate::error::ApiError;

const CSS: &str = include_str!("../static/app.css");

/// The templates, parsed once.
pub fn templates() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.add_template("base.html", include_str!("../templates/base.html"))?;
    env.add_template("login.html", include_str!("../templates/login.html"))?;
    env.add_template(
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    )?;
    env.add_template("records.html", include_str!("../templates/records.html"))?;
    env.add_template("record.html", include_str!("../templates/record.html"))?;
    env.add_template("findings.html", include_str!("../templates/findings.html"))?;
    env.add_template("assets.html", include_str!("../templates/assets.html"))?;
    env.add_template("audit.html", include_str!("../templates/audit.html"))?;
    env.add_template("tasks.html", include_str!("../templates/tasks.html"))?;
    env.add_template("task.html", include_str!("../templates/task.html"))?;
    env.add_template("run.html", include_str!("../templates/run.html"))?;
    env.add_template("notices.html", include_str!("../templates/notices.html"))?;
    env.add_template(
        "notifications.html",
        include_str!("../templates/notifications.html"),
    )?;
    env.add_template(
        "patch_log.html",
        include_str!("../templates/patch_log.html"),
    )?;
    Ok(env)
}

pub fn routes() -> axum::Router<Arc<ServerState>> {
    axum::Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/records", get(records))
        .route("/records/{id}", get(record))
        .route("/records/{id}/{step}", post(step))
        .route("/findings", get(findings))
        .route("/assets", get(assets))
        .route("/audit", get(audit))
        .route("/patch-log", get(patch_log))
        .route("/tasks", get(tasks))
        .route("/tasks/{name}", get(task))
        .route("/tasks/{name}/runs/{id}", get(task_run))
        .route("/notices", get(notices))
        .route("/notices/{id}/triage", post(triage))
        .route("/notifications", get(notifications))
        .route("/static/app.css", get(css))
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

fn render(state: &ServerState, status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "cannot render a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// A logged-in browser: the person and the CSRF token its forms carry. Without a session: to the login.
#[derive(Debug)]
pub struct Browser {
    pub person: Person,
    pub csrf_token: String,
    pub session_hash: String,
}

impl FromRequestParts<Arc<ServerState>> for Browser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServerState>,
    ) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(id) = auth::cookie_value(parts, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let session_hash = auth::sha256_hex(id);
        let session = match state.store.session(&session_hash, state.now()).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(ApiError::from(e).into_response()),
        };
        let person = state
            .settings
            .config
            .people
            .iter()
            .find(|p| p.name == session.user)
            .cloned()
            .ok_or_else(to_login)?;
        Ok(Browser {
            person,
            csrf_token: session.csrf_token,
            session_hash,
        })
    }
}

impl Browser {
    /// A form is accepted only with this session's token: another site cannot read it.
    fn csrf_ok(&self, form: &HashMap<String, String>) -> bool {
        let sent = form
            .get("csrf_token")
            .map(String::as_str)
            .unwrap_or_default();
        auth::constant_time_eq(sent.as_bytes(), self.csrf_token.as_bytes())
    }

    fn context(&self) -> minijinja::Value {
        context! {
            user => context! { name => self.person.name.clone(), roles => self.person.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() },
            csrf_token => self.csrf_token.clone(),
        }
    }
}

fn expired_form() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form has expired: reload the page and try again",
    )
        .into_response()
}

async fn login_form(State(state): State<Arc<ServerState>>) -> Response {
    render(
        &state,
        StatusCode::OK,
        "login.html",
        context! { name => "" },
    )
}

async fn login(
    State(state): State<Arc<ServerState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let person = match api::check_login(&state, &name, &password).await {
        Ok(p) => p,
        Err(e) => {
            return render(
                &state,
                e.status,
                "login.html",
                context! { name => name, error => e.detail },
            );
        }
    };
    match api::open_session(&state, &person).await {
        Ok((cookie, _)) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn logout(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !browser.csrf_ok(&form) {
        return expired_form();
    }
    if let Err(e) = state.store.delete_session(&browser.session_hash).await {
        return ApiError::from(e).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "patchwarden_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

fn row(r: &PatchRecord, now: DateTime<Utc>) -> Value {
    json!({
        "id": r.id,
        "title": r.title,
        "asset": r.asset,
        "severity": r.severity.map_or("unknown", |s| s.as_str()),
        "state": r.state.as_str(),
        "due": r.due_at.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "-".into()),
        "overdue": matches!(r.sla(now), SlaStatus::Overdue { .. }),
    })
}

async fn dashboard(State(state): State<Arc<ServerState>>, browser: Browser) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let now = app.settings.now;
    // Every record, parsed again only where it changed since the last request: the figures count the
    // open ones and those that ended within the metrics' 90 days (the chart's 30 are within them), the
    // estate's cadence every closed one.
    let records = match app.records_cached(&state.records_cache).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let since = now - TimeDelta::days(90);
    let active: Vec<&PatchRecord> = records
        .iter()
        .filter(|r| patchwarden_app::reports::active_since(r, since))
        .collect();
    let mut figures = dashboard_figures(&active, now);
    figures["estate"] = match estate_summary(&state, &app, &records).await {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    render(
        &state,
        StatusCode::OK,
        "dashboard.html",
        minijinja::value::merge_maps([
            minijinja::Value::from_serialize(figures),
            browser.context(),
        ]),
    )
}

/// What the dashboard says of the estate and the triage queue: assets whose cadence was missed or
/// whose out-of-cycle patch is due, unsupported and nearing-end-of-life components, untriaged notices.
async fn estate_summary(
    state: &ServerState,
    app: &patchwarden_app::App,
    records: &[PatchRecord],
) -> Result<Value, ApiError> {
    let assets = app.asset_statuses_of(records).await?;
    let components = app.components_cached(&state.components_cache).await?;
    let notices = app.list_notices(true).await?;
    let missed: Vec<Value> = assets
        .iter()
        .filter(|a| a.missed || a.out_of_cycle)
        .map(|a| json!({
            "name": a.name, "layer": a.layer, "missed": a.missed, "out_of_cycle": a.out_of_cycle,
            "next_due": a.next_due.map(minute).unwrap_or_else(|| "-".into()),
        }))
        .collect();
    Ok(json!({
        "missed": missed,
        "unsupported": components.iter().filter(|c| c.is_unsupported()).count(),
        "nearing_eol": components.iter().filter(|c| c.status == "nearing-eol").count(),
        "untriaged": notices.len(),
        "untriaged_overdue": notices.iter().filter(|n| n.overdue).count(),
    }))
}

/// The dashboard's figures from the open records and those that ended in the last 90 days: open by
/// severity with how many are overdue, those due within 48 hours, the share within SLA and the mean
/// time to remediate per severity (the numbers of `report metrics`), and the chart.
pub fn dashboard_figures(all: &[&PatchRecord], now: DateTime<Utc>) -> Value {
    let open: Vec<&PatchRecord> = all.iter().copied().filter(|r| r.state.is_open()).collect();
    let by_severity: Vec<Value> = ["critical", "high", "medium", "low"]
        .iter()
        .map(|s| {
            let of: Vec<_> = open.iter().filter(|r| r.severity.is_some_and(|x| x.as_str() == *s)).collect();
            json!({
                "severity": s,
                "open": of.len(),
                "overdue": of.iter().filter(|r| matches!(r.sla(now), SlaStatus::Overdue { .. })).count(),
            })
        })
        .collect();
    let soon = TimeDelta::hours(48);
    let due: Vec<Value> = open
        .iter()
        .filter(|r| r.due_at.is_some_and(|d| d - now <= soon))
        .map(|r| row(r, now))
        .collect();
    let m = patchwarden_app::reports::metrics(
        all,
        patchwarden_app::reports::Period::last_days(90, None, None, now),
        now,
    );
    let within_sla = match m.within_sla.percent {
        Some(p) => format!(
            "{p:.0}% of {} records remediated in the last 90 days were remediated within their SLA.",
            m.within_sla.met + m.within_sla.missed
        ),
        None => "No record with a deadline was remediated in the last 90 days.".to_owned(),
    };
    let mttr = m.mean_time_to_remediate_hours;
    let mttr: Vec<Value> = [
        ("critical", mttr.critical),
        ("high", mttr.high),
        ("medium", mttr.medium),
        ("low", mttr.low),
    ]
    .iter()
    .map(|(s, h)| json!({ "severity": s, "hours": h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1} h")) }))
    .collect();
    let chart = open_over_time(all, now, 30);
    json!({ "by_severity": by_severity, "due": due, "within_sla": within_sla, "mttr": mttr, "chart": chart })
}

#[derive(Debug, Default, serde::Deserialize)]
struct RecordFilterForm {
    state: Option<String>,
    severity: Option<String>,
    asset: Option<String>,
    overdue: Option<String>,
}

async fn records(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    filter: Result<Query<RecordFilterForm>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A mangled filter shows everything open rather than an error page.
    let f = filter.map(|Query(f)| f).unwrap_or_default();
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (wanted_state, severity, asset) = (
        nonempty(&f.state),
        nonempty(&f.severity),
        nonempty(&f.asset),
    );
    let overdue = f.overdue.as_deref() == Some("true");
    let app = state.app_as(Some(&browser.person.name));
    let now = app.settings.now;
    let all = match app
        .records(&RecordFilter {
            asset: asset.clone(),
            open_only: wanted_state.is_none(),
            ids: Vec::new(),
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rows: Vec<Value> = all
        .iter()
        .filter(|r| {
            wanted_state
                .as_deref()
                .is_none_or(|s| r.state.as_str() == s)
        })
        .filter(|r| {
            severity
                .as_deref()
                .is_none_or(|s| r.severity.is_some_and(|x| x.as_str() == s))
        })
        .filter(|r| !overdue || matches!(r.sla(now), SlaStatus::Overdue { .. }))
        .map(|r| row(r, now))
        .collect();
    let filter =
        json!({ "state": wanted_state, "severity": severity, "asset": asset, "overdue": overdue });
    render(
        &state,
        StatusCode::OK,
        "records.html",
        context! { records => rows, filter, ..browser.context() },
    )
}

/// The fields each step's form asks for, named as the API's.
fn step_fields(step: &str) -> &'static [&'static str] {
    match step {
        "assess" => &["severity", "reason", "data_at_risk", "path"],
        "plan" => &[
            "release_owner",
            "targets",
            "rollback",
            "tests",
            "release_date",
        ],
        "test" => &["junit_name", "junit_content"],
        "deploy" => &["reference"],
        "verify" => &["notes"],
        "close" => &["incident", "postmortem"],
        "mitigate" => &["control", "evidence", "owner", "recheck"],
        "accept-risk" => &["reason", "expires"],
        "dismiss" => &["kind", "justification"],
        "comment" => &["text"],
        _ => &[],
    }
}

async fn record_page(
    state: &ServerState,
    browser: &Browser,
    id: i64,
    status: StatusCode,
    refusal: Option<Value>,
) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let record = match app.record(id).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let evidence = app.store.evidence(id).await.unwrap_or_default();
    let timeline = app
        .store
        .audit_events_for(&format!("record:{id}"))
        .await
        .unwrap_or_default();
    let steps: Vec<Value> = allowed_actions(&record)
        .into_iter()
        .map(|s| json!({ "name": s, "fields": step_fields(s) }))
        .collect();
    let record_json = serde_json::to_value(&record).unwrap_or(Value::Null);
    render(
        state,
        status,
        "record.html",
        context! {
            record => record_json,
            evidence => evidence.iter().map(|(f, s, b)| json!({"file": f, "sha256": s, "bytes": b})).collect::<Vec<_>>(),
            timeline => timeline.iter().map(|e| json!({"at": e.at.to_rfc3339(), "actor": e.actor, "action": e.action})).collect::<Vec<_>>(),
            steps,
            can_write => browser.person.can_write(),
            refusal,
            ..browser.context()
        },
    )
}

async fn record(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Path(id): Path<i64>,
) -> Response {
    record_page(&state, &browser, id, StatusCode::OK, None).await
}

/// The API's step body from a form: empty fields left out, lists comma-separated.
fn step_body(form: &HashMap<String, String>) -> Result<StepBody, String> {
    let mut body = serde_json::Map::new();
    for (key, value) in form {
        let value = value.trim();
        if value.is_empty() || key == "csrf_token" || key.starts_with("junit_") {
            continue;
        }
        let v = match key.as_str() {
            "version" => json!(
                value
                    .parse::<i64>()
                    .map_err(|_| "version is not a number".to_owned())?
            ),
            "targets" | "tests" | "affects" => {
                json!(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                )
            }
            "notes" => json!([value]),
            _ => json!(value),
        };
        body.insert(key.clone(), v);
    }
    if let (Some(name), Some(content)) = (form.get("junit_name"), form.get("junit_content")) {
        if !content.trim().is_empty() {
            body.insert(
                "junit".into(),
                json!([{ "name": name, "content": content }]),
            );
        }
    }
    serde_json::from_value(Value::Object(body)).map_err(|e| e.to_string())
}

async fn step(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Path((id, step)): Path<(i64, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !browser.csrf_ok(&form) {
        return expired_form();
    }
    let refused = |e: ApiError| json!({ "detail": e.detail, "problems": e.extra.get("problems").cloned().unwrap_or(Value::Null), "status": e.status.as_u16() });
    let body = match step_body(&form) {
        Ok(b) => b,
        Err(e) => {
            let r = refused(ApiError::bad_request(e));
            return record_page(&state, &browser, id, StatusCode::BAD_REQUEST, Some(r)).await;
        }
    };
    let actor = auth::Actor {
        person: browser.person.clone(),
        credential: auth::Credential::Token,
    };
    match api::step_as(&state, &actor, id, &step, body).await {
        Ok(_) => Redirect::to(&format!("/records/{id}")).into_response(),
        Err(e) => {
            let status = e.status;
            record_page(&state, &browser, id, status, Some(refused(e))).await
        }
    }
}

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[derive(Debug, Default, serde::Deserialize)]
struct AssetFilter {
    asset: Option<String>,
}

async fn findings(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    filter: Result<Query<AssetFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let asset = filter
        .map(|Query(f)| f)
        .unwrap_or_default()
        .asset
        .filter(|a| !a.trim().is_empty());
    let found = match state.store.findings(asset.as_deref(), true).await {
        Ok(f) => f,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rows: Vec<Value> = found
        .iter()
        .map(|f| {
            let o = &f.observation;
            json!({
                "asset": f.asset, "vulnerability": o.vulnerability, "package": o.package, "version": o.version,
                "severity": o.severity.map_or("unknown", |s| s.as_str()),
                "detected": minute(f.detected_at),
                "due": f.due_at.map(minute).unwrap_or_else(|| "-".into()),
            })
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "findings.html",
        context! { findings => rows, asset => asset.unwrap_or_default(), ..browser.context() },
    )
}

async fn assets(State(state): State<Arc<ServerState>>, browser: Browser) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let records = match app.records_cached(&state.records_cache).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    // What `assets list` and `report unsupported` print.
    let (statuses, components) = match (
        app.asset_statuses_of(&records).await,
        app.unsupported_report(&[]).await,
    ) {
        (Ok(a), Ok(c)) => (a, c),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let rows: Vec<Value> = statuses
        .iter()
        .map(|a| {
            let parts: Vec<Value> = components
                .iter()
                .filter(|c| c.asset.as_deref() == Some(a.name.as_str()))
                .map(|c| {
                    json!({
                        "product": c.component.product, "version": c.component.version,
                        "found_in": c.component.source,
                        "status": c.status, "needs_action": c.needs_action(),
                        "eol": c.eol.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                        "upgrade_to": c.upgrade_to.clone().unwrap_or_else(|| "-".into()),
                    })
                })
                .collect();
            json!({
                "name": a.name, "layer": a.layer,
                "owner": a.owner.clone().unwrap_or_else(|| "-".into()),
                "environment": a.environment.clone().unwrap_or_else(|| "-".into()),
                "cadence": a.cadence.clone().unwrap_or_else(|| "-".into()),
                "open": a.open_records, "open_critical": a.open_critical,
                "last_patched": a.last_patched.map(minute).unwrap_or_else(|| "never".into()),
                "last_patched_via": a.last_patched_via.clone().unwrap_or_default(),
                "next_due": a.next_due.map(minute).unwrap_or_else(|| "-".into()),
                "missed": a.missed, "out_of_cycle": a.out_of_cycle,
                "components": parts,
            })
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "assets.html",
        context! { assets => rows, ..browser.context() },
    )
}

/// How many of the latest events the audit page lists.
const LATEST_EVENTS: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
struct PeriodFilter {
    since: Option<String>,
    until: Option<String>,
}

/// The patch log of a period (`report patch-log`), all of it by default, with its downloads.
async fn patch_log(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    filter: Result<Query<PeriodFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(filter) = match filter {
        Ok(f) => f,
        Err(e) => return ApiError::bad_request(e.body_text()).into_response(),
    };
    let given = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
    let (since, until) = (given(&filter.since), given(&filter.until));
    let period = match (
        api::date("since", since.as_ref()),
        api::date("until", until.as_ref()),
    ) {
        (Ok(since), Ok(until)) => patchwarden_app::reports::Period { since, until },
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let app = state.app_as(Some(&browser.person.name));
    let records = match app.records_cached(&state.records_cache).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let log = patchwarden_app::reports::patch_log(&records, period, app.settings.now);
    let rows: Vec<Value> = log
        .records
        .iter()
        .map(|r| {
            let tests: Vec<String> = r
                .validation
                .tests
                .iter()
                .map(|t| format!("{}/{} passed", t.passed, t.tests))
                .collect();
            json!({
                "id": r.id, "title": r.title, "state": r.state,
                "severity": r.severity.map_or("unknown", |s| s.as_str()),
                "discovered": minute(r.discovered),
                "due": r.due.map(minute).unwrap_or_else(|| "-".into()),
                "resolution": match r.resolution.at {
                    Some(at) => format!("{} {}", to_text(&r.resolution.kind), minute(at)),
                    None => to_text(&r.resolution.kind),
                },
                "sla": r.sla.text,
                "tests": if tests.is_empty() { "-".to_owned() } else { tests.join(", ") },
                "release_owner": r.release_owner.clone().unwrap_or_else(|| "-".into()),
            })
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "patch_log.html",
        context! {
            rows, summary => minijinja::Value::from_serialize(&log.summary),
            since => since.unwrap_or_default(), until => until.unwrap_or_default(),
            ..browser.context()
        },
    )
}

/// A serialised enum's name (`risk_accepted`) as people read it (`risk accepted`).
fn to_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

async fn audit(State(state): State<Arc<ServerState>>, browser: Browser) -> Response {
    let verified = match state.store.verify_audit(None).await {
        Ok(v) => v,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let head = match state.store.audit_head().await {
        Ok(h) => h,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let latest = match state
        .store
        .audit_events((head.seq - LATEST_EVENTS).max(0), LATEST_EVENTS)
        .await
    {
        Ok(events) => events
            .iter()
            .rev()
            .map(|e| json!({"seq": e.seq, "at": minute(e.at), "actor": e.actor, "action": e.action, "subject": e.subject}))
            .collect::<Vec<_>>(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (intact, problem) = match &verified.result {
        Ok(_) => (true, String::new()),
        Err(b) => (false, b.to_string()),
    };
    render(
        &state,
        StatusCode::OK,
        "audit.html",
        context! {
            intact, problem, latest,
            events => verified.events,
            head => format!("{}:{}", head.seq, head.hash),
            ..browser.context()
        },
    )
}

fn run_row(run: &TaskRun) -> Value {
    json!({
        "id": run.id,
        "task": run.task,
        "status": run.status.as_str(),
        "ok": matches!(run.status, RunStatus::Succeeded | RunStatus::Running),
        "origin": run.origin,
        "runner": run.runner,
        "started": minute(run.started_at),
        "ended": run.ended_at.map(minute).unwrap_or_else(|| "-".into()),
        "duration": run.duration().map_or_else(|| "-".into(), |d| {
            let ms = d.num_milliseconds();
            if ms < 60_000 { format!("{:.1} s", ms as f64 / 1000.0) } else { patchwarden_app::reports::human(d) }
        }),
        "exit_code": run.exit_code.map_or_else(|| "-".into(), |c| c.to_string()),
        "detail": run.detail,
    })
}

/// The alerts raised about a task (failed, timed out, missed, abandoned, too short), newest first.
async fn task_alerts(state: &ServerState, task: &str) -> Result<Vec<Value>, ApiError> {
    let events = state
        .store
        .audit_events_for(&format!("task:{task}"))
        .await?;
    Ok(events
        .iter()
        .rev()
        .flat_map(AlertMessage::from_event)
        .map(|a| json!({ "kind": a.kind, "severity": a.severity.as_str(), "message": a.message, "at": minute(a.at) }))
        .collect())
}

/// How many of a task's runs and alerts its page lists.
const TASK_HISTORY: i64 = 50;

async fn tasks(State(state): State<Arc<ServerState>>, browser: Browser) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let now = app.settings.now;
    let mut rows = Vec::new();
    // What `tasks list` prints, with each task's latest alert.
    for t in app.tasks() {
        let last = match state.store.task_runs(&t.name, 1).await {
            Ok(runs) => runs.first().map(run_row),
            Err(e) => return ApiError::from(e).into_response(),
        };
        let alerts = match task_alerts(&state, &t.name).await {
            Ok(a) => a,
            Err(e) => return e.into_response(),
        };
        rows.push(json!({
            "name": t.name,
            "schedule": t.schedule.describe(),
            "kind": match t.trigger { Trigger::Scheduled => "scheduled", Trigger::Heartbeat { .. } => "heartbeat" },
            "enabled": t.enabled,
            "next_run": t.schedule.next_after(now).ok().filter(|_| t.enabled).map_or_else(|| "disabled".into(), minute),
            "purpose": t.purpose, "compliance": t.compliance, "asset": t.asset,
            "last": last,
            "alerts": alerts.len(),
            "latest_alert": alerts.first(),
        }));
    }
    render(
        &state,
        StatusCode::OK,
        "tasks.html",
        context! { tasks => rows, ..browser.context() },
    )
}

async fn task(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Path(name): Path<String>,
) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let Some(spec) = app.tasks().into_iter().find(|t| t.name == name) else {
        return ApiError::not_found(format!("no task named {name:?}")).into_response();
    };
    let (runs, alerts) = match (
        app.task_history(&name, TASK_HISTORY).await,
        task_alerts(&state, &name).await,
    ) {
        (Ok(r), Ok(a)) => (r, a),
        (Err(e), _) => return ApiError::from(e).into_response(),
        (_, Err(e)) => return e.into_response(),
    };
    let command = if spec.command.is_empty() {
        "(heartbeat: reported by an external cron)".to_owned()
    } else {
        spec.command.join(" ")
    };
    render(
        &state,
        StatusCode::OK,
        "task.html",
        context! {
            task => json!({
                "name": spec.name, "schedule": spec.schedule.describe(), "command": command,
                "purpose": spec.purpose, "compliance": spec.compliance, "asset": spec.asset,
                "enabled": spec.enabled, "timeout": spec.timeout.to_string(),
            }),
            runs => runs.iter().map(run_row).collect::<Vec<_>>(),
            alerts => alerts.into_iter().take(usize::try_from(TASK_HISTORY).unwrap_or(50)).collect::<Vec<_>>(),
            ..browser.context()
        },
    )
}

async fn task_run(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Path((name, id)): Path<(String, i64)>,
) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    // What `tasks logs RUN_ID` prints; the output is escaped by the template like every value.
    let run = match app.task_run(id).await {
        Ok(r) if r.task == name => r,
        Ok(_) => {
            return ApiError::not_found(format!("task {name} has no run {id}")).into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    render(
        &state,
        StatusCode::OK,
        "run.html",
        context! {
            run => run_row(&run),
            output => run.output,
            output_dropped => run.output_dropped,
            ..browser.context()
        },
    )
}

#[derive(Debug, Default, serde::Deserialize)]
struct NoticeFilter {
    /// `untriaged` (the default), `all`, `opened` or `dismissed`.
    show: Option<String>,
}

async fn notices(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    filter: Result<Query<NoticeFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let show = filter
        .map(|Query(f)| f)
        .unwrap_or_default()
        .show
        .filter(|s| ["all", "opened", "dismissed"].contains(&s.as_str()))
        .unwrap_or_else(|| "untriaged".into());
    notices_page(&state, &browser, &show, StatusCode::OK, None).await
}

async fn notices_page(
    state: &ServerState,
    browser: &Browser,
    show: &str,
    status: StatusCode,
    refusal: Option<Value>,
) -> Response {
    let app = state.app_as(Some(&browser.person.name));
    let mut listed = match app.list_notices(show == "untriaged").await {
        Ok(n) => n,
        Err(e) => return ApiError::from(e).into_response(),
    };
    listed.retain(|n| show == "all" || n.notice.state.as_str() == show);
    // Untriaged first (the oldest first, as listed), then the decided ones.
    listed.sort_by_key(|n| n.notice.state != NoticeState::Untriaged);
    let rows: Vec<Value> = listed
        .iter()
        .map(|l| {
            let n = &l.notice;
            json!({
                "id": n.id, "title": n.notice.title, "vendor": n.notice.vendor, "link": n.notice.link,
                "source": n.notice.source, "asset": n.notice.asset, "cves": n.notice.cves,
                "severity": n.notice.severity.map(|s| s.as_str()),
                "received": minute(n.received_at), "state": n.state.as_str(),
                "untriaged": n.state == NoticeState::Untriaged, "overdue": l.overdue,
                "triaged_by": n.triaged_by, "triaged": n.triaged_at.map(minute),
                "reason": n.reason, "record": n.record_id,
            })
        })
        .collect();
    let assets: Vec<String> = state
        .settings
        .config
        .assets
        .iter()
        .map(|a| a.name.clone())
        .collect();
    render(
        state,
        status,
        "notices.html",
        context! {
            notices => rows, show, assets, refusal,
            can_triage => browser.person.roles.iter().any(|r| TRIAGERS.contains(r)),
            ..browser.context()
        },
    )
}

/// The roles that may triage a notice: shown the forms (the use case checks again).
const TRIAGERS: [Role; 3] = [
    Role::EngineeringLead,
    Role::IncidentCommander,
    Role::ReleaseOwner,
];

async fn triage(
    State(state): State<Arc<ServerState>>,
    browser: Browser,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !browser.csrf_ok(&form) {
        return expired_form();
    }
    let field = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let decision = match field("decision") {
        Some("open-record") => match field("severity").map(str::parse::<Severity>).transpose() {
            Ok(severity) => Ok(Triage::OpenRecord {
                severity,
                asset: field("asset").map(str::to_owned),
            }),
            Err(e) => Err(ApiError::bad_request(format!("severity: {e}"))),
        },
        Some("dismiss") => Ok(Triage::Dismiss {
            reason: field("reason").unwrap_or_default().to_owned(),
        }),
        _ => Err(ApiError::bad_request("decision: open-record or dismiss")),
    };
    let app = state.app_as(Some(&browser.person.name));
    let outcome = match decision {
        Ok(d) => app.triage_notice(id, d).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(t) => match t.record {
            Some(r) => Redirect::to(&format!("/records/{}", r.id)).into_response(),
            None => Redirect::to("/notices").into_response(),
        },
        Err(e) if e.status == StatusCode::NOT_FOUND => e.into_response(),
        Err(e) => {
            let refusal = json!({ "notice": id, "detail": e.detail, "status": e.status.as_u16() });
            notices_page(&state, &browser, "untriaged", e.status, Some(refusal)).await
        }
    }
}

/// How many deliveries the notifications page lists.
const DELIVERIES: i64 = 200;

async fn notifications(State(state): State<Arc<ServerState>>, browser: Browser) -> Response {
    // What `notify log` prints.
    let deliveries = match state.store.deliveries(DELIVERIES).await {
        Ok(d) => d,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rows: Vec<Value> = deliveries
        .iter()
        .map(|d| json!({
            "at": minute(d.at), "channel": d.channel, "kind": d.kind, "subject": d.subject,
            "status": d.status, "ok": d.status != "failed", "attempts": d.attempts, "error": d.error,
            "event": d.event_seq,
        }))
        .collect();
    let channels: Vec<Value> = state
        .settings
        .config
        .notify
        .iter()
        // The kind only: a webhook's URL can hold its secret.
        .map(|c| {
            let kind = match c.delivery {
                Delivery::Webhook { .. } => "webhook",
                Delivery::Email { .. } => "e-mail",
                Delivery::Command { .. } => "command",
            };
            json!({ "name": c.name, "kind": kind, "events": c.events, "min_severity": c.min_severity.as_str() })
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "notifications.html",
        context! { deliveries => rows, channels, ..browser.context() },
    )
}

/// Open records at the end of each of the last `days` days, as bars of an SVG chart: positions computed
/// here, so the template only places them (no script, no inline style).
fn open_over_time(records: &[&PatchRecord], now: DateTime<Utc>, days: i64) -> Value {
    const WIDTH: i64 = 600;
    const HEIGHT: i64 = 160;
    let counts: Vec<(DateTime<Utc>, usize)> = (0..days)
        .rev()
        .map(|back| {
            let at = now - TimeDelta::days(back);
            let open = records
                .iter()
                .filter(|r| r.detected_at <= at)
                .filter(|r| patchwarden_app::reports::ended_at(r).is_none_or(|end| end > at))
                .count();
            (at, open)
        })
        .collect();
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let step = WIDTH / days.max(1);
    let bars: Vec<Value> = counts
        .iter()
        .enumerate()
        .map(|(i, (at, n))| {
            let h = i64::try_from(*n).unwrap_or(i64::MAX).saturating_mul(HEIGHT)
                / i64::try_from(max).unwrap_or(1);
            json!({
                "x": i64::try_from(i).unwrap_or(0) * step,
                "y": HEIGHT - h,
                "width": (step - 2).max(1),
                "height": h,
                "label": format!("{}: {n} open", at.format("%Y-%m-%d")),
            })
        })
        .collect();
    json!({ "width": WIDTH, "height": HEIGHT, "max": max, "bars": bars,
            "summary": format!("{} open now, at most {max} in the last {days} days", counts.last().map_or(0, |(_, n)| *n)) })
}
