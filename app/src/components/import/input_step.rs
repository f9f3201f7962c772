use super::early_input::LARGE_PASTE_BYTES;
use super::state::ImportState;
use crate::browser;
use crate::import::{template, ImportLimits};
use crate::model::UserKind;
use leptos::prelude::*;

/// Step 1: paste, or choose or drop a file. Everything is read in the browser. `pasted` is the
/// paste box's text, kept by the modal (the box before the importer arrived had it too).
#[component]
pub fn InputStep(state: ImportState, pasted: RwSignal<String>) -> impl IntoView {
    let reading = RwSignal::new(false);
    let file_error = RwSignal::new(None::<String>);
    let preview_paste = move |_| {
        let text = pasted.get_untracked();
        file_error.set(None);
        state.file.set_value(None);
        state.load_pasted(text, "Pasted text".into());
    };
    let loaded = move |name: String, bytes: Result<Vec<u8>, String>| {
        reading.set(false);
        match bytes {
            Ok(bytes) => {
                state.load_file(&bytes, None, name);
                state.file.set_value(Some(bytes));
            }
            Err(message) => file_error.set(Some(message)),
        }
    };
    let limits = ImportLimits::default();
    let kind = state.kind;
    let template_name = match kind {
        UserKind::EndUser => "end-users-template",
        UserKind::Technician => "technicians-template",
    };
    view! {
        <p class="hint">
            {format!("Up to {} rows and {} MB. Columns: First name, Last name, Email (required); Phone with country code, Roles, User type, Site, External ID (optional).",
                limits.max_rows, limits.max_input_bytes / (1024 * 1024))}
        </p>
        <div class="field">
            <label for="import-paste">"Paste from Excel or Google Sheets"</label>
            <textarea id="import-paste" rows="8" placeholder="First Name\tLast Name\tEmail\tPhone"
                prop:value=move || pasted.get()
                on:input=move |ev| pasted.set(event_target_value(&ev))
                on:paste=move |ev| {
                    // A large paste into an empty box goes straight to the preview, read in
                    // slices (into a box holding text, it lands there, with that text).
                    let empty = pasted.with_untracked(|text| text.trim().is_empty());
                    if let Some(paste) = empty.then(|| browser::take_large_paste(&ev, LARGE_PASTE_BYTES)).flatten() {
                        file_error.set(None);
                        state.file.set_value(None);
                        state.load_large_paste(paste);
                        return;
                    }
                    // Show the rows at once: read the textarea right after the paste lands.
                    set_timeout(move || {
                        let text = pasted.get_untracked();
                        if !text.trim().is_empty() {
                            state.load_pasted(text, "Pasted text".into());
                        }
                    }, std::time::Duration::from_millis(0));
                }></textarea>
            <button type="button" class="primary" on:click=preview_paste disabled=move || pasted.get().trim().is_empty()>"Preview"</button>
        </div>
        <div class="drop-zone"
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| { reading.set(true); browser::read_dropped_file(&ev, loaded) }>
            <label for="import-file">"Or choose a file (.csv, .tsv, .txt, .xlsx), or drop it here"</label>
            <input id="import-file" type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                on:change=move |ev| { reading.set(true); browser::read_picked_file(&ev, loaded) }/>
            <Show when=move || reading.get() && state.reading.get().is_none()><p role="status">"Reading the file…"</p></Show>
            {move || file_error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </div>
        {move || state.reading.get().map(|rows| view! {
            <p role="status" class="reading">{format!("Reading… {} rows", crate::import::thousands(rows as i64))}</p>
        })}
        <ReadProblems state/>
        <p class="templates">
            "Download template: "
            <button type="button" class="link" on:click=move |_| browser::download(&format!("{template_name}.csv"), "text/csv", &template::csv(kind))>"CSV"</button>
            " · "
            <button type="button" class="link" on:click=move |_| browser::download_bytes(&format!("{template_name}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &template::xlsx(kind))>"XLSX"</button>
        </p>
    }
}

/// Problems with the input as a whole (and notices such as a Windows-1252 fallback).
#[component]
pub fn ReadProblems(state: ImportState) -> impl IntoView {
    view! {
        {move || {
            let issues = state.read_issues.get();
            (!issues.is_empty()).then(|| view! {
                <div class="notice notice-error" role="alert">
                    {issues.into_iter().map(|i| view! { <p>{i.code.message()}</p> }).collect_view()}
                </div>
            })
        }}
    }
}
