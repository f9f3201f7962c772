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
