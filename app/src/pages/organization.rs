use crate::api::organizations::get_organization;
use crate::components::{prefetch_import_engine, ErrorNotice, ImportUsersModal, UsersTable};
use crate::model::UserKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Organizations → an organization, on its End users tab.
#[component]
pub fn OrganizationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let organization = Resource::new(id, |id| get_organization(id, 0));
    let importing = RwSignal::new(false);
    // The End users tab shows the new users once the modal closes.
    Effect::new(move |was_open: Option<bool>| {
        let open = importing.get();
        if was_open == Some(true) && !open {
            organization.refetch();
        }
        open
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || organization.get().map(|result| match result {
                Ok(org) => view! {
                    <Title text=org.name.clone()/>
                    <nav class="breadcrumbs" aria-label="Breadcrumb">
                        <a href="/admin/organizations">"Organizations"</a>" › "{org.name.clone()}
                    </nav>
                    <div class="page-head">
                        <h1>{org.name.clone()}</h1>
                        <button type="button" class="button primary" on:click=move |_| importing.set(true)
                    on:mouseenter=move |_| prefetch_import_engine() on:focus=move |_| prefetch_import_engine()>"Import users"</button>
                        <a class="button" href=format!("/admin/users/new?organization={}", org.id)>"Add end user"</a>
                    </div>
                    <div class="tabs" role="tablist">
                        <span role="tab" aria-selected="true" class="tab active">"End users"</span>
                    </div>
                    <div role="tabpanel">
                        <UsersTable users=org.end_users caption="End users"/>
                    </div>
                    <Show when=move || importing.get()>
                        <ImportUsersModal kind=UserKind::EndUser organization_id=Some(org.id) open=importing/>
                    </Show>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}
