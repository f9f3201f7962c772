//! The paste box and file picker as the modal opens, before the importer (its own wasm chunk)
//! has arrived: the admin can paste, type or choose a file at once; what they give is kept and
//! handed to the importer, which reads it the moment it is there.

use crate::browser;
use leptos::prelude::*;

/// A paste larger than this skips the paste box (see `browser::take_large_paste`): laying out
/// a box of 0.9 MB (10,000 rows) held the page for 0.36 s.
pub(super) const LARGE_PASTE_BYTES: usize = 64 * 1024;

/// What the admin gave before the importer arrived.
#[derive(Clone, Copy)]
pub(super) struct EarlyInput {
    /// The paste box's text; the importer's paste box goes on with the same signal.
    pub text: RwSignal<String>,
    /// The text came by a paste (the preview shows it at once, as for a paste later).
    pub pasted: StoredValue<bool>,
    pub large_paste: StoredValue<Option<browser::LargePaste>, LocalStorage>,
    /// A file picked or dropped; its bytes may arrive after the importer does.
    pub file: RwSignal<Option<(String, Vec<u8>)>>,
    /// The paste box had the focus: the importer's box takes it over.
    pub focused: StoredValue<bool>,
    /// Something is waiting for the importer.
    pub waiting: RwSignal<bool>,
}

impl EarlyInput {
    pub fn new() -> EarlyInput {
        EarlyInput {
            text: RwSignal::new(String::new()),
            pasted: StoredValue::new(false),
            large_paste: StoredValue::new_local(None),
            file: RwSignal::new(None),
            focused: StoredValue::new(false),
            waiting: RwSignal::new(false),
        }
    }
}

/// The paste box and file picker, as the importer's first step shows them.
#[component]
pub(super) fn EarlyInputStep(input: EarlyInput) -> impl IntoView {
    let file_error = RwSignal::new(None::<String>);
    let picked = move |name: String, bytes: Result<Vec<u8>, String>| match bytes {
        Ok(bytes) => {
            input.file.set(Some((name, bytes)));
            input.large_paste.set_value(None);
            input.pasted.set_value(false);
            input.waiting.set(true);
        }
        Err(message) => file_error.set(Some(message)),
    };
    view! {
        <div class="field">
            <label for="import-paste">"Paste from Excel or Google Sheets"</label>
            <textarea id="import-paste" rows="8" placeholder="First Name\tLast Name\tEmail\tPhone"
                prop:value=move || input.text.get()
                on:input=move |ev| input.text.set(event_target_value(&ev))
                on:focus=move |_| input.focused.set_value(true)
                on:blur=move |_| input.focused.set_value(false)
                on:paste=move |ev| {
                    let empty = input.text.with_untracked(|text| text.trim().is_empty());
                    if let Some(paste) = empty.then(|| browser::take_large_paste(&ev, LARGE_PASTE_BYTES)).flatten() {
                        input.large_paste.set_value(Some(paste));
                    }
                    // The latest source wins, as it does once the importer is there.
                    input.file.set(None);
                    input.pasted.set_value(true);
                    input.waiting.set(true);
                }></textarea>
        </div>
        <div class="drop-zone"
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| browser::read_dropped_file(&ev, picked)>
            <label for="import-file">"Or choose a file (.csv, .tsv, .txt, .xlsx), or drop it here"</label>
            <input id="import-file" type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                on:change=move |ev| browser::read_picked_file(&ev, picked)/>
            {move || file_error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </div>
        <p role="status" class="reading">
            {move || if input.waiting.get() { "Getting the importer ready…" } else { "" }}
        </p>
    }
}
