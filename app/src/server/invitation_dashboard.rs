//! The Invitations dashboard's queries: one filtered, sorted page of users (`user_query`), the
//! counts per status, and each import job's funnel. Status is stored on the user row (see
//! migration 0003) so every count is an indexed query; Expired is a pending row past its
//! expiry.

use crate::error::AppError;
use crate::server::failure::db_failure;

use super::{user_counts, user_query, Db};
use crate::model::{
    InvitationStatus, InvitationsPage, JobFunnel, StatusCounts, UserFilter, UserKind,
};
use sqlx::{AnyPool, Row};

/// Import jobs shown with a funnel, newest first.
pub const FUNNEL_JOBS: i64 = 20;

/// One page of users matching the filters, the number matching, and the counts per status.
pub async fn page(db: &Db, filter: &UserFilter, now: i64) -> Result<InvitationsPage, AppError> {
    page_of(db, filter, now)
        .await
        .map_err(db_failure("loading invitations"))
}

async fn page_of(db: &Db, filter: &UserFilter, now: i64) -> Result<InvitationsPage, sqlx::Error> {
    // Three independent reads, each on a connection of its own: the page waits for the
    // slowest, not for their sum (a search for a common fragment reads its index for about
    // 38 ms at a million users, the counts per status about 8 ms).
    let ((users, total), counts, emails_waiting) = tokio::try_join!(
        user_query::page(db, filter, now),
        user_counts::per_status(db, now),
        emails_waiting(db.pool()),
    )?;
    Ok(InvitationsPage {
        users,
        total,
        page_size: user_query::PAGE_SIZE,
        counts,
        emails_waiting,
    })
}

/// Emails not yet handed to the mail server, read from the outbox's status index.
async fn emails_waiting(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM email_outbox WHERE status IN ('queued', 'sending')")
        .fetch_one(pool)
        .await
}

/// Counts per stored status, with how many of each are past their expiry; read from the
/// status index alone.
const COUNTS_BY_STATUS: &str = "SELECT u.invitation_status AS status, COUNT(*) AS n, \
     SUM(CASE WHEN u.invitation_expires_at <= $1 THEN 1 ELSE 0 END) AS past FROM users u";

fn read_counts(rows: &[sqlx::any::AnyRow]) -> Result<StatusCounts, sqlx::Error> {
    let mut counts = StatusCounts::default();
    for row in rows {
        let n: i64 = row.try_get("n")?;
        match InvitationStatus::parse(row.try_get("status")?) {
            Some(InvitationStatus::Pending) => {
                let past: i64 = row.try_get::<Option<i64>, _>("past")?.unwrap_or(0);
                counts.add(InvitationStatus::Expired, past);
                counts.add(InvitationStatus::Pending, n - past);
            }
            Some(status) => counts.add(status, n),
            None => {}
        }
    }
    Ok(counts)
}

/// How many users are in each status, everyone counted (from the kept counts).
pub async fn counts(db: &Db, now: i64) -> Result<StatusCounts, AppError> {
    user_counts::per_status(db, now)
        .await
        .map_err(db_failure("counting invitations"))
}

/// The newest import jobs that created users, each with its users' counts per status.
pub async fn funnels(pool: &AnyPool, now: i64) -> Result<Vec<JobFunnel>, AppError> {
    let result: Result<Vec<JobFunnel>, sqlx::Error> = async {
        let jobs = sqlx::query(
            "SELECT id, created_at, source, kind FROM import_jobs WHERE created_count > 0 \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(FUNNEL_JOBS)
        .fetch_all(pool)
        .await?;
        let mut funnels = Vec::with_capacity(jobs.len());
        for job in jobs {
            let job_id: i64 = job.try_get("id")?;
            let rows = sqlx::query(&format!(
                "{COUNTS_BY_STATUS} WHERE u.import_job_id = $2 GROUP BY u.invitation_status"
            ))
            .bind(now)
            .bind(job_id)
            .fetch_all(pool)
            .await?;
            let counts = read_counts(&rows)?;
            funnels.push(JobFunnel {
                job_id,
                created_at: job.try_get("created_at")?,
                source: job.try_get("source")?,
                kind: UserKind::parse(job.try_get("kind")?).unwrap_or(UserKind::EndUser),
                counts,
            });
        }
        Ok(funnels)
    }
    .await;
    result.map_err(db_failure("loading import funnels"))
}
