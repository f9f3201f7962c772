use leptos::prelude::*;

/// A labelled input whose problem is shown beside it, announced to screen readers and tied to
/// the input with `aria-describedby`. HTML constraints mirror the real rules so the page is
/// sane before the wasm loads.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<&'static str>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// A passing state, such as "Checking phone numbers…", shown under the field.
    #[prop(optional)]
    status: Option<Signal<Option<&'static str>>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_some() {
        format!("{error_id} {hint_id}")
    } else {
        error_id.clone()
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id class:required-label=required>{label}</label>
            <input
                id=id
                name=id
                type=input_type
                value=value.get_untracked()
                bind:value=value
                required=required
                maxlength=maxlength
                autocomplete=autocomplete
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
            />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            {status.map(|status| view! { <p class="hint field-status" aria-live="polite">{move || status.get()}</p> })}
            <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
        </div>
    }
}
