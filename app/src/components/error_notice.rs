use crate::error::AppError;
use leptos::prelude::*;

/// A failed request, said plainly. Unauthenticated errors offer the way back in.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { " " <a href="/login">"Sign in again"</a> });
    view! {
        <div class="notice notice-error" role="alert">
            {error.to_string()}
            {sign_in}
        </div>
    }
}

/// The text of an action's last answer when it failed (`action.value()`), for a form's
/// `role="alert"` line.
pub fn failure_text<S, T>(value: S) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
    T: 'static,
{
    move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .map(ToString::to_string)
        })
    }
}
