use crate::api::organizations::get_organization;
use crate::components::{ErrorNotice, UsersTable};
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
                        <a class="button primary" href=format!("/admin/users/new?organization={}", org.id)>"Add end user"</a>
                    </div>
                    <div class="tabs" role="tablist">
                        <span role="tab" aria-selected="true" class="tab active">"End users"</span>
                    </div>
                    <div role="tabpanel">
                        <UsersTable users=org.end_users caption="End users"/>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}
