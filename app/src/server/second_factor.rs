//! The second step of signing in, for a technician whose "Sign-in security" asks for one. The
//! password was right, so the browser gets a challenge cookie — never the session cookie, so
//! the half-way state reaches no page and no server function — and then either a 6-digit code
//! is emailed (Email code; through the outbox, so the local mailbox shows it by default), or
//! the code comes from their authenticator app or is one of their recovery codes
//! (Authenticator app, `authenticator`). A user set to Authenticator app who has none set up
//! yet is sent an email code meanwhile. The session is made only when the code is right. A challenge lives 5 minutes, takes 5 wrong codes, and is
//! spent by the right one; wrong codes also count toward the account's sign-in throttle.
//! The table (`sign_in_challenges`) keeps the token's hash and the code's hash. The code itself
//! travels in the email: it sits in the outbox until sent (and in the local mailbox, the
//! embedded default's stand-in for an inbox). Signing in again within a minute of the last
//! code keeps that code and its tries instead of sending another. The only writer of `sign_in_challenges`.

use super::failure::db_failure;
use super::tokens::{hash_token, new_token};
use super::Db;
use crate::error::AppError;
use crate::model::{MfaMethod, SignInChallenge};
use rand::Rng;
use sqlx::Row;

pub const CHALLENGE_COOKIE: &str = "sign_in_challenge";
/// How long the half-way state lives.
pub const LIFETIME_SECONDS: i64 = 5 * 60;
/// Wrong codes a challenge takes before it is spent.
pub const MAX_TRIES: i64 = 5;
/// A new code may be asked for this long after the last one.
pub const RESEND_INTERVAL_SECONDS: i64 = 60;

pub const EXPIRED: &str = "This sign-in has expired: sign in again.";
pub const TOO_MANY_TRIES: &str = "Too many wrong codes: sign in again.";
pub const WRONG_CODE: &str = "That code is not right. Check the latest email and try again.";
pub const WRONG_APP_CODE: &str =
    "That code is not right. Enter the code your authenticator app shows now, or a recovery code.";

/// Whether this method needs a second step here.
pub fn needs_second_step(method: MfaMethod) -> bool {
    matches!(method, MfaMethod::Email | MfaMethod::Authenticator)
}

/// The second step a sign-in asks for: the administrator's setting, except that a user set to
/// None who added an authenticator on My profile is asked for its code too.
pub async fn method_for(db: &Db, user_id: i64, setting: MfaMethod) -> Result<MfaMethod, AppError> {
    if setting == MfaMethod::None && super::authenticator::is_set_up(db, user_id).await? {
        return Ok(MfaMethod::Authenticator);
    }
    Ok(setting)
}

fn code_hash(user_id: i64, code: &str) -> String {
    hash_token(&format!("sign-in-code:{user_id}:{code}"))
}

fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// "a•••@example.com": enough to know which mailbox to look in.
pub fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "your email".to_string(),
    }
}

/// Starts the second step for `user_id`: any earlier challenge of theirs is dropped, a code
/// is emailed, and the challenge's token returned (for the cookie).
pub async fn start(db: &Db, user_id: i64, method: MfaMethod, now: i64) -> Result<String, AppError> {
    let method = match method {
        MfaMethod::Authenticator if !super::authenticator::is_set_up(db, user_id).await? => {
            MfaMethod::Email
        }
        other => other,
    };
    let token = new_token();
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting a sign-in code"))?;
    // Signing in again within a minute of the last code keeps that code (and its tries):
    // no new email, so a known password cannot flood the mailbox or reset the tries.
    let recent: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT code_hash, code_sent_at, tries FROM sign_in_challenges \
         WHERE user_id = $1 AND method = 'email' AND code_hash IS NOT NULL \
         AND expires_at > $2 AND code_sent_at > $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - RESEND_INTERVAL_SECONDS)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_failure("starting a sign-in code"))?;
    // Expired challenges of anyone are swept here; a user has one open challenge at most.
    sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at <= $1 OR user_id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("starting a sign-in code"))?;
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, method, tries, created_at, expires_at) \
         VALUES ($1, $2, $3, 0, $4, $5)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(method.as_str())
    .bind(now)
    .bind(now + LIFETIME_SECONDS)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("starting a sign-in code"))?;
    match (method, recent) {
        (MfaMethod::Email, Some((hash, sent_at, tries))) => {
            sqlx::query(
                "UPDATE sign_in_challenges SET code_hash = $1, code_sent_at = $2, tries = $3 \
                 WHERE token_hash = $4",
            )
            .bind(hash)
            .bind(sent_at)
            .bind(tries)
            .bind(hash_token(&token))
            .execute(&mut **tx)
            .await
            .map_err(db_failure("starting a sign-in code"))?;
        }
        (MfaMethod::Email, None) => send_code(&mut tx, &token, user_id, now).await?,
        _ => {}
    }
    tx.commit()
        .await
        .map_err(db_failure("starting a sign-in code"))?;
    Ok(token)
}

/// Queues a new code for the challenge and keeps its hash (the earlier code stops working).
async fn send_code(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    token: &str,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let code = new_code();
    sqlx::query(
        "UPDATE sign_in_challenges SET code_hash = $1, code_sent_at = $2 WHERE token_hash = $3",
    )
    .bind(code_hash(user_id, &code))
    .bind(now)
    .bind(hash_token(token))
    .execute(&mut **tx)
    .await
    .map_err(db_failure("sending a sign-in code"))?;
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_failure("sending a sign-in code"))?;
    let minutes = LIFETIME_SECONDS / 60;
    let subject = format!("Your sign-in code: {code}");
    let text = format!(
        "Your sign-in code is {code}. It works once, for {minutes} minutes.\n\n\
         If you did not just sign in, someone knows your password: change it, and tell your administrator."
    );
    let html = format!(
        "<p>Your sign-in code is <strong>{code}</strong>. It works once, for {minutes} minutes.</p>\
         <p>If you did not just sign in, someone knows your password: change it, and tell your administrator.</p>"
    );
    super::notices::queue(
        &mut **tx,
        &super::notices::Notice {
            to: &email,
            subject: &subject,
            text: &text,
            html: &html,
        },
        now,
    )
    .await
    .map_err(db_failure("sending a sign-in code"))?;
    Ok(())
}

struct Open {
    id: i64,
    user_id: i64,
    email: String,
    method: MfaMethod,
    code_hash: Option<String>,
    code_sent_at: Option<i64>,
    tries: i64,
    expires_at: i64,
}

async fn open(db: &Db, token: &str, now: i64) -> Result<Option<Open>, AppError> {
    let row = sqlx::query(
        "SELECT c.id, c.user_id, c.method, c.code_hash, c.code_sent_at, c.tries, c.expires_at, u.email \
         FROM sign_in_challenges c JOIN users u ON u.id = c.user_id \
         WHERE c.token_hash = $1 AND c.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(db.pool())
    .await
    .map_err(db_failure("reading a sign-in code"))?;
    let Some(row) = row else { return Ok(None) };
    let read = |e| db_failure("reading a sign-in code")(e);
    Ok(Some(Open {
        id: row.try_get("id").map_err(read)?,
        user_id: row.try_get("user_id").map_err(read)?,
        email: row.try_get("email").map_err(read)?,
        method: MfaMethod::parse(row.try_get("method").map_err(read)?).unwrap_or_default(),
        code_hash: row.try_get("code_hash").map_err(read)?,
        code_sent_at: row.try_get("code_sent_at").map_err(read)?,
        tries: row.try_get::<i64, _>("tries").map_err(read)?,
        expires_at: row.try_get("expires_at").map_err(read)?,
    }))
}

/// What the code page shows: where the code went and until when; `None` when there is no
/// open challenge (expired, spent, or never started).
pub async fn view(db: &Db, token: &str, now: i64) -> Result<Option<SignInChallenge>, AppError> {
    Ok(open(db, token, now).await?.map(|c| SignInChallenge {
        method: c.method,
        sent_to: masked_email(&c.email),
        expires_at: c.expires_at,
        can_resend_at: c.code_sent_at.unwrap_or(0) + RESEND_INTERVAL_SECONDS,
    }))
}

/// The user's email key, for counting a wrong code against their account.
pub async fn email_of(db: &Db, token: &str, now: i64) -> Result<Option<String>, AppError> {
    Ok(open(db, token, now).await?.map(|c| c.email))
}

/// Checks a code. Each attempt first reserves one of the challenge's tries (so attempts sent
/// at once cannot compare more than 5 codes between them); right, the challenge is spent and
/// the user's id returned; wrong, the answer says why (the fifth spends it).
pub async fn verify(db: &Db, token: &str, code: &str, now: i64) -> Result<i64, AppError> {
    let Some(challenge) = open(db, token, now).await? else {
        return Err(AppError::Conflict(EXPIRED.into()));
    };
    let reserved = sqlx::query(
        "UPDATE sign_in_challenges SET tries = tries + 1 \
         WHERE id = $1 AND tries < $2 AND expires_at > $3",
    )
    .bind(challenge.id)
    .bind(MAX_TRIES)
    .bind(now)
    .execute(db.pool())
    .await
    .map_err(db_failure("counting a sign-in code"))?;
    if reserved.rows_affected() != 1 {
        return Err(AppError::Conflict(TOO_MANY_TRIES.into()));
    }
    let right = match challenge.method {
        MfaMethod::Email => {
            let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
            challenge
                .code_hash
                .as_deref()
                .is_some_and(|hash| super::tokens::same(hash, &code_hash(challenge.user_id, &code)))
        }
        MfaMethod::Authenticator => {
            super::authenticator::verify(db, challenge.user_id, code, now).await?
        }
        MfaMethod::None => false,
    };
    if right {
        // Spent by whoever gets here first: a code works once.
        let spent = sqlx::query("DELETE FROM sign_in_challenges WHERE id = $1")
            .bind(challenge.id)
            .execute(db.pool())
            .await
            .map_err(db_failure("spending a sign-in code"))?;
        if spent.rows_affected() == 1 {
            return Ok(challenge.user_id);
        }
        return Err(AppError::Conflict(EXPIRED.into()));
    }
    if challenge.tries + 1 >= MAX_TRIES {
        return Err(AppError::Conflict(TOO_MANY_TRIES.into()));
    }
    Err(AppError::BadRequest(
        match challenge.method {
            MfaMethod::Authenticator => WRONG_APP_CODE,
            _ => WRONG_CODE,
        }
        .into(),
    ))
}

/// Drops a user's sign-in in progress (their authenticator was reset).
pub async fn drop_for_user(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Emails a new code, at most once a minute per challenge.
pub async fn resend(db: &Db, token: &str, now: i64) -> Result<(), AppError> {
    let Some(challenge) = open(db, token, now).await? else {
        return Err(AppError::Conflict(EXPIRED.into()));
    };
    if challenge.method != MfaMethod::Email {
        return Err(AppError::BadRequest(
            "This sign-in does not use an emailed code.".into(),
        ));
    }
    let wait = challenge.code_sent_at.unwrap_or(0) + RESEND_INTERVAL_SECONDS - now;
    if wait > 0 {
        return Err(AppError::TooManyRequests {
            retry_after_seconds: wait as u64,
        });
    }
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("sending a sign-in code"))?;
    send_code(&mut tx, token, challenge.user_id, now).await?;
    tx.commit()
        .await
        .map_err(db_failure("sending a sign-in code"))?;
    Ok(())
}

/// The `Set-Cookie` value holding a challenge's token (only the code page's server functions
/// read it).
pub fn cookie_header(token: &str, secure: bool) -> String {
    super::sessions::set_cookie_value(CHALLENGE_COOKIE, token, LIFETIME_SECONDS, secure)
}

pub fn clearing_cookie_header(secure: bool) -> String {
    super::sessions::set_cookie_value(CHALLENGE_COOKIE, "", 0, secure)
}

/// The challenge token a request carries, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<&str> {
    super::sessions::cookie_from_headers(headers, CHALLENGE_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_email_keeps_the_first_letter_and_the_domain() {
        assert_eq!(masked_email("ada@example.com"), "a•••@example.com");
        assert_eq!(masked_email("nobody"), "your email");
    }

    #[test]
    fn codes_are_six_digits_and_hashed_per_user() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
        assert_ne!(code_hash(1, "123456"), code_hash(2, "123456"));
        assert_eq!(code_hash(1, "123456"), code_hash(1, "123456"));
    }

    #[test]
    fn the_challenge_token_is_found_among_other_cookies() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "session=s; sign_in_challenge=tok; x=1".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&headers), Some("tok"));
    }
}
