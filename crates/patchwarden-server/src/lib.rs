//! patchwarden's HTTP server: the REST API under `/api/v1` over the same use cases as the CLI
//! (`patchwarden-app`), so the same domain rules and refusals apply; users, sessions and API tokens in
//! front of it; health checks; and the defaults a server exposed to a team needs (loopback, security
//! headers, body limits, timeouts, graceful shutdown).

pub mod accounts;
pub mod api;
pub mod auth;
pub mod error;
pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};
use patchwarden_app::{App, Settings};
use patchwarden_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use auth::LoginThrottle;

/// How the server behaves, from `patchwarden serve`'s flags.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub listen: SocketAddr,
    /// The largest request body accepted (uploads included), in bytes.
    pub body_limit: usize,
    /// How long one request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Mark the session cookie `Secure`: set when served over TLS or behind an `https://` origin.
    pub secure_cookies: bool,
    /// How long a login session lasts.
    pub session_ttl: chrono::TimeDelta,
    /// A fixed clock (`PATCHWARDEN_NOW`), else the system clock.
    pub fixed_now: Option<DateTime<Utc>>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            session_ttl: chrono::TimeDelta::hours(12),
            fixed_now: None,
        }
    }
}

/// What every handler shares: the resolved settings (config, policy, people), the store, the options.
#[derive(Debug)]
pub struct ServerState {
    pub settings: Settings,
    pub store: Store,
    pub options: ServerOptions,
    pub throttle: LoginThrottle,
    /// The HTML templates (see [`pages::templates`]).
    pub templates: minijinja::Environment<'static>,
    /// The records the dashboard counts, kept parsed between requests.
    pub records_cache: patchwarden_app::record_cache::RecordCache,
    /// The assets' components the dashboard counts, kept for a few minutes.
    pub components_cache: patchwarden_app::eol::ComponentCache,
}

impl ServerState {
    /// A server's state over `store`: the templates compiled once, no login failures and nothing kept yet.
    pub fn new(
        settings: Settings,
        store: Store,
        options: ServerOptions,
    ) -> Result<Self, minijinja::Error> {
        Ok(Self {
            settings,
            store,
            options,
            throttle: LoginThrottle::default(),
            templates: pages::templates()?,
            records_cache: Default::default(),
            components_cache: Default::default(),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.options.fixed_now.unwrap_or_else(Utc::now)
    }

    /// The app as `actor` sees it at this moment: the CLI's use cases with the server's store.
    pub fn app_as(&self, actor: Option<&str>) -> App {
        let mut settings = self.settings.clone();
        settings.now = self.now();
        settings.actor = actor.map(str::to_owned);
        App {
            settings,
            store: self.store.clone(),
        }
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: health checks, the API, and the layers every response goes through.
pub fn router(state: Arc<ServerState>) -> Router {
    let body_limit = state.options.body_limit;
    let timeout = state.options.request_timeout;
    let static_header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .fallback(|| async { error::ApiError::not_found("no such path; the API is under /api/v1") })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(static_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(static_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(static_header(header::CACHE_CONTROL, "no-store"))
        // One line per request at info: method, path, status, latency; never headers (tokens, cookies).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// The OpenAPI 3.1 description of `/api/v1`, kept beside the code and checked against the router by
/// the tests.
pub const OPENAPI: &str = include_str!("../openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Ready when the database answers.
async fn readyz(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
    match state.store.audit_head().await {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(
                serde_json::json!({ "status": "ready", "database": state.store.backend_name() }),
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(
                    serde_json::json!({ "status": "unavailable", "database": state.store.backend_name() }),
                ),
            )
        }
    }
}

/// Serves on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<ServerState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The client's address is kept for the rate limit of public reports.
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
