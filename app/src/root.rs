use crate::components::AdminLayout;
use crate::pages::{
    AcceptInvitationPage, AddUserPage, ApiReferencePage, ApiTokensPage, CloneUserPage,
    ImportHistoryPage, ImportJobPage, InvitationsPage, LoginPage, MailboxPage, NotFoundPage,
    OrganizationPage, OrganizationsPage, ProfilePage, ResetPasswordPage, SignInCodePage, UserPage,
    UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                // The stylesheet's name carries a hash of its content (`hash-files`).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy header, with the nonce of this render's inline scripts.
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    crate::server::security_headers::send_page_policy();
}
#[cfg(not(feature = "ssr"))]
fn send_content_security_policy() {}

/// The tab's title. On the server leptos_meta writes it into the `<title>` element as it is,
/// so it is escaped here (a user's name or an import's file name is not markup); in the
/// browser it is set as `document.title`, which is text.
#[cfg(feature = "ssr")]
fn title_text(text: String) -> String {
    escape_title(&format!("{text} · Help desk admin"))
}
#[cfg(not(feature = "ssr"))]
fn title_text(text: String) -> String {
    format!("{text} · Help desk admin")
}

/// `<title>` holds text in which only `&` and `<` (for `</title>`) are special; `>` and quotes
/// are escaped too, for any other sink.
#[cfg(feature = "ssr")]
pub fn escape_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Effect::new(|_| crate::browser::mark_hydrated());
    view! {
        <Title formatter=title_text/>
        // Admin pages wait for their data before sending HTML, so they are complete without
        // JavaScript (and redirects can still set headers).
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/login/code") view=SignInCodePage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=AcceptInvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/") view=|| view! { <Redirect path="/admin/users"/> }/>
                <ParentRoute path=path!("/admin") view=AdminLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/admin/users"/> }/>
                    <Route path=path!("users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("users/new") view=AddUserPage ssr=SsrMode::Async/>
                    <Route path=path!("users/:id") view=UserPage ssr=SsrMode::Async/>
                    <Route path=path!("users/:id/clone") view=CloneUserPage ssr=SsrMode::Async/>
                    <Route path=path!("organizations") view=OrganizationsPage ssr=SsrMode::Async/>
                    <Route path=path!("imports") view=ImportHistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("mailbox") view=MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("api-tokens") view=ApiTokensPage ssr=SsrMode::Async/>
                    <Route path=path!("api-reference") view=ApiReferencePage ssr=SsrMode::Async/>
                    <Route path=path!("invitations") view=InvitationsPage ssr=SsrMode::Async/>
                    <Route path=path!("imports/:id") view=ImportJobPage ssr=SsrMode::Async/>
                    <Route path=path!("organizations/:id") view=OrganizationPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
