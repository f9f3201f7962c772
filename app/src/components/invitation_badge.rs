use crate::model::InvitationStatus;
use leptos::prelude::*;

#[component]
pub fn InvitationBadge(status: InvitationStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}
