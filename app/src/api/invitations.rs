use crate::error::AppError;
use crate::model::{
    InvitationActionResult, InvitationState, InvitationsPage, JobFunnel, MailboxView, Registered,
    UserFilter, UserKind,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// What an invitation link shows. No sign-in needed: the token is the credential.
#[server(endpoint = "lookup_invitation")]
pub async fn lookup_invitation(token: String) -> Result<InvitationState, AppError> {
    use crate::server::{acceptance, clock, context, invitations::Purpose};
    let state = context::state()?;
    acceptance::state(&state.db, &token, Purpose::Invitation, clock::now()).await
}

/// Accepts an invitation: sets the password, registers the user, spends the token. Works as a
/// plain form post.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    password: String,
    #[server(default)] code: Option<String>,
    #[server(default)] phone: Option<String>,
) -> Result<Registered, AppError> {
    use crate::server::acceptance::{self, Answers};
    use crate::server::{clock, context, invitations::Purpose};
    let state = context::state()?;
    let answers = Answers {
        password: &password,
        code: code.as_deref(),
        phone: phone.as_deref(),
    };
    acceptance::accept_with(
        &state.db,
        &token,
        Purpose::Invitation,
        &answers,
        clock::now(),
    )
    .await
}

/// Emails registration's code, for a user whose sign-in security is Email code (at most once
/// a minute). Works as a plain form post.
#[server(endpoint = "send_registration_code")]
pub async fn send_registration_code(token: String) -> Result<(), AppError> {
    use crate::server::{acceptance, clock, context};
    let state = context::state()?;
    acceptance::send_registration_code(&state.db, &token, clock::now()).await
}

/// What a password-reset link shows.
#[server(endpoint = "lookup_password_reset")]
pub async fn lookup_password_reset(token: String) -> Result<InvitationState, AppError> {
    use crate::server::{acceptance, clock, context, invitations::Purpose};
    let state = context::state()?;
    acceptance::state(&state.db, &token, Purpose::PasswordReset, clock::now()).await
}

/// Sets a new password from a reset link; the link is spent and every session ends.
#[server(endpoint = "complete_password_reset")]
pub async fn complete_password_reset(
    token: String,
    password: String,
) -> Result<UserKind, AppError> {
    use crate::server::{acceptance, clock, context, invitations::Purpose};
    let state = context::state()?;
    acceptance::accept(
        &state.db,
        &token,
        Purpose::PasswordReset,
        &password,
        clock::now(),
    )
    .await
}

/// The local mailbox (the embedded default delivers mail here).
#[server(endpoint = "mailbox")]
pub async fn mailbox() -> Result<MailboxView, AppError> {
    use crate::server::{acceptance, context};
    let (state, _) = context::require_admin().await?;
    Ok(MailboxView {
        smtp_server: state
            .config
            .smtp
            .as_ref()
            .map(|s| format!("{}:{}", s.host, s.port)),
        messages: acceptance::mailbox(&state.db).await?,
    })
}

/// One page of the Invitations dashboard.
#[server(endpoint = "load_invitations", input = Json)]
pub async fn load_invitations(filter: UserFilter) -> Result<InvitationsPage, AppError> {
    use crate::server::{clock, context, invitation_dashboard};
    let (state, _) = context::require_admin().await?;
    invitation_dashboard::page(&state.db, &filter, clock::now()).await
}

/// Each recent import job's funnel (counts per status of the users it created).
#[server(endpoint = "import_funnels")]
pub async fn import_funnels() -> Result<Vec<JobFunnel>, AppError> {
    use crate::server::{clock, context, invitation_dashboard};
    let (state, _) = context::require_admin().await?;
    invitation_dashboard::funnels(state.db.pool(), clock::now()).await
}

/// Resend invitation (also Send invite, and the retry after Send failed) for the users given.
#[server(endpoint = "resend_invitations")]
pub async fn resend_invitations(
    #[server(default)] user_ids: Vec<i64>,
) -> Result<InvitationActionResult, AppError> {
    use crate::server::{clock, context, invitation_actions};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    let base = &state.config.public_base_url;
    invitation_actions::resend(&state.db, &actor, base, &user_ids, clock::now()).await
}

/// Revoke: the users' links stop working.
#[server(endpoint = "revoke_invitations")]
pub async fn revoke_invitations(
    #[server(default)] user_ids: Vec<i64>,
) -> Result<InvitationActionResult, AppError> {
    use crate::server::{clock, context, invitation_actions};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    invitation_actions::revoke(&state.db, &actor, &user_ids, clock::now()).await
}

/// Reset password: emails the user a single-use link and signs them out everywhere.
#[server(endpoint = "reset_password")]
pub async fn reset_password(user_id: i64) -> Result<(), AppError> {
    use crate::server::{clock, context, invitation_actions};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    let base = &state.config.public_base_url;
    invitation_actions::reset_password(&state.db, &actor, base, user_id, clock::now()).await
}
