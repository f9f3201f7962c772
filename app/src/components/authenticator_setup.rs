use crate::model::AuthenticatorSetup;
use leptos::prelude::*;

/// What to scan (a QR code drawn by the server), the same key as text, and the field for one
/// current code from the app (`code`), as registration and My profile ask.
#[component]
pub fn AuthenticatorSetupFields(setup: AuthenticatorSetup) -> impl IntoView {
    view! {
        <p>"Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …):"</p>
        <img src=setup.qr_data_url width="200" height="200"
            alt="QR code for your authenticator app (the key below says the same)"/>
        <p>"Or type this key into it: " <code class="totp-secret">{setup.secret_text}</code></p>
        <div class="field">
            <label for="totp-code">"Code from the app"</label>
            <input id="totp-code" name="code" type="text" required=true inputmode="numeric"
                autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7"/>
        </div>
    }
}
