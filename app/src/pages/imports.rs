use crate::api::imports::{import_history, import_job};
use crate::components::import::ImportResultSummary;
use crate::components::ErrorNotice;
use crate::import::ImportMode;
use crate::model::format_time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Administration → Import history.
#[component]
pub fn ImportHistoryPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| import_history());
    view! {
        <Title text="Import history"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">"Administration › Import history"</nav>
        <h1>"Import history"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || jobs.get().map(|result| match result {
                Ok(jobs) if jobs.is_empty() => view! { <p class="empty">"No imports yet."</p> }.into_any(),
                Ok(jobs) => view! {
                    <table class="data-table">
                        <thead><tr>
                            <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Kind"</th><th scope="col">"Organization"</th>
                            <th scope="col">"Source"</th><th scope="col">"Mode"</th><th scope="col">"Rows"</th><th scope="col">"Created"</th>
                            <th scope="col">"Updated"</th><th scope="col">"Skipped"</th><th scope="col">"Failed"</th><th scope="col">"Status"</th>
                        </tr></thead>
                        <tbody>
                            {jobs.into_iter().map(|job| view! {
                                <tr>
                                    <td><a href=format!("/admin/imports/{}", job.id)>{format_time(job.created_at)}</a></td>
                                    <td>{job.created_by}</td>
                                    <td>{job.kind.label()}</td>
                                    <td>{job.organization.unwrap_or_else(|| "—".into())}</td>
                                    <td>{job.source}</td>
                                    <td>{mode_label(job.mode)}</td>
                                    <td>{job.total_rows}</td><td>{job.created}</td><td>{job.updated}</td><td>{job.skipped}</td><td>{job.failed}</td>
                                    <td>{job.status}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// One import: each row's outcome, with its reports to download again.
#[component]
pub fn ImportJobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let job = Resource::new(id, import_job);
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/admin/imports">"Import history"</a>" › Import"</nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || job.get().map(|result| match result {
                Ok((summary, result)) => view! {
                    <Title text=format!("Import of {}", summary.source)/>
                    <h1>{format!("Import of {}", summary.source)}</h1>
                    <p class="muted">{format!("{} · {} · {} · {}", format_time(summary.created_at), summary.created_by, summary.kind.label(), mode_label(summary.mode))}</p>
                    <ImportResultSummary result/>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

fn mode_label(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::CreateOnly => "Create",
        ImportMode::UpdateOnly => "Update",
        ImportMode::CreateAndUpdate => "Create and update",
    }
}
