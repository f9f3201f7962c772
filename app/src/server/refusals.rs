//! Refusals as HTTP says them. Server functions answer every error with a 500 and the
//! serialised [`AppError`]; here each refusal gets its own status (401, 403, 404, 409, 413,
//! 422, 429) from the error itself, with the body the browser decodes unchanged. And one body
//! limit for every route, refused with a 413 that says the limit in words.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};

/// The header server functions put on their error answers (server_fn's `SERVER_FN_ERROR_HEADER`).
const SERVER_FN_ERROR: &str = "serverfnerror";

/// An error answer a client of server functions can decode: the error's status, its JSON.
pub fn error_response(path: &str, error: &AppError) -> Response {
    // The REST API answers in its own error shape.
    if path.starts_with(super::rest::PREFIX) {
        return super::rest::ApiError::from(error.clone()).into_response();
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(error).unwrap_or_default();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(path) = HeaderValue::from_str(path) {
        headers.insert(SERVER_FN_ERROR, path);
    }
    if let AppError::TooManyRequests {
        retry_after_seconds,
    } = error
    {
        headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
    }
    response
}

/// Gives each server function error its own status.
pub async fn refusals_have_their_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::TooManyRequests {
            retry_after_seconds,
        } = error
        {
            parts
                .headers
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What a request body may be: its size, and the longest pause between its pieces (the
/// listener enforces the pause; the refusal says it here).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub idle_timeout: std::time::Duration,
}

/// One body limit for every route, whether the body announces its length or is chunked: over
/// it, a 413 whose message names the limit. The body is read here, within the limit, so no
/// handler (and no extractor's own default) sees more. A body that stops arriving is a 408.
pub async fn bodies_within_the_limit(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let limit = limits.max_bytes;
    let path = request.uri().path().to_string();
    if path == super::imports::upload::PATH || path == super::rest::BULK_IMPORT_PATH {
        // An import's source may be far larger; the upload and the REST import read it within
        // the import's own limit.
        return next.run(request).await;
    }
    let too_large = || {
        error_response(
            &path,
            &AppError::TooLarge {
                limit_bytes: limit as u64,
            },
        )
    };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) if is_length_limit(&error) => too_large(),
        Err(error) if is_timeout(&error) => error_response(
            &path,
            &AppError::BodyTimedOut {
                idle_seconds: limits.idle_timeout.as_millis().div_ceil(1000) as u64,
            },
        ),
        Err(_) => error_response(
            &path,
            &AppError::BadRequest("The request body could not be read.".into()),
        ),
    }
}

pub(crate) fn is_timeout(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = current.source();
    }
    false
}

pub(crate) fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.to_string().contains("length limit exceeded") {
            return true;
        }
        source = current.source();
    }
    false
}
