use crate::api::organizations::list_organizations;
use crate::components::ErrorNotice;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let organizations = Resource::new(|| (), |_| list_organizations());
    view! {
        <Title text="Organizations"/>
        <h1>"Organizations"</h1>
        <Suspense fallback=|| view! { <p>"Loading organizations…"</p> }>
            {move || organizations.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p class="empty">"No organizations yet. Run the demo-data command to add some."</p>
                }.into_any(),
                Ok(list) => view! {
                    <table class="data-table">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"End users"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|org| view! {
                                <tr>
                                    <td><a href=format!("/admin/organizations/{}", org.id)>{org.name}</a></td>
                                    <td>{org.end_user_count}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}
