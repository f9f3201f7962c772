use crate::api::users::list_users;
use crate::components::{poll_every, ErrorNotice, ImportUsersModal, UsersActions, UsersTable};
use crate::model::UserKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Administration → Accounts → All users.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()))
            .unwrap_or(0)
            .max(0)
    };
    let users = Resource::new(page, list_users);
    let selection = RwSignal::new(std::collections::HashSet::new());
    let importing = RwSignal::new(false);
    // Statuses change when people accept: refresh quietly, but not under the open modal.
    poll_every(std::time::Duration::from_secs(10), move || {
        if !importing.get_untracked() {
            users.refetch();
        }
    });
    Effect::new(move |was_open: Option<bool>| {
        let open = importing.get();
        if was_open == Some(true) && !open {
            users.refetch();
        }
        open
    });
    view! {
        <Title text="All users"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">"Administration › Accounts › All users"</nav>
        <div class="page-head">
            <h1>"All users"</h1>
            <div class="head-actions">
                <button type="button" class="button" on:click=move |_| importing.set(true)>"Import technicians"</button>
                <A href="/admin/users/new" attr:class="button primary">"Add user"</A>
            </div>
        </div>
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || users.get().map(|result| match result {
                Ok(data) => {
                    let pages = (data.total + data.page_size - 1) / data.page_size;
                    let shown = data.users.len();
                    view! {
                        <p class="muted">{format!("{} users", data.total)}</p>
                        <UsersActions selection/>
                        <UsersTable users=data.users caption="All users" selection/>
                        <nav class="pager" aria-label="Pages">
                            {(data.page > 0).then(|| view! { <a href=format!("?page={}", data.page - 1)>"← Previous"</a> })}
                            <span>{format!("Page {} of {}", data.page + 1, pages.max(1))}</span>
                            {(data.page + 1 < pages && shown > 0).then(|| view! { <a href=format!("?page={}", data.page + 1)>"Next →"</a> })}
                        </nav>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Transition>
        <Show when=move || importing.get()>
            <ImportUsersModal kind=UserKind::Technician organization_id=None open=importing/>
        </Show>
    }
}
