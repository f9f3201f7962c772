use crate::api::session::{keep_alive, sign_out};
use crate::browser;
use crate::idle::{IdleClock, IdlePhase};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Warns a user who has been idle for their idle-warning time, and signs them out a minute
/// later unless they answer. Real activity is reported to the server at most once a minute,
/// so a user busy in one page keeps their session.
#[component]
pub fn IdleWarning(idle_warning_minutes: i64) -> impl IntoView {
    let clock = StoredValue::new(IdleClock::new(idle_warning_minutes, 0.0));
    let phase = RwSignal::new(IdlePhase::Active);
    let last_reported = StoredValue::new(0.0_f64);

    // Browser state is read after mount only.
    Effect::new(move |_| {
        let now = browser::now_ms();
        clock.set_value(IdleClock::new(idle_warning_minutes, now));
        last_reported.set_value(now);
        let activity = move || clock.update_value(|c| c.record_activity(browser::now_ms()));
        let handles = [
            window_event_listener(ev::keydown, move |_| activity()),
            window_event_listener(ev::mousedown, move |_| activity()),
            window_event_listener(ev::touchstart, move |_| activity()),
        ];
        on_cleanup(move || handles.into_iter().for_each(|h| h.remove()));
        let tick = set_interval_with_handle(
            move || tick(clock, phase, last_reported),
            Duration::from_secs(1),
        );
        if let Ok(handle) = tick {
            on_cleanup(move || handle.clear());
        }
    });

    let stay = move |_| {
        clock.update_value(|c| c.stay(browser::now_ms()));
        phase.set(IdlePhase::Active);
        spawn_local(async move {
            let _ = keep_alive().await;
        });
    };
    view! {
        <Show when=move || matches!(phase.get(), IdlePhase::Warning { .. })>
            <div class="modal-backdrop">
                <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-text">
                    <h2 id="idle-title">"Are you still there?"</h2>
                    <p id="idle-text">
                        {move || match phase.get() {
                            IdlePhase::Warning { seconds_left } => format!("You will be signed out in {seconds_left} seconds."),
                            _ => String::new(),
                        }}
                    </p>
                    <button class="primary" autofocus=true on:click=stay>"Stay signed in"</button>
                </div>
            </div>
        </Show>
    }
}

fn tick(
    clock: StoredValue<IdleClock>,
    phase: RwSignal<IdlePhase>,
    last_reported: StoredValue<f64>,
) {
    let now = browser::now_ms();
    let current = clock.with_value(|c| c.phase(now));
    let changed = phase.get_untracked() != current;
    if changed {
        phase.set(current);
    }
    match current {
        IdlePhase::Expired if changed => spawn_local(async move {
            let _ = sign_out().await;
            browser::load_page("/login?reason=idle");
        }),
        IdlePhase::Active => {
            let last_activity = clock.with_value(|c| c.last_activity_ms());
            if last_activity > last_reported.get_value()
                && now - last_reported.get_value() >= 60_000.0
            {
                last_reported.set_value(now);
                spawn_local(async move {
                    let _ = keep_alive().await;
                });
            }
        }
        IdlePhase::Expired | IdlePhase::Warning { .. } => {}
    }
}
