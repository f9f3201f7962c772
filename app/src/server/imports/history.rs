//! Past imports read back: the list (newest first), one import's summary, and its rows'
//! outcomes, including the result a repeated idempotency key returns.

use crate::error::AppError;
use crate::import::{
    ImportIssue, ImportIssueCode, ImportJobSummary, ImportResult, ImportRowResult, JobPhase,
    JobStatus, RowOutcomeKind,
};
use crate::model::UserKind;
use crate::server::failure::db_failure;
use sqlx::{AnyPool, Row};

/// The result of the import recorded under this idempotency key, if any.
pub async fn stored_result(pool: &AnyPool, key: &str) -> Result<Option<ImportResult>, AppError> {
    let job: Option<(i64, String)> =
        sqlx::query_as("SELECT id, status FROM import_jobs WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(db_failure("loading an import"))?;
    match job.map(|(id, status)| (id, JobStatus::parse(&status))) {
        Some((job_id, Some(status))) if status.has_rows() => Ok(Some(
            load_result(pool, job_id, status == JobStatus::Failed).await?,
        )),
        // Not finished (or ended without rows): nothing to give back yet.
        _ => Ok(None),
    }
}

pub async fn load_result(
    pool: &AnyPool,
    job_id: i64,
    failed: bool,
) -> Result<ImportResult, AppError> {
    let rows = sqlx::query(&format!(
        "{ROW_COLUMNS} FROM import_job_rows WHERE job_id = $1 ORDER BY row_number"
    ))
    .bind(job_id)
    .fetch_all(pool)
    .await
    .map_err(db_failure("loading import rows"))?;
    let mut result = ImportResult::new(Some(job_id), failed);
    for row in rows {
        result.push(row_result(&row).map_err(db_failure("reading import rows"))?);
    }
    Ok(result)
}

/// Rows with problems an import's page and the modal list (the reports to download have
/// them all).
pub const PROBLEM_ROWS_SHOWN: i64 = 500;

/// A finished import as its page and the modal show it: the counts, and the first
/// [`PROBLEM_ROWS_SHOWN`] rows that were not imported (failed or skipped) with their
/// problems — not every row's outcome, which at 500,000 rows is tens of megabytes to read,
/// send and hold (the reports stream them: `downloads`).
pub async fn load_outcome(
    pool: &AnyPool,
    job: &ImportJobSummary,
) -> Result<ImportResult, AppError> {
    let failed = job.status == JobStatus::Failed;
    let mut result = ImportResult::new(Some(job.id), failed);
    result.created = job.created;
    result.updated = job.updated;
    result.skipped = job.skipped;
    result.failed_rows = job.failed;
    result.rows = rows_after(pool, job.id, not_imported(failed), 0, PROBLEM_ROWS_SHOWN).await?;
    Ok(result)
}

/// The outcomes of the rows an import did not import: when it failed as a whole, every row
/// is `Failed`; otherwise those that failed or were skipped.
pub fn not_imported(failed: bool) -> &'static [RowOutcomeKind] {
    if failed {
        &[RowOutcomeKind::Failed]
    } else {
        &[RowOutcomeKind::Failed, RowOutcomeKind::Skipped]
    }
}

/// Up to `limit` of an import's rows after row `after` in source order, only those with one
/// of `outcomes` (all when empty): the reports read them a part at a time this way (by the
/// primary key, so each part costs the same however far into the import it is).
pub async fn rows_after(
    pool: &AnyPool,
    job_id: i64,
    outcomes: &[RowOutcomeKind],
    after: i64,
    limit: i64,
) -> Result<Vec<ImportRowResult>, AppError> {
    let sql = format!(
        "{ROW_COLUMNS} FROM import_job_rows WHERE job_id = $1 AND row_number > $2{} \
         ORDER BY row_number LIMIT $3",
        outcome_filter(outcomes)
    );
    let rows = sqlx::query(&sql)
        .bind(job_id)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
        .map_err(db_failure("loading import rows"))?;
    rows.iter()
        .map(row_result)
        .collect::<Result<_, _>>()
        .map_err(db_failure("reading import rows"))
}

const ROW_COLUMNS: &str = "SELECT row_number, outcome, user_id, problems, message, email";

fn row_result(row: &sqlx::any::AnyRow) -> Result<ImportRowResult, sqlx::Error> {
    let outcome = RowOutcomeKind::parse(row.try_get("outcome")?).unwrap_or(RowOutcomeKind::Failed);
    let line = row.try_get::<i64, _>("row_number")? as u32;
    let problems = stored_problems(line, row.try_get("problems")?, row.try_get("message")?);
    Ok(ImportRowResult {
        line,
        outcome,
        email: row.try_get("email")?,
        user_id: row.try_get("user_id")?,
        problems,
    })
}

/// One page of an import's rows in source order, only those with one of `outcomes` (all
/// when empty), and how many there are in all.
pub async fn rows_page(
    pool: &AnyPool,
    job_id: i64,
    outcomes: &[RowOutcomeKind],
    offset: i64,
    limit: i64,
) -> Result<(Vec<ImportRowResult>, i64), AppError> {
    let only = outcome_filter(outcomes);
    let page_sql = format!(
        "{ROW_COLUMNS} FROM import_job_rows WHERE job_id = $1{only} \
         ORDER BY row_number LIMIT $2 OFFSET $3"
    );
    let count_sql = format!("SELECT COUNT(*) FROM import_job_rows WHERE job_id = $1{only}");
    let page = sqlx::query(&page_sql)
        .bind(job_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool);
    let count = sqlx::query_scalar::<_, i64>(&count_sql)
        .bind(job_id)
        .fetch_one(pool);
    let (page, total) = tokio::try_join!(page, count).map_err(db_failure("loading import rows"))?;
    let rows = page
        .iter()
        .map(row_result)
        .collect::<Result<_, _>>()
        .map_err(db_failure("reading import rows"))?;
    Ok((rows, total))
}

/// `AND outcome IN (…)` for these outcomes; nothing when there are none.
fn outcome_filter(outcomes: &[RowOutcomeKind]) -> String {
    if outcomes.is_empty() {
        return String::new();
    }
    // The outcomes are our own words, never the caller's text.
    let listed: Vec<String> = outcomes
        .iter()
        .map(|o| format!("'{}'", o.as_str()))
        .collect();
    format!(" AND outcome IN ({})", listed.join(", "))
}

const JOB_SUMMARY: &str = "SELECT j.id, j.created_at, u.first_name, u.last_name, j.kind, o.name AS organization, \
         j.source, j.options, j.status, j.total_rows, j.created_count, j.updated_count, j.skipped_count, j.failed_count, \
         j.phase, j.progress_done, j.progress_total, j.failure, j.cancel_requested \
     FROM import_jobs j JOIN users u ON u.id = j.created_by LEFT JOIN organizations o ON o.id = j.organization_id";

/// The latest imports: queued and running ones first, then newest first.
pub async fn history(pool: &AnyPool) -> Result<Vec<ImportJobSummary>, AppError> {
    let rows = sqlx::query(&format!(
        "{JOB_SUMMARY} ORDER BY CASE WHEN j.status IN ('queued', 'running') THEN 0 ELSE 1 END, \
         j.created_at DESC, j.id DESC LIMIT 200"
    ))
    .fetch_all(pool)
    .await
    .map_err(db_failure("loading import history"))?;
    rows.iter()
        .map(job_summary_from_row)
        .collect::<Result<_, _>>()
        .map_err(db_failure("reading import history"))
}

/// One import's summary.
pub async fn job_summary(pool: &AnyPool, id: i64) -> Result<Option<ImportJobSummary>, AppError> {
    let row = sqlx::query(&format!("{JOB_SUMMARY} WHERE j.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_failure("loading an import"))?;
    row.as_ref()
        .map(job_summary_from_row)
        .transpose()
        .map_err(db_failure("reading an import"))
}

fn job_summary_from_row(row: &sqlx::any::AnyRow) -> Result<ImportJobSummary, sqlx::Error> {
    let options: String = row.try_get("options")?;
    let mode = serde_json::from_str::<crate::import::ImportOptions>(&options)
        .map(|o| o.mode)
        .unwrap_or_default();
    Ok(ImportJobSummary {
        id: row.try_get("id")?,
        created_at: row.try_get("created_at")?,
        created_by: format!(
            "{} {}",
            row.try_get::<String, _>("first_name")?,
            row.try_get::<String, _>("last_name")?
        ),
        kind: UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser),
        organization: row.try_get("organization")?,
        source: row.try_get("source")?,
        mode,
        status: JobStatus::parse(row.try_get("status")?).unwrap_or(JobStatus::Failed),
        total_rows: row.try_get("total_rows")?,
        created: row.try_get("created_count")?,
        updated: row.try_get("updated_count")?,
        skipped: row.try_get("skipped_count")?,
        failed: row.try_get("failed_count")?,
        phase: row
            .try_get::<Option<String>, _>("phase")?
            .as_deref()
            .and_then(JobPhase::parse),
        progress_done: row.try_get("progress_done")?,
        progress_total: row.try_get("progress_total")?,
        failure: row.try_get("failure")?,
        cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
    })
}

/// A row's problems as stored: issue codes (JSON), or for rows recorded before codes were
/// stored, the sentence that was.
fn stored_problems(line: u32, codes: Option<String>, sentence: Option<String>) -> Vec<ImportIssue> {
    if let Some(problems) = codes.and_then(|json| serde_json::from_str(&json).ok()) {
        return problems;
    }
    sentence
        .filter(|s| !s.is_empty())
        .map(|message| {
            vec![ImportIssue::row(
                line,
                ImportIssueCode::Recorded { message },
            )]
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_codes_are_read_back_and_old_sentences_kept() {
        let issue = ImportIssue::row(4, ImportIssueCode::NoMatchingUser);
        let json = serde_json::to_string(&vec![issue.clone()]).unwrap();
        assert_eq!(stored_problems(4, Some(json), None), vec![issue]);
        let old = stored_problems(5, None, Some("Email: taken.".into()));
        assert_eq!(old[0].code.message(), "Email: taken.");
        assert!(stored_problems(6, None, None).is_empty());
    }
}
