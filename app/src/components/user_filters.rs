use crate::model::{
    InvitationStatus, JobFunnel, OrganizationSummary, RoleInfo, UserFilter, UserKind, UserSort,
    SEARCH_MAX_CHARS,
};
use leptos::prelude::*;

/// What the filter form offers to choose from.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FilterChoices {
    pub organizations: Vec<OrganizationSummary>,
    pub roles: Vec<RoleInfo>,
    pub jobs: Vec<JobFunnel>,
}

impl FilterChoices {
    /// Loads the choices; one that fails to load is offered empty rather than failing the page.
    pub async fn load() -> FilterChoices {
        use crate::api::users::list_roles;
        use crate::api::{invitations::import_funnels, organizations::list_organizations};
        FilterChoices {
            organizations: list_organizations().await.unwrap_or_default(),
            roles: list_roles().await.unwrap_or_default(),
            jobs: import_funnels().await.unwrap_or_default(),
        }
    }
}

/// The filters of a list of users (All users, Invitations) as a GET form: the URL holds them,
/// so a filtered view can be bookmarked and shared, the back button works, and the form works
/// before (or without) the wasm.
#[component]
pub fn UserFilters(
    filter: UserFilter,
    choices: FilterChoices,
    /// What the form filters, for screen readers ("Filter users").
    label: &'static str,
) -> impl IntoView {
    let FilterChoices {
        organizations,
        roles,
        jobs,
    } = choices;
    let selected = |on: bool| on.then_some("selected");
    view! {
        <form class="filters" method="get" action="" role="search" aria-label=label>
            <div class="field">
                <label for="f-q">"Search"</label>
                <input id="f-q" name="q" type="search" placeholder="Name or email" value=filter.search.clone()
                    maxlength=SEARCH_MAX_CHARS.to_string()/>
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
                <label for="f-role">"Role"</label>
                <select id="f-role" name="role">
                    <option value="">"Any"</option>
                    {roles.into_iter().map(|r| view! {
                        <option value=r.id.to_string() selected=selected(filter.role_id == Some(r.id))>{r.name}</option>
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
                    {UserSort::ALL.iter().map(|s| view! {
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
