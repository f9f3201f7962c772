use crate::api::session::SignIn;
use crate::components::failure_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sign in. A plain form post, so it works before (and without) the wasm.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let idle = move || query.with(|q| q.get("reason")).as_deref() == Some("idle");
    let error = failure_text(action.value());
    view! {
        <Title text="Sign in"/>
        <main class="page narrow">
            <h1>"Sign in"</h1>
            <Show when=idle>
                <p class="notice">"You were signed out because you were idle."</p>
            </Show>
            <ActionForm action>
                // An attribute, not a property: the server renders it, so a form posted before
                // the wasm loads (or without it) still returns to the page asked for.
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" name="email" type="email" required=true autocomplete="username" maxlength="64"/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password" required=true autocomplete="current-password"/>
                </div>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
        </main>
    }
}
