//! The REST API for scripts, under `/ws/`: `POST /ws/appuser/bulk-import`,
//! `GET /ws/imports/{id}`, `GET /ws/imports/{id}/rows`, `GET /ws/appuser` and
//! `POST /ws/appuser/{id}/invitation`, described by the OpenAPI document at
//! `/ws/openapi.json` (`openapi`). Every request carries `Authorization: Bearer <API token>`
//! (`api_tokens`); cookies are not looked at, so no browser page can call it on a signed-in
//! admin's behalf. Every error is one JSON shape, `{"error": {"code", "message", "details"}}`,
//! with its HTTP status, and never a database's text.

mod bulk_import;
mod imports;
mod json_form;
pub mod openapi;
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
        .route("/ws/imports/{id}/rows", get(imports::rows))
        .route(openapi::PATH, get(openapi::document))
        .route("/ws/appuser", get(users::list))
        .route("/ws/appuser/{id}/invitation", post(users::resend))
}

/// Every error's body: `{"error": {"code", "message", "details"}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorObject {
    /// What went wrong, for a program: `bad_request`, `unauthenticated`, `forbidden`,
    /// `not_found`, `conflict`, `too_large`, `unsupported_media_type`, `validation_failed`,
    /// `rate_limited`, ...
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// More, by code: `limitBytes` (413), `retryAfterSeconds` (429), the import with every
    /// row's problems (422 of an import), or null.
    pub details: Value,
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
        let retry_after = self
            .details
            .get("retryAfterSeconds")
            .and_then(Value::as_u64);
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// A query string the handler's parameters could not be read from.
pub fn query_refused(error: &axum::extract::rejection::QueryRejection) -> ApiError {
    bad_request(format!(
        "The query string is not valid: {}.",
        error.body_text()
    ))
}

/// Which kind of user: `technician` or `endUser`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Names the values for the OpenAPI document; `kind_param` reads them.
pub enum KindName {
    Technician,
    EndUser,
}

/// A `kind` parameter: `technician` or `endUser` (`end_user` too, as stored).
pub fn kind_param(text: &str) -> Result<crate::model::UserKind, ApiError> {
    match text {
        "technician" => Ok(crate::model::UserKind::Technician),
        "endUser" | "end_user" => Ok(crate::model::UserKind::EndUser),
        other => Err(bad_request(format!(
            "kind {other:?} is not one of technician, endUser."
        ))),
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
