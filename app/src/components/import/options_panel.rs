use super::state::{ImportState, Step};
use crate::browser;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::import::{
    worth_gzipping, ImportMode, ImportOptions, InvalidRows, UploadAccepted, GZIPPED_SOURCE_NAME,
    UPLOAD_PATH,
};
use leptos::prelude::*;

/// What the Import button will do, in words. `None` when it cannot run, with the reason.
pub fn import_button_label(
    valid: usize,
    invalid: usize,
    blocked: bool,
    invalid_rows: InvalidRows,
) -> Result<String, String> {
    let users = |n: usize| {
        if n == 1 {
            "1 user".to_string()
        } else {
            format!("{n} users")
        }
    };
    if blocked {
        return Err("Fix the problems above to import.".into());
    }
    if valid == 0 {
        return Err("There are no valid rows to import.".into());
    }
    match (invalid, invalid_rows) {
        (0, _) => Ok(format!("Import {}", users(valid))),
        (n, InvalidRows::SkipInvalid) => Ok(format!("Import {}, skip {n}", users(valid))),
        (n, InvalidRows::FailImport) => Err(format!(
            "Fix {} with problems, or choose to skip invalid rows.",
            if n == 1 {
                "1 row".into()
            } else {
                format!("{n} rows")
            }
        )),
    }
}

/// Step 3: import options and the Import button.
#[component]
pub fn OptionsPanel(state: ImportState) -> impl IntoView {
    // One key per attempt: a double click or a retry imports once; any change makes a new one.
    // Coming back to the preview (after a failed upload) keeps the key: the server may have
    // queued the import before the connection dropped.
    Effect::new(move |previous: Option<()>| {
        state.table.track();
        state.mapping.track();
        state.options.track();
        if previous.is_some() || state.key.with_value(String::is_empty) {
            state.key.set_value(browser::random_key());
        }
    });
    let label = move || {
        let options = state.options.get();
        state.report.with(|r| {
            if !r.is_complete() {
                return Err("Checking rows…".to_string());
            }
            import_button_label(
                r.valid_count(),
                r.invalid_count(),
                r.is_blocked(),
                options.invalid_rows,
            )
        })
    };
    let submit = move |_| {
        if state.sent.get_untracked().is_some() || label().is_err() {
            return;
        }
        start_upload(state);
    };
    let set = move |change: fn(&mut ImportOptions)| state.options.update(change);
    view! {
        <fieldset class="import-options">
            <legend>"Options"</legend>
            <div role="radiogroup" aria-label="Import mode" class="option-row">
                <label><input type="radio" name="mode" checked=true on:change=move |_| set(|o| o.mode = ImportMode::CreateOnly)/>" Create new users only"</label>
                <label><input type="radio" name="mode" on:change=move |_| set(|o| o.mode = ImportMode::UpdateOnly)/>" Update existing users only"</label>
                <label><input type="radio" name="mode" on:change=move |_| set(|o| o.mode = ImportMode::CreateAndUpdate)/>" Create and update"</label>
            </div>
            <div role="radiogroup" aria-label="Rows with problems" class="option-row">
                <label><input type="radio" name="invalid" checked=true on:change=move |_| set(|o| o.invalid_rows = InvalidRows::FailImport)/>" Fail the whole import if any row has a problem"</label>
                <label><input type="radio" name="invalid" on:change=move |_| set(|o| o.invalid_rows = InvalidRows::SkipInvalid)/>" Skip rows with problems"</label>
            </div>
            <label class="checkbox"><input type="checkbox" checked=true
                on:change=move |ev| { let on = event_target_checked(&ev); state.options.update(|o| o.send_invitations = on) }/>" Send invitations to new users"</label>
        </fieldset>
        {move || state.upload_error.get().map(|error| view! { <ErrorNotice error/> })}
        <div class="form-actions">
            <button type="button" class="primary" on:click=submit
                disabled=move || label().is_err()
                aria-describedby="import-why">
                {move || label().unwrap_or_else(|_| "Import".into())}
            </button>
            <span id="import-why" class="form-status" aria-live="polite">{move || label().err()}</span>
        </div>
    }
}

/// Sends the source and the edits to the server, which queues the import as a job; the modal
/// moves to the job's progress at once.
fn start_upload(state: ImportState) {
    state.upload_error.set(None);
    let Some((upload, source)) = state.upload() else {
        state.upload_error.set(Some(AppError::BadRequest(
            "What was pasted or chosen is no longer here. Paste it or choose the file again."
                .into(),
        )));
        return;
    };
    let request = serde_json::to_vec(&upload).unwrap_or_default();
    state
        .sent
        .set(Some((0.0, (request.len() + source.len()) as f64)));
    state.step.set(Step::Running);
    leptos::task::spawn_local(async move {
        // Pasted text and CSV shrink to a fraction gzipped (the browser does it natively);
        // when it cannot, the source goes as it is.
        let gzipped = if worth_gzipping(&source) {
            browser::gzip(&source)
                .await
                .filter(|gzipped| gzipped.len() < source.len())
        } else {
            None
        };
        let (source_name, source) = match gzipped {
            Some(gzipped) => (GZIPPED_SOURCE_NAME, gzipped),
            None => ("source", source),
        };
        state
            .sent
            .set(Some((0.0, (request.len() + source.len()) as f64)));
        send(state, request, source_name, source);
    });
}

fn send(state: ImportState, request: Vec<u8>, source_name: &'static str, source: Vec<u8>) {
    browser::upload_form(
        UPLOAD_PATH,
        vec![
            ("request", "request", request),
            ("source", source_name, source),
        ],
        move |sent, total| state.sent.set(Some((sent, total))),
        move |status, body| {
            state.sent.set(None);
            let accepted = (status == 202)
                .then(|| serde_json::from_str::<UploadAccepted>(&body).ok())
                .flatten();
            match accepted {
                Some(accepted) => state.job.set(Some(accepted.job_id)),
                None => {
                    let error = match serde_json::from_str::<AppError>(&body) {
                        Ok(error) => import_error(error),
                        Err(_) if status == 0 => AppError::BadRequest(
                            "The upload did not reach the server. Check the connection and import again."
                                .into(),
                        ),
                        Err(_) => AppError::BadRequest(format!(
                            "The server did not accept the upload (HTTP {status}). Import again."
                        )),
                    };
                    state.upload_error.set(Some(error));
                    state.step.set(Step::Preview);
                }
            }
        },
    );
}

/// The import's own words for a refusal that is about the import as a whole.
pub fn import_error(error: AppError) -> AppError {
    match error {
        AppError::TooLarge { limit_bytes } => AppError::BadRequest(format!(
            "This import is too large to send at once (the limit is {} MB). Split it into \
             smaller files, or remove columns that are not imported, and import each.",
            limit_bytes.div_ceil(1024 * 1024)
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_over_the_size_limit_is_explained_in_words() {
        let message = import_error(AppError::TooLarge {
            limit_bytes: 20 * 1024 * 1024,
        })
        .to_string();
        assert!(
            message.starts_with("This import is too large to send at once (the limit is 20 MB)"),
            "{message}"
        );
    }

    #[test]
    fn the_import_button_says_what_will_happen() {
        assert_eq!(
            import_button_label(480, 0, false, InvalidRows::FailImport),
            Ok("Import 480 users".into())
        );
        assert_eq!(
            import_button_label(480, 20, false, InvalidRows::SkipInvalid),
            Ok("Import 480 users, skip 20".into())
        );
        assert!(import_button_label(480, 20, false, InvalidRows::FailImport)
            .unwrap_err()
            .contains("Fix 20 rows"));
        assert!(import_button_label(1, 0, true, InvalidRows::SkipInvalid).is_err());
        assert_eq!(
            import_button_label(1, 0, false, InvalidRows::FailImport),
            Ok("Import 1 user".into())
        );
    }
}
