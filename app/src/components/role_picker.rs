use super::user_form::UserFormState;
use crate::model::RoleInfo;
use leptos::prelude::*;

/// Checkboxes for the roles that suit the chosen kind of user.
#[component]
pub fn RolePicker(
    state: UserFormState,
    roles: Vec<RoleInfo>,
    error: Signal<Option<&'static str>>,
) -> impl IntoView {
    let roles = StoredValue::new(roles);
    view! {
        <fieldset id="roles" class:invalid=move || error.get().is_some() aria-describedby="roles-error">
            <legend>"Roles"</legend>
            <div class="checkbox-grid">
                {move || {
                    let kind = state.kind.get();
                    roles.with_value(|all| all.iter().filter(|r| r.applies_to == kind).cloned().collect::<Vec<_>>())
                        .into_iter()
                        .map(|role| {
                            let id = role.id;
                            let toggle = move |ev| {
                                let on = event_target_checked(&ev);
                                state.role_ids.update(|ids| {
                                    ids.retain(|x| *x != id);
                                    if on { ids.push(id); }
                                });
                            };
                            view! {
                                <label class="checkbox">
                                    <input type="checkbox" name="role_ids[]" value=id.to_string()
                                        checked=state.role_ids.get_untracked().contains(&id)
                                        prop:checked=move || state.role_ids.get().contains(&id) on:change=toggle/>
                                    " " {role.name.clone()}
                                    {role.is_default.then_some(view! { <span class="muted">" (default)"</span> })}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <p class="field-error" id="roles-error" aria-live="polite">{move || error.get()}</p>
        </fieldset>
    }
}
