use crate::api::invitations::mailbox;
use crate::components::{poll_every, ErrorNotice};
use crate::model::format_time;
use leptos::prelude::*;
use leptos_meta::Title;

/// The local mailbox: with no SMTP configured, the sender delivers mail here, links clickable.
/// New mail appears without a reload.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| mailbox());
    poll_every(std::time::Duration::from_secs(3), move || {
        messages.refetch()
    });
    view! {
        <Title text="Mailbox"/>
        <h1>"Mailbox"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || messages.get().map(|result| match result {
                Ok(view) => {
                    let hint = match view.smtp_server {
                        Some(server) => format!("Email goes out through the SMTP server {server}. This mailbox keeps only what was delivered before SMTP was configured."),
                        None => "No SMTP server is configured, so email is delivered here (and each link is written to the server log), so invitations can be followed on this machine.".to_string(),
                    };
                    let list = if view.messages.is_empty() {
                        view! { <p class="empty">"No emails yet."</p> }.into_any()
                    } else {
                        view.messages.into_iter().map(|m| view! {
                            <article class="mail" aria-label=format!("Email to {}", m.to_address)>
                                <h2>{m.subject.clone()}</h2>
                                <p class="muted">{format!("To {} · delivered {}", m.to_address, format_time(m.delivered_at))}</p>
                                <pre>{linkify(&m.body_text)}</pre>
                            </article>
                        }).collect_view().into_any()
                    };
                    view! { <p class="hint">{hint}</p> {list} }.into_any()
                }
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Transition>
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
