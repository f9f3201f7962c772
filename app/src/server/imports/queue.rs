//! Import jobs in the database, so that any app server can run any job and a restart loses
//! nothing: an upload queues a job with its source; a runner claims it with one conditional
//! update (PostgreSQL skips rows another server has locked); the runner reports its progress
//! and learns of a cancel through the same row; a job whose server stopped reporting is
//! marked interrupted and can be run again from its kept upload, which is removed once the
//! retention period after the job's end has passed.

use super::control::JobControl;
use crate::error::AppError;
use crate::import::{ImportUpload, JobPhase, JobStatus};
use crate::server::db::{is_unique_violation, Backend, Db};
use crate::server::failure::db_failure;
use sqlx::Row;

/// Queues an import of `source` as `upload` describes it. The same idempotency key again
/// (a retried upload) returns the job it queued the first time.
pub async fn enqueue(
    db: &Db,
    upload: &ImportUpload,
    source: Vec<u8>,
    created_by: i64,
    now: i64,
) -> Result<i64, AppError> {
    enqueue_request(db, upload, source, created_by, now, None).await
}

/// `enqueue`, recording what the request was (`request_hash`, see `request_hash_of`).
pub async fn enqueue_request(
    db: &Db,
    upload: &ImportUpload,
    source: Vec<u8>,
    created_by: i64,
    now: i64,
    request_hash: Option<&str>,
) -> Result<i64, AppError> {
    super::check_idempotency_key(&upload.idempotency_key)?;
    if upload
        .sheet
        .as_deref()
        .is_some_and(|sheet| sheet.contains('\0'))
    {
        // No workbook's sheet is named so, and a job failing on it could not say why on
        // PostgreSQL (its message would name the sheet).
        return Err(AppError::BadRequest(
            "The import's sheet name cannot hold a NUL character.".into(),
        ));
    }
    let failure = db_failure("queueing an import");
    let size = source.len();
    let mut tx = db.begin_write().await.map_err(&failure)?;
    let options = serde_json::to_string(&upload.options).unwrap_or_default();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO import_jobs (created_by, created_at, kind, organization_id, source, options, idempotency_key, status, total_rows, progress_total, request_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $9) RETURNING id",
    )
    .bind(created_by)
    .bind(now)
    .bind(upload.kind.as_str())
    .bind(upload.organization_id)
    .bind(super::source_label(&upload.source_name))
    .bind(options)
    .bind(upload.idempotency_key.clone())
    .bind(i64::from(upload.source_rows))
    .bind(request_hash)
    .fetch_one(&mut **tx)
    .await;
    let job_id = match inserted {
        Ok(id) => id,
        Err(error) if is_unique_violation(&error) => {
            drop(tx);
            return job_with_key(db, &upload.idempotency_key).await;
        }
        Err(error) => return Err(failure(error)),
    };
    sqlx::query(
        "INSERT INTO import_uploads (job_id, request, size_bytes, source) VALUES ($1, $2, $3, $4)",
    )
    .bind(job_id)
    .bind(serde_json::to_string(upload).unwrap_or_default())
    .bind(size as i64)
    .bind(source)
    .execute(&mut **tx)
    .await
    .map_err(&failure)?;
    tx.commit().await.map_err(&failure)?;
    tracing::info!(job_id, bytes = size, "import queued");
    Ok(job_id)
}

/// What the job queued under an idempotency key was asked with, if that was recorded.
pub async fn request_hash(db: &Db, job_id: i64) -> Result<Option<String>, AppError> {
    sqlx::query_scalar("SELECT request_hash FROM import_jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(db.pool())
        .await
        .map(Option::flatten)
        .map_err(db_failure("checking an idempotency key"))
}

async fn job_with_key(db: &Db, key: &str) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT id FROM import_jobs WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await
        .map_err(db_failure("finding an import"))?
        .ok_or_else(|| AppError::Conflict("This import is already being processed.".into()))
}

/// Takes the oldest queued job for `runner`, if there is one. A job is claimed once: the
/// update only succeeds on a row still queued, and PostgreSQL skips rows another server is
/// claiming at the same moment.
pub async fn claim(db: &Db, runner: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    sqlx::query_scalar(&format!(
        "UPDATE import_jobs SET status = 'running', runner = $1, started_at = $2, heartbeat_at = $2, \
             phase = NULL, progress_done = 0 \
         WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued' ORDER BY id LIMIT 1{lock}) \
           AND status = 'queued' RETURNING id"
    ))
    .bind(runner)
    .bind(now)
    .fetch_optional(db.pool())
    .await
}

/// What a claimed job runs from.
pub struct ClaimedJob {
    pub upload: ImportUpload,
    pub source: Vec<u8>,
    pub created_by: i64,
    pub created_by_name: String,
}

pub async fn load(db: &Db, job_id: i64) -> Result<Option<ClaimedJob>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT up.request, up.source, j.created_by, u.first_name, u.last_name \
         FROM import_uploads up JOIN import_jobs j ON j.id = up.job_id JOIN users u ON u.id = j.created_by \
         WHERE up.job_id = $1",
    )
    .bind(job_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let request: String = row.try_get("request")?;
    let Ok(upload) = serde_json::from_str(&request) else {
        return Ok(None);
    };
    Ok(Some(ClaimedJob {
        upload,
        source: row.try_get("source")?,
        created_by: row.try_get("created_by")?,
        created_by_name: format!(
            "{} {}",
            row.try_get::<String, _>("first_name")?,
            row.try_get::<String, _>("last_name")?
        ),
    }))
}

/// Writes the job's progress and that its server is alive. Answers whether it should go on:
/// false when the admin cancelled it or it is no longer running here.
pub async fn report(
    db: &Db,
    job_id: i64,
    runner: &str,
    control: &JobControl,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (phase, done, total) = control.snapshot();
    let cancel: Option<i64> = sqlx::query_scalar(
        "UPDATE import_jobs SET heartbeat_at = $1, phase = $2, progress_done = $3, progress_total = $4 \
         WHERE id = $5 AND status = 'running' AND runner = $6 RETURNING cancel_requested",
    )
    .bind(now)
    .bind(phase.map(JobPhase::as_str))
    .bind(done as i64)
    .bind(total as i64)
    .bind(job_id)
    .bind(runner)
    .fetch_optional(db.pool())
    .await?;
    Ok(cancel == Some(0))
}

/// Ends a job `runner` is running that recorded no rows: failed or cancelled, with why. A
/// job no longer this runner's (taken for interrupted, run again elsewhere) is left alone.
pub async fn end(
    db: &Db,
    job_id: i64,
    runner: &str,
    status: JobStatus,
    why: &str,
    now: i64,
    retention_seconds: i64,
) -> Result<(), sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE import_jobs SET status = $1, failure = $2, phase = NULL, finished_at = $3 \
         WHERE id = $4 AND status = 'running' AND runner = $5",
    )
    .bind(status.as_str())
    // A message may quote what the client sent (PostgreSQL refuses a NUL in text).
    .bind(why.replace('\0', "\u{FFFD}"))
    .bind(now)
    .bind(job_id)
    .bind(runner)
    .execute(db.pool())
    .await?;
    if ended.rows_affected() == 0 {
        return Ok(());
    }
    keep_upload_until(db, job_id, now + retention_seconds).await
}

/// A job that ended keeps its upload for the retention period, then it is removed.
pub async fn keep_upload_until(db: &Db, job_id: i64, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE import_uploads SET keep_until = $1 WHERE job_id = $2")
        .bind(until)
        .bind(job_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub const INTERRUPTED: &str =
    "The server stopped while this import ran. Nothing was imported; run it again.";

/// Running jobs whose server has not reported since `stale_before` were interrupted (a
/// crash, a deploy, kill -9): their transaction never committed. Uploads past their
/// retention are removed. Answers how many jobs were marked interrupted.
pub async fn sweep(
    db: &Db,
    now: i64,
    stale_before: i64,
    retention_seconds: i64,
) -> Result<u64, sqlx::Error> {
    let interrupted: Vec<i64> = sqlx::query_scalar(
        "UPDATE import_jobs SET status = 'interrupted', failure = $1, phase = NULL, finished_at = $2 \
         WHERE status = 'running' AND heartbeat_at < $3 RETURNING id",
    )
    .bind(INTERRUPTED)
    .bind(now)
    .bind(stale_before)
    .fetch_all(db.pool())
    .await?;
    for job_id in &interrupted {
        tracing::warn!(job_id, "import interrupted: its server stopped reporting");
        keep_upload_until(db, *job_id, now + retention_seconds).await?;
    }
    sqlx::query("DELETE FROM import_uploads WHERE keep_until < $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(interrupted.len() as u64)
}

/// The admin's Cancel: a queued job is cancelled at once; a running one is asked to stop
/// (its runner rolls back). Answers the job's status afterwards.
pub async fn cancel(db: &Db, job_id: i64, now: i64) -> Result<JobStatus, AppError> {
    // A job running in this server stops at once, without waiting for the database (on
    // SQLite its write holds the database until it ends).
    if super::runner::cancel_here(job_id) {
        let _ = sqlx::query(
            "UPDATE import_jobs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'",
        )
        .bind(job_id)
        .execute(db.pool())
        .await;
        return Ok(JobStatus::Running);
    }
    let failure = db_failure("cancelling an import");
    sqlx::query(
        "UPDATE import_jobs SET status = 'cancelled', failure = $1, finished_at = $2 WHERE id = $3 AND status = 'queued'",
    )
    .bind(CANCELLED)
    .bind(now)
    .bind(job_id)
    .execute(db.pool())
    .await
    .map_err(&failure)?;
    sqlx::query("UPDATE import_jobs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'")
        .bind(job_id)
        .execute(db.pool())
        .await
        .map_err(&failure)?;
    status_of(db, job_id).await
}

pub const CANCELLED: &str = "Cancelled by an administrator. Nothing was imported.";

/// Run again: an interrupted or cancelled job is queued again from its kept upload.
pub async fn run_again(db: &Db, job_id: i64) -> Result<JobStatus, AppError> {
    let failure = db_failure("queueing an import again");
    let queued = sqlx::query(
        "UPDATE import_jobs SET status = 'queued', failure = NULL, phase = NULL, progress_done = 0, \
             cancel_requested = 0, runner = NULL, finished_at = NULL \
         WHERE id = $1 AND status IN ('interrupted', 'cancelled') \
           AND EXISTS (SELECT 1 FROM import_uploads WHERE job_id = $1)",
    )
    .bind(job_id)
    .execute(db.pool())
    .await
    .map_err(&failure)?;
    if queued.rows_affected() == 0 {
        return match status_of(db, job_id).await? {
            JobStatus::Interrupted | JobStatus::Cancelled => Err(AppError::Conflict(
                "What was uploaded for this import is no longer kept. Import the file again."
                    .into(),
            )),
            _ => Err(AppError::Conflict(
                "Only an interrupted or cancelled import can run again.".into(),
            )),
        };
    }
    sqlx::query("UPDATE import_uploads SET keep_until = NULL WHERE job_id = $1")
        .bind(job_id)
        .execute(db.pool())
        .await
        .map_err(&failure)?;
    Ok(JobStatus::Queued)
}

async fn status_of(db: &Db, job_id: i64) -> Result<JobStatus, AppError> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM import_jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(db.pool())
        .await
        .map_err(db_failure("reading an import"))?;
    status
        .and_then(|s| JobStatus::parse(&s))
        .ok_or_else(|| AppError::NotFound("That import".into()))
}

/// Whether this job's upload is still kept (Run again is possible).
pub async fn upload_kept(db: &Db, job_id: i64) -> Result<bool, AppError> {
    let kept: Option<i64> =
        sqlx::query_scalar("SELECT job_id FROM import_uploads WHERE job_id = $1")
            .bind(job_id)
            .fetch_optional(db.pool())
            .await
            .map_err(db_failure("reading an import"))?;
    Ok(kept.is_some())
}
