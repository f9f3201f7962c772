//! Registration's second factor for a user whose sign-in security is Email code: before the
//! invitation can be accepted, a 6-digit code is emailed to them (through the outbox, so the
//! local mailbox shows it by default) and must be typed in. A code works for 10 minutes and is
//! spent by the registration it completes; a new one may be asked for once a minute (the
//! earlier one stops working). An invitation takes 5 wrong codes and sends 5 codes in all —
//! a new code does not bring new tries, so the link alone cannot be used to guess — after
//! which the administrator sends a new invitation. Only the code's hash (with the
//! invitation's id) is kept, on the invitation.

use super::failure::db_failure;
use super::tokens::{hash_token, same};
use super::Db;
use crate::error::AppError;
use rand::Rng;

pub const LIFETIME_SECONDS: i64 = 10 * 60;
/// Wrong codes an invitation takes, whatever the number of codes sent.
pub const MAX_TRIES: i64 = 5;
/// Codes an invitation sends.
pub const MAX_SENDS: i64 = 5;
pub const RESEND_INTERVAL_SECONDS: i64 = 60;

pub const MISSING: &str = "Enter the 6-digit code we emailed you (use Email me a code first).";
pub const WRONG: &str = "That code is not right. Check the latest email and try again.";
pub const EXPIRED: &str = "That code has expired: use Email me a code for a new one.";
pub const SPENT: &str =
    "Too many wrong codes for this invitation: ask your administrator to send a new one.";
pub const SENT_ENOUGH: &str =
    "This invitation has sent all the codes it can: ask your administrator to send a new one.";

fn code_hash(invitation_id: i64, code: &str) -> String {
    hash_token(&format!("registration-code:{invitation_id}:{code}"))
}

/// Emails a new code for the open invitation `invitation_id` to `email`, at most once a
/// minute; the tries start again.
pub async fn send(db: &Db, invitation_id: i64, email: &str, now: i64) -> Result<(), AppError> {
    let failed = db_failure("sending a registration code");
    let found: Option<(Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT email_code_sent_at, email_codes_sent, email_code_tries FROM invitations WHERE id = $1",
    )
    .bind(invitation_id)
    .fetch_optional(db.pool())
    .await
    .map_err(&failed)?;
    let Some((sent_at, sends, tries)) = found else {
        return Err(AppError::NotFound("That invitation".into()));
    };
    if tries >= MAX_TRIES {
        return Err(AppError::Conflict(SPENT.into()));
    }
    if sends >= MAX_SENDS {
        return Err(AppError::Conflict(SENT_ENOUGH.into()));
    }
    let wait = sent_at.map_or(0, |at| at + RESEND_INTERVAL_SECONDS - now);
    if wait > 0 {
        return Err(AppError::TooManyRequests {
            retry_after_seconds: wait as u64,
        });
    }
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let mut tx = db.begin_write().await.map_err(&failed)?;
    // Conditional on the last send, so two clicks at once send one code.
    let claimed = sqlx::query(
        "UPDATE invitations SET email_code_hash = $1, email_code_sent_at = $2, \
         email_codes_sent = email_codes_sent + 1 \
         WHERE id = $3 AND (email_code_sent_at IS NULL OR email_code_sent_at <= $4) \
         AND email_codes_sent < $5",
    )
    .bind(code_hash(invitation_id, &code))
    .bind(now)
    .bind(invitation_id)
    .bind(now - RESEND_INTERVAL_SECONDS)
    .bind(MAX_SENDS)
    .execute(&mut **tx)
    .await
    .map_err(&failed)?;
    if claimed.rows_affected() != 1 {
        return Err(AppError::TooManyRequests {
            retry_after_seconds: RESEND_INTERVAL_SECONDS as u64,
        });
    }
    let minutes = LIFETIME_SECONDS / 60;
    let subject = format!("Your registration code: {code}");
    let text = format!(
        "Your registration code is {code}. Type it on the invitation page to finish registering. \
         It works once, for {minutes} minutes.\n\nIf you did not ask for it, you can ignore this email."
    );
    let html = format!(
        "<p>Your registration code is <strong>{code}</strong>. Type it on the invitation page to \
         finish registering. It works once, for {minutes} minutes.</p>\
         <p>If you did not ask for it, you can ignore this email.</p>"
    );
    super::notices::queue(
        &mut **tx,
        &super::notices::Notice {
            to: email,
            subject: &subject,
            text: &text,
            html: &html,
        },
        now,
    )
    .await
    .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(())
}

/// Checks a code before the registration's transaction. Each attempt first reserves one of
/// the invitation's tries (committed on its own, so a wrong code counts even though the
/// registration does not happen); right, returns the hash to spend in that transaction. A
/// right code spends a try too; the registration spending the code ends the matter.
pub async fn check(db: &Db, invitation_id: i64, code: &str, now: i64) -> Result<String, AppError> {
    let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
    if code.is_empty() {
        return Err(AppError::BadRequest(MISSING.into()));
    }
    let failed = db_failure("checking a registration code");
    // Through the write transaction (on SQLite, the one writer), committed on its own.
    let mut tx = db.begin_write().await.map_err(&failed)?;
    let found: Option<(Option<String>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT email_code_hash, email_code_sent_at, email_code_tries FROM invitations WHERE id = $1",
    )
    .bind(invitation_id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(&failed)?;
    let (stored, sent_at, tries) = found.unwrap_or((None, None, MAX_TRIES));
    if tries >= MAX_TRIES {
        return Err(AppError::Conflict(SPENT.into()));
    }
    let Some(stored) = stored else {
        return Err(AppError::BadRequest(MISSING.into()));
    };
    if sent_at.is_none_or(|at| at <= now - LIFETIME_SECONDS) {
        return Err(AppError::Conflict(EXPIRED.into()));
    }
    let reserved = sqlx::query(
        "UPDATE invitations SET email_code_tries = email_code_tries + 1 \
         WHERE id = $1 AND email_code_tries < $2",
    )
    .bind(invitation_id)
    .bind(MAX_TRIES)
    .execute(&mut **tx)
    .await
    .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    if reserved.rows_affected() != 1 {
        return Err(AppError::Conflict(SPENT.into()));
    }
    let given = code_hash(invitation_id, &code);
    if same(&stored, &given) {
        Ok(stored)
    } else {
        Err(AppError::BadRequest(WRONG.into()))
    }
}

/// Spends a code [`check`] found right, in the registration's transaction: only one
/// registration can spend it.
pub async fn spend(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    invitation_id: i64,
    hash: &str,
) -> Result<(), AppError> {
    let spent = sqlx::query(
        "UPDATE invitations SET email_code_hash = NULL WHERE id = $1 AND email_code_hash = $2",
    )
    .bind(invitation_id)
    .bind(hash)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("spending a registration code"))?;
    if spent.rows_affected() != 1 {
        return Err(AppError::Conflict(SPENT.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_hashed_per_invitation() {
        assert_ne!(code_hash(1, "123456"), code_hash(2, "123456"));
        assert_eq!(code_hash(1, "123456"), code_hash(1, "123456"));
    }
}
