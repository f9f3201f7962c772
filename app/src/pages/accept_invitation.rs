use crate::api::invitations::{lookup_invitation, AcceptInvitation};
use crate::components::NewPasswordField;
use crate::model::{InvitationState, UserKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/invite/<token>`: whom the invitation is for, and a password to choose.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let invitation = Resource::new(token, lookup_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    view! {
        <Title text="Accept invitation"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || invitation.get().map(|result| match (result, action.value().get()) {
                    (_, Some(Ok(kind))) => view! {
                        <h1>"You are registered"</h1>
                        {match kind {
                            UserKind::Technician => view! { <p>"Your password is set. " <a href="/login">"Sign in"</a></p> }.into_any(),
                            UserKind::EndUser => view! { <p>"Your password is set. You can close this page."</p> }.into_any(),
                        }}
                    }.into_any(),
                    (Ok(InvitationState::Valid { name, email, .. }), _) => view! {
                        <h1>"Welcome, " {name}</h1>
                        <p>"Choose a password for " <strong>{email}</strong> "."</p>
                        <ActionForm action>
                            <input type="hidden" name="token" value=token()/>
                            <NewPasswordField/>
                            <p class="field-error" role="alert">{move || action.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Set password"</button>
                        </ActionForm>
                    }.into_any(),
                    (Ok(InvitationState::Used), _) => view! {
                        <h1>"Invitation used"</h1><p>"This invitation has already been used."</p>
                    }.into_any(),
                    (Ok(InvitationState::Expired), _) | (Err(_), _) => view! {
                        <h1>"Invitation expired"</h1><p>"This invitation has expired — ask your administrator to send a new one."</p>
                    }.into_any(),
                })}
            </Suspense>
        </main>
    }
}
