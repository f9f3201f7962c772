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

/// Changes the caller's password; their other sessions end. Works as a plain form post.
#[server(endpoint = "change_own_password")]
pub async fn change_own_password(
    current_password: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    let now = clock::now();
    profile::confirm_password(
        &state.db,
        &user,
        &current_password,
        context::client_address(),
        now,
    )
    .await?;
    profile::change_password(&state.db, &user, &password, now).await
}

/// The QR code and key of the authenticator to set up (the same until confirmed).
#[server(endpoint = "offer_authenticator")]
pub async fn offer_authenticator() -> Result<AuthenticatorSetup, AppError> {
    use crate::server::{context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::offer_authenticator(&state.db, &user).await
}

/// Confirms the offered authenticator with a code from it; returns the new recovery codes.
#[server(endpoint = "confirm_authenticator")]
pub async fn confirm_authenticator(
    current_password: String,
    code: String,
) -> Result<Vec<String>, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    let now = clock::now();
    profile::confirm_password(
        &state.db,
        &user,
        &current_password,
        context::client_address(),
        now,
    )
    .await?;
    profile::confirm_authenticator(&state.db, &user, &code, now).await
}

/// Replaces the caller's recovery codes; returns the new ones.
#[server(endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(current_password: String) -> Result<Vec<String>, AppError> {
    use crate::server::{clock, context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::confirm_password(
        &state.db,
        &user,
        &current_password,
        context::client_address(),
        clock::now(),
    )
    .await?;
    profile::regenerate_recovery_codes(&state.db, &user).await
}

/// Ends one of the caller's sessions.
#[server(endpoint = "end_own_session")]
pub async fn end_own_session(id: i64) -> Result<(), AppError> {
    use crate::server::{context, profile};
    let (state, user) = context::require_signed_in().await?;
    profile::end_session(&state.db, &user, id).await
}
