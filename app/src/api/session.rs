use crate::error::AppError;
use crate::model::{CurrentUser, SignInChallenge};
use leptos::prelude::*;

/// Signs in with email and password and sets the session cookie. Works as a plain form post
/// before the wasm loads.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::model::MfaMethod;
    use crate::rules::Email;
    use crate::server::sign_in_throttle::{self, Subjects};
    use crate::server::{clock, context, passwords, second_factor, sessions};
    let state = context::state()?;
    let now = clock::now();
    let email_key = Email::key_of(&email);
    let subjects = Subjects::new(&email_key, context::client_address());
    sign_in_throttle::check(state.db.pool(), &subjects, now).await?;
    // No account's email holds a control character (and PostgreSQL refuses a NUL in any
    // text): such an email is an unknown one, answered the same way.
    let row = if email_key.contains(char::is_control) {
        None
    } else {
        sessions::technician_credentials(state.db.pool(), &email_key).await?
    };
    let (user_id, hash, method) = match row {
        Some((id, Some(hash), method)) => (
            Some(id),
            hash,
            MfaMethod::parse(&method).unwrap_or_default(),
        ),
        _ => (None, passwords::dummy_hash().to_string(), MfaMethod::None),
    };
    let verified = passwords::verify_password_bounded(password, hash).await?;
    let Some(user_id) = user_id.filter(|_| verified) else {
        tracing::info!("sign-in refused");
        sign_in_throttle::record_failure(state.db.pool(), &subjects, now).await?;
        return Err(AppError::BadCredentials);
    };
    let method = second_factor::method_for(&state.db, user_id, method).await?;
    if second_factor::needs_second_step(method) {
        // No session yet: a code is emailed and the code page asks for it.
        let token = second_factor::start(&state.db, user_id, method, now).await?;
        set_cookie(&second_factor::cookie_header(
            &token,
            state.config.secure_cookies(),
        ));
        let next = safe_next(next.as_deref());
        leptos_axum::redirect(&format!("/login/code?next={}", encode_component(&next)));
        return Ok(());
    }
    sign_in_throttle::record_success(state.db.pool(), &subjects).await?;
    start_session(&state, user_id, next.as_deref()).await
}

/// Adds a `Set-Cookie` header to this server function's response.
#[cfg(feature = "ssr")]
pub(crate) fn set_cookie(cookie: &str) {
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = http::HeaderValue::from_str(cookie) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// Makes the session, sets its cookie and goes where the admin was going.
#[cfg(feature = "ssr")]
async fn start_session(
    state: &crate::server::AppState,
    user_id: i64,
    next: Option<&str>,
) -> Result<(), AppError> {
    use crate::server::{clock, context, sessions};
    let origin = context::session_origin();
    let token = sessions::create(state.db.pool(), user_id, &origin, clock::now()).await?;
    set_cookie(&sessions::cookie_header(
        &token,
        state.config.secure_cookies(),
    ));
    let next = safe_next(next);
    let landing = sessions::landing_instead(state.db.pool(), user_id, &next).await?;
    leptos_axum::redirect(landing.unwrap_or(&next));
    Ok(())
}

/// A path as one query-string value.
#[cfg(feature = "ssr")]
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The sign-in waiting for its second factor, if this browser has one.
#[server(endpoint = "open_sign_in_challenge")]
pub async fn open_sign_in_challenge() -> Result<Option<SignInChallenge>, AppError> {
    use crate::server::{clock, context, second_factor};
    let state = context::state()?;
    match context::challenge_token() {
        Some(token) => second_factor::view(&state.db, &token, clock::now()).await,
        None => Ok(None),
    }
}

/// The second step: the emailed code. Right, the session is made; wrong, it counts toward
/// the account's sign-in throttle. Works as a plain form post before the wasm loads.
#[server(endpoint = "verify_sign_in_code")]
pub async fn verify_sign_in_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::rules::Email;
    use crate::server::sign_in_throttle::{self, Subjects};
    use crate::server::{clock, context, second_factor};
    let state = context::state()?;
    let now = clock::now();
    let token = context::challenge_token()
        .ok_or_else(|| AppError::Conflict(second_factor::EXPIRED.into()))?;
    let email = second_factor::email_of(&state.db, &token, now)
        .await?
        .ok_or_else(|| AppError::Conflict(second_factor::EXPIRED.into()))?;
    let subjects = Subjects::new(&Email::key_of(&email), context::client_address());
    sign_in_throttle::check(state.db.pool(), &subjects, now).await?;
    match second_factor::verify(&state.db, &token, &code, now).await {
        Ok(user_id) => {
            sign_in_throttle::record_success(state.db.pool(), &subjects).await?;
            set_cookie(&second_factor::clearing_cookie_header(
                state.config.secure_cookies(),
            ));
            start_session(&state, user_id, next.as_deref()).await
        }
        Err(error) => {
            tracing::info!("sign-in code refused");
            sign_in_throttle::record_failure(state.db.pool(), &subjects, now).await?;
            Err(error)
        }
    }
}

/// Emails a new code (at most once a minute).
#[server(endpoint = "resend_sign_in_code")]
pub async fn resend_sign_in_code() -> Result<(), AppError> {
    use crate::server::{clock, context, second_factor};
    let state = context::state()?;
    let token = context::challenge_token()
        .ok_or_else(|| AppError::Conflict(second_factor::EXPIRED.into()))?;
    second_factor::resend(&state.db, &token, clock::now()).await
}

/// Only a path on this site is followed after sign-in, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/admin/users".to_string(),
    }
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{context, sessions};
    let state = context::state()?;
    if let Some(user) = context::session_user(&state, false).await? {
        sessions::delete(state.db.pool(), user.session_id).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = http::HeaderValue::from_str(&sessions::clearing_cookie_header(
        state.config.secure_cookies(),
    )) {
        response.insert_header(http::header::SET_COOKIE, value);
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in administrator, `None` when nobody is signed in.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::context;
    let state = context::state()?;
    match context::session_user(&state, true).await? {
        None => Ok(None),
        Some(user) if !user.is_admin => Err(AppError::Forbidden),
        Some(user) => Ok(Some(CurrentUser {
            id: user.user_id,
            display_name: user.display_name,
            email: user.email,
            idle_warning_minutes: user.idle_warning_minutes,
        })),
    }
}

/// Records that the user is active, so the server keeps the session alive.
#[server(endpoint = "keep_alive")]
pub async fn keep_alive() -> Result<(), AppError> {
    crate::server::context::require_admin().await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/admin/organizations")),
            "/admin/organizations"
        );
        for bad in [
            None,
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil"),
        ] {
            assert_eq!(safe_next(bad), "/admin/users");
        }
    }
}
