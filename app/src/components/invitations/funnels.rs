use crate::model::format_time;
use crate::model::{InvitationStatus, JobFunnel, UserFilter};
use leptos::prelude::*;

/// Each recent import's funnel: of the users it created, how many are in each status.
#[component]
pub fn ImportFunnels(funnels: Vec<JobFunnel>) -> impl IntoView {
    if funnels.is_empty() {
        return view! { <p class="muted">"No imports have created users yet."</p> }.into_any();
    }
    view! {
        <table class="data-table funnels">
            <caption>"Invitations per import"</caption>
            <thead>
                <tr>
                    <th scope="col">"Import"</th>
                    {InvitationStatus::ALL.iter().map(|s| view! { <th scope="col" class="num">{s.label()}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {funnels.into_iter().map(|f| {
                    let users = UserFilter { import_job_id: Some(f.job_id), ..UserFilter::default() };
                    view! {
                        <tr>
                            <th scope="row">
                                <a href=format!("?{}", users.to_query())>{format!("#{} {}", f.job_id, f.source)}</a>
                                <span class="muted small">{format!(" · {} · {}", f.kind.label(), format_time(f.created_at))}</span>
                            </th>
                            {InvitationStatus::ALL.iter().copied().map(|s| {
                                let filtered = UserFilter { status: Some(s), ..users.clone() };
                                let n = f.counts.get(s);
                                view! {
                                    <td class="num">
                                        {if n > 0 {
                                            view! { <a href=format!("?{}", filtered.to_query())>{n}</a> }.into_any()
                                        } else {
                                            view! { <span class="muted">"0"</span> }.into_any()
                                        }}
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
