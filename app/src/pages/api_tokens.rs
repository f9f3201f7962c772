use crate::api::api_tokens::{create_api_token, list_api_tokens, revoke_api_token};
use crate::browser;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::model::{
    format_time, ApiTokenView, NewApiToken, API_TOKEN_EXPIRIES, API_TOKEN_NAME_MAX_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Administration → API tokens: make a token for a script (shown once), see when each was
/// last used, revoke one.
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let tokens = Resource::new(|| (), |_| list_api_tokens());
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_string());
    let create =
        Action::new(|(name, days): &(String, Option<u32>)| create_api_token(name.clone(), *days));
    let revoke = Action::new(|id: &i64| revoke_api_token(*id));
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            name.set(String::new());
            tokens.refetch();
        }
    });
    Effect::new(move |_| {
        if revoke.value().get().is_some() {
            tokens.refetch();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = days.get_untracked().parse::<u32>().ok();
        create.dispatch((name.get_untracked(), chosen));
    };
    view! {
        <Title text="API tokens"/>
        <h1>"API tokens"</h1>
        <p>
            "Scripts import users through the REST API with a token: "
            <code>"Authorization: Bearer <token>"</code>
            ". A token acts as the System Administrator who made it, and stops working when it is revoked, when it expires, or when that administrator is no longer one. "
            "Send a CSV file to "<code>"POST /ws/appuser/bulk-import"</code>
            " and follow the import at "<code>"GET /ws/imports/{id}"</code>". "
            <A href="/admin/api-reference">"API reference"</A>" (every operation, parameter and answer; the OpenAPI document is at "
            <a href="/ws/openapi.json" rel="external">"/ws/openapi.json"</a>")."
        </p>
        <form class="inline-form" on:submit=submit>
            <div class="field">
                <label for="token-name">"Name"</label>
                <input id="token-name" type="text" required=true maxlength=API_TOKEN_NAME_MAX_CHARS.to_string()
                    placeholder="Nightly HR sync"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="token-expiry">"Expires after"</label>
                <select id="token-expiry" on:change=move |ev| days.set(event_target_value(&ev))>
                    {API_TOKEN_EXPIRIES.iter().map(|(d, label)| {
                        let value = d.map(|d| d.to_string()).unwrap_or_else(|| "never".into());
                        let selected = value == "90";
                        view! { <option value=value selected=selected>{*label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
        </form>
        {move || create.value().get().map(|result| match result {
            Ok(made) => view! { <NewTokenNotice made/> }.into_any(),
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        })}
        {move || revoke.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
        // Said politely when a token is revoked; always in the page, so screen readers hear it.
        <p class="visually-hidden" role="status">{move || revoke.value().get().and_then(Result::ok).map(|token| format!("Token “{}” revoked: it no longer works.", token.name))}</p>
        // A transition: the list stays in place (and focus with it) while it is read again.
        <Transition fallback=|| view! { <p>"Loading tokens…"</p> }>
            {move || tokens.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p class="empty">"No API tokens yet."</p>
                }.into_any(),
                Ok(list) => view! { <TokenTable list revoke/> }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Transition>
    }
}

/// The token just made, with a copy button: it is never shown again.
#[component]
fn NewTokenNotice(made: NewApiToken) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = made.secret.clone();
    view! {
        <div class="notice" role="status">
            <p><strong>{format!("Token “{}” made. ", made.token.name)}</strong>
                "Copy it now: it will not be shown again."</p>
            <p><code class="token-secret">{made.secret.clone()}</code>" "
                <button type="button" on:click=move |_| {
                    let text = secret.clone();
                    leptos::task::spawn_local(async move { copied.set(browser::copy_text(&text).await) });
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </p>
        </div>
    }
}

#[component]
fn TokenTable(
    list: Vec<ApiTokenView>,
    revoke: Action<i64, Result<ApiTokenView, AppError>>,
) -> impl IntoView {
    let when =
        |at: Option<i64>, none: &'static str| at.map(format_time).unwrap_or_else(|| none.into());
    let confirming = RwSignal::new(None::<i64>);
    view! {
        <table class="data-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Made by"</th><th scope="col">"Made"</th>
                <th scope="col">"Last used"</th><th scope="col">"Expires"</th><th scope="col">"State"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|token| {
                    let id = token.id;
                    let name = token.name.clone();
                    let expired = token.expired;
                    let state = match token.revoked_at {
                        Some(at) => view! { <span>{format!("Revoked {}", format_time(at))}</span> }.into_any(),
                        None if expired => view! { <span>"Expired"</span> }.into_any(),
                        // Revoking cannot be undone: a second click confirms it.
                        None => {
                            let label = name.clone();
                            view! {
                                <Show when=move || confirming.get() == Some(id) fallback=move || {
                                    let label = label.clone();
                                    view! {
                                        <button type="button" aria-label=format!("Revoke {label}")
                                            on:click=move |_| confirming.set(Some(id))>"Revoke"</button>
                                    }
                                }>
                                    <span>"Stop it working now? "</span>
                                    <button type="button" class="danger" aria-label=format!("Confirm revoking {name}")
                                        on:click=move |_| { confirming.set(None); revoke.dispatch(id); }>"Revoke"</button>
                                    " "
                                    <button type="button" on:click=move |_| confirming.set(None)>"Keep"</button>
                                </Show>
                            }.into_any()
                        }
                    };
                    view! {
                        <tr>
                            <td>{token.name}</td>
                            <td>{token.created_by}</td>
                            <td>{format_time(token.created_at)}</td>
                            <td>{when(token.last_used_at, "Never")}</td>
                            <td>{when(token.expires_at, "Never")}</td>
                            <td>{state}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
