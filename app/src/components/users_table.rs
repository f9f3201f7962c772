use super::InvitationBadge;
use crate::model::UserSummary;
use leptos::prelude::*;
use std::collections::HashSet;

/// Users in a table. With `selection`, each row gets a checkbox; every row has a menu of
/// actions (a `<details>`, so it works with the keyboard and before the wasm loads).
#[component]
pub fn UsersTable(
    users: Vec<UserSummary>,
    #[prop(optional)] caption: Option<&'static str>,
    #[prop(optional)] selection: Option<RwSignal<HashSet<i64>>>,
) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">"No users yet."</p> }.into_any();
    }
    view! {
        <table class="data-table">
            {caption.map(|c| view! { <caption class="visually-hidden">{c}</caption> })}
            <thead>
                <tr>
                    {selection.map(|_| view! { <th scope="col"><span class="visually-hidden">"Select"</span></th> })}
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"Roles"</th>
                    <th scope="col">"Invitation"</th>
                    <th scope="col"><span class="visually-hidden">"Row actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| {
                    let name = format!("{} {}", user.first_name, user.last_name);
                    let id = user.id;
                    view! {
                        <tr>
                            {selection.map(|selected| view! {
                                <td>
                                    <input type="checkbox" aria-label=format!("Select {name}")
                                        prop:checked=move || selected.with(|s| s.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                        }/>
                                </td>
                            })}
                            <td><a href=format!("/admin/users/{id}")>{name.clone()}</a></td>
                            <td>{user.email}</td>
                            <td>{user.kind.label()}</td>
                            <td>{user.organization.unwrap_or_else(|| "—".into())}</td>
                            <td>{user.roles.join(", ")}</td>
                            <td>
                                <InvitationBadge status=user.invitation/>
                                {user.time_left.map(|t| view! { <span class="muted small">{format!(" {t}")}</span> })}
                            </td>
                            <td>
                                <details class="menu row-menu">
                                    <summary aria-label=format!("Actions for {name}")>"⋯"</summary>
                                    <div class="menu-items">
                                        <a href=format!("/admin/users/{id}")>"Open"</a>
                                        <a href=format!("/admin/users/{id}/clone")>"Clone user"</a>
                                    </div>
                                </details>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
