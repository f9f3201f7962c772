//! API tokens: made, listed and revoked by a System Administrator on Administration → API
//! tokens, and checked on every `/ws/` request. The only writer of `api_tokens`. A token is
//! 256 random bits shown once; only its SHA-256 hash is stored. It acts as the admin who made
//! it, and only while that user is still a System Administrator.

use super::db::Db;
use super::failure::db_failure;
use super::sessions::ADMIN_ROLES;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;
use crate::model::{api_token_name, ApiTokenView, NewApiToken};
use sqlx::Row;

/// The longest expiry a token may be made with (ten years).
pub const MAX_DAYS: u32 = 3650;

/// What every token starts with, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "bit_";

const SELECT: &str = "SELECT t.id, t.name, t.created_at, t.expires_at, t.last_used_at, \
     t.revoked_at, u.first_name, u.last_name FROM api_tokens t JOIN users u ON u.id = t.created_by";

fn view_from_row(row: &sqlx::any::AnyRow) -> Result<ApiTokenView, sqlx::Error> {
    let expires_at: Option<i64> = row.try_get("expires_at")?;
    Ok(ApiTokenView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_by: format!(
            "{} {}",
            row.try_get::<String, _>("first_name")?,
            row.try_get::<String, _>("last_name")?
        ),
        created_at: row.try_get("created_at")?,
        expires_at,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
        expired: expires_at.is_some_and(|at| at <= super::clock::now()),
    })
}

/// Makes a token for `created_by`, valid for `days` (None: until revoked).
pub async fn create(
    db: &Db,
    created_by: i64,
    name: &str,
    days: Option<u32>,
    now: i64,
) -> Result<NewApiToken, AppError> {
    let name = api_token_name(name).map_err(AppError::BadRequest)?;
    if days.is_some_and(|d| !(1..=MAX_DAYS).contains(&d)) {
        return Err(AppError::BadRequest(format!(
            "A token expires after 1 to {MAX_DAYS} days, or never."
        )));
    }
    let secret = format!("{TOKEN_PREFIX}{}", new_token());
    let expires_at = days.map(|d| now + i64::from(d) * 24 * 3600);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&name)
    .bind(hash_token(&secret))
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db.pool())
    .await
    .map_err(db_failure("making an API token"))?;
    tracing::info!(token_id = id, created_by, "API token made");
    let token = find(db, id).await?.ok_or_else(|| {
        super::failure::internal("making an API token", "the new token is missing")
    })?;
    Ok(NewApiToken { token, secret })
}

async fn find(db: &Db, id: i64) -> Result<Option<ApiTokenView>, AppError> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .map_err(db_failure("loading an API token"))?;
    row.as_ref()
        .map(view_from_row)
        .transpose()
        .map_err(db_failure("reading an API token"))
}

/// Every token, newest first (revoked ones too: the page shows when they were revoked).
pub async fn list(db: &Db) -> Result<Vec<ApiTokenView>, AppError> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY t.id DESC"))
        .fetch_all(db.pool())
        .await
        .map_err(db_failure("loading API tokens"))?;
    rows.iter()
        .map(view_from_row)
        .collect::<Result<_, _>>()
        .map_err(db_failure("reading API tokens"))
}

/// Revokes a token at once: its next request gets 401.
pub async fn revoke(db: &Db, id: i64, now: i64) -> Result<ApiTokenView, AppError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(db_failure("revoking an API token"))?;
    tracing::info!(token_id = id, "API token revoked");
    find(db, id)
        .await?
        .ok_or_else(|| AppError::NotFound("That API token".into()))
}

/// Who a `/ws/` request acts as: the admin who made its token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token_id: i64,
    pub token_name: String,
    pub user_id: i64,
    pub display_name: String,
}

/// The caller a bearer token stands for. Unknown, revoked and expired tokens are all
/// `Unauthenticated` (the answer does not say which); a token whose maker is no longer a
/// System Administrator is `Forbidden`.
pub async fn authenticate(db: &Db, token: &str, now: i64) -> Result<ApiCaller, AppError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let row = sqlx::query(&format!(
        "SELECT t.id, t.name, t.created_by, t.expires_at, t.revoked_at, t.last_used_at, \
                u.first_name, u.last_name, {ADMIN_ROLES} \
         FROM api_tokens t JOIN users u ON u.id = t.created_by WHERE t.token_hash = $1",
    ))
    .bind(hash_token(token))
    .fetch_optional(db.pool())
    .await
    .map_err(db_failure("checking an API token"))?;
    let Some(row) = row else {
        return Err(AppError::Unauthenticated);
    };
    let read = |row: &sqlx::any::AnyRow| -> Result<_, sqlx::Error> {
        Ok((
            row.try_get::<i64, _>("id")?,
            row.try_get::<String, _>("name")?,
            row.try_get::<i64, _>("created_by")?,
            row.try_get::<Option<i64>, _>("expires_at")?,
            row.try_get::<Option<i64>, _>("revoked_at")?,
            row.try_get::<Option<i64>, _>("last_used_at")?,
            format!(
                "{} {}",
                row.try_get::<String, _>("first_name")?,
                row.try_get::<String, _>("last_name")?
            ),
            row.try_get::<i64, _>("admin_roles")?,
        ))
    };
    let (token_id, token_name, user_id, expires_at, revoked_at, last_used_at, display_name, admin) =
        read(&row).map_err(db_failure("reading an API token"))?;
    if revoked_at.is_some() || expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthenticated);
    }
    if admin == 0 {
        return Err(AppError::Forbidden);
    }
    // Last used, to the minute: a script calling in a loop does not write on every call. In
    // the background: on SQLite the write may wait its turn behind an import's transaction,
    // and the request does not wait with it.
    if last_used_at.is_none_or(|at| now - at >= 60) {
        let db = db.clone();
        tokio::spawn(async move {
            let written = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token_id)
                .execute(db.pool())
                .await;
            if let Err(error) = written {
                tracing::warn!(token_id, %error, "could not record an API token's use");
            }
        });
    }
    Ok(ApiCaller {
        token_id,
        token_name,
        user_id,
        display_name,
    })
}
