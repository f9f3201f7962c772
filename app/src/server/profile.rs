//! My profile: what a signed-in user changes about their own sign-in. Anything that would let
//! a borrowed or stolen session take the account over (a new password, a new authenticator,
//! new recovery codes) asks for the current password first; a wrong one counts toward the
//! account's sign-in throttle like a wrong sign-in. Changing the password or the
//! authenticator ends every other session of the user, everywhere.

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
    let (method, has_authenticator): (String, bool) = {
        let (method, secret): (String, Option<String>) =
            sqlx::query_as("SELECT mfa_method, totp_secret FROM users WHERE id = $1")
                .bind(user.user_id)
                .fetch_one(db.pool())
                .await
                .map_err(db_failure("reading your profile"))?;
        (method, secret.is_some())
    };
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
pub async fn confirm_password(
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

/// Changes the user's password (after [`confirm_password`]): every other session ends.
pub async fn change_password(
    db: &Db,
    user: &SessionUser,
    new_password: &str,
    now: i64,
) -> Result<(), AppError> {
    if let Some(problem) = password_problem(new_password) {
        return Err(AppError::BadRequest(problem.into()));
    }
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
    sessions::delete_others(&mut **tx, user.user_id, user.session_id)
        .await
        .map_err(db_failure("ending sessions"))?;
    tx.commit()
        .await
        .map_err(db_failure("changing your password"))?;
    tracing::info!(user_id = user.user_id, "password changed by its owner");
    Ok(())
}

/// The authenticator setup My profile offers.
pub async fn offer_authenticator(
    db: &Db,
    user: &SessionUser,
) -> Result<AuthenticatorSetup, AppError> {
    authenticator::offered_replacement(db, user.user_id, &user.email).await
}

/// Confirms the offered authenticator with a code from it (after [`confirm_password`]): it
/// replaces any earlier one, new recovery codes replace the old (returned once), and every
/// other session ends.
pub async fn confirm_authenticator(
    db: &Db,
    user: &SessionUser,
    code: &str,
    now: i64,
) -> Result<Vec<String>, AppError> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("saving an authenticator"))?;
    let codes = authenticator::confirm_replacement(&mut tx, user.user_id, code, now).await?;
    sessions::delete_others(&mut **tx, user.user_id, user.session_id)
        .await
        .map_err(db_failure("ending sessions"))?;
    tx.commit()
        .await
        .map_err(db_failure("saving an authenticator"))?;
    tracing::info!(user_id = user.user_id, "authenticator set up by its owner");
    Ok(codes)
}

/// New recovery codes in place of the old (after [`confirm_password`]); only with an
/// authenticator.
pub async fn regenerate_recovery_codes(
    db: &Db,
    user: &SessionUser,
) -> Result<Vec<String>, AppError> {
    if !authenticator::is_set_up(db, user.user_id).await? {
        return Err(AppError::Conflict(
            "Recovery codes go with an authenticator app: set one up first.".into(),
        ));
    }
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("making recovery codes"))?;
    let codes = authenticator::replace_recovery_codes(&mut tx, user.user_id).await?;
    tx.commit()
        .await
        .map_err(db_failure("making recovery codes"))?;
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
