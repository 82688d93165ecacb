//! The REST API under `/api/v1`. Every handler authenticates through [`Actor`], calls the same app use
//! case as the CLI command it mirrors, and answers versioned JSON (`"schema": "patchwarden.<thing>/v1"`)
//! or an [`ApiError`] problem document.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use patchwarden_app::records::{ManualRecord, junit_evidence};
use patchwarden_app::reports::{self, Period};
use patchwarden_app::scan::ScanRequest;
use patchwarden_core::workflow::{
    DismissKind, PatchPath, PatchRecord, SlaStatus, State as RecordState, allowed_actions,
};
use patchwarden_core::{Action, Severity};
use patchwarden_store::{EvidenceFile, RecordFilter, StoredSession};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ServerState;
use crate::auth::{self, Actor, Credential, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};

mod estate;
mod notices;
mod tasks;

pub(crate) type AppState = State<Arc<ServerState>>;

pub fn routes() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/session", post(login).delete(logout))
        .route("/me", get(me))
        .route("/records", get(list_records).post(new_record))
        .route("/records/{id}", get(show_record))
        .route("/records/{id}/{step}", post(take_step))
        .route("/findings", get(list_findings))
        .route("/assets", get(estate::assets))
        .route("/assets/{asset}/scans", post(upload_scan))
        .route("/sla", get(sla))
        .route("/reports", post(notices::submit))
        .route("/reports/patch-log", get(patch_log))
        .route("/reports/metrics", get(metrics))
        .route("/reports/unsupported", get(estate::unsupported))
        .route("/audit/verify", get(audit_verify))
        .route("/tasks", get(tasks::list))
        .route("/tasks/runs/{id}", get(tasks::show_run))
        .route(
            "/tasks/{name}/runs",
            get(tasks::history).post(tasks::report),
        )
        .route("/notices", get(notices::list))
        .route("/notices/{id}/triage", post(notices::triage))
        .route("/notify/deliveries", get(estate::deliveries))
}

/// A JSON body, with a problem document (naming the field) instead of axum's plain-text rejection.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), "invalid-body", e.body_text()))?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            bytes
        };
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| ApiError::bad_request(format!("the JSON body is invalid: {e}")))
    }
}

/// Query parameters, refused as a problem document naming the parameter.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Path segments, refused as a problem document (a non-numeric record id is a 400, not a panic).
#[derive(Debug)]
pub struct Segments<T>(pub T);

impl<T, S> FromRequestParts<S> for Segments<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Segments(v))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

pub(crate) fn document(schema: &str, value: Value) -> Json<Value> {
    let mut doc = serde_json::Map::new();
    doc.insert("schema".into(), schema.into());
    match value {
        Value::Object(fields) => doc.extend(fields),
        other => {
            doc.insert("data".into(), other);
        }
    }
    Json(Value::Object(doc))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> ApiResult<Value> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a response");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "cannot serialise the response",
        )
    })
}

// ---- session -------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

async fn login(State(state): AppState, Body(login): Body<Login>) -> ApiResult<Response> {
    let now = state.now();
    if let Some(wait) = state.throttle.retry_after(&login.name, now) {
        let mut response = throttled(&login.name, wait).into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let person = check_login(&state, &login.name, &login.password).await?;
    let (cookie, session) = open_session(&state, &person).await?;
    let mut response = document(
        "patchwarden.session/v1",
        json!({
            "user": person.name,
            "roles": person.roles,
            "csrf_token": session.csrf_token,
            "expires_at": session.expires_at,
        }),
    )
    .into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

pub(crate) fn throttled(name: &str, wait: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "login-throttled",
        format!("too many failed logins for {name}: try again in {wait} s"),
    )
}

/// The configured person whose password this is, counting failures for the throttle.
pub(crate) async fn check_login(
    state: &ServerState,
    name: &str,
    password: &str,
) -> ApiResult<patchwarden_core::Person> {
    let now = state.now();
    if let Some(wait) = state.throttle.retry_after(name, now) {
        return Err(throttled(name, wait));
    }
    let credentials = state.store.user_credentials(name).await?;
    let ok = match &credentials {
        Some((_, phc)) => auth::verify_password(password, phc),
        None => {
            // Spend the same time as a real check, so timing does not tell which names exist.
            let _ = auth::verify_password(password, DUMMY_HASH);
            false
        }
    };
    let configured = state.settings.config.people.iter().find(|p| p.name == name);
    match (credentials, ok, configured) {
        (Some(_), true, Some(person)) => {
            state.throttle.succeeded(name);
            tracing::info!(user = %name, "logged in");
            Ok(person.clone())
        }
        _ => {
            state.throttle.failed(name, now);
            tracing::info!(user = %name, "login failed");
            Err(ApiError::unauthorized("unknown user or wrong password"))
        }
    }
}

/// A new session for `person`: the `Set-Cookie` value and the session (with its CSRF token).
pub(crate) async fn open_session(
    state: &ServerState,
    person: &patchwarden_core::Person,
) -> ApiResult<(HeaderValue, StoredSession)> {
    let now = state.now();
    let id = auth::random_secret();
    let session = StoredSession {
        user: person.name.clone(),
        csrf_token: auth::random_secret(),
        expires_at: now + state.options.session_ttl,
    };
    state
        .store
        .create_session(&auth::sha256_hex(&id), &session, now)
        .await?;
    let secure = if state.options.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        state.options.session_ttl.num_seconds()
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "cannot set the session cookie",
        )
    })?;
    Ok((cookie, session))
}

/// An argon2id hash of a random password, checked against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$2dGnh3dSPD3Lw1Hz2b3CSVb1kqcbRcSRS+KAu3XnYlE";

async fn logout(State(state): AppState, actor: Actor) -> ApiResult<Response> {
    if let Credential::Session { id_hash, .. } = &actor.credential {
        state.store.delete_session(id_hash).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "patchwarden_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    Ok(response)
}

async fn me(actor: Actor) -> Json<Value> {
    document(
        "patchwarden.me/v1",
        json!({
            "name": actor.person.name,
            "email": actor.person.email,
            "roles": actor.person.roles,
            "can_write": actor.person.can_write(),
        }),
    )
}

// ---- records -------------------------------------------------------------------------------------

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Paging {
    page: Option<usize>,
    page_size: Option<usize>,
}

impl Paging {
    fn resolve(&self) -> ApiResult<(usize, usize)> {
        let page = self.page.unwrap_or(1);
        let size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 {
            return Err(ApiError::bad_request("page starts at 1").with("field", json!("page")));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(ApiError::bad_request(format!(
                "page_size must be between 1 and {MAX_PAGE_SIZE}"
            ))
            .with("field", json!("page_size")));
        }
        Ok((page, size))
    }
}

fn page_of<T: Clone>(items: &[T], page: usize, size: usize) -> Vec<T> {
    items
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .cloned()
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordQuery {
    state: Option<String>,
    severity: Option<String>,
    asset: Option<String>,
    overdue: Option<bool>,
    /// Include closed and dismissed records (default: open ones only).
    all: Option<bool>,
    page: Option<usize>,
    page_size: Option<usize>,
}

#[derive(Debug, serde::Serialize)]
struct RecordsPage<'a> {
    schema: &'static str,
    page: usize,
    page_size: usize,
    total: usize,
    records: &'a [PatchRecord],
}

async fn list_records(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<RecordQuery>,
) -> ApiResult<Response> {
    let (page, size) = Paging {
        page: q.page,
        page_size: q.page_size,
    }
    .resolve()?;
    let severity = q
        .severity
        .as_deref()
        .map(|s| {
            s.parse::<Severity>().map_err(|_| {
                ApiError::bad_request(format!(
                    "unknown severity {s:?} (expected critical, high, medium or low)"
                ))
                .with("field", json!("severity"))
            })
        })
        .transpose()?;
    let app = state.app_as(Some(&actor.person.name));
    let now = app.settings.now;
    let wanted_state = q.state.as_deref();
    // Serialised straight from the records, without a `Value` tree in between: this is the hottest read.
    let records_document = |total: usize, records: Vec<PatchRecord>| -> ApiResult<Response> {
        Ok(Json(RecordsPage {
            schema: "patchwarden.records/v1",
            page,
            page_size: size,
            total,
            records: &records,
        })
        .into_response())
    };
    let open_only = !(q.all.unwrap_or(false) || wanted_state.is_some());
    let Some(overdue) = q.overdue else {
        // No state is called that: nothing matches.
        let Ok(state_filter) = wanted_state.map(str::parse::<RecordState>).transpose() else {
            return records_document(0, Vec::new());
        };
        // Filtered and paged in the database: a page costs the same however many records there are.
        let offset = i64::try_from((page - 1).saturating_mul(size)).unwrap_or(i64::MAX);
        let (total, records) = app
            .records_page(
                &patchwarden_store::RecordQuery {
                    asset: q.asset.clone(),
                    open_only,
                    state: state_filter,
                    severity,
                },
                offset,
                size as i64,
            )
            .await?;
        return records_document(usize::try_from(total).unwrap_or(0), records);
    };
    // Overdue depends on the clock and on each record's mitigations and acceptances: decided here.
    let records = app
        .records(&RecordFilter {
            asset: q.asset.clone(),
            open_only,
            ids: Vec::new(),
        })
        .await?;
    let matching: Vec<PatchRecord> = records
        .into_iter()
        .filter(|r| wanted_state.is_none_or(|s| r.state.as_str() == s))
        .filter(|r| severity.is_none_or(|s| r.severity == Some(s)))
        .filter(|r| overdue == matches!(r.sla(now), SlaStatus::Overdue { .. }))
        .collect();
    records_document(matching.len(), page_of(&matching, page, size))
}

async fn show_record(
    State(state): AppState,
    actor: Actor,
    Segments(id): Segments<i64>,
) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let record = app.record(id).await?;
    let evidence = app.store.evidence(id).await?;
    Ok(document(
        "patchwarden.record/v1",
        json!({
            "record": to_json(&record)?,
            "evidence": evidence.iter().map(|(name, sha256, bytes)| json!({"file": name, "sha256": sha256, "bytes": bytes})).collect::<Vec<_>>(),
            "allowed_next": allowed_actions(&record),
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRecordBody {
    title: String,
    asset: String,
    severity: Option<String>,
    cvss: Option<String>,
    source: Option<String>,
    #[serde(default)]
    links: Vec<String>,
}

async fn new_record(
    State(state): AppState,
    actor: Actor,
    Body(body): Body<NewRecordBody>,
) -> ApiResult<Response> {
    actor.require_write("open a patch record")?;
    let severity = body
        .severity
        .as_deref()
        .map(|s| {
            s.parse::<Severity>().map_err(|_| {
                ApiError::bad_request(format!("unknown severity {s:?}"))
                    .with("field", json!("severity"))
            })
        })
        .transpose()?;
    let source = body
        .source
        .as_deref()
        .unwrap_or("vendor-advisory")
        .parse()
        .map_err(|e: String| ApiError::bad_request(e).with("field", json!("source")))?;
    let app = state.app_as(Some(&actor.person.name));
    let record = app
        .new_record(ManualRecord {
            title: body.title,
            asset: body.asset,
            severity,
            cvss: body.cvss,
            source,
            links: body.links,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        document(
            "patchwarden.record/v1",
            json!({ "record": to_json(&record)?, "allowed_next": allowed_actions(&record) }),
        ),
    )
        .into_response())
}

/// A test report uploaded with the `test` step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadedReport {
    name: String,
    content: String,
}

/// The fields of every step; each step reads its own (as the CLI's flags of the same names).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepBody {
    /// The version the client last read: a record changed since is refused with 409.
    version: Option<i64>,
    severity: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    affects: Vec<String>,
    data_at_risk: Option<String>,
    path: Option<String>,
    release_owner: Option<String>,
    #[serde(default)]
    targets: Vec<String>,
    rollback: Option<String>,
    #[serde(default)]
    tests: Vec<String>,
    release_date: Option<String>,
    #[serde(default)]
    junit: Vec<UploadedReport>,
    reference: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    rescan: Option<i64>,
    incident: Option<String>,
    postmortem: Option<String>,
    control: Option<String>,
    evidence: Option<String>,
    owner: Option<String>,
    recheck: Option<String>,
    expires: Option<String>,
    kind: Option<String>,
    justification: Option<String>,
    text: Option<String>,
}

/// The steps `POST /records/{id}/{step}` takes, as the CLI's `patch` subcommands are named.
pub const STEPS: [&str; 13] = [
    "assess",
    "plan",
    "test",
    "approve",
    "deploy",
    "verify",
    "close",
    "mitigate",
    "accept-risk",
    "approve-risk",
    "dismiss",
    "comment",
    "reevaluate",
];

pub(crate) fn date(field: &'static str, text: Option<&String>) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(text) = text else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc()))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{field} {text:?} is not a date (YYYY-MM-DD or RFC 3339)"
            ))
            .with("field", json!(field))
        })
}

pub(crate) fn parse_field<T: std::str::FromStr>(
    field: &'static str,
    text: Option<&String>,
) -> ApiResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    text.map(|t| {
        t.parse::<T>()
            .map_err(|e| ApiError::bad_request(format!("{field}: {e}")).with("field", json!(field)))
    })
    .transpose()
}

pub(crate) fn action_for(
    step: &str,
    b: StepBody,
    state: &ServerState,
) -> ApiResult<(Action, Vec<EvidenceFile>)> {
    let action = match step {
        "assess" => Action::Assess {
            severity: b
                .severity
                .as_deref()
                .map(|s| {
                    s.parse::<Severity>().map_err(|_| {
                        ApiError::bad_request(format!("unknown severity {s:?}"))
                            .with("field", json!("severity"))
                    })
                })
                .transpose()?,
            reason: b.reason,
            affected_assets: b.affects,
            data_at_risk: b.data_at_risk,
            path: parse_field::<PatchPath>("path", b.path.as_ref())?,
        },
        "plan" => Action::Plan {
            release_owner: b.release_owner,
            target_versions: b.targets,
            rollback_plan: b.rollback,
            tests: b.tests,
            planned_release: date("release_date", b.release_date.as_ref())?,
        },
        "test" => {
            let mut evidence = Vec::new();
            let mut kept = Vec::new();
            for report in b.junit {
                let (e, k) = junit_evidence(report.name, report.content.into_bytes())?;
                evidence.push(e);
                kept.push(k);
            }
            return Ok((Action::Test { evidence }, kept));
        }
        "approve" => Action::Approve,
        "deploy" => Action::Deploy {
            reference: b.reference,
        },
        "verify" => Action::Verify {
            notes: b.notes,
            rescan: b.rescan,
        },
        "close" => Action::Close {
            incident_link: b.incident,
            postmortem_link: b.postmortem,
        },
        "mitigate" => Action::Mitigate {
            control: b.control,
            evidence: b.evidence,
            owner: b.owner,
            recheck_at: date("recheck", b.recheck.as_ref())?,
        },
        "accept-risk" => Action::RequestRiskAcceptance {
            reason: b.reason,
            expires_at: date("expires", b.expires.as_ref())?,
        },
        "approve-risk" => Action::ApproveRiskAcceptance,
        "dismiss" => Action::Dismiss {
            kind: parse_field::<DismissKind>("kind", b.kind.as_ref())?.ok_or_else(|| {
                ApiError::bad_request("say why: kind is not-affected or false-positive")
                    .with("field", json!("kind"))
            })?,
            justification: b.justification,
        },
        "comment" => Action::Comment {
            text: b.text.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                ApiError::bad_request("a comment needs text").with("field", json!("text"))
            })?,
        },
        "reevaluate" => Action::Reevaluate {
            policy: Box::new(state.settings.config.policy.clone()),
        },
        other => {
            return Err(
                ApiError::not_found(format!("no step {other:?}")).with("steps", json!(STEPS))
            );
        }
    };
    Ok((action, Vec::new()))
}

async fn take_step(
    State(state): AppState,
    actor: Actor,
    Segments((id, step)): Segments<(i64, String)>,
    Body(body): Body<StepBody>,
) -> ApiResult<Json<Value>> {
    let record = step_as(&state, &actor, id, &step, body).await?;
    Ok(document(
        "patchwarden.record/v1",
        json!({ "record": to_json(&record)?, "allowed_next": allowed_actions(&record) }),
    ))
}

/// One workflow step as `actor`, for the API and the pages alike.
pub(crate) async fn step_as(
    state: &ServerState,
    actor: &Actor,
    id: i64,
    step: &str,
    body: StepBody,
) -> ApiResult<PatchRecord> {
    if !STEPS.contains(&step) {
        return Err(ApiError::not_found(format!("no step {step:?}")).with("steps", json!(STEPS)));
    }
    actor.require_write(&format!("{step} a record"))?;
    let expected_version = body.version;
    let (action, evidence) = action_for(step, body, state)?;
    let app = state.app_as(Some(&actor.person.name));
    if let Some(expected) = expected_version {
        let current = app.store.record(id).await?;
        if current.version != expected {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "version-conflict",
                format!(
                    "record {id} is at version {} but the request was made against version {expected}; read it again and retry",
                    current.version
                ),
            )
            .with("current_version", json!(current.version)));
        }
    }
    let mut done = app.act(&[id], &action, &evidence).await?;
    done.pop()
        .ok_or_else(|| ApiError::not_found(format!("record {id}")))
}

// ---- findings, assets, scans ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingQuery {
    asset: Option<String>,
    severity: Option<String>,
    /// Include findings no longer detected (default: only those the last scan still saw).
    all: Option<bool>,
    page: Option<usize>,
    page_size: Option<usize>,
}

async fn list_findings(
    State(state): AppState,
    _actor: Actor,
    Params(q): Params<FindingQuery>,
) -> ApiResult<Json<Value>> {
    let (page, size) = Paging {
        page: q.page,
        page_size: q.page_size,
    }
    .resolve()?;
    let severity = parse_field::<Severity>("severity", q.severity.as_ref()).map_err(|_| {
        ApiError::bad_request("unknown severity (expected critical, high, medium or low)")
            .with("field", json!("severity"))
    })?;
    let offset = i64::try_from((page - 1).saturating_mul(size)).unwrap_or(i64::MAX);
    let (total, findings) = state
        .store
        .findings_page(
            &patchwarden_store::FindingQuery {
                asset: q.asset,
                severity,
                open_only: !q.all.unwrap_or(false),
            },
            offset,
            size as i64,
        )
        .await?;
    let rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            let o = &f.observation;
            json!({
                "id": f.id,
                "asset": f.asset,
                "vulnerability": o.vulnerability,
                "package": o.package,
                "version": o.version,
                "severity": o.severity.map(|s| s.as_str()),
                "cvss_score": o.cvss_score,
                "summary": o.summary,
                "detected_at": f.detected_at,
                "due_at": f.due_at,
                "last_seen_at": f.last_seen_at,
                "open": f.not_detected_since.is_none(),
            })
        })
        .collect();
    Ok(document(
        "patchwarden.findings/v1",
        json!({ "page": page, "page_size": size, "total": total, "findings": rows }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanQuery {
    /// The uploaded file's name, which says how to read it (`Cargo.lock`, `package-lock.json`,
    /// `bom.cdx.json`, `image.tar`…).
    filename: String,
    /// `file` (lockfile or SBOM, the default) or `image` (a `docker save` / OCI layout tarball).
    kind: Option<String>,
}

/// A name safe to create inside a fresh temporary directory: no path separators, no leading dot.
fn safe_file_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    ok.then_some(name)
}

async fn upload_scan(
    State(state): AppState,
    actor: Actor,
    Segments(asset): Segments<String>,
    Params(q): Params<ScanQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = body.map_err(|e| ApiError::new(e.status(), "invalid-body", e.body_text()))?;
    actor.require_write("record a scan")?;
    let name = safe_file_name(&q.filename).ok_or_else(|| {
        ApiError::bad_request(
            "filename must be a plain file name (letters, digits, . - _ +), e.g. Cargo.lock",
        )
        .with("field", json!("filename"))
    })?;
    let image = match q.kind.as_deref().unwrap_or("file") {
        "file" => false,
        "image" => true,
        other => {
            return Err(
                ApiError::bad_request(format!("kind {other:?}: expected file or image"))
                    .with("field", json!("kind")),
            );
        }
    };
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty: send the file's bytes",
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| {
        tracing::error!(error = %e, "cannot create a temporary directory");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "cannot store the upload",
        )
    })?;
    let path = dir.path().join(name);
    tokio::fs::write(&path, &body).await.map_err(|e| {
        tracing::error!(error = %e, "cannot write an upload");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "cannot store the upload",
        )
    })?;
    let request = ScanRequest {
        paths: if image { vec![] } else { vec![path.clone()] },
        images: if image { vec![path] } else { vec![] },
        rootfs: vec![],
        asset: Some(asset),
        record: true,
        os_ecosystem: None,
    };
    let app = state.app_as(Some(&actor.person.name));
    let result = app.scan(&request).await?;
    // The scan JSON is the CLI's `patchwarden.scan/v1` document as it is.
    Ok(Json(to_json(&result)?))
}

// ---- SLA, reports, audit --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaQuery {
    overdue: Option<bool>,
    /// Only records due within this many hours (e.g. 48).
    due_within_hours: Option<i64>,
}

/// Ten years: more than any policy's deadline.
const MAX_HOURS: i64 = 24 * 366 * 10;

async fn sla(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<SlaQuery>,
) -> ApiResult<Json<Value>> {
    let app = state.app_as(Some(&actor.person.name));
    let now = app.settings.now;
    let records = app
        .records(&RecordFilter {
            open_only: true,
            ..RecordFilter::default()
        })
        .await?;
    let within = q
        .due_within_hours
        .map(|h| {
            (0..=MAX_HOURS)
                .contains(&h)
                .then(|| TimeDelta::hours(h))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "due_within_hours must be between 0 and {MAX_HOURS}"
                    ))
                    .with("field", json!("due_within_hours"))
                })
        })
        .transpose()?;
    let rows: Vec<Value> = records
        .iter()
        .filter_map(|r| {
            let status = r.sla(now);
            let (label, hours) = match status {
                SlaStatus::Overdue { by } => ("overdue", -by.num_hours()),
                SlaStatus::Running { left } => ("running", left.num_hours()),
                _ => return None,
            };
            let keep = match (q.overdue.unwrap_or(false), within) {
                (true, _) => label == "overdue",
                (false, Some(w)) => r.due_at.is_some_and(|d| d - now <= w),
                (false, None) => true,
            };
            keep.then(|| {
                json!({
                    "id": r.id,
                    "title": r.title,
                    "asset": r.asset,
                    "severity": r.severity.map(|s| s.as_str()),
                    "state": r.state,
                    "due_at": r.due_at,
                    "status": label,
                    "hours_left": hours,
                })
            })
        })
        .collect();
    Ok(document(
        "patchwarden.sla/v1",
        json!({ "now": now, "records": rows }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    format: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

pub(crate) fn download(content_type: &'static str, file: &str, text: String) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

async fn all_records(
    state: &ServerState,
    actor: &Actor,
) -> ApiResult<(Vec<PatchRecord>, DateTime<Utc>)> {
    let app = state.app_as(Some(&actor.person.name));
    let records = app
        .records(&RecordFilter {
            open_only: false,
            ..RecordFilter::default()
        })
        .await?;
    Ok((records, app.settings.now))
}

async fn patch_log(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<ReportQuery>,
) -> ApiResult<Response> {
    let period = Period {
        since: date("since", q.since.as_ref())?,
        until: date("until", q.until.as_ref())?,
    };
    let (records, now) = all_records(&state, &actor).await?;
    let log = reports::patch_log(&records, period, now);
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => download(
            "application/json",
            "patch-log.json",
            reports::patch_log_json(&log),
        ),
        "csv" => download(
            "text/csv; charset=utf-8",
            "patch-log.csv",
            reports::patch_log_csv(&log),
        ),
        "markdown" | "md" => download(
            "text/markdown; charset=utf-8",
            "patch-log.md",
            reports::patch_log_markdown(&log),
        ),
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?}: expected json, csv or markdown"
            ))
            .with("field", json!("format")));
        }
    })
}

async fn metrics(
    State(state): AppState,
    actor: Actor,
    Params(q): Params<ReportQuery>,
) -> ApiResult<Response> {
    let since = date("since", q.since.as_ref())?;
    let until = date("until", q.until.as_ref())?;
    let (records, now) = all_records(&state, &actor).await?;
    let m = reports::metrics(&records, Period::last_days(90, since, until, now), now);
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => download(
            "application/json",
            "metrics.json",
            reports::metrics_json(&m),
        ),
        "markdown" | "md" | "text" => download(
            "text/markdown; charset=utf-8",
            "metrics.md",
            reports::metrics_table(&m),
        ),
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?}: expected json or markdown"
            ))
            .with("field", json!("format")));
        }
    })
}

async fn audit_verify(State(state): AppState, _actor: Actor) -> ApiResult<Json<Value>> {
    let v = state.store.verify_audit(None).await?;
    let body = match &v.result {
        Ok(head) => json!({ "intact": true, "events": v.events, "head": head }),
        Err(b) => json!({ "intact": false, "events": v.events, "problem": b.to_string() }),
    };
    Ok(document("patchwarden.audit-verify/v1", body))
}
