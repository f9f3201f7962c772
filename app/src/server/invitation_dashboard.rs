//! The Invitations dashboard's queries: one filtered, sorted page of users, the counts per
//! status, and each import job's funnel. Status is stored on the user row (see migration 0003)
//! so every filter and count is an indexed query; Expired is a pending row past its expiry.

use crate::error::AppError;
use crate::server::failure::db_failure;

use super::users::{attach_role_names, summary_from_row, SUMMARY_COLUMNS, SUMMARY_JOINS};
use crate::model::{
    InvitationFilter, InvitationSort, InvitationStatus, InvitationsPage, JobFunnel, StatusCounts,
    UserKind,
};
use sqlx::{AnyPool, Row};

pub const PAGE_SIZE: i64 = 50;
/// Import jobs shown with a funnel, newest first.
pub const FUNNEL_JOBS: i64 = 20;

enum Bind {
    Int(i64),
    Text(String),
}

fn next(binds: &mut Vec<Bind>, value: Bind) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// `WHERE ...` for the filters; `$1` is always now.
fn where_clause(filter: &InvitationFilter, now: i64) -> (String, Vec<Bind>) {
    let mut conditions = Vec::new();
    let mut binds = vec![Bind::Int(now)];
    match filter.status {
        Some(InvitationStatus::Pending) => conditions
            .push("u.invitation_status = 'pending' AND u.invitation_expires_at > $1".to_string()),
        Some(InvitationStatus::Expired) => conditions
            .push("u.invitation_status = 'pending' AND u.invitation_expires_at <= $1".to_string()),
        Some(other) => {
            let p = next(&mut binds, Bind::Text(other.as_str().into()));
            conditions.push(format!("u.invitation_status = {p}"));
        }
        None => {}
    }
    if let Some(kind) = filter.kind {
        let p = next(&mut binds, Bind::Text(kind.as_str().into()));
        conditions.push(format!("u.kind = {p}"));
    }
    if let Some(org) = filter.organization_id {
        let p = next(&mut binds, Bind::Int(org));
        conditions.push(format!("u.organization_id = {p}"));
    }
    if let Some(job) = filter.import_job_id {
        let p = next(&mut binds, Bind::Int(job));
        conditions.push(format!("u.import_job_id = {p}"));
    }
    if !filter.search.is_empty() {
        let pattern = format!("%{}%", escape_like(&filter.search.to_lowercase()));
        let p = next(&mut binds, Bind::Text(pattern));
        conditions.push(format!("u.search_text LIKE {p} ESCAPE '\\'"));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, binds)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn order_by(sort: InvitationSort, descending: bool) -> String {
    let columns: &[&str] = match sort {
        InvitationSort::Name => &["u.last_name", "u.first_name", "u.id"],
        InvitationSort::Email => &["u.email_key", "u.id"],
        InvitationSort::Status => &["u.invitation_status", "u.invitation_expires_at", "u.id"],
        InvitationSort::InvitedAt => &["u.invited_at", "u.id"],
    };
    let direction = if descending { " DESC" } else { "" };
    columns
        .iter()
        .map(|c| format!("{c}{direction}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
        };
    }
    query
}

/// One page of users matching the filters, the number matching, and the counts per status.
pub async fn page(
    pool: &AnyPool,
    filter: &InvitationFilter,
    now: i64,
) -> Result<InvitationsPage, AppError> {
    page_of(pool, filter, now)
        .await
        .map_err(db_failure("loading invitations"))
}

async fn page_of(
    pool: &AnyPool,
    filter: &InvitationFilter,
    now: i64,
) -> Result<InvitationsPage, sqlx::Error> {
    let (clause, binds) = where_clause(filter, now);
    // The page's ids are found first, from the indexes alone; only those 50 rows are then
    // joined and read (deep pages would otherwise build every skipped row).
    let order = order_by(filter.sort, filter.descending);
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE u.id IN \
         (SELECT u.id FROM users u {clause} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {}) \
         ORDER BY {order}",
        crate::model::clamp_page(filter.page) * PAGE_SIZE
    );
    let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(pool).await?;
    let mut users = rows
        .iter()
        .map(|r| summary_from_row(r, now))
        .collect::<Result<Vec<_>, _>>()?;
    attach_role_names(pool, &mut users).await?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM users u {clause}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &binds)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok(InvitationsPage {
        users,
        total,
        page_size: PAGE_SIZE,
        counts: counts_of(pool, now).await?,
    })
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

/// How many users are in each status, everyone counted.
pub async fn counts(pool: &AnyPool, now: i64) -> Result<StatusCounts, AppError> {
    counts_of(pool, now)
        .await
        .map_err(db_failure("counting invitations"))
}

async fn counts_of(pool: &AnyPool, now: i64) -> Result<StatusCounts, sqlx::Error> {
    let rows = sqlx::query(&format!("{COUNTS_BY_STATUS} GROUP BY u.invitation_status"))
        .bind(now)
        .fetch_all(pool)
        .await?;
    read_counts(&rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_cannot_act_as_a_wildcard() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn every_filter_becomes_a_numbered_parameter_after_now() {
        let filter = InvitationFilter {
            status: Some(InvitationStatus::SendFailed),
            kind: Some(UserKind::Technician),
            organization_id: Some(4),
            import_job_id: Some(7),
            search: "ann".into(),
            ..InvitationFilter::default()
        };
        let (clause, binds) = where_clause(&filter, 100);
        assert_eq!(binds.len(), 6);
        for n in 2..=6 {
            assert!(clause.contains(&format!("${n}")), "{clause}");
        }
        let (expired, binds) = where_clause(
            &InvitationFilter {
                status: Some(InvitationStatus::Expired),
                ..InvitationFilter::default()
            },
            100,
        );
        assert!(expired.contains("invitation_expires_at <= $1") && binds.len() == 1);
    }
}
