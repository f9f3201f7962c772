//! The REST API for scripts, under `/ws/`: `POST /ws/appuser/bulk-import`,
//! `GET /ws/imports/{id}`, `GET /ws/appuser` and `POST /ws/appuser/{id}/invitation`. Every request carries `Authorization: Bearer <API token>`
//! (`api_tokens`); cookies are not looked at, so no browser page can call it on a signed-in
//! admin's behalf. Every error is one JSON shape, `{"error": {"code", "message", "details"}}`,
//! with its HTTP status, and never a database's text.

mod bulk_import;
mod imports;
mod json_form;
mod rate_limit;
mod users;

use super::api_tokens::{self, ApiCaller};
use super::{clock, AppState};
use crate::error::AppError;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};

/// Everything under this prefix is the REST API.
pub const PREFIX: &str = "/ws/";

pub use bulk_import::PATH as BULK_IMPORT_PATH;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(bulk_import::PATH, post(bulk_import::receive))
        .route("/ws/imports/{id}", get(imports::status))
        .route("/ws/appuser", get(users::list))
        .route("/ws/appuser/{id}/invitation", post(users::resend))
}

/// A refusal as the API says it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = details;
        self
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = error.to_string();
        let (code, details) = match &error {
            AppError::Unauthenticated | AppError::BadCredentials => {
                ("unauthenticated", Value::Null)
            }
            AppError::Forbidden => ("forbidden", Value::Null),
            AppError::NotFound(_) => ("not_found", Value::Null),
            AppError::Invalid(errors) => (
                "validation_failed",
                json!({ "fields": errors.iter().map(|e| json!({
                    "field": e.field,
                    "message": e.code.message(),
                })).collect::<Vec<_>>() }),
            ),
            AppError::Conflict(_) => ("conflict", Value::Null),
            AppError::BadRequest(_) => ("bad_request", Value::Null),
            AppError::TooLarge { limit_bytes } => {
                ("too_large", json!({ "limitBytes": limit_bytes }))
            }
            AppError::TooManyRequests {
                retry_after_seconds,
            } => (
                "rate_limited",
                json!({ "retryAfterSeconds": retry_after_seconds }),
            ),
            AppError::BodyTimedOut { .. } => ("body_timed_out", Value::Null),
            AppError::Internal { reference } => ("internal", json!({ "reference": reference })),
            AppError::Transport(_) => ("unavailable", Value::Null),
        };
        ApiError {
            status,
            code,
            message,
            details,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": {
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }});
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self
            .details
            .get("retryAfterSeconds")
            .and_then(Value::as_u64)
        {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A `kind` parameter: `technician` or `endUser` (`end_user` too, as stored).
pub fn kind_param(text: &str) -> Result<crate::model::UserKind, ApiError> {
    match text {
        "technician" => Ok(crate::model::UserKind::Technician),
        "endUser" | "end_user" => Ok(crate::model::UserKind::EndUser),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("kind {other:?} is not one of technician, endUser."),
        )),
    }
}

/// The caller of a request: its bearer token's maker, while a System Administrator.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<ApiCaller, ApiError> {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Send an API token as `Authorization: Bearer <token>` (Administration → API tokens).",
        ));
    };
    let caller = api_tokens::authenticate(&state.db, token, clock::now())
        .await
        .map_err(|error| match error {
            AppError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "This API token is not valid: it is unknown, revoked or expired.",
            ),
            AppError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The administrator who made this API token is no longer a System Administrator.",
            ),
            other => other.into(),
        })?;
    rate_limit::check(
        state.config.api_requests_per_minute,
        &super::tokens::hash_token(token),
    )
    .map_err(|retry_after_seconds| {
        ApiError::from(AppError::TooManyRequests {
            retry_after_seconds,
        })
    })?;
    Ok(caller)
}
