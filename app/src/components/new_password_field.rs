use leptos::prelude::*;

/// The new-password field of the invitation and reset pages: the rule shown, checked as you
/// type (the server checks it again).
#[component]
pub fn NewPasswordField(#[prop(default = "Password")] label: &'static str) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let rule = move || {
        let n = password.with(|p| p.chars().count());
        (n > 0 && n < 12).then_some("Use at least 12 characters.")
    };
    view! {
        <div class="field">
            <label for="new-password">{label}</label>
            <input id="new-password" name="password" type="password" required=true minlength="12"
                autocomplete="new-password" aria-describedby="password-rule"
                on:input=move |ev| password.set(event_target_value(&ev))/>
            <p class="hint" id="password-rule">"At least 12 characters."</p>
            <p class="field-error" aria-live="polite">{rule}</p>
        </div>
    }
}
