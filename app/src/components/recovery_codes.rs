use leptos::prelude::*;

/// The recovery codes, shown once, with copy and download buttons.
#[component]
pub fn RecoveryCodes(
    codes: Vec<String>,
    #[prop(default = "recovery-heading")] heading_id: &'static str,
) -> impl IntoView {
    let text = codes.join("\n");
    let copied = RwSignal::new(false);
    let copy_text = text.clone();
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    view! {
        <section class="notice" aria-labelledby=heading_id>
            <h2 id=heading_id>"Your recovery codes"</h2>
            <p>"If you lose your phone, sign in with one of these instead of a code from the app. Each works once. Keep them somewhere safe: they are not shown again."</p>
            <ul class="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
            <p>
                <button type="button" on:click=move |_| {
                    let text = copy_text.clone();
                    leptos::task::spawn_local(async move { copied.set(crate::browser::copy_text(&text).await) });
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                " "
                <a href=download download="recovery-codes.txt" class="button">"Download"</a>
            </p>
        </section>
    }
}
