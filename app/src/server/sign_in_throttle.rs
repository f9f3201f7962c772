//! Sign-in throttling: after 5 failed attempts on one account in 15 minutes (or 20 from one
//! client address, which an office may share), each further attempt must wait a delay that
//! doubles with every failure (30 s, 1 min, 2 min, … at most 15 minutes) from the last one. A
//! throttled attempt is answered 429 with `Retry-After` before any password is checked, the
//! same for known and unknown emails, and is not counted.
//!
//! The failures live in the database (`sign_in_failures`), not in process memory as an
//! in-memory limiter such as `governor` would keep them: with several app servers behind one
//! address, an attacker would otherwise get each server's allowance.

use crate::error::AppError;
use sqlx::AnyPool;

pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const ACCOUNT_ALLOWANCE: i64 = 5;
pub const ADDRESS_ALLOWANCE: i64 = 20;
pub const FIRST_DELAY_SECONDS: i64 = 30;
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;

/// Whom an attempt is counted against.
pub struct Subjects {
    account: String,
    address: String,
}

impl Subjects {
    pub fn new(email_key: &str, client_address: Option<std::net::IpAddr>) -> Subjects {
        Subjects {
            // Control characters (a NUL, which PostgreSQL refuses in text) are kept as U+FFFD:
            // no account's email holds one, so nothing is conflated with a real account.
            account: format!(
                "account:{}",
                email_key.replace(char::is_control, "\u{FFFD}")
            ),
            address: format!(
                "address:{}",
                client_address.map_or_else(|| "unknown".to_string(), |a| a.to_string())
            ),
        }
    }
}

/// The wait still owed after `failures` failures, the last at `last_failure`, seen at `now`.
pub fn wait_seconds(failures: i64, allowance: i64, last_failure: i64, now: i64) -> i64 {
    if failures < allowance {
        return 0;
    }
    let exponent = (failures - allowance).min(20) as u32;
    let delay = (FIRST_DELAY_SECONDS * 2i64.pow(exponent)).min(MAX_DELAY_SECONDS);
    (last_failure + delay - now).max(0)
}

/// Refuses with 429 while either subject owes a wait.
pub async fn check(pool: &AnyPool, subjects: &Subjects, now: i64) -> Result<(), AppError> {
    let mut owed = 0;
    for (subject, allowance) in [
        (&subjects.account, ACCOUNT_ALLOWANCE),
        (&subjects.address, ADDRESS_ALLOWANCE),
    ] {
        let (failures, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(failed_at) FROM sign_in_failures WHERE subject = $1 AND failed_at > $2",
        )
        .bind(subject)
        .bind(now - WINDOW_SECONDS)
        .fetch_one(pool)
        .await
        .map_err(super::failure::db_failure("checking sign-in attempts"))?;
        owed = owed.max(wait_seconds(failures, allowance, last.unwrap_or(now), now));
    }
    if owed > 0 {
        tracing::warn!(retry_after = owed, "sign-in throttled");
        return Err(AppError::TooManyRequests {
            retry_after_seconds: owed as u64,
        });
    }
    Ok(())
}

/// Counts a failed attempt against both subjects, and forgets failures past the window.
pub async fn record_failure(pool: &AnyPool, subjects: &Subjects, now: i64) -> Result<(), AppError> {
    let failed = super::failure::db_failure("recording a failed sign-in");
    sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
        .bind(now - WINDOW_SECONDS)
        .execute(pool)
        .await
        .map_err(&failed)?;
    sqlx::query("INSERT INTO sign_in_failures (subject, failed_at) VALUES ($1, $3), ($2, $3)")
        .bind(&subjects.account)
        .bind(&subjects.address)
        .bind(now)
        .execute(pool)
        .await
        .map_err(&failed)?;
    Ok(())
}

/// A successful sign-in clears its account's failures (not the address's).
pub async fn record_success(pool: &AnyPool, subjects: &Subjects) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
        .bind(&subjects.account)
        .execute(pool)
        .await
        .map_err(super::failure::db_failure("clearing failed sign-ins"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_after_the_allowance_and_doubles_up_to_fifteen_minutes() {
        let now = 1_000_000;
        let cases = [
            (4, 0),
            (5, 30),
            (6, 60),
            (7, 120),
            (9, 480),
            (10, MAX_DELAY_SECONDS),
            (30, MAX_DELAY_SECONDS),
        ];
        for (failures, expected) in cases {
            assert_eq!(wait_seconds(failures, 5, now, now), expected, "{failures}");
        }
        // Time already waited counts.
        assert_eq!(wait_seconds(7, 5, now - 100, now), 20);
        assert_eq!(wait_seconds(7, 5, now - 120, now), 0);
    }
}
