use super::input_step::InputStep;
use super::job_progress::JobProgress;
use super::options_panel::OptionsPanel;
use super::preview_table::PreviewTable;
use super::preview_toolbar::PreviewToolbar;
use super::result_view::ResultView;
use super::state::{ImportState, Step};
use crate::api::imports::emails_in_use;
use crate::api::users::list_roles;
use crate::components::ErrorNotice;
use crate::model::UserKind;
use crate::rules::{prepare_phone_country, Email, COMMON_COUNTRY_CODES};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// One modal for both kinds: end users into an organization, or technicians.
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
    view! {
        <div class="modal-backdrop" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <div class="modal import-modal" role="dialog" aria-modal="true" aria-labelledby="import-title">
                <div class="modal-head">
                    <h2 id="import-title">{title}</h2>
                    <button type="button" class="link" on:click=close>"Close"</button>
                </div>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || roles.get().map(|result| match result {
                        Ok(roles) => {
                            let state = ImportState::new(kind, organization_id, roles);
                            check_emails_with_the_server(state);
                            prepare_the_phone_rule();
                            view! { <ImportSteps state/> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    })}
                </Suspense>
            </div>
        </div>
    }
}

#[component]
fn ImportSteps(state: ImportState) -> impl IntoView {
    view! {
        {move || match state.step.get() {
            Step::Input => view! { <InputStep state/> }.into_any(),
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

/// The phone rule reads libphonenumber's metadata and compiles a country's patterns on the
/// first number of that country: done now, while the admin picks what to import, one country
/// per task (the first, which also reads the metadata, about 0.3 s; the others a few ms), so
/// the first rows of a large paste do not wait for it. Once per page: the plans are kept.
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
