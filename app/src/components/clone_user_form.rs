use super::user_form::{KindField, LiveCheck, OrganizationField, UserFormState};
use super::{ErrorNotice, RolePicker, SettingsFields, TextField};
use crate::api::clone::CloneUser;
use crate::api::users::email_in_use;
use crate::error::AppError;
use crate::model::{OrganizationSummary, RoleInfo, UserDetail};
use crate::rules::{settings_copied_from, Email, Field, IssueCode, NAME_MAX_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use std::time::Duration;

/// The Clone user form. Rendered on the server, it posts as a plain form before the wasm
/// loads; once hydrated it checks every field as you type, asks the server (debounced) whether
/// the email is taken, and saves without a page load.
#[component]
pub fn CloneUserForm(
    source: UserDetail,
    roles: Vec<RoleInfo>,
    organizations: Vec<OrganizationSummary>,
    action: ServerAction<CloneUser>,
    initial_error: Option<AppError>,
) -> impl IntoView {
    let state = UserFormState::new(&settings_copied_from(&source));
    let source_name = format!("{} {}", source.first_name, source.last_name);
    let source_id = source.id;
    let roles = StoredValue::new(roles);
    let send_invitation = RwSignal::new(true);
    let server_error = RwSignal::new(initial_error);
    let check = LiveCheck::new(state, roles);
    let taken_email = email_taken_check(state.email);
    let error_for = move |field: Field, value: Option<RwSignal<String>>| {
        Signal::derive(move || {
            if let Some(problem) = check.problem(field, value) {
                return Some(problem);
            }
            if field == Field::Email
                && taken_email
                    .get()
                    .is_some_and(|t| Email::key_of(&t) == Email::key_of(&state.email.get()))
            {
                return Some(IssueCode::EmailAlreadyUsed.message());
            }
            server_error.with(|e| {
                e.as_ref().and_then(|e| {
                    e.field_errors()
                        .iter()
                        .find(|f| f.field == field)
                        .map(|f| f.code.message())
                })
            })
        })
    };
    let navigate = use_navigate();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(id)) => navigate(
            &format!("/admin/users/{id}?cloned_from={source_id}"),
            Default::default(),
        ),
        Some(Err(error)) => server_error.set(Some(error)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !check.ready_to_save() {
            return;
        }
        server_error.set(None);
        let input = state.input();
        action.dispatch(CloneUser {
            source_id,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            phone: input.phone,
            kind: input.kind.as_str().into(),
            organization_id: input
                .organization_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            role_ids: input.role_ids,
            user_type: input.settings.user_type.as_str().into(),
            site: input.settings.site,
            language: input.settings.language,
            idle_warning_minutes: input.settings.idle_warning_minutes.to_string(),
            notify_by_email: input.settings.notify_by_email.then(|| "on".into()),
            notify_by_sms: input.settings.notify_by_sms.then(|| "on".into()),
            mfa_method: input.settings.mfa_method.as_str().into(),
            send_invitation: send_invitation.get_untracked().then(|| "on".into()),
        });
    };
    let other_error = move || server_error.get().filter(|e| e.field_errors().is_empty());
    let max_name = NAME_MAX_CHARS as u32;
    view! {
        {move || other_error().map(|error| view! { <ErrorNotice error/> })}
        <form class="user-form" method="post" action="/api/clone_user" on:submit=submit novalidate=true>
            <input type="hidden" name="source_id" value=source_id.to_string()/>
            <fieldset>
                <legend>"New person"</legend>
                <p class="hint">"Only the new person's details are asked for; everything else is copied."</p>
                <TextField id="first_name" label="First name" value=state.first_name required=true maxlength=max_name autocomplete="off"
                    error=error_for(Field::FirstName, Some(state.first_name))/>
                <TextField id="last_name" label="Last name" value=state.last_name required=true maxlength=max_name autocomplete="off"
                    error=error_for(Field::LastName, Some(state.last_name))/>
                <TextField id="email" label="Email" value=state.email required=true maxlength=64 input_type="email" autocomplete="off"
                    error=error_for(Field::Email, Some(state.email))/>
                <TextField id="phone" label="Phone" value=state.phone input_type="tel" hint="Optional. Start with + and the country code, e.g. +1 888 667 8888."
                    error=error_for(Field::Phone, Some(state.phone)) status=Signal::derive(move || check.phone.status())/>
            </fieldset>
            <section class="copied" aria-labelledby="copied-heading">
                <h2 id="copied-heading">"Copied from " {source_name.clone()}</h2>
                <p class="hint">"These settings come from " {source_name} ". Adjust them if the new person needs something different. Name, email, phone, password, external ID, invitation and history are never copied."</p>
                <fieldset>
                    <legend>"Account"</legend>
                    <KindField state editable=true roles/>
                    <OrganizationField state organizations error=error_for(Field::Organization, None)/>
                </fieldset>
                <RolePicker state roles=roles.get_value() error=error_for(Field::Roles, None)/>
                <SettingsFields state idle_error=error_for(Field::IdleWarning, None) site_error=error_for(Field::Site, Some(state.site))/>
            </section>
            <div class="field checkbox">
                <label><input type="checkbox" id="send_invitation" name="send_invitation" checked=true bind:checked=send_invitation/>" Send an invitation email"</label>
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <a class="button" href="/admin/users">"Cancel"</a>
            </div>
        </form>
    }
}

/// Asks the server whether the email is taken, 400 ms after typing stops, only for emails that
/// pass the rules. Returns the last email the server said is taken.
fn email_taken_check(email: RwSignal<String>) -> ReadSignal<Option<String>> {
    let (taken, set_taken) = signal(None::<String>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let value = email.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if Email::parse(&value).is_err() {
            return;
        }
        set_timeout(
            move || {
                if generation.get_value() != mine {
                    return;
                }
                spawn_local(async move {
                    if let Ok(in_use) = email_in_use(value.clone()).await {
                        if generation.get_value() == mine {
                            set_taken.set(in_use.then_some(value));
                        }
                    }
                });
            },
            Duration::from_millis(400),
        );
    });
    taken
}
