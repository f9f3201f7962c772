use super::{PhoneCheck, RolePicker, SettingsFields, TextField};
use crate::browser;
use crate::model::{MfaMethod, OrganizationSummary, RoleInfo, UserKind, UserSettings, UserType};
use crate::rules::{
    validate_user_fields_with_phone, Field, FieldError, UserFieldsInput, NAME_MAX_CHARS,
};
use leptos::prelude::*;

/// The form's state: one signal per field, all `Copy`, so child components share it.
#[derive(Clone, Copy)]
pub struct UserFormState {
    pub kind: RwSignal<UserKind>,
    pub first_name: RwSignal<String>,
    pub last_name: RwSignal<String>,
    pub email: RwSignal<String>,
    pub phone: RwSignal<String>,
    pub organization_id: RwSignal<Option<i64>>,
    pub role_ids: RwSignal<Vec<i64>>,
    pub user_type: RwSignal<UserType>,
    pub site: RwSignal<String>,
    pub language: RwSignal<String>,
    pub idle_warning_minutes: RwSignal<String>,
    pub notify_by_email: RwSignal<bool>,
    pub notify_by_sms: RwSignal<bool>,
    pub mfa_method: RwSignal<MfaMethod>,
}

impl UserFormState {
    pub(crate) fn new(initial: &UserFieldsInput) -> Self {
        let settings = &initial.settings;
        UserFormState {
            kind: RwSignal::new(initial.kind),
            first_name: RwSignal::new(initial.first_name.clone()),
            last_name: RwSignal::new(initial.last_name.clone()),
            email: RwSignal::new(initial.email.clone()),
            phone: RwSignal::new(initial.phone.clone()),
            organization_id: RwSignal::new(initial.organization_id),
            role_ids: RwSignal::new(initial.role_ids.clone()),
            user_type: RwSignal::new(settings.user_type),
            site: RwSignal::new(settings.site.clone()),
            language: RwSignal::new(settings.language.clone()),
            idle_warning_minutes: RwSignal::new(settings.idle_warning_minutes.to_string()),
            notify_by_email: RwSignal::new(settings.notify_by_email),
            notify_by_sms: RwSignal::new(settings.notify_by_sms),
            mfa_method: RwSignal::new(settings.mfa_method),
        }
    }

    pub(crate) fn input(&self) -> UserFieldsInput {
        let kind = self.kind.get();
        UserFieldsInput {
            kind,
            first_name: self.first_name.get(),
            last_name: self.last_name.get(),
            email: self.email.get(),
            phone: self.phone.get(),
            organization_id: if kind == UserKind::EndUser {
                self.organization_id.get()
            } else {
                None
            },
            role_ids: self.role_ids.get(),
            settings: UserSettings {
                user_type: self.user_type.get(),
                site: self.site.get(),
                language: self.language.get(),
                idle_warning_minutes: self.idle_warning_minutes.get().trim().parse().unwrap_or(0),
                notify_by_email: self.notify_by_email.get(),
                notify_by_sms: self.notify_by_sms.get(),
                mfa_method: self.mfa_method.get(),
            },
        }
    }
}

/// The same rules the server runs, applied as the admin types. A field's problem shows once
/// it has a value or the admin tried to save.
#[derive(Clone, Copy)]
pub(crate) struct LiveCheck {
    errors: Memo<Vec<FieldError>>,
    pub attempted: RwSignal<bool>,
    pub phone: PhoneCheck,
}

impl LiveCheck {
    pub(crate) fn new(state: UserFormState, roles: StoredValue<Vec<RoleInfo>>) -> LiveCheck {
        let phone = PhoneCheck::new(state.phone);
        let errors = Memo::new(move |_| {
            roles.with_value(|known| {
                validate_user_fields_with_phone(&state.input(), known, phone.verdict())
                    .err()
                    .unwrap_or_default()
            })
        });
        LiveCheck {
            errors,
            attempted: RwSignal::new(false),
            phone,
        }
    }

    /// The field's live problem, if it is to be shown (reactive).
    pub(crate) fn problem(
        &self,
        field: Field,
        value: Option<RwSignal<String>>,
    ) -> Option<&'static str> {
        let touched = self.attempted.get() || value.is_some_and(|v| !v.get().is_empty());
        self.errors
            .get()
            .into_iter()
            .find(|e| e.field == field)
            .filter(|_| touched)
            .map(|e| e.code.message())
    }

    pub(crate) fn problem_count(&self) -> usize {
        self.errors.with(Vec::len)
    }

    /// Marks a save attempt; when a field has a problem, focuses it and returns false.
    pub(crate) fn ready_to_save(&self) -> bool {
        self.attempted.set(true);
        match self.errors.with_untracked(|e| e.first().map(|e| e.field)) {
            Some(field) => {
                browser::focus_element(field_id(field));
                false
            }
            None => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserFormSubmit {
    pub input: UserFieldsInput,
    pub send_invitation: bool,
}

pub(crate) fn field_id(field: Field) -> &'static str {
    match field {
        Field::FirstName => "first_name",
        Field::LastName => "last_name",
        Field::Email => "email",
        Field::Phone => "phone",
        Field::Organization => "organization_id",
        Field::Roles => "roles",
        Field::IdleWarning => "idle_warning_minutes",
        Field::Site => "site",
        Field::Language => "language",
    }
}

/// Add or edit one user. Every field is checked as you type by the same rules the server
/// runs; the server's verdict (`server_errors`) is shown beside the field it concerns.
#[component]
pub fn UserForm(
    initial: UserFieldsInput,
    roles: Vec<RoleInfo>,
    organizations: Vec<OrganizationSummary>,
    kind_editable: bool,
    show_invitation: bool,
    submit_label: &'static str,
    on_submit: Callback<UserFormSubmit>,
    server_errors: RwSignal<Vec<FieldError>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let state = UserFormState::new(&initial);
    let send_invitation = RwSignal::new(true);
    let roles = StoredValue::new(roles);
    let check = LiveCheck::new(state, roles);
    // The server's verdict on a field shows until that field changes.
    let error_for = move |field: Field, value: Option<RwSignal<String>>| {
        Signal::derive(move || {
            check.problem(field, value).or_else(|| {
                server_errors.with(|errors| {
                    errors
                        .iter()
                        .find(|e| e.field == field)
                        .map(|e| e.code.message())
                })
            })
        })
    };
    for (field, signal) in [
        (Field::FirstName, state.first_name),
        (Field::LastName, state.last_name),
        (Field::Email, state.email),
        (Field::Phone, state.phone),
    ] {
        Effect::new(move |previous: Option<String>| {
            let now = signal.get();
            if previous.is_some_and(|p| p != now) {
                server_errors.update(|errors| errors.retain(|e| e.field != field));
            }
            now
        });
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !check.ready_to_save() {
            return;
        }
        on_submit.run(UserFormSubmit {
            input: state.input(),
            send_invitation: send_invitation.get_untracked(),
        });
    };
    let max_name = NAME_MAX_CHARS as u32;
    let problem_count = move || check.problem_count();
    view! {
        <form class="user-form" on:submit=submit novalidate=true>
            <fieldset>
                <legend>"Personal details"</legend>
                <KindField state editable=kind_editable roles/>
                <TextField id="first_name" label="First name" value=state.first_name required=true maxlength=max_name autocomplete="off"
                    error=error_for(Field::FirstName, Some(state.first_name))/>
                <TextField id="last_name" label="Last name" value=state.last_name required=true maxlength=max_name autocomplete="off"
                    error=error_for(Field::LastName, Some(state.last_name))/>
                <TextField id="email" label="Email" value=state.email required=true maxlength=64 input_type="email" autocomplete="off"
                    error=error_for(Field::Email, Some(state.email))/>
                <TextField id="phone" label="Phone" value=state.phone input_type="tel" hint="Optional. Start with + and the country code, e.g. +1 888 667 8888."
                    error=error_for(Field::Phone, Some(state.phone)) status=Signal::derive(move || check.phone.status())/>
                <OrganizationField state organizations error=error_for(Field::Organization, None)/>
            </fieldset>
            <RolePicker state roles=roles.get_value() error=error_for(Field::Roles, None)/>
            <SettingsFields state idle_error=error_for(Field::IdleWarning, None) site_error=error_for(Field::Site, Some(state.site))/>
            {show_invitation.then(|| view! {
                <div class="field checkbox">
                    <label><input type="checkbox" id="send_invitation" bind:checked=send_invitation/>" Send an invitation email"</label>
                </div>
            })}
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { submit_label }}
                </button>
                <span class="form-status" aria-live="polite">
                    {move || (check.attempted.get() && problem_count() > 0)
                        .then(|| format!("{} field(s) need attention.", problem_count()))}
                </span>
            </div>
        </form>
    }
}

#[component]
pub(crate) fn KindField(
    state: UserFormState,
    editable: bool,
    roles: StoredValue<Vec<RoleInfo>>,
) -> impl IntoView {
    // Switching kind keeps only roles that suit the new kind and preselects the default
    // end-user role, visibly.
    let change = move |ev| {
        let kind = UserKind::parse(&event_target_value(&ev)).unwrap_or(UserKind::EndUser);
        state.kind.set(kind);
        roles.with_value(|known| {
            state.role_ids.update(|ids| {
                ids.retain(|id| known.iter().any(|r| r.id == *id && r.applies_to == kind));
                if ids.is_empty() && kind == UserKind::EndUser {
                    ids.extend(
                        known
                            .iter()
                            .filter(|r| r.is_default && r.applies_to == kind)
                            .map(|r| r.id),
                    );
                }
            })
        });
    };
    view! {
        <div class="field">
            <label for="kind">"Kind of user"</label>
            <select id="kind" name="kind" on:change=change disabled=!editable>
                {UserKind::ALL.iter().map(|kind| view! {
                    <option value=kind.as_str() selected=move || state.kind.get() == *kind>{kind.label()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub(crate) fn OrganizationField(
    state: UserFormState,
    organizations: Vec<OrganizationSummary>,
    error: Signal<Option<&'static str>>,
) -> impl IntoView {
    let change = move |ev| {
        state
            .organization_id
            .set(event_target_value(&ev).parse().ok())
    };
    view! {
        <Show when=move || state.kind.get() == UserKind::EndUser>
            <div class="field" class:invalid=move || error.get().is_some()>
                <label for="organization_id" class="required-label">"Organization"</label>
                <select id="organization_id" name="organization_id" on:change=change required=true
                    aria-describedby="organization_id-error"
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }>
                    <option value="" selected=move || state.organization_id.get().is_none()>"Choose an organization"</option>
                    {organizations.iter().map(|org| {
                        let id = org.id;
                        view! { <option value=id.to_string() selected=move || state.organization_id.get() == Some(id)>{org.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error" id="organization_id-error" aria-live="polite">{move || error.get()}</p>
            </div>
        </Show>
    }
}
