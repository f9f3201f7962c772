use super::user_form::UserFormState;
use crate::model::{MfaMethod, UserType};
use crate::rules::LANGUAGES;
use leptos::prelude::*;

/// The settings a clone copies: user type, site, language, idle warning, notifications, MFA.
#[component]
pub fn SettingsFields(
    state: UserFormState,
    idle_error: Signal<Option<&'static str>>,
    site_error: Signal<Option<&'static str>>,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Settings"</legend>
            <div class="field">
                <label for="user_type">"User type"</label>
                <select id="user_type" name="user_type" on:change=move |ev| state.user_type.set(UserType::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {UserType::ALL.iter().map(|t| view! {
                        <option value=t.as_str() selected=move || state.user_type.get() == *t>{t.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" class:invalid=move || site_error.get().is_some()>
                <label for="site">"Site"</label>
                <input id="site" name="site" type="text" maxlength="100" value=state.site.get_untracked() bind:value=state.site
                    aria-describedby="site-error"
                    aria-invalid=move || if site_error.get().is_some() { "true" } else { "false" }/>
                <p class="field-error" id="site-error" aria-live="polite">{move || site_error.get()}</p>
            </div>
            <div class="field">
                <label for="language">"Language"</label>
                <select id="language" name="language" on:change=move |ev| state.language.set(event_target_value(&ev))>
                    {LANGUAGES.iter().map(|(code, name)| view! {
                        <option value=*code selected=move || state.language.get() == *code>{*name}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" class:invalid=move || idle_error.get().is_some()>
                <label for="idle_warning_minutes">"Idle warning after (minutes)"</label>
                <input id="idle_warning_minutes" name="idle_warning_minutes" type="number" min="1" max="1440" value=state.idle_warning_minutes.get_untracked() bind:value=state.idle_warning_minutes
                    aria-describedby="idle_warning_minutes-error"
                    aria-invalid=move || if idle_error.get().is_some() { "true" } else { "false" }/>
                <p class="field-error" id="idle_warning_minutes-error" aria-live="polite">{move || idle_error.get()}</p>
            </div>
            <div class="field">
                <span class="label">"Notifications"</span>
                <label class="checkbox"><input type="checkbox" id="notify_by_email" name="notify_by_email" checked=state.notify_by_email.get_untracked() bind:checked=state.notify_by_email/>" By email"</label>
                <label class="checkbox"><input type="checkbox" id="notify_by_sms" name="notify_by_sms" checked=state.notify_by_sms.get_untracked() bind:checked=state.notify_by_sms/>" By SMS"</label>
            </div>
            <div class="field">
                <label for="mfa_method">"Sign-in security"</label>
                <select id="mfa_method" name="mfa_method" on:change=move |ev| state.mfa_method.set(MfaMethod::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {MfaMethod::ALL.iter().map(|m| view! {
                        <option value=m.as_str() selected=move || state.mfa_method.get() == *m>{m.label()}</option>
                    }).collect_view()}
                </select>
            </div>
        </fieldset>
    }
}
