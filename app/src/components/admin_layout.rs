use super::{ErrorNotice, IdleWarning};
use crate::api::session::{get_current_user, SignOut};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// The frame of every administration page: navigation, who is signed in, sign out, and the
/// idle warning. The server already refused anyone who is not an administrator.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <span class="brand">"Help desk admin"</span>
            <nav aria-label="Main">
                <A href="/admin/users">"All users"</A>
                <A href="/admin/organizations">"Organizations"</A>
                <A href="/admin/invitations">"Invitations"</A>
                <A href="/admin/imports">"Import history"</A>
                <A href="/admin/mailbox">"Mailbox"</A>
                <A href="/admin/api-tokens">"API tokens"</A>
            </nav>
            <Suspense fallback=|| ()>
                {move || user.get().map(|result| match result {
                    Ok(Some(me)) => view! {
                        <div class="who">
                            <a href="/profile" title="My profile">{me.display_name.clone()}</a>
                            <ActionForm action=sign_out>
                                <button type="submit" class="link">"Sign out"</button>
                            </ActionForm>
                        </div>
                        <IdleWarning idle_warning_minutes=me.idle_warning_minutes/>
                    }.into_any(),
                    Ok(None) => view! { <a href="/login">"Sign in"</a> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                })}
            </Suspense>
        </header>
        <main id="main" class="page">
            <Outlet/>
        </main>
    }
}
