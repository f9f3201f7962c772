use super::InvitationBadge;
use crate::model::UserSummary;
use leptos::prelude::*;

#[component]
pub fn UsersTable(
    users: Vec<UserSummary>,
    #[prop(optional)] caption: Option<&'static str>,
) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">"No users yet."</p> }.into_any();
    }
    view! {
        <table class="data-table">
            {caption.map(|c| view! { <caption class="visually-hidden">{c}</caption> })}
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"Roles"</th>
                    <th scope="col">"Invitation"</th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! {
                    <tr>
                        <td><a href=format!("/admin/users/{}", user.id)>{format!("{} {}", user.first_name, user.last_name)}</a></td>
                        <td>{user.email}</td>
                        <td>{user.kind.label()}</td>
                        <td>{user.organization.unwrap_or_else(|| "—".into())}</td>
                        <td>{user.roles.join(", ")}</td>
                        <td><InvitationBadge status=user.invitation/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
