use crate::error::AppError;
use crate::model::{InvitationState, MailboxMessage, UserKind};
use leptos::prelude::*;

/// What an invitation link shows. No sign-in needed: the token is the credential.
#[server(endpoint = "lookup_invitation")]
pub async fn lookup_invitation(token: String) -> Result<InvitationState, AppError> {
    use crate::server::{acceptance, clock, context};
    let state = context::state()?;
    acceptance::state(&state.db, &token, clock::now()).await
}

/// Accepts an invitation: sets the password, registers the user, spends the token. Works as a
/// plain form post.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String, password: String) -> Result<UserKind, AppError> {
    use crate::server::{acceptance, clock, context};
    let state = context::state()?;
    acceptance::accept(&state.db, &token, &password, clock::now()).await
}

/// The local mailbox (the embedded default keeps outgoing mail here).
#[server(endpoint = "mailbox")]
pub async fn mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    use crate::server::{acceptance, context};
    let (state, _) = context::require_admin().await?;
    acceptance::mailbox(&state.db).await
}
