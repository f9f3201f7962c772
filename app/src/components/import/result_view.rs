use super::state::{ImportState, Step};
use crate::browser;
use crate::import::export;
use crate::import::{report_url, ImportResult, ERRORS_CSV_PATH, RESULTS_CSV_PATH};
use crate::model::count_of;
use leptos::prelude::*;

/// Step 4: what happened: the counts, the first rows not imported, the reports to download.
#[component]
pub fn ResultView(state: ImportState) -> impl IntoView {
    view! { {move || state.result.get().map(|result| view! { <ImportResultSummary result/> })}
        <p><button type="button" class="link" on:click=move |_| { state.job.set(None); state.step.set(Step::Input) }>"Import more"</button></p>
    }
}

/// The sentence over a finished import's counts.
fn headline(result: &ImportResult) -> String {
    if result.failed && result.failed_rows == 0 && result.problems.is_empty() {
        // The unique index refused a row, but by the time the import looked, no email or
        // external ID of its rows was taken: whatever raced it is gone.
        "Nothing was imported: the database refused a duplicate while it was writing, but none \
         of its rows' emails or external IDs is taken now (another change to the users raced \
         it). Import it again."
            .to_string()
    } else if result.failed {
        "Nothing was imported: the import failed. Fix the rows below and try again.".to_string()
    } else {
        format!(
            "Import finished: {} created, {} updated, {} not imported.",
            result.created,
            result.updated,
            result.failed_rows + result.skipped
        )
    }
}

/// A finished import: its counts, the first rows it did not import (as many as the server
/// sent: `import_job`), and its reports, downloaded from the server whole however many rows
/// the import had.
#[component]
pub fn ImportResultSummary(result: ImportResult) -> impl IntoView {
    let copied = RwSignal::new(false);
    let errors = StoredValue::new(export::result_error_lines(&result));
    let headline = headline(&result);
    let not_imported = if result.failed {
        result.failed_rows
    } else {
        result.failed_rows + result.skipped
    };
    let listed = result.rows.len() as i64;
    let copy_label = if listed < not_imported {
        format!(
            "Copy errors (first {})",
            count_of(listed as usize, "row", "rows")
        )
    } else {
        "Copy errors".to_string()
    };
    // Links the browser follows itself (`rel="external"`: not the app's router): the server's
    // answer says it is a file to save (`Content-Disposition`), and if the session has ended
    // meanwhile the browser follows the answer to sign-in instead (a `download` attribute
    // would save the sign-in page as the file).
    let downloads = result.job_id.map(|id| {
        view! {
            <a class="button" href=report_url(RESULTS_CSV_PATH, id) rel="external">"Download results"</a>
            {if not_imported > 0 {
                view! { <a class="button" href=report_url(ERRORS_CSV_PATH, id) rel="external">"Download errors"</a> }.into_any()
            } else {
                view! { <button type="button" disabled=true>"Download errors"</button> }.into_any()
            }}
        }
    });
    let problem_rows: Vec<_> = result
        .rows
        .iter()
        .filter(|r| !r.problems.is_empty())
        .cloned()
        .collect();
    view! {
        <div class=if result.failed { "notice notice-error" } else { "notice notice-success" } role="status">{headline}</div>
        <dl class="counts">
            <div><dt>"Created"</dt><dd>{result.created}</dd></div>
            <div><dt>"Updated"</dt><dd>{result.updated}</dd></div>
            <div><dt>"Skipped"</dt><dd>{result.skipped}</dd></div>
            <div><dt>"Failed"</dt><dd>{result.failed_rows}</dd></div>
        </dl>
        <div class="form-actions">
            {downloads}
            <button type="button" disabled=errors.with_value(|e| e.is_empty()) on:click=move |_| {
                let text = errors.with_value(|e| export::errors_tsv(e));
                leptos::task::spawn_local(async move { copied.set(browser::copy_text(&text).await) });
            }>{copy_label}</button>
            <Show when=move || copied.get()><span role="status">"Copied. Paste into Excel to fix them."</span></Show>
        </div>
        {(listed < not_imported).then(|| {
            // A refused import lists the rows that failed it; a completed one the rows it left out.
            let which = if result.failed { "rows with problems" } else { "rows not imported" };
            view! {
                <p class="muted">{format!(
                    "The first {listed} of the {not_imported} {which} are listed here; Download errors has every one."
                )}</p>
            }
        })}
        {(!problem_rows.is_empty()).then(|| view! {
            <table class="data-table">
                <thead><tr><th scope="col">"Row"</th><th scope="col">"Email"</th><th scope="col">"Outcome"</th><th scope="col">"Reason"</th></tr></thead>
                <tbody>
                    {problem_rows.into_iter().map(|r| {
                        let reason = r.reason();
                        view! { <tr><td>{r.line}</td><td>{r.email}</td><td>{r.outcome.as_str()}</td><td>{reason}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_import_with_no_row_to_blame_says_to_import_it_again_instead_of_pointing_at_none() {
        let mut result = ImportResult::new(Some(1), true);
        result.skipped = 3;
        assert!(headline(&result).contains("is taken now"));
        result.failed_rows = 1;
        assert!(headline(&result).contains("Fix the rows below"));
        let mut done = ImportResult::new(Some(2), false);
        (done.created, done.skipped) = (4, 1);
        assert_eq!(
            headline(&done),
            "Import finished: 4 created, 0 updated, 1 not imported."
        );
    }
}
