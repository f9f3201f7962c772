use crate::api::imports::{cancel_import, import_history, import_job, run_import_again};
use crate::components::import::{ImportResultSummary, JobProgressBar};
use crate::components::{poll_every, ErrorNotice};
use crate::import::{ImportJobSummary, ImportMode, JobStatus};
use crate::model::format_time;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// Administration → Import history.
#[component]
pub fn ImportHistoryPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| import_history());
    // Live while anything runs: progress moves, finished jobs take their place.
    poll_every(Duration::from_secs(1), move || {
        let active = jobs
            .get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|jobs| jobs.iter().any(|j| j.status.is_active()));
        if active {
            jobs.refetch();
        }
    });
    let acted = move || jobs.refetch();
    view! {
        <Title text="Import history"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">"Administration › Import history"</nav>
        <h1>"Import history"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
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
                            {jobs.into_iter().map(|job| { let whole = job.clone(); view! {
                                <tr>
                                    <td><a href=format!("/admin/imports/{}", job.id)>{format_time(job.created_at)}</a></td>
                                    <td>{job.created_by}</td>
                                    <td>{job.kind.label()}</td>
                                    <td>{job.organization.unwrap_or_else(|| "—".into())}</td>
                                    <td>{job.source}</td>
                                    <td>{mode_label(job.mode)}</td>
                                    <td>{job.total_rows}</td><td>{job.created}</td><td>{job.updated}</td><td>{job.skipped}</td><td>{job.failed}</td>
                                    <td><JobStatusCell job=whole on_change=acted/></td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Transition>
    }
}

/// A job's status: its progress and Cancel while it runs, Run again once interrupted or
/// cancelled.
#[component]
fn JobStatusCell(
    job: ImportJobSummary,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error = RwSignal::new(None);
    let id = job.id;
    let act = move |again: bool| {
        spawn_local(async move {
            let done = if again {
                run_import_again(id).await
            } else {
                cancel_import(id).await
            };
            match done {
                Ok(_) => on_change(),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let status = job.status;
    let cancelling = job.cancel_requested;
    let failure = job.failure.clone();
    view! {
        {if status.is_active() {
            view! {
                <JobProgressBar job/>
                <button type="button" class="link" disabled=cancelling on:click=move |_| act(false)>
                    {if cancelling { "Cancelling…" } else { "Cancel" }}
                </button>
            }.into_any()
        } else {
            view! {
                <span title=failure.unwrap_or_default()>{status.label()}</span>
                {matches!(status, JobStatus::Interrupted | JobStatus::Cancelled).then(|| view! {
                    " " <button type="button" class="link" on:click=move |_| act(true)>"Run again"</button>
                })}
            }.into_any()
        }}
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
    }
}

/// One import: its counts and the first rows it did not import, with its reports (every
/// row's outcome, every problem) to download again.
#[component]
pub fn ImportJobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let job = Resource::new(id, import_job);
    poll_every(Duration::from_secs(1), move || {
        if job
            .get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|(summary, _)| summary.status.is_active())
        {
            job.refetch();
        }
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/admin/imports">"Import history"</a>" › Import"</nav>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || job.get().map(|result| match result {
                Ok((summary, result)) => view! {
                    <Title text=format!("Import of {}", summary.source)/>
                    <h1>{format!("Import of {}", summary.source)}</h1>
                    <p class="muted">{format!("{} · {} · {} · {}", format_time(summary.created_at), summary.created_by, summary.kind.label(), mode_label(summary.mode))}</p>
                    {if summary.has_row_outcomes() {
                        view! { <ImportResultSummary result/> }.into_any()
                    } else {
                        view! {
                            <p>"Status: " <JobStatusCell job=summary.clone() on_change=move || job.refetch()/></p>
                            {summary.failure.clone().filter(|_| !summary.status.is_active()).map(|why| view! { <div class="notice notice-error" role="status">{why}</div> })}
                        }.into_any()
                    }}
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Transition>
    }
}

fn mode_label(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::CreateOnly => "Create",
        ImportMode::UpdateOnly => "Update",
        ImportMode::CreateAndUpdate => "Create and update",
    }
}
