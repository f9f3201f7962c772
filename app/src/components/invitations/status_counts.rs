use crate::model::{InvitationStatus, StatusCounts, UserFilter};
use leptos::prelude::*;

/// The count of users in each status; each count links to the list filtered by it.
#[component]
pub fn StatusCountsBar(counts: StatusCounts, filter: UserFilter) -> impl IntoView {
    view! {
        <ul class="status-counts" aria-label="Users per invitation status">
            {InvitationStatus::ALL.iter().copied().map(|status| {
                let link = UserFilter { status: Some(status), ..filter.first_page() };
                let current = filter.status == Some(status);
                view! {
                    <li class=format!("count-card badge-{}", status.as_str()) class:current=current>
                        <a href=format!("?{}", link.to_query()) aria-current=current.then_some("true")>
                            <span class="count">{counts.get(status)}</span>
                            <span class="label">{status.label()}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
            <li class="count-card">
                <a href="?"><span class="count">{counts.total()}</span><span class="label">"All users"</span></a>
            </li>
        </ul>
    }
}
