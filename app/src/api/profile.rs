//! My profile: the signed-in user's own password, authenticator, recovery codes and sessions.
//! Open to every signed-in user, administrator or not; each acts only on the caller.

use crate::error::AppError;
use crate::model::{AuthenticatorSetup, Profile};
use leptos::prelude::*;

#[server(endpoint = "read_profile")]
pub async fn read_profile() -> Result<Profile, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::read(&state.db, &user, clock::now()).await
}

/// Changes the caller's password (asks the current one); their other sessions end and this
/// one gets a new cookie. Works as a plain form post.
#[server(endpoint = "change_own_password")]
pub async fn change_own_password(
    current_password: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    let proof = proof(&current_password);
    let token = profile::change_password(&state.db, &user, &proof, &password, clock::now()).await?;
    renew_cookie(&state, &token);
    Ok(())
}

/// The caller's current password, from where the request came.
#[cfg(feature = "ssr")]
fn proof(current_password: &str) -> crate::server::profile::Proof<'_> {
    crate::server::profile::Proof {
        current_password,
        client_address: crate::server::context::client_address(),
    }
}

/// This session's cookie, after its token was renewed.
#[cfg(feature = "ssr")]
fn renew_cookie(state: &crate::server::AppState, token: &str) {
    crate::api::session::set_cookie(&crate::server::sessions::cookie_header(
        token,
        state.config.secure_cookies(),
    ));
}

/// The QR code and key of the authenticator to set up (the same for this session for 15
/// minutes, until confirmed).
#[server(endpoint = "offer_authenticator")]
pub async fn offer_authenticator() -> Result<AuthenticatorSetup, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::offer_authenticator(&state.db, &user, clock::now()).await
}

/// Confirms the offered authenticator with a code from it (asks the current password);
/// returns the new recovery codes.
#[server(endpoint = "confirm_authenticator")]
pub async fn confirm_authenticator(
    current_password: String,
    code: String,
) -> Result<Vec<String>, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    let proof = proof(&current_password);
    let done =
        profile::confirm_authenticator(&state.db, &user, &proof, &code, clock::now()).await?;
    renew_cookie(&state, &done.token);
    Ok(done.recovery_codes)
}

/// Replaces the caller's recovery codes (asks the current password); returns the new ones.
#[server(endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(current_password: String) -> Result<Vec<String>, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    let proof = proof(&current_password);
    profile::regenerate_recovery_codes(&state.db, &user, &proof, clock::now()).await
}

/// Ends one of the caller's sessions.
#[server(endpoint = "end_own_session")]
pub async fn end_own_session(id: i64) -> Result<(), AppError> {
    use crate::server::{context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::end_session(&state.db, &user, id).await
}
