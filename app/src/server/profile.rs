//! My profile: what a signed-in user changes about their own sign-in. Anything that would let
//! a borrowed or stolen session take the account over (a new password, a new authenticator,
//! new recovery codes) asks for the current password first; a wrong one counts toward the
//! account's sign-in throttle like a wrong sign-in. Changing the password or the
//! authenticator ends every other session of the user, everywhere, and any sign-in waiting
//! for its second step, and gives this session a new token (should the cookie itself have
//! been copied, the copy stops working).

use super::failure::db_failure;
use super::passwords::{self, password_problem};
use super::sessions::{self, SessionUser};
use super::sign_in_throttle::{self, Subjects};
use super::{authenticator, Db};
use crate::error::AppError;
use crate::model::{AuthenticatorSetup, MfaMethod, Profile};

pub const WRONG_PASSWORD: &str = "Your current password is not right.";

/// What My profile shows.
pub async fn read(db: &Db, user: &SessionUser, now: i64) -> Result<Profile, AppError> {
    let (method, secret): (String, Option<String>) =
        sqlx::query_as("SELECT mfa_method, totp_secret FROM users WHERE id = $1")
            .bind(user.user_id)
            .fetch_one(db.pool())
            .await
            .map_err(db_failure("reading your profile"))?;
    let has_authenticator = secret.is_some();
    let recovery_codes_left = if has_authenticator {
        authenticator::recovery_codes_left(db, user.user_id).await?
    } else {
        0
    };
    Ok(Profile {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        is_admin: user.is_admin,
        mfa_method: MfaMethod::parse(&method).unwrap_or_default(),
        has_authenticator,
        recovery_codes_left,
        sessions: sessions::list_for_user(db.pool(), user.user_id, user.session_id, now).await?,
    })
}

/// Checks the user's current password, through the sign-in throttle.
async fn confirm_password(
    db: &Db,
    user: &SessionUser,
    password: &str,
    client_address: Option<std::net::IpAddr>,
    now: i64,
) -> Result<(), AppError> {
    let subjects = Subjects::new(&crate::rules::Email::key_of(&user.email), client_address);
    sign_in_throttle::check(db.pool(), &subjects, now).await?;
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.user_id)
        .fetch_one(db.pool())
        .await
        .map_err(db_failure("checking your password"))?;
    let hash = hash.unwrap_or_else(|| passwords::dummy_hash().to_string());
    if passwords::verify_password_bounded(password.to_string(), hash).await? {
        return Ok(());
    }
    tracing::info!(
        user_id = user.user_id,
        "profile change refused: wrong password"
    );
    sign_in_throttle::record_failure(db.pool(), &subjects, now).await?;
    Err(AppError::BadRequest(WRONG_PASSWORD.into()))
}

/// The person at the keyboard: their current password, and where they are.
pub struct Proof<'a> {
    pub current_password: &'a str,
    pub client_address: Option<std::net::IpAddr>,
}

/// After a change to how the user signs in: every other session and any sign-in waiting for
/// its second step end, and this session gets a new token (returned, for its cookie).
async fn end_other_ways_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &SessionUser,
) -> Result<String, AppError> {
    let failed = db_failure("ending sessions");
    sessions::delete_others(&mut **tx, user.user_id, user.session_id)
        .await
        .map_err(&failed)?;
    super::second_factor::drop_for_user(tx, user.user_id)
        .await
        .map_err(&failed)?;
    sessions::renew_token(&mut **tx, user.session_id)
        .await
        .map_err(&failed)
}

/// Changes the user's password after checking the current one; returns this session's new
/// token.
pub async fn change_password(
    db: &Db,
    user: &SessionUser,
    proof: &Proof<'_>,
    new_password: &str,
    now: i64,
) -> Result<String, AppError> {
    if let Some(problem) = password_problem(new_password) {
        return Err(AppError::BadRequest(problem.into()));
    }
    confirm_password(db, user, proof.current_password, proof.client_address, now).await?;
    let hash = passwords::hash_password_bounded(new_password.to_string()).await?;
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("changing your password"))?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user.user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("changing your password"))?;
    let token = end_other_ways_in(&mut tx, user).await?;
    tx.commit()
        .await
        .map_err(db_failure("changing your password"))?;
    tracing::info!(user_id = user.user_id, "password changed by its owner");
    Ok(token)
}

/// The authenticator setup My profile offers this session.
pub async fn offer_authenticator(
    db: &Db,
    user: &SessionUser,
    now: i64,
) -> Result<AuthenticatorSetup, AppError> {
    authenticator::offered_replacement(db, user.user_id, user.session_id, &user.email, now).await
}

/// What confirming an authenticator gives: the new recovery codes (shown once) and this
/// session's new token.
pub struct Confirmed {
    pub recovery_codes: Vec<String>,
    pub token: String,
}

/// Confirms the authenticator offered to this session with a code from it, after checking
/// the current password: it replaces any earlier one and new recovery codes replace the old.
pub async fn confirm_authenticator(
    db: &Db,
    user: &SessionUser,
    proof: &Proof<'_>,
    code: &str,
    now: i64,
) -> Result<Confirmed, AppError> {
    confirm_password(db, user, proof.current_password, proof.client_address, now).await?;
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("saving an authenticator"))?;
    authenticator::lock_user(&mut tx, user.user_id, now).await?;
    let recovery_codes =
        authenticator::confirm_replacement(&mut tx, user.user_id, user.session_id, code, now)
            .await?;
    let token = end_other_ways_in(&mut tx, user).await?;
    tx.commit()
        .await
        .map_err(db_failure("saving an authenticator"))?;
    tracing::info!(user_id = user.user_id, "authenticator set up by its owner");
    Ok(Confirmed {
        recovery_codes,
        token,
    })
}

/// New recovery codes in place of the old, after checking the current password; only with
/// an authenticator.
pub async fn regenerate_recovery_codes(
    db: &Db,
    user: &SessionUser,
    proof: &Proof<'_>,
    now: i64,
) -> Result<Vec<String>, AppError> {
    confirm_password(db, user, proof.current_password, proof.client_address, now).await?;
    let failed = db_failure("making recovery codes");
    let mut tx = db.begin_write().await.map_err(&failed)?;
    authenticator::lock_user(&mut tx, user.user_id, now).await?;
    let secret: Option<String> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(user.user_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(&failed)?;
    if secret.is_none() {
        return Err(AppError::Conflict(
            "Recovery codes go with an authenticator app: set one up first.".into(),
        ));
    }
    let codes = authenticator::replace_recovery_codes(&mut tx, user.user_id).await?;
    tx.commit().await.map_err(&failed)?;
    tracing::info!(
        user_id = user.user_id,
        "recovery codes replaced by their owner"
    );
    Ok(codes)
}

/// Ends one of the user's own sessions (this one too: that signs them out).
pub async fn end_session(db: &Db, user: &SessionUser, session_id: i64) -> Result<(), AppError> {
    if sessions::delete_own(db.pool(), user.user_id, session_id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("That session".into()))
    }
}
