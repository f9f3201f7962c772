//! Sign-in security "Authenticator app": TOTP as every authenticator app expects it (RFC 6238:
//! 6 digits, 30 s steps, SHA-1, one step of drift either way) and 10 one-time recovery codes.
//! The secret is offered while the invitation is open (kept sealed on the invitation, so a
//! reload shows the same QR code), becomes the user's when registration's code is right, and
//! is never sent to a browser again. A code's step is recorded, so a code cannot be used twice.
//! Recovery codes are stored hashed (with the user's id) and each works once.

use super::failure::db_failure;
use super::sealing;
use super::tokens::{hash_token, same};
use super::Db;
use crate::error::AppError;
use crate::model::AuthenticatorSetup;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sqlx::{Any, Transaction};
use totp_rs::{Algorithm, TOTP};

pub const ISSUER: &str = "Bulk user import";
pub const STEP_SECONDS: i64 = 30;
pub const RECOVERY_CODES: usize = 10;
pub const WRONG_CODE: &str =
    "That code is not right. Enter the 6 digits your authenticator app shows now.";

fn totp(secret: Vec<u8>, email: &str) -> Option<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS as u64,
        secret,
        Some(ISSUER.to_string()),
        email.to_string(),
    )
    .ok()
}

/// 160 random bits, as RFC 4226 recommends.
fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// What the setup page shows for a secret: the QR code (an SVG, as a data URL) and the same
/// secret as text for typing in.
fn setup(secret: Vec<u8>, email: &str) -> Option<AuthenticatorSetup> {
    let totp = totp(secret, email)?;
    let url = totp.get_url();
    let svg = qrcode::QrCode::new(url.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Some(AuthenticatorSetup {
        secret_text: totp.get_secret_base32(),
        qr_data_url: format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg)),
    })
}

/// The step a 6-digit code belongs to (now, or one step either side), if any.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret.to_vec(), "x@x")?;
    let current = now / STEP_SECONDS;
    (current - 1..=current + 1).find(|step| {
        let generated = totp.generate((step * STEP_SECONDS) as u64);
        same(&generated, &code)
    })
}

/// The sealed secret kept on an invitation or a user (`table`: our own table name).
async fn sealed_secret<'c, E>(executor: E, table: &str, id: i64) -> Result<Option<String>, AppError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let found: Option<Option<String>> =
        sqlx::query_scalar(&format!("SELECT totp_secret FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(executor)
            .await
            .map_err(db_failure("reading an authenticator secret"))?;
    Ok(found.flatten())
}

/// The setup offered on an open invitation: the same secret on every visit until registration.
pub async fn offered_setup(
    db: &Db,
    invitation_id: i64,
    email: &str,
) -> Result<Option<AuthenticatorSetup>, AppError> {
    let secret = kept_offer(db, invitation_id).await?;
    Ok(setup(secret, email))
}

/// The secret offered on an open invitation, made and sealed there on first asking.
async fn kept_offer(db: &Db, invitation_id: i64) -> Result<Vec<u8>, AppError> {
    let kept = sealed_secret(db.pool(), "invitations", invitation_id).await?;
    match kept.as_deref().map(sealing::open) {
        Some(Some(secret)) => Ok(secret),
        Some(None) => Err(unopenable("an invitation")),
        None => {
            let secret = new_secret();
            // Two tabs at once: the first secret written is the one both show.
            sqlx::query(
                "UPDATE invitations SET totp_secret = $1 WHERE id = $2 AND totp_secret IS NULL",
            )
            .bind(sealing::seal(&secret))
            .bind(invitation_id)
            .execute(db.pool())
            .await
            .map_err(db_failure("offering an authenticator setup"))?;
            Ok(sealed_secret(db.pool(), "invitations", invitation_id)
                .await?
                .as_deref()
                .and_then(sealing::open)
                .unwrap_or(secret))
        }
    }
}

/// How long an authenticator offered on My profile waits for its confirming code.
pub const OFFER_LIFETIME_SECONDS: i64 = 15 * 60;

/// The setup offered on My profile (a first authenticator, or one replacing the current) to
/// one session: the same secret on that session's visits for 15 minutes, until a code
/// confirms it; any other session, or a later visit, is offered a new one (so a secret seen
/// by someone who briefly held a session is not the one its owner later scans). The current
/// authenticator, if any, keeps working until then.
pub async fn offered_replacement(
    db: &Db,
    user_id: i64,
    session_id: i64,
    email: &str,
    now: i64,
) -> Result<AuthenticatorSetup, AppError> {
    let kept = pending_offer(db.pool(), user_id, session_id, now).await?;
    let secret = match kept.as_deref().map(sealing::open) {
        Some(Some(secret)) => secret,
        Some(None) => return Err(unopenable("a user")),
        None => {
            let secret = new_secret();
            sqlx::query(
                "UPDATE users SET totp_pending_secret = $1, totp_pending_session = $2, totp_pending_at = $3 \
                 WHERE id = $4",
            )
            .bind(sealing::seal(&secret))
            .bind(session_id)
            .bind(now)
            .bind(user_id)
            .execute(db.pool())
            .await
            .map_err(db_failure("offering an authenticator setup"))?;
            secret
        }
    };
    setup(secret, email).ok_or_else(|| {
        super::failure::internal("offering an authenticator", "the setup could not be drawn")
    })
}

/// The sealed secret offered to `session_id` and still waiting, if any.
async fn pending_offer<'c, E>(
    executor: E,
    user_id: i64,
    session_id: i64,
    now: i64,
) -> Result<Option<String>, AppError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let found: Option<Option<String>> = sqlx::query_scalar(
        "SELECT totp_pending_secret FROM users WHERE id = $1 AND totp_pending_session = $2 \
         AND totp_pending_at > $3",
    )
    .bind(user_id)
    .bind(session_id)
    .bind(now - OFFER_LIFETIME_SECONDS)
    .fetch_optional(executor)
    .await
    .map_err(db_failure("reading an authenticator offer"))?;
    Ok(found.flatten())
}

/// Takes the user's row lock first in a transaction that replaces their authenticator or
/// recovery codes, so two tabs doing it at once on PostgreSQL run one after the other.
pub async fn lock_user(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let locked = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("changing sign-in security"))?;
    if locked.rows_affected() != 1 {
        return Err(AppError::NotFound("That user".into()));
    }
    Ok(())
}

/// My profile's code for the authenticator offered to `session_id`, checked in the caller's
/// transaction (which holds [`lock_user`]): right, it replaces the user's authenticator (this
/// step spent), and 10 new recovery codes replace the old, returned once.
pub async fn confirm_replacement(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    session_id: i64,
    code: &str,
    now: i64,
) -> Result<Vec<String>, AppError> {
    let (sealed, secret) = pending_offer(&mut **tx, user_id, session_id, now)
        .await?
        .and_then(|s| sealing::open(&s).map(|secret| (s, secret)))
        .ok_or_else(|| {
            AppError::Conflict(
                "This setup has expired or was replaced: start again to see a new QR code.".into(),
            )
        })?;
    let step =
        matching_step(&secret, code, now).ok_or_else(|| AppError::BadRequest(WRONG_CODE.into()))?;
    let taken = sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_last_step = $2, totp_pending_secret = NULL, \
         totp_pending_session = NULL, totp_pending_at = NULL WHERE id = $3 AND totp_pending_secret = $1",
    )
    .bind(&sealed)
    .bind(step)
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("saving an authenticator"))?;
    if taken.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This setup was already confirmed in another tab.".into(),
        ));
    }
    replace_recovery_codes(tx, user_id).await
}

/// Unused recovery codes a user has left.
pub async fn recovery_codes_left(db: &Db, user_id: i64) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
        .map_err(db_failure("counting recovery codes"))
}

/// A sealed secret the server's key does not open: `SECRET_KEY` changed, the generated key
/// file was lost, or app servers do not share one. Said in the log; the user sees a server
/// failure rather than a code that can never be right.
fn unopenable(whose: &str) -> AppError {
    super::failure::internal(
        "opening an authenticator secret",
        format!("the server's key does not open {whose}'s authenticator secret: was SECRET_KEY changed, or do app servers have different keys?"),
    )
}

/// Registration's code, checked against the invitation's secret inside the acceptance's
/// transaction: right, the secret becomes the user's (this step spent) and 10 recovery codes
/// are made, returned once.
pub async fn confirm_at_registration(
    tx: &mut Transaction<'static, Any>,
    invitation_id: i64,
    user_id: i64,
    code: &str,
    now: i64,
) -> Result<Vec<String>, AppError> {
    let (sealed, secret) = sealed_secret(&mut **tx, "invitations", invitation_id)
        .await?
        .and_then(|s| sealing::open(&s).map(|secret| (s, secret)))
        .ok_or_else(|| {
            AppError::Conflict("Reload this page to set up your authenticator app.".into())
        })?;
    let step =
        matching_step(&secret, code, now).ok_or_else(|| AppError::BadRequest(WRONG_CODE.into()))?;
    sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
        .bind(sealed)
        .bind(step)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("saving an authenticator"))?;
    sqlx::query("UPDATE invitations SET totp_secret = NULL WHERE id = $1")
        .bind(invitation_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("saving an authenticator"))?;
    replace_recovery_codes(tx, user_id).await
}

fn recovery_hash(user_id: i64, code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_token(&format!("recovery:{user_id}:{normal}"))
}

/// "k7pq-2mxa-9dnf": 60 bits, easy to read aloud and type.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let letters: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &letters[..4], &letters[4..8], &letters[8..])
}

/// Replaces a user's recovery codes with 10 new ones, returned once.
pub async fn replace_recovery_codes(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
) -> Result<Vec<String>, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("making recovery codes"))?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for code in &codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(recovery_hash(user_id, code))
            .execute(&mut **tx)
            .await
            .map_err(db_failure("making recovery codes"))?;
    }
    Ok(codes)
}

/// An administrator resets a user's authenticator (a lost phone): the secret, its recovery
/// codes and any sign-in in progress go, and every session of the user ends. Until they set
/// one up again, their sign-in asks for an emailed code.
pub async fn reset(db: &Db, user_id: i64, by: i64) -> Result<(), AppError> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("resetting an authenticator"))?;
    let changed = sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_last_step = NULL, totp_pending_secret = NULL, \
             totp_pending_session = NULL, totp_pending_at = NULL WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("resetting an authenticator"))?;
    if changed.rows_affected() == 0 {
        return Err(AppError::NotFound("That user".into()));
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("resetting an authenticator"))?;
    super::second_factor::drop_for_user(&mut tx, user_id)
        .await
        .map_err(db_failure("resetting an authenticator"))?;
    super::sessions::delete_all_for_user(&mut **tx, user_id)
        .await
        .map_err(db_failure("ending sessions"))?;
    tx.commit()
        .await
        .map_err(db_failure("resetting an authenticator"))?;
    tracing::info!(by, user_id, "authenticator reset");
    Ok(())
}

/// Whether the user has an authenticator set up.
pub async fn is_set_up(db: &Db, user_id: i64) -> Result<bool, AppError> {
    Ok(sealed_secret(db.pool(), "users", user_id).await?.is_some())
}

/// A sign-in's second factor: a current code from the app (each step once), or an unused
/// recovery code (then spent). Whoever spends a step or a code first wins.
pub async fn verify(db: &Db, user_id: i64, code: &str, now: i64) -> Result<bool, AppError> {
    let sealed = sealed_secret(db.pool(), "users", user_id).await?;
    let secret = match sealed.as_deref().map(sealing::open) {
        Some(None) => return Err(unopenable("a user")),
        opened => opened.flatten(),
    };
    if let Some(step) = secret.and_then(|secret| matching_step(&secret, code, now)) {
        let spent = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(db.pool())
        .await
        .map_err(db_failure("recording an authenticator code"))?;
        return Ok(spent.rows_affected() == 1);
    }
    let spent = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(recovery_hash(user_id, code))
    .execute(db.pool())
    .await
    .map_err(db_failure("spending a recovery code"))?;
    Ok(spent.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_refused_further() {
        let secret = b"12345678901234567890".to_vec();
        let totp = totp(secret.clone(), "a@example.com").unwrap();
        // RFC 6238's SHA-1 test vector, 6 digits: 94287082 at 59 s.
        assert_eq!(totp.generate(59), "287082");
        let now = 1_000_020;
        let step = now / STEP_SECONDS;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = totp.generate(((step + offset) * STEP_SECONDS) as u64);
            assert_eq!(
                matching_step(&secret, &code, now),
                accepted.then_some(step + offset),
                "offset {offset}"
            );
        }
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_per_user_whatever_the_case_or_dashes() {
        let codes: std::collections::HashSet<String> =
            (0..100).map(|_| new_recovery_code()).collect();
        assert_eq!(codes.len(), 100);
        let code = new_recovery_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            recovery_hash(1, &code),
            recovery_hash(1, &code.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(1, &code), recovery_hash(2, &code));
    }

    #[test]
    fn the_setup_shows_the_secret_and_a_qr_code() {
        let setup = setup(new_secret(), "a@example.com").unwrap();
        assert_eq!(setup.secret_text.len(), 32);
        assert!(setup.qr_data_url.starts_with("data:image/svg+xml;base64,"));
    }
}
