use crate::api::session::{open_sign_in_challenge, resend_sign_in_code, VerifySignInCode};
use crate::components::failure_text;
use crate::model::{format_time, MfaMethod};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login/code`: the second step of signing in, for a technician whose sign-in security is
/// Email code or Authenticator app. A plain form post, so it works before (and without) the
/// wasm.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let challenge = Resource::new(|| (), |_| open_sign_in_challenge());
    let action = ServerAction::<VerifySignInCode>::new();
    let resend = Action::new(|_: &()| resend_sign_in_code());
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let error = failure_text(action.value());
    let resent = move || match resend.value().get() {
        Some(Ok(())) => "A new code is on its way.".to_string(),
        Some(Err(error)) => error.to_string(),
        None => String::new(),
    };
    view! {
        <Title text="Sign-in code"/>
        <main class="page narrow">
            <h1>"Enter your sign-in code"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || challenge.get().map(|found| match found {
                    Ok(Some(challenge)) if challenge.method == MfaMethod::Email => view! {
                        <p>"We emailed a 6-digit code to " <strong>{challenge.sent_to.clone()}</strong>
                            ". It works once, until " {format_time(challenge.expires_at)} "."</p>
                        <ActionForm action>
                            <input type="hidden" name="next" value=next/>
                            <div class="field">
                                <label for="sign-in-code">"Code"</label>
                                <input id="sign-in-code" name="code" type="text" required=true
                                    inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}"
                                    maxlength="7" autofocus=true/>
                            </div>
                            <p class="field-error" role="alert">{error}</p>
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Sign in"</button>
                        </ActionForm>
                        <p>
                            <button type="button" disabled=move || resend.pending().get()
                                on:click=move |_| { resend.dispatch(()); }>"Email me a new code"</button>
                            <span role="status">{resent}</span>
                        </p>
                    }.into_any(),
                    Ok(Some(challenge)) if challenge.method == MfaMethod::Authenticator => view! {
                        <p>"Enter the 6-digit code your authenticator app shows for Bulk user import, or one of your recovery codes. "
                            "This sign-in waits until " {format_time(challenge.expires_at)} "."</p>
                        <ActionForm action>
                            <input type="hidden" name="next" value=next/>
                            <div class="field">
                                <label for="sign-in-code">"Code"</label>
                                <input id="sign-in-code" name="code" type="text" required=true
                                    autocomplete="one-time-code" maxlength="20" autofocus=true/>
                            </div>
                            <p class="field-error" role="alert">{error}</p>
                            <button type="submit" class="primary" disabled=move || action.pending().get()>"Sign in"</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! {
                        <p>"This sign-in has expired, or was already used."</p>
                        <p><a href="/login">"Sign in again"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </main>
    }
}
