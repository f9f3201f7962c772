use leptos::prelude::*;
use std::time::Duration;

/// Calls `tick` every `every` while the component lives, in the browser only (so server
/// rendering and hydration see the same first view).
pub fn poll_every(every: Duration, tick: impl Fn() + Clone + 'static) {
    Effect::new(move |_| {
        let tick = tick.clone();
        if let Ok(handle) = set_interval_with_handle(tick, every) {
            on_cleanup(move || handle.clear());
        }
    });
}
