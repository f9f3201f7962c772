use super::state::{ImportState, Step};
use crate::browser;
use crate::import::export;
use crate::import::ImportResult;
use leptos::prelude::*;

/// Step 4: what happened, row by row, with downloads.
#[component]
pub fn ResultView(state: ImportState) -> impl IntoView {
    view! { {move || state.result.get().map(|result| view! { <ImportResultSummary result/> })}
        <p><button type="button" class="link" on:click=move |_| { state.job.set(None); state.step.set(Step::Input) }>"Import more"</button></p>
    }
}

#[component]
pub fn ImportResultSummary(result: ImportResult) -> impl IntoView {
    let copied = RwSignal::new(false);
    let errors = StoredValue::new(export::result_error_lines(&result));
    let results_csv = StoredValue::new(export::results_csv(&result.rows));
    let headline = if result.failed {
        "Nothing was imported: the import failed. Fix the rows below and try again.".to_string()
    } else {
        format!(
            "Import finished: {} created, {} updated, {} not imported.",
            result.created,
            result.updated,
            result.failed_rows + result.skipped
        )
    };
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
            <button type="button" on:click=move |_| results_csv.with_value(|csv| browser::download("import-results.csv", "text/csv", csv))>"Download results"</button>
            <button type="button" disabled=errors.with_value(|e| e.is_empty())
                on:click=move |_| errors.with_value(|e| browser::download("import-errors.csv", "text/csv", &export::errors_csv(e)))>"Download errors"</button>
            <button type="button" disabled=errors.with_value(|e| e.is_empty()) on:click=move |_| {
                let text = errors.with_value(|e| export::errors_tsv(e));
                leptos::task::spawn_local(async move { copied.set(browser::copy_text(&text).await) });
            }>"Copy errors"</button>
            <Show when=move || copied.get()><span role="status">"Copied. Paste into Excel to fix them."</span></Show>
        </div>
        {(!problem_rows.is_empty()).then(|| view! {
            <table class="data-table">
                <thead><tr><th scope="col">"Row"</th><th scope="col">"Email"</th><th scope="col">"Outcome"</th><th scope="col">"Reason"</th></tr></thead>
                <tbody>
                    {problem_rows.into_iter().take(500).map(|r| {
                        let reason = r.reason();
                        view! { <tr><td>{r.line}</td><td>{r.email}</td><td>{r.outcome.as_str()}</td><td>{reason}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
