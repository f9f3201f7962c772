use crate::api::invitations::{lookup_invitation, AcceptInvitation, SendRegistrationCode};
use crate::components::{
    failure_text, AuthenticatorSetupFields, NewPasswordField, PhoneCheck, RecoveryCodes, TextField,
};
use crate::model::{InvitationState, UserKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/invite/<token>`: whom the invitation is for, and what registration asks: a password, the
/// second factor their sign-in security needs (an authenticator app to set up, or a code
/// emailed to them), and a phone number if they have none. Plain form posts, so it works
/// before (and without) the wasm.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token")).unwrap_or_default();
    let invitation = Resource::new(token, lookup_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    // Kept here, not in the form: an error answer redraws the form, and what was typed and
    // said must survive it.
    let phone = RwSignal::new(String::new());
    let send = ServerAction::<SendRegistrationCode>::new();
    view! {
        <Title text="Accept invitation"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || invitation.get().map(|result| match (result, action.value().get()) {
                    (_, Some(Ok(done))) => view! {
                        <h1>"You are registered"</h1>
                        {(!done.recovery_codes.is_empty()).then(|| view! { <RecoveryCodes codes=done.recovery_codes.clone()/> })}
                        {match done.kind {
                            UserKind::Technician => view! { <p>"Your password is set. " <a href="/login">"Sign in"</a></p> }.into_any(),
                            UserKind::EndUser => view! { <p>"Your password is set. You can close this page."</p> }.into_any(),
                        }}
                    }.into_any(),
                    (Ok(InvitationState::Valid { name, email, authenticator, email_code_to, asks_phone, .. }), _) => view! {
                        <h1>"Welcome, " {name}</h1>
                        <p>"Choose a password for " <strong>{email}</strong> "."</p>
                        {email_code_to.clone().map(|to| view! { <EmailCodeSender token=token() sent_to=to send/> })}
                        <ActionForm action>
                            <input type="hidden" name="token" value=token()/>
                            <NewPasswordField/>
                            {email_code_to.is_some().then(|| view! { <EmailCodeField/> })}
                            {asks_phone.then(|| view! { <PhoneField phone/> })}
                            {authenticator.map(|setup| view! {
                                <fieldset class="authenticator-setup">
                                    <legend>"Set up your authenticator app"</legend>
                                    <p>"Your administrator asks for a code from an authenticator app when you sign in."</p>
                                    <AuthenticatorSetupFields setup/>
                                </fieldset>
                            })}
                            <p class="field-error" role="alert">{failure_text(action.value())}</p>
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

/// For a user whose sign-in security is Email code: a button that emails registration's code
/// (its own form, so it works without the wasm too); the code goes in [`EmailCodeField`].
#[component]
fn EmailCodeSender(
    token: String,
    sent_to: String,
    send: ServerAction<SendRegistrationCode>,
) -> impl IntoView {
    let said = move || match send.value().get() {
        Some(Ok(())) => format!(
            "A code is on its way to {}. It works for 10 minutes.",
            sent_to
        ),
        Some(Err(error)) => error.to_string(),
        None => String::new(),
    };
    view! {
        <section class="email-code" aria-labelledby="email-code-heading">
            <h2 id="email-code-heading">"Confirm your email"</h2>
            <p>"You sign in with a code we email you. To finish registering, get a code now and type it below."</p>
            <ActionForm action=send>
                <input type="hidden" name="token" value=token/>
                <button type="submit" disabled=move || send.pending().get()>"Email me a code"</button>
                " " <span role="status">{said}</span>
            </ActionForm>
        </section>
    }
}

/// Registration's emailed code, in the registration form.
#[component]
fn EmailCodeField() -> impl IntoView {
    view! {
        <div class="field">
            <label for="email-code">"Code from the email"</label>
            <input id="email-code" name="code" type="text" required=true inputmode="numeric"
                autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7"/>
        </div>
    }
}

/// The optional phone number registration asks for when the user has none, checked as typed
/// by the same rule as import (the server checks it again).
#[component]
fn PhoneField(phone: RwSignal<String>) -> impl IntoView {
    let check = PhoneCheck::new(phone);
    let error = Signal::derive(move || check.verdict().err().map(|issue| issue.message()));
    view! {
        <TextField id="phone" label="Phone (optional)" value=phone input_type="tel" autocomplete="tel"
            hint="Start with + and the country code, e.g. +1 888 667 8888." error
            status=Signal::derive(move || check.status())/>
    }
}
