//! How many requests one API token may make: a keyed GCRA limiter (`governor`) per server,
//! `API_REQUESTS_PER_MINUTE` a minute with a burst of as many. Kept in memory, not in the
//! database: a write per request would queue behind a large import's transaction on SQLite.
//! Each app server counts its own requests, so behind a load balancer over N servers a token
//! may make up to N times the limit.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock, Mutex};

/// One limiter per rate (a server has one; tests run several in one process).
type Limiters = HashMap<u32, Arc<DefaultKeyedRateLimiter<String>>>;
static LIMITERS: LazyLock<Mutex<Limiters>> = LazyLock::new(Default::default);

/// Counts a request of the token whose hash is `key`; Err(seconds to wait) past the limit.
pub fn check(per_minute: u32, key: &str) -> Result<(), u64> {
    let Some(rate) = NonZeroU32::new(per_minute) else {
        return Ok(());
    };
    let limiter = {
        let mut limiters = LIMITERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        limiters
            .entry(per_minute)
            .or_insert_with(|| Arc::new(RateLimiter::keyed(Quota::per_minute(rate))))
            .clone()
    };
    limiter.check_key(&key.to_string()).map_err(|not_until| {
        // Rounded up: waiting that long is always enough.
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        (wait.as_millis().div_ceil(1000) as u64).max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_burst_then_waits_and_other_tokens_do_not() {
        for _ in 0..3 {
            assert_eq!(check(3, "token a"), Ok(()));
        }
        let wait = check(3, "token a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(check(3, "token b"), Ok(()));
    }
}
