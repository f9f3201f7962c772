use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::collections::HashSet;

/// Why an action on the selected users cannot run, or `None` when it can.
pub fn clone_blocked_reason(selected: usize) -> Option<&'static str> {
    match selected {
        1 => None,
        0 => Some("Select one user to clone."),
        _ => Some("Select only one user to clone."),
    }
}

/// The Actions menu over All users, acting on the selected rows.
#[component]
pub fn UsersActions(selection: RwSignal<HashSet<i64>>) -> impl IntoView {
    let count = move || selection.with(HashSet::len);
    let reason = move || clone_blocked_reason(count());
    let navigate = use_navigate();
    let clone = move |_| {
        if let Some(id) =
            selection.with_untracked(|s| (s.len() == 1).then(|| s.iter().next().copied()).flatten())
        {
            navigate(&format!("/admin/users/{id}/clone"), Default::default());
        }
    };
    view! {
        <div class="actions-bar">
            <span class="muted" aria-live="polite">{move || format!("{} selected", count())}</span>
            <details class="menu">
                <summary>"Actions"</summary>
                <div class="menu-items">
                    <button type="button" class="link" disabled=move || reason().is_some()
                        aria-describedby="clone-reason" on:click=clone>"Clone user"</button>
                    <p id="clone-reason" class="hint">{reason}</p>
                </div>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::clone_blocked_reason;

    #[test]
    fn clone_needs_exactly_one_selected_user_and_says_why_otherwise() {
        assert_eq!(clone_blocked_reason(1), None);
        assert_eq!(clone_blocked_reason(0), Some("Select one user to clone."));
        assert_eq!(
            clone_blocked_reason(3),
            Some("Select only one user to clone.")
        );
    }
}
