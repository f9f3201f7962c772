use super::state::{ImportState, Step};
use crate::api::imports::{cancel_import, import_job, import_progress};
use crate::components::{poll_every, ErrorNotice};
use crate::import::{ImportJobSummary, JobStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// While the import runs: the upload's progress, then the server job's phases and counts, with
/// Cancel. The admin may close the modal; the job goes on and the Imports page shows it.
#[component]
pub fn JobProgress(state: ImportState) -> impl IntoView {
    let summary = RwSignal::new(None::<ImportJobSummary>);
    let error = RwSignal::new(None);
    let finished = StoredValue::new(false);
    // One question at a time: a slow answer is waited for, not overtaken.
    let asking = StoredValue::new(false);
    poll_every(Duration::from_millis(500), move || {
        let Some(id) = state.job.get_untracked() else {
            return;
        };
        if finished.get_value() || asking.get_value() {
            return;
        }
        asking.set_value(true);
        spawn_local(async move {
            let answer = import_progress(id).await;
            asking.set_value(false);
            if finished.get_value() {
                return;
            }
            match answer {
                Ok(now) => {
                    if !now.status.is_active() {
                        finished.set_value(true);
                        show_outcome(state, &now, error).await;
                    }
                    summary.set(Some(now));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let cancel = move |_| {
        if let Some(id) = state.job.get_untracked() {
            spawn_local(async move {
                if let Err(e) = cancel_import(id).await {
                    error.set(Some(e));
                }
            });
        }
    };
    let back = move |_| {
        state.job.set(None);
        state.key.set_value(crate::browser::random_key());
        state.step.set(Step::Preview);
    };
    view! {
        <section class="job-progress" aria-labelledby="job-progress-title">
            <h3 id="job-progress-title">"Importing"</h3>
            {move || state.sent.get().map(|(sent, total)| view! {
                <progress aria-label="Upload" value=sent max=total.max(1.0)></progress>
                <p role="status">{format!("Uploading… {} of {}", megabytes(sent), megabytes(total))}</p>
            })}
            {move || match (state.sent.get(), summary.get()) {
                (None, None) => Some(view! { <p role="status">"Waiting for the server…"</p> }.into_any()),
                (_, Some(job)) => Some(view! {
                    <JobProgressBar job=job.clone()/>
                    {job.failure.clone().filter(|_| !job.status.is_active()).map(|why| view! {
                        <div class="notice notice-error" role="alert">{why}</div>
                    })}
                    {(!job.status.is_active()).then(|| view! {
                        <p><button type="button" on:click=back>"Back to the preview"</button></p>
                    })}
                }.into_any()),
                _ => None,
            }}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            <Show when=move || summary.get().is_none_or(|s| s.status.is_active())>
                <div class="form-actions">
                    <button type="button" on:click=cancel
                        disabled=move || state.job.get().is_none() || summary.get().is_some_and(|s| s.cancel_requested)>
                        {move || if summary.get().is_some_and(|s| s.cancel_requested) { "Cancelling…" } else { "Cancel import" }}
                    </button>
                    <span class="muted">"You can close this window: the import goes on, and Import history shows it."</span>
                </div>
            </Show>
        </section>
    }
}

/// A finished job with every row's outcome shows them; one that ended without (cancelled,
/// refused as a whole, interrupted) stays here with its reason.
async fn show_outcome(
    state: ImportState,
    job: &ImportJobSummary,
    error: RwSignal<Option<crate::error::AppError>>,
) {
    if !job.has_row_outcomes() {
        return;
    }
    match import_job(job.id).await {
        Ok((_, result)) => {
            state.result.set(Some(result));
            state.step.set(Step::Result);
        }
        Err(e) => error.set(Some(e)),
    }
}

/// A job's progress bar and its words ("312,000 of 500,000 rows checked").
#[component]
pub fn JobProgressBar(job: ImportJobSummary) -> impl IntoView {
    let text = job.progress_text();
    let fraction = job.fraction();
    let active = job.status.is_active();
    view! {
        <div class="job-bar">
            {active.then(|| view! { <progress aria-label="Import progress" value=fraction max=1.0></progress> })}
            <span role="status" class=if job.status == JobStatus::Completed { "" } else { "muted" }>{text}</span>
        </div>
    }
}

fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / (1024.0 * 1024.0))
}
