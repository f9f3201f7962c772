use crate::model::{
    InvitationFilter, InvitationSort, InvitationStatus, JobFunnel, OrganizationSummary, UserKind,
};
use leptos::prelude::*;

/// The filters as a GET form: the URL holds them, so a filtered view can be bookmarked, and
/// the form works before (or without) the wasm.
#[component]
pub fn InvitationFilters(
    filter: InvitationFilter,
    organizations: Vec<OrganizationSummary>,
    jobs: Vec<JobFunnel>,
) -> impl IntoView {
    let selected = |on: bool| on.then_some("selected");
    view! {
        <form class="filters" method="get" action="" role="search" aria-label="Filter invitations">
            <div class="field">
                <label for="f-q">"Search"</label>
                <input id="f-q" name="q" type="search" placeholder="Name or email" value=filter.search.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-status">"Status"</label>
                <select id="f-status" name="status">
                    <option value="">"Any"</option>
                    {InvitationStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(filter.status == Some(*s))>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-kind">"Kind"</label>
                <select id="f-kind" name="kind">
                    <option value="">"Any"</option>
                    {UserKind::ALL.iter().map(|k| view! {
                        <option value=k.as_str() selected=selected(filter.kind == Some(*k))>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-org">"Organization"</label>
                <select id="f-org" name="org">
                    <option value="">"Any"</option>
                    {organizations.into_iter().map(|o| view! {
                        <option value=o.id.to_string() selected=selected(filter.organization_id == Some(o.id))>{o.name}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-job">"Import"</label>
                <select id="f-job" name="job">
                    <option value="">"Any"</option>
                    {jobs.into_iter().map(|j| view! {
                        <option value=j.job_id.to_string() selected=selected(filter.import_job_id == Some(j.job_id))>{format!("#{} {}", j.job_id, j.source)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">
                    {InvitationSort::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=selected(filter.sort == *s)>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-dir">"Order"</label>
                <select id="f-dir" name="dir">
                    <option value="asc">"Ascending"</option>
                    <option value="desc" selected=selected(filter.descending)>"Descending"</option>
                </select>
            </div>
            <div class="filter-buttons">
                <button type="submit" class="button">"Apply"</button>
                <a href="?" class="button link">"Clear"</a>
            </div>
        </form>
    }
}
