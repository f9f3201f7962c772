//! Turns internal failures into the one app error, logging the cause with a reference id so
//! no database text reaches the browser.

use crate::error::AppError;
use rand::Rng;

pub fn internal(context: &str, cause: impl std::fmt::Display) -> AppError {
    let reference = format!("{:08x}", rand::thread_rng().gen::<u32>());
    tracing::error!(%reference, %cause, "{context}");
    AppError::Internal { reference }
}

/// `?`-friendly: `sqlx_result.map_err(db_failure("loading users"))`.
pub fn db_failure(context: &'static str) -> impl Fn(sqlx::Error) -> AppError {
    move |error| internal(context, error)
}
