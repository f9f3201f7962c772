use crate::api::invitations::{lookup_password_reset, CompletePasswordReset};
use crate::components::{failure_text, NewPasswordField};
use crate::model::{InvitationState, UserKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/reset-password/<token>`: a registered user chooses a new password.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let reset = Resource::new(token, lookup_password_reset);
    let action = ServerAction::<CompletePasswordReset>::new();
    view! {
        <Title text="Reset password"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || reset.get().map(|result| match (result, action.value().get()) {
                    (_, Some(Ok(kind))) => view! {
                        <h1>"Password changed"</h1>
                        {match kind {
                            UserKind::Technician => view! { <p>"Your new password is set. " <a href="/login">"Sign in"</a></p> }.into_any(),
                            UserKind::EndUser => view! { <p>"Your new password is set. You can close this page."</p> }.into_any(),
                        }}
                    }.into_any(),
                    (Ok(InvitationState::Valid { email, .. }), _) => view! {
                        <h1>"Choose a new password"</h1>
                        <p>"For " <strong>{email}</strong> ". You were signed out everywhere when the reset was sent."</p>
                        <ActionForm action>
                            <input type="hidden" name="token" value=token()/>
                            <NewPasswordField/>
                            <p class="field-error" role="alert">{failure_text(action.value())}</p>
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Set new password"</button>
                        </ActionForm>
                    }.into_any(),
                    (Ok(InvitationState::Used), _) => view! {
                        <h1>"Link used"</h1><p>"This password reset link has already been used."</p>
                    }.into_any(),
                    (Ok(InvitationState::Expired), _) | (Err(_), _) => view! {
                        <h1>"Link expired"</h1><p>"This password reset link has expired — ask your administrator to send a new one."</p>
                    }.into_any(),
                })}
            </Suspense>
        </main>
    }
}
