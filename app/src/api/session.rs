use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;

/// Signs in with email and password and sets the session cookie. Works as a plain form post
/// before the wasm loads.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::rules::Email;
    use crate::server::sign_in_throttle::{self, Subjects};
    use crate::server::{clock, context, passwords, sessions};
    let state = context::state()?;
    let now = clock::now();
    let email_key = Email::key_of(&email);
    let subjects = Subjects::new(&email_key, context::client_address());
    sign_in_throttle::check(state.db.pool(), &subjects, now).await?;
    let row = sessions::technician_credentials(state.db.pool(), &email_key).await?;
    let (user_id, hash) = match row {
        Some((id, Some(hash))) => (Some(id), hash),
        _ => (None, passwords::dummy_hash().to_string()),
    };
    let verified = passwords::verify_password_bounded(password, hash).await?;
    let Some(user_id) = user_id.filter(|_| verified) else {
        tracing::info!("sign-in refused");
        sign_in_throttle::record_failure(state.db.pool(), &subjects, now).await?;
        return Err(AppError::BadCredentials);
    };
    sign_in_throttle::record_success(state.db.pool(), &subjects).await?;
    let token = sessions::create(state.db.pool(), user_id, clock::now()).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let cookie = sessions::cookie_header(&token, state.config.secure_cookies());
    if let Ok(value) = http::HeaderValue::from_str(&cookie) {
        response.insert_header(http::header::SET_COOKIE, value);
    }
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
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
