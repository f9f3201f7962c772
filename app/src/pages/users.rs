use crate::api::users::list_users;
use crate::components::{
    poll_every, prefetch_import_engine, BulkUserActions, ErrorNotice, FilterChoices,
    ImportUsersModal, UserFilters, UserListPager, UsersActions, UsersTable,
};
use crate::model::{count_of, UserFilter, UserKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Administration → Accounts → All users: search, filters and sorting held in the URL (so a
/// view can be bookmarked and the back button works), 50 users a page from the server.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| UserFilter::from_query(|k| q.get(k))));
    let users = Resource::new(move || filter.get(), list_users);
    // The filter form's choices load once: a refresh must not redraw a form being filled in.
    let choices = Resource::new(|| (), |_| FilterChoices::load());
    let selection = RwSignal::new(std::collections::HashSet::new());
    let all_matching = RwSignal::new(false);
    let bulk_message = RwSignal::new(None::<String>);
    // A different list (filters, sort, page) starts with nothing selected.
    Effect::new(move |_| {
        filter.track();
        selection.set(std::collections::HashSet::new());
        all_matching.set(false);
    });
    let refresh = Callback::new(move |_| users.refetch());
    let importing = RwSignal::new(false);
    // Statuses change when people accept: refresh quietly, but not under the open modal or a
    // half-typed search.
    poll_every(std::time::Duration::from_secs(10), move || {
        if !importing.get_untracked()
            && !crate::browser::user_is_busy()
            && selection.with_untracked(|s| s.is_empty())
            && !all_matching.get_untracked()
        {
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
                <button type="button" class="button" on:click=move |_| importing.set(true)
                    on:mouseenter=move |_| prefetch_import_engine() on:focus=move |_| prefetch_import_engine()>"Import technicians"</button>
                <A href="/admin/users/new" attr:class="button primary">"Add user"</A>
            </div>
        </div>
        <Suspense fallback=|| ()>
            {move || {
                let current = filter.get();
                Suspend::new(async move {
                    let choices = choices.await;
                    view! { <UserFilters filter=current choices label="Filter users"/> }
                })
            }}
        </Suspense>
        <p class="action-result" role="status" aria-live="polite">{move || bulk_message.get()}</p>
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || users.get().map(|result| match result {
                Ok(data) => {
                    let current = filter.get_untracked();
                    let summary = if current.narrows() {
                        format!("{} match", count_of(data.total as usize, "user", "users"))
                    } else {
                        count_of(data.total as usize, "user", "users")
                    };
                    let empty = if current.narrows() {
                        "No users match these filters."
                    } else if data.total > 0 {
                        "No users on this page."
                    } else {
                        "No users yet."
                    };
                    let roles = choices.get().map(|c| c.roles).unwrap_or_default();
                    let bulk = view! {
                        <BulkUserActions selection all_matching filter=current.clone() total=data.total roles message=bulk_message on_done=refresh/>
                    };
                    let ends = data.users.first().zip(data.users.last()).map(|(f, l)| (f.id, l.id));
                    let (total, page_size) = (data.total, data.page_size);
                    view! {
                        <p class="muted" role="status">{summary}</p>
                        <UsersActions selection/>
                        {bulk}
                        <UsersTable users=data.users caption="All users" selection sorting=current.clone()
                            empty/>
                        <UserListPager filter=current total page_size ends/>
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
