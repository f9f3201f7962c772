use super::InvitationBadge;
use crate::model::{UserFilter, UserSort, UserSummary};
use leptos::prelude::*;
use std::collections::HashSet;

/// Users in a table. With `selection`, each row gets a checkbox; every row has a menu of
/// actions (a `<details>`, so it works with the keyboard and before the wasm loads). With
/// `sorting` (the list's current filter), the column headers are links that sort by that
/// column, then reverse it.
#[component]
pub fn UsersTable(
    users: Vec<UserSummary>,
    #[prop(optional)] caption: Option<&'static str>,
    #[prop(optional)] selection: Option<RwSignal<HashSet<i64>>>,
    #[prop(optional)] sorting: Option<UserFilter>,
    #[prop(optional)] empty: Option<&'static str>,
) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">{empty.unwrap_or("No users yet.")}</p> }.into_any();
    }
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let header = move |label: &'static str, sort: UserSort| match &sorting {
        None => view! { <th scope="col">{label}</th> }.into_any(),
        Some(filter) => {
            let current = filter.sort == sort;
            let aria_sort = match (current, filter.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            };
            let arrow = match aria_sort {
                "ascending" => " ▲",
                "descending" => " ▼",
                _ => "",
            };
            let href = format!("?{}", filter.sorted_by(sort).to_query());
            view! {
                <th scope="col" aria-sort=aria_sort>
                    <a href=href class="sort-link">{label}<span aria-hidden="true">{arrow}</span></a>
                </th>
            }
            .into_any()
        }
    };
    view! {
        <table class="data-table">
            {caption.map(|c| view! { <caption class="visually-hidden">{c}</caption> })}
            <thead>
                <tr>
                    {selection.map(|selected| {
                        let ids = ids.clone();
                        let all = ids.clone();
                        view! {
                            <th scope="col">
                                <input type="checkbox" aria-label="Select all on this page"
                                    prop:checked=move || !all.is_empty() && selected.with(|s| all.iter().all(|id| s.contains(id)))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| for id in &ids { if on { s.insert(*id); } else { s.remove(id); } });
                                    }/>
                            </th>
                        }
                    })}
                    {header("Name", UserSort::Name)}
                    {header("Email", UserSort::Email)}
                    {header("Kind", UserSort::Kind)}
                    {header("Organization", UserSort::Organization)}
                    <th scope="col">"Roles"</th>
                    {header("Invitation", UserSort::Status)}
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
