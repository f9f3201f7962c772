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
                    (_, Some(Ok(done))) => view! {
                        <h1>"You are registered"</h1>
                        {(!done.recovery_codes.is_empty()).then(|| view! { <RecoveryCodes codes=done.recovery_codes.clone()/> })}
                        {match done.kind {
                            UserKind::Technician => view! { <p>"Your password is set. " <a href="/login">"Sign in"</a></p> }.into_any(),
                            UserKind::EndUser => view! { <p>"Your password is set. You can close this page."</p> }.into_any(),
                        }}
                    }.into_any(),
                    (Ok(InvitationState::Valid { name, email, authenticator, .. }), _) => view! {
                        <h1>"Welcome, " {name}</h1>
                        <p>"Choose a password for " <strong>{email}</strong> "."</p>
                        <ActionForm action>
                            <input type="hidden" name="token" value=token()/>
                            <NewPasswordField/>
                            {authenticator.map(|setup| view! {
                                <fieldset class="authenticator-setup">
                                    <legend>"Set up your authenticator app"</legend>
                                    <p>"Your administrator asks for a code from an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …) when you sign in. Scan this QR code with it:"</p>
                                    <img src=setup.qr_data_url.clone() width="200" height="200"
                                        alt="QR code for your authenticator app (the key below says the same)"/>
                                    <p>"Or type this key into it: " <code class="totp-secret">{setup.secret_text.clone()}</code></p>
                                    <div class="field">
                                        <label for="totp-code">"Code from the app"</label>
                                        <input id="totp-code" name="code" type="text" required=true inputmode="numeric"
                                            autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7"/>
                                    </div>
                                </fieldset>
                            })}
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

/// The recovery codes, shown once, with copy and download buttons.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let text = codes.join("\n");
    let copied = RwSignal::new(false);
    let copy_text = text.clone();
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    view! {
        <section class="notice" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">"Your recovery codes"</h2>
            <p>"If you lose your phone, sign in with one of these instead of a code from the app. Each works once. Keep them somewhere safe: they are not shown again."</p>
            <ul class="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
            <p>
                <button type="button" on:click=move |_| {
                    let text = copy_text.clone();
                    leptos::task::spawn_local(async move { copied.set(crate::browser::copy_text(&text).await) });
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                " "
                <a href=download download="recovery-codes.txt" class="button">"Download"</a>
            </p>
        </section>
    }
}
