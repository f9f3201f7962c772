use crate::api::invitations::{ResendInvitations, ResetPassword, RevokeInvitations};
use crate::components::invitations::{InvitationCommand, InvitationOutcome};
use crate::model::{InvitationStatus, UserDetail};
use leptos::prelude::*;

/// On a user's page: their invitation's state and what can be done about it (Resend / Send
/// invite / Retry, Revoke, or Reset password once registered). Plain forms underneath.
#[component]
pub fn UserInvitationActions(user: UserDetail, on_done: Callback<()>) -> impl IntoView {
    let resend = ServerAction::<ResendInvitations>::new();
    let revoke = ServerAction::<RevokeInvitations>::new();
    let reset = ServerAction::<ResetPassword>::new();
    Effect::new(move |_| {
        let done = resend.value().with(|v| matches!(v, Some(Ok(_))))
            || revoke.value().with(|v| matches!(v, Some(Ok(_))))
            || reset.value().with(|v| matches!(v, Some(Ok(_))));
        if done {
            on_done.run(());
        }
    });
    let message = move || {
        if let Some(r) = resend.value().get() {
            return Some(r.map(|r| InvitationOutcome::describe(InvitationCommand::Resend, &r)));
        }
        if let Some(r) = revoke.value().get() {
            return Some(r.map(|r| InvitationOutcome::describe(InvitationCommand::Revoke, &r)));
        }
        reset.value().get().map(|r| {
            r.map(|_| "Password reset link sent. They have been signed out everywhere.".to_string())
        })
    };
    let id = user.id.to_string();
    let (id2, id3) = (id.clone(), id.clone());
    let status = user.invitation;
    let send_label = match status {
        InvitationStatus::NotInvited => "Send invite",
        InvitationStatus::SendFailed => "Retry sending",
        _ => "Resend invitation",
    };
    view! {
        <section class="invitation-actions" aria-label="Invitation">
            <p>
                "Invitation: " <strong>{status.label()}</strong>
                {user.time_left.map(|t| format!(" ({t})"))}
            </p>
            <div class="head-actions">
                {status.can_invite().then(move || view! {
                    <ActionForm action=resend>
                        <input type="hidden" name="user_ids[]" value=id/>
                        <button type="submit" class="button">{send_label}</button>
                    </ActionForm>
                })}
                {status.can_revoke().then(move || view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="user_ids[]" value=id2/>
                        <button type="submit" class="button">"Revoke invitation"</button>
                    </ActionForm>
                })}
                {(status == InvitationStatus::Registered).then(move || view! {
                    <ActionForm action=reset>
                        <input type="hidden" name="user_id" value=id3/>
                        <button type="submit" class="button">"Reset password"</button>
                    </ActionForm>
                })}
            </div>
            <p class="action-result" role="status" aria-live="polite">
                {move || message().map(|r| r.unwrap_or_else(|e| e.to_string()))}
            </p>
        </section>
    }
}
