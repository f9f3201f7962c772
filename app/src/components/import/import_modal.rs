use super::early_input::{EarlyInput, EarlyInputStep};
use super::input_step::InputStep;
use super::job_progress::JobProgress;
use super::options_panel::OptionsPanel;
use super::preview_table::PreviewTable;
use super::preview_toolbar::PreviewToolbar;
use super::result_view::ResultView;
use super::state::{ImportState, Step};
use crate::api::imports::emails_in_use;
use crate::api::users::list_roles;
use crate::components::{load_phone_plans, ErrorNotice};
use crate::model::{RoleInfo, UserKind};
use crate::rules::{prepare_phone_country, Email, COMMON_COUNTRY_CODES};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;
use std::time::Duration;

/// One modal for both kinds: end users into an organization, or technicians.
///
/// The modal's frame is in the page's first download; what it holds (the import engine,
/// calamine, the phone plans) is a separate wasm chunk, fetched when the modal first opens
/// (or earlier: [`prefetch_import_engine`] on hover or focus of the Import button).
#[component]
pub fn ImportUsersModal(
    kind: UserKind,
    organization_id: Option<i64>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    let title = match kind {
        UserKind::EndUser => "Import end users",
        UserKind::Technician => "Import technicians",
    };
    let close = move |_| open.set(false);
    // Until the importer is there, the paste box and file picker take what the admin gives.
    let early = EarlyInput::new();
    let steps = move || {
        Suspend::new(async move {
            match roles.await {
                Ok(roles) => {
                    // The engine's chunk and the numbering plans' data, fetched together; the
                    // plans are in before the engine reads what the admin already gave.
                    let (_, plans) = SendWrapper::new(futures::future::join(
                        preload_import_steps(),
                        load_phone_plans(),
                    ))
                    .await;
                    let steps = match plans {
                        Ok(()) => {
                            SendWrapper::new(import_steps(kind, organization_id, roles, early))
                                .await
                                .ok()
                        }
                        Err(_) => None,
                    };
                    steps.unwrap_or_else(|| {
                        view! {
                            <p class="notice notice-error" role="alert">
                                "The importer could not be loaded. Check the connection, then close this window and open it again."
                            </p>
                        }
                        .into_any()
                    })
                }
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            }
        })
    };
    view! {
        <div class="modal-backdrop" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <div class="modal import-modal" role="dialog" aria-modal="true" aria-labelledby="import-title">
                <div class="modal-head">
                    <h2 id="import-title">{title}</h2>
                    <button type="button" class="link" on:click=close>"Close"</button>
                </div>
                <Suspense fallback=move || view! { <EarlyInputStep input=early/> }>{steps}</Suspense>
            </div>
        </div>
    }
}

/// Starts fetching the import engine's chunk (the Import button calls it on hover and focus),
/// so that the modal is usually ready when it opens. Fetched once; later calls do nothing.
pub fn prefetch_import_engine() {
    leptos::task::spawn_local(async {
        let _ = SendWrapper::new(futures::future::join(
            preload_import_steps(),
            load_phone_plans(),
        ))
        .await;
    });
}

/// The modal's content: everything reachable only from here is split into the engine chunk.
#[leptos::wasm_split::wasm_split(
    import_engine,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_import_steps)
)]
fn import_steps(
    kind: UserKind,
    organization_id: Option<i64>,
    roles: Vec<RoleInfo>,
    early: EarlyInput,
) -> Result<AnyView, SplitLoaderError> {
    let state = ImportState::new(kind, organization_id, roles);
    check_emails_with_the_server(state);
    prepare_the_phone_rule();
    take_early_input(state, early);
    Ok(view! { <ImportSteps state pasted=early.text/> }.into_any())
}

/// Reads what the admin gave before the importer arrived: a large paste, a paste into the box
/// (typed text waits for Preview, as it does later), or a file — whose bytes may still be
/// on their way, so it is taken whenever they come.
fn take_early_input(state: ImportState, early: EarlyInput) {
    if let Some(paste) = early.large_paste.try_update_value(Option::take).flatten() {
        state.load_large_paste(paste);
    } else if early.pasted.get_value() {
        let text = early.text.get_untracked();
        if !text.trim().is_empty() {
            state.load_pasted(text, "Pasted text".into());
        }
    }
    early.pasted.set_value(false);
    early.waiting.set(false);
    Effect::new(move |_| {
        if early.file.with(Option::is_some) {
            if let Some((name, bytes)) = early.file.try_update_untracked(Option::take).flatten() {
                state.load_file(&bytes, None, name);
                state.file.set_value(Some(bytes));
            }
        }
    });
    if early.focused.get_value() {
        // After the importer's box has replaced the early one (same id).
        Effect::new(|_| {
            set_timeout(
                || crate::browser::focus_element("import-paste"),
                Duration::ZERO,
            )
        });
    }
}

#[component]
fn ImportSteps(state: ImportState, pasted: RwSignal<String>) -> impl IntoView {
    view! {
        {move || match state.step.get() {
            Step::Input => view! { <InputStep state pasted/> }.into_any(),
            // Erased one by one: together their view types are too deep for the compiler.
            Step::Preview => view! {
                {view! { <PreviewToolbar state/> }.into_any()}
                {view! { <PreviewTable state/> }.into_any()}
                {view! { <OptionsPanel state/> }.into_any()}
            }.into_any(),
            Step::Running => view! { <JobProgress state/> }.into_any(),
            Step::Result => view! { <ResultView state/> }.into_any(),
        }}
    }
}

/// The phone rule compiles a country's patterns on the first number of that country (the
/// plans' data is already in): done now, while the admin picks what to import, one country
/// per task (a few ms each), so the first rows of a large paste do not wait for it. Once per
/// page: the compiled plans are kept.
fn prepare_the_phone_rule() {
    fn prepare(codes: &'static [u16]) {
        if let Some((code, rest)) = codes.split_first() {
            prepare_phone_country(*code);
            crate::browser::soon(move || prepare(rest));
        }
    }
    // An effect runs only in the browser; the timeout lets the modal paint first.
    Effect::new(move |_| set_timeout(|| prepare(COMMON_COUNTRY_CODES), Duration::from_millis(100)));
}

/// Emails already used by an account are asked of the server 300 ms after the table stops
/// changing: only those not asked before, a batch at a time (one request after another, each
/// batch's preparation a short task), without blocking typing. A batch that fails is asked
/// again after the next change.
fn check_emails_with_the_server(state: ImportState) {
    let generation = StoredValue::new(0u64);
    let asking = StoredValue::new(false);
    Effect::new(move |_| {
        state.report.track();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                // The modal may have closed meanwhile (its values are gone).
                if generation.try_get_value() != Some(mine) || asking.try_get_value() != Some(false)
                {
                    return;
                }
                asking.set_value(true);
                spawn_local(async move {
                    loop {
                        let emails = state.next_emails_to_ask();
                        if emails.is_empty() {
                            break;
                        }
                        match emails_in_use(emails.clone()).await {
                            Ok(taken) if !taken.is_empty() => {
                                state.mark_taken(taken.iter().map(|e| Email::key_of(e)).collect())
                            }
                            Ok(_) => {}
                            Err(_) => {
                                state.ask_again(emails);
                                break;
                            }
                        }
                    }
                    asking.set_value(false);
                });
            },
            Duration::from_millis(300),
        );
    });
}
