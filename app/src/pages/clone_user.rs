use crate::api::clone::CloneUser;
use crate::api::users::user_and_choices;
use crate::components::{CloneUserForm, ErrorNotice};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Clone user: a new account with an existing user's settings.
#[component]
pub fn CloneUserPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let data = Resource::new(id, user_and_choices);
    // Without JavaScript the form posts straight to the server function, which sends a failed
    // attempt back here with the error in the query string.
    let error_from_plain_post = query
        .with_untracked(|q| q.get("__err"))
        .and_then(|e| decode_error(&e));
    let action = ServerAction::<CloneUser>::new();
    view! {
        <Title text="Clone user"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/admin/users">"All users"</a>" › Clone user"</nav>
        <h1>"Clone user"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((source, roles, organizations)) => view! {
                    <CloneUserForm source roles organizations action initial_error=error_from_plain_post.clone()/>
                }.into_any(),
                Err(AppError::NotFound(_)) => view! {
                    <ErrorNotice error=AppError::NotFound("The user you want to copy".into())/>
                    <p><a href="/admin/users">"Back to All users"</a></p>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

fn decode_error(encoded: &str) -> Option<AppError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(encoded)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
