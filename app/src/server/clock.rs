use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now. Services take `now` as an argument so tests can choose the time.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
