use crate::api::users::run_bulk_user_action;
use crate::model::{count_of, BulkTarget, BulkUserAction, RoleInfo, UserFilter};
use leptos::prelude::*;
use std::collections::HashSet;

/// All users' bulk actions: resend invitations, assign or remove a role, on the selected rows
/// or on every user the filter matches (not only this page). Asks before acting, saying how
/// many users it will touch, then reports what was done and what was skipped.
#[component]
pub fn BulkUserActions(
    selection: RwSignal<HashSet<i64>>,
    /// Everyone matching the filter is selected, not only rows of this page.
    all_matching: RwSignal<bool>,
    filter: UserFilter,
    /// How many users the filter matches.
    total: i64,
    roles: Vec<RoleInfo>,
    /// What the last action did (or why it could not run); the page shows it, so it outlives
    /// the list's refresh after the action.
    message: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    // The action, its question, and what it was asked about (so the count confirmed is the
    // count sent, whatever is ticked meanwhile).
    let confirming = RwSignal::new(None::<(BulkUserAction, String, BulkTarget, usize)>);
    // Ticking or unticking a row after "Select all matching" goes back to the ticked rows.
    Effect::new(move |previous: Option<()>| {
        selection.track();
        if previous.is_some() {
            all_matching.set(false);
        }
    });
    let role_names = StoredValue::new(roles.clone());
    let filter = StoredValue::new(filter);
    let role_name = move |id: i64| {
        role_names.with_value(|roles| {
            roles
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone())
                .unwrap_or_default()
        })
    };
    let count = move || {
        if all_matching.get() {
            total as usize
        } else {
            selection.with(HashSet::len)
        }
    };
    let target = move || {
        if all_matching.get_untracked() {
            BulkTarget::Matching(filter.get_value())
        } else {
            BulkTarget::Selected(selection.with_untracked(|s| s.iter().copied().collect()))
        }
    };
    let act = Action::new(
        move |(target, action, confirmed): &(BulkTarget, BulkUserAction, usize)| {
            let (target, action, confirmed) = (target.clone(), *action, *confirmed);
            async move {
                (
                    action,
                    run_bulk_user_action(target, action, confirmed).await,
                )
            }
        },
    );
    Effect::new(move |_| {
        if let Some((action, result)) = act.value().get() {
            match result {
                Ok(outcome) => {
                    let name = match action {
                        BulkUserAction::AssignRole { role_id }
                        | BulkUserAction::RemoveRole { role_id } => role_name(role_id),
                        BulkUserAction::ResendInvitation => String::new(),
                    };
                    message.set(Some(outcome.describe(action, &name)));
                    selection.set(HashSet::new());
                    all_matching.set(false);
                    on_done.run(());
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        }
    });
    let parse_action = |value: &str| -> Option<BulkUserAction> {
        let (verb, id) = value.split_once(':').unwrap_or((value, ""));
        let role_id = id.parse().ok();
        match verb {
            "resend" => Some(BulkUserAction::ResendInvitation),
            "assign" => role_id.map(|role_id| BulkUserAction::AssignRole { role_id }),
            "remove" => role_id.map(|role_id| BulkUserAction::RemoveRole { role_id }),
            _ => None,
        }
    };
    let ask = move |_| {
        let n = count();
        message.set(None);
        let Some(action) = parse_action(&chosen.get_untracked()) else {
            message.set(Some("Choose an action first.".into()));
            return;
        };
        if n == 0 {
            message.set(Some("Select one or more users first.".into()));
            return;
        }
        let users = count_of(n, "user", "users");
        let question = match action {
            BulkUserAction::ResendInvitation => format!("Send a new invitation to {users}?"),
            BulkUserAction::AssignRole { role_id } => {
                format!("Assign {} to {users}?", role_name(role_id))
            }
            BulkUserAction::RemoveRole { role_id } => {
                format!("Remove {} from {users}?", role_name(role_id))
            }
        };
        confirming.set(Some((action, question, target(), n)));
    };
    let confirm = move |_| {
        if let Some((action, _, target, confirmed)) = confirming.get_untracked() {
            confirming.set(None);
            act.dispatch((target, action, confirmed));
        }
    };
    view! {
        <div class="bulk-bar" role="toolbar" aria-label="Selected users">
            <span class="muted" aria-live="polite">
                {move || if all_matching.get() {
                    format!("All {} matching selected", count_of(total as usize, "user", "users"))
                } else {
                    format!("{} selected", selection.with(HashSet::len))
                }}
            </span>
            {move || if all_matching.get() {
                view! { <button type="button" class="link" on:click=move |_| { all_matching.set(false); selection.set(HashSet::new()); }>"Clear selection"</button> }.into_any()
            } else {
                view! { <button type="button" class="link" disabled=total == 0 on:click=move |_| all_matching.set(true)>
                    {format!("Select all {} matching", total)}
                </button> }.into_any()
            }}
            <label for="bulk-action" class="visually-hidden">"Action for the selected users"</label>
            <select id="bulk-action" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"Choose an action…"</option>
                <option value="resend">"Resend invitation"</option>
                <optgroup label="Assign role">
                    {roles.iter().map(|r| view! { <option value=format!("assign:{}", r.id)>{format!("Assign {}", r.name)}</option> }).collect_view()}
                </optgroup>
                <optgroup label="Remove role">
                    {roles.iter().map(|r| view! { <option value=format!("remove:{}", r.id)>{format!("Remove {}", r.name)}</option> }).collect_view()}
                </optgroup>
            </select>
            <button type="button" class="button" on:click=ask disabled=move || act.pending().get()>
                {move || if act.pending().get() { "Working…" } else { "Apply to selected…" }}
            </button>
        </div>
        <Show when=move || confirming.with(Option::is_some)>
            <div class="confirm" role="alertdialog" aria-labelledby="bulk-question">
                <p id="bulk-question">{move || confirming.get().map(|(_, q, _, _)| q)}</p>
                <button type="button" class="button primary" on:click=confirm>"Confirm"</button>
                <button type="button" class="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
            </div>
        </Show>
    }
}
