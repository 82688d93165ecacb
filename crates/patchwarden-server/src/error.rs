//! One error type for every handler, answered as an RFC 9457 problem document
//! (`application/problem+json`) that names what was wrong and, for a refused workflow step, what is
//! missing and what is allowed next.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use patchwarden_app::AppError;
use patchwarden_core::ActorError;
use patchwarden_store::StoreError;
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A short, stable slug: the problem `type` is `/problems/<kind>`.
    pub kind: &'static str,
    pub detail: String,
    /// Further members of the problem document (`problems`, `allowed_next`, `field`…).
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-input", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.kind, self.detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("type".into(), format!("/problems/{}", self.kind).into());
        body.insert(
            "title".into(),
            self.status.canonical_reason().unwrap_or("Error").into(),
        );
        body.insert("status".into(), self.status.as_u16().into());
        body.insert("detail".into(), self.detail.into());
        body.extend(self.extra);
        let mut response = (self.status, Json(Value::Object(body))).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"patchwarden\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(format!("not found: {what}")),
            StoreError::Conflict(what) => Self::new(StatusCode::CONFLICT, "conflict", what),
            other => {
                // The cause goes to the log, not to the client.
                tracing::error!(error = %other, "database error");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database-unavailable",
                    "the database could not answer; try again",
                )
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(s) => s.into(),
            AppError::Transition(t) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "workflow-refused",
                t.to_string(),
            )
            .with("record", json!(t.record))
            .with("action", json!(t.action))
            .with("state", json!(t.state))
            .with("problems", json!(t.problems))
            .with("allowed_next", json!(t.allowed)),
            AppError::Actor(a @ ActorError::NotAllowed { .. }) => Self::forbidden(a.to_string()),
            AppError::Actor(a) => Self::forbidden(a.to_string()),
            AppError::Input(text) => Self::bad_request(text),
            AppError::Inventory(i) => Self::bad_request(i.to_string()),
            AppError::Image(i) => Self::bad_request(i.to_string()),
            other => {
                tracing::error!(error = %other, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the request could not be completed",
                )
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
