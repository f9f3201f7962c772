use crate::api::invitations::mailbox;
use crate::components::ErrorNotice;
use crate::pages::imports::format_time;
use leptos::prelude::*;
use leptos_meta::Title;

/// The local mailbox: with no SMTP configured, outgoing mail waits here, links clickable.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| mailbox());
    view! {
        <Title text="Mailbox"/>
        <h1>"Mailbox"</h1>
        <p class="hint">"Emails the app has queued. Without an SMTP server configured they are kept here, so invitations can be followed on this machine."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || messages.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="empty">"No emails yet."</p> }.into_any(),
                Ok(list) => list.into_iter().map(|m| view! {
                    <article class="mail" aria-label=format!("Email to {}", m.to_address)>
                        <h2>{m.subject.clone()}</h2>
                        <p class="muted">{format!("To {} · {} · {}", m.to_address, format_time(m.created_at), m.status)}</p>
                        <pre>{linkify(&m.body_text)}</pre>
                    </article>
                }).collect_view().into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Text with its http(s) links made clickable (as text nodes and anchors, never raw HTML).
fn linkify(text: &str) -> Vec<AnyView> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        parts.push(rest[..start].to_string().into_any());
        let link = &rest[start..];
        let end = link.find(char::is_whitespace).unwrap_or(link.len());
        let url = link[..end].to_string();
        let label = url.clone();
        parts.push(view! { <a href=url>{label}</a> }.into_any());
        rest = &link[end..];
    }
    parts.push(rest.to_string().into_any());
    parts
}
