use super::InvitationCommand;
use crate::components::InvitationBadge;
use crate::model::format_time;
use crate::model::{InvitationStatus, UserSummary};
use leptos::prelude::*;
use std::collections::HashSet;

/// The dashboard's users. Checkboxes (named for the bulk form, so they post without wasm) and a
/// row menu with what that user's status allows.
#[component]
pub fn InvitationsTable(
    users: Vec<UserSummary>,
    selection: RwSignal<HashSet<i64>>,
    on_command: Callback<(InvitationCommand, Vec<i64>)>,
) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">"No users match these filters."</p> }.into_any();
    }
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let all_ids = ids.clone();
    let all_selected =
        move || !all_ids.is_empty() && selection.with(|s| all_ids.iter().all(|id| s.contains(id)));
    view! {
        <table class="data-table">
            <caption class="visually-hidden">"Invitations"</caption>
            <thead>
                <tr>
                    <th scope="col">
                        <input type="checkbox" aria-label="Select all on this page" prop:checked=all_selected
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selection.update(|s| for id in &ids { if on { s.insert(*id); } else { s.remove(id); } });
                            }/>
                    </th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Invited at"</th>
                    <th scope="col"><span class="visually-hidden">"Row actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! { <InvitationRow user selection on_command/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn InvitationRow(
    user: UserSummary,
    selection: RwSignal<HashSet<i64>>,
    on_command: Callback<(InvitationCommand, Vec<i64>)>,
) -> impl IntoView {
    let name = format!("{} {}", user.first_name, user.last_name);
    let id = user.id;
    let status = user.invitation;
    let send_label = match status {
        InvitationStatus::NotInvited => "Send invite",
        InvitationStatus::SendFailed => "Retry sending",
        _ => "Resend invitation",
    };
    view! {
        <tr>
            <td>
                <input type="checkbox" name="user_ids[]" value=id.to_string() aria-label=format!("Select {name}")
                    prop:checked=move || selection.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selection.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                    }/>
            </td>
            <td><a href=format!("/admin/users/{id}")>{name.clone()}</a></td>
            <td>{user.email}</td>
            <td>{user.kind.label()}</td>
            <td>{user.organization.unwrap_or_else(|| "—".into())}</td>
            <td>
                <InvitationBadge status/>
                {user.time_left.map(|t| view! { <span class="muted small">{format!(" {t}")}</span> })}
            </td>
            <td>{user.invited_at.map(format_time).unwrap_or_else(|| "—".into())}</td>
            <td>
                <details class="menu row-menu">
                    <summary aria-label=format!("Actions for {name}")>"⋯"</summary>
                    <div class="menu-items">
                        {status.can_invite().then(|| view! {
                            <button type="button" class="link" on:click=move |_| on_command.run((InvitationCommand::Resend, vec![id]))>{send_label}</button>
                        })}
                        {status.can_revoke().then(|| view! {
                            <button type="button" class="link" on:click=move |_| on_command.run((InvitationCommand::Revoke, vec![id]))>"Revoke"</button>
                        })}
                        <a href=format!("/admin/users/{id}")>"Open"</a>
                    </div>
                </details>
            </td>
        </tr>
    }
}
