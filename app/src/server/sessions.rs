//! Sessions live in the database so several app servers can share them. The cookie holds a
//! random token; the table holds only its hash.

use super::failure::db_failure;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;
use sqlx::{AnyPool, Row};

pub const SESSION_COOKIE: &str = "session";
/// A session ends after this long whatever the activity.
pub const ABSOLUTE_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;
/// After the idle warning appears the browser gives the user this long to answer; the server
/// allows the same grace before it refuses the session.
pub const IDLE_GRACE_SECONDS: i64 = 120;
/// Activity is recorded at most this often, to keep writes off the hot path.
const TOUCH_EVERY_SECONDS: i64 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub idle_warning_minutes: i64,
    pub is_admin: bool,
}

/// A technician's id, password hash (None until they set one) and sign-in security, by
/// lower-cased email.
pub async fn technician_credentials(
    pool: &AnyPool,
    email_key: &str,
) -> Result<Option<(i64, Option<String>, String)>, AppError> {
    sqlx::query_as(
        "SELECT id, password_hash, mfa_method FROM users WHERE email_key = $1 AND kind = 'technician'",
    )
    .bind(email_key)
    .fetch_optional(pool)
    .await
    .map_err(db_failure("signing in"))
}

/// Where a session was started from, as My profile shows it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
}

/// The longest `User-Agent` kept (real ones are a few hundred characters).
const USER_AGENT_MAX_CHARS: usize = 300;

impl Origin {
    pub fn from_request(headers: &http::HeaderMap, address: Option<std::net::IpAddr>) -> Origin {
        Origin {
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect()),
            client_address: address.map(|a| a.to_string()),
        }
    }
}

/// Starts a session and returns its token (only its hash is stored).
pub async fn create(
    pool: &AnyPool,
    user_id: i64,
    origin: &Origin,
    now: i64,
) -> Result<String, AppError> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, client_address) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + ABSOLUTE_LIFETIME_SECONDS)
    .bind(origin.user_agent.as_deref())
    .bind(origin.client_address.as_deref())
    .execute(pool)
    .await
    .map_err(db_failure("creating a session"))?;
    Ok(token)
}

/// How many System Administrator roles user `u` holds as a technician (0: not an admin), as
/// the column `admin_roles`: sessions and API tokens act only while it is above 0.
pub(crate) const ADMIN_ROLES: &str =
    "(SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
     WHERE ur.user_id = u.id AND r.is_system_admin = 1 AND u.kind = 'technician') AS admin_roles";

/// The session's user if the session exists, has not expired and has not been idle longer
/// than the user's idle-warning time plus the grace period. Records activity when
/// `activity` is true.
pub async fn lookup(
    pool: &AnyPool,
    token: &str,
    now: i64,
    activity: bool,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, u.first_name, u.last_name, \
                u.email, u.idle_warning_minutes, {ADMIN_ROLES} \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    ))
    .bind(hash_token(token))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let session_id: i64 = row.try_get("id")?;
    let last_seen: i64 = row.try_get("last_seen_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let idle_minutes: i64 = row.try_get("idle_warning_minutes")?;
    if now > expires_at || now - last_seen > idle_minutes * 60 + IDLE_GRACE_SECONDS {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(pool)
            .await?;
        return Ok(None);
    }
    if activity && now - last_seen >= TOUCH_EVERY_SECONDS {
        // Best effort: on SQLite a large import holds the write lock for longer than the busy
        // timeout, and a page must not fail because its visit could not be noted (the next
        // one will be).
        if let Err(error) = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session_id)
            .execute(pool)
            .await
        {
            tracing::debug!(%error, "session activity not recorded");
        }
    }
    let first: String = row.try_get("first_name")?;
    let last: String = row.try_get("last_name")?;
    Ok(Some(SessionUser {
        session_id,
        user_id: row.try_get("user_id")?,
        display_name: format!("{first} {last}"),
        email: row.try_get("email")?,
        idle_warning_minutes: idle_minutes,
        is_admin: row.try_get::<i64, _>("admin_roles")? > 0,
    }))
}

/// Where a user lands after signing in, instead of the page they asked for: My profile, for
/// someone whose sign-in asks for an authenticator they have not set up (new, or reset by an
/// administrator), or who is not an administrator and asked for an administration page.
pub async fn landing_instead(
    pool: &AnyPool,
    user_id: i64,
    asked_for: &str,
) -> Result<Option<&'static str>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT u.mfa_method, u.totp_secret, {ADMIN_ROLES} FROM users u WHERE u.id = $1"
    ))
    .bind(user_id)
    .fetch_one(pool)
    .await
    .map_err(db_failure("signing in"))?;
    let read = |e| db_failure("signing in")(e);
    let method: String = row.try_get("mfa_method").map_err(read)?;
    let secret: Option<String> = row.try_get("totp_secret").map_err(read)?;
    let is_admin = row.try_get::<i64, _>("admin_roles").map_err(read)? > 0;
    let needs_authenticator = crate::model::MfaMethod::parse(&method)
        == Some(crate::model::MfaMethod::Authenticator)
        && secret.is_none();
    let not_for_them = !is_admin && super::router::is_admin_page(asked_for);
    Ok((needs_authenticator || not_for_them).then_some("/profile"))
}

pub async fn delete(pool: &AnyPool, session_id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(pool)
        .await
        .map_err(db_failure("signing out"))?;
    Ok(())
}

/// Ends every session of a user: after their email, phone or password changed.
pub async fn delete_all_for_user<'c, E>(executor: E, user_id: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Ends every session of a user but `keep` (the one that made the change).
pub async fn delete_others<'c, E>(executor: E, user_id: i64, keep: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(executor)
        .await?;
    Ok(())
}

/// Gives a session a new token (the old one stops working) and returns it, for the cookie.
pub async fn renew_token<'c, E>(executor: E, session_id: i64) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let token = new_token();
    sqlx::query("UPDATE sessions SET token_hash = $1 WHERE id = $2")
        .bind(hash_token(&token))
        .bind(session_id)
        .execute(executor)
        .await?;
    Ok(token)
}

/// Ends one of a user's own sessions; false when it was not theirs or had already ended.
pub async fn delete_own(pool: &AnyPool, user_id: i64, session_id: i64) -> Result<bool, AppError> {
    let ended = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map_err(db_failure("ending a session"))?;
    Ok(ended.rows_affected() == 1)
}

/// A user's sessions that are still alive, newest first, `current` marked.
pub async fn list_for_user(
    pool: &AnyPool,
    user_id: i64,
    current: i64,
    now: i64,
) -> Result<Vec<crate::model::ActiveSession>, AppError> {
    let rows = sqlx::query(
        "SELECT s.id, s.created_at, s.last_seen_at, s.user_agent, s.client_address \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.user_id = $1 AND s.expires_at >= $2 \
         AND s.last_seen_at >= $2 - u.idle_warning_minutes * 60 - $3 \
         ORDER BY s.id DESC LIMIT 100",
    )
    .bind(user_id)
    .bind(now)
    .bind(IDLE_GRACE_SECONDS)
    .fetch_all(pool)
    .await
    .map_err(db_failure("listing sessions"))?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            Ok(crate::model::ActiveSession {
                id,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                user_agent: row.try_get("user_agent")?,
                client_address: row.try_get("client_address")?,
                current: id == current,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db_failure("listing sessions"))
}

/// A `Set-Cookie` value for one of our HttpOnly cookies (`max_age` 0 clears it).
pub fn set_cookie_value(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// A cookie's value in a `Cookie` header, if present and not empty.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name && !value.is_empty()).then_some(value)
    })
}

/// A cookie's value in a request's headers.
pub fn cookie_from_headers<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    cookie_value(headers.get(http::header::COOKIE)?.to_str().ok()?, name)
}

/// The `Set-Cookie` value for a new session.
pub fn cookie_header(token: &str, secure: bool) -> String {
    set_cookie_value(SESSION_COOKIE, token, ABSOLUTE_LIFETIME_SECONDS, secure)
}

pub fn clearing_cookie_header(secure: bool) -> String {
    set_cookie_value(SESSION_COOKIE, "", 0, secure)
}

/// The session token a request carries, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<&str> {
    cookie_from_headers(headers, SESSION_COOKIE)
}

/// Finds the session token in a `Cookie` header.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    cookie_value(header, SESSION_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        assert_eq!(
            token_from_cookie_header("a=1; session=tok; b=2"),
            Some("tok")
        );
        assert_eq!(token_from_cookie_header("a=1"), None);
        assert_eq!(token_from_cookie_header("session="), None);
        assert_eq!(token_from_cookie_header("xsession=1"), None);
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_behind_https() {
        let plain = cookie_header("t", false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        assert!(cookie_header("t", true).ends_with("; Secure"));
    }
}
