//! The import runner inside each app server: it claims queued jobs from the database (a
//! bounded number at once), runs each — the engine on a blocking thread, then the one
//! transaction — while a companion task reports progress every second and learns of a cancel,
//! marks jobs of stopped servers interrupted, and emails the admin who started a job when it
//! ends.

use super::control::JobControl;
use super::{check_organization, commit, prepare_observed, queue, CommitContext, JobRecord};
use crate::error::AppError;
use crate::import::{
    describe, thousands, ImportLimits, ImportResult, ImportUpload, JobPhase, JobStatus, ReadUpload,
    UploadRefused,
};
use crate::model::UserKind;
use crate::server::context::Actor;
use crate::server::{clock, Db};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// The step of the checking phase after the engine has read and checked every row: the
/// accounts the rows name are looked up and each row planned.
pub const STEP_DATABASE_CHECK: &str = "checking the database";

#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Jobs this server runs at once.
    pub at_once: usize,
    /// How often it looks for queued jobs.
    pub poll: Duration,
    /// A running job not reported for this long was interrupted.
    pub stale_after: Duration,
    pub upload_retention: Duration,
    pub public_base_url: String,
}

impl RunnerSettings {
    pub fn from_config(config: &crate::server::Config, db: &Db) -> RunnerSettings {
        let settings = config.import_jobs;
        let default_at_once = match db.backend() {
            crate::server::db::Backend::Sqlite => 1,
            crate::server::db::Backend::Postgres => 2,
        };
        RunnerSettings {
            at_once: settings.at_once.unwrap_or(default_at_once),
            poll: Duration::from_millis(250),
            stale_after: settings.stale_after,
            upload_retention: settings.upload_retention,
            public_base_url: config.public_base_url.clone(),
        }
    }
}

/// The running runner; `stop` ends its loop (jobs in flight are left to the next sweep).
pub struct Runner {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Runner {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

pub fn spawn(db: Db, settings: RunnerSettings) -> Runner {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let name = runner_name();
        let slots = Arc::new(Semaphore::new(settings.at_once.max(1)));
        let settings = Arc::new(settings);
        let mut last_sweep = 0;
        tracing::info!(runner = %name, at_once = settings.at_once, "import runner started");
        loop {
            let now = clock::now();
            if now - last_sweep >= 5 {
                last_sweep = now;
                let stale_before = now - settings.stale_after.as_secs() as i64;
                let retention = settings.upload_retention.as_secs() as i64;
                if let Err(error) = queue::sweep(&db, now, stale_before, retention).await {
                    tracing::warn!(%error, "could not sweep import jobs");
                }
            }
            if let Ok(permit) = slots.clone().try_acquire_owned() {
                match queue::claim(&db, &name, now).await {
                    Ok(Some(job_id)) => {
                        let (db, settings, name) = (db.clone(), settings.clone(), name.clone());
                        tokio::spawn(async move {
                            run_job(&db, job_id, &name, &settings).await;
                            drop(permit);
                        });
                        continue;
                    }
                    Ok(None) => drop(permit),
                    Err(error) => tracing::warn!(%error, "could not claim an import job"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(settings.poll) => {}
                _ = stopped.changed() => break,
            }
        }
    });
    Runner { stop, task }
}

fn runner_name() -> String {
    use rand::Rng;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "server".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

/// Jobs running in this process, so that a Cancel reaches them without the database.
static RUNNING_HERE: std::sync::Mutex<Vec<(i64, JobControl)>> = std::sync::Mutex::new(Vec::new());

/// Cancels the job if it runs in this process; answers whether it does.
pub fn cancel_here(job_id: i64) -> bool {
    let running = RUNNING_HERE.lock().unwrap_or_else(|e| e.into_inner());
    match running.iter().find(|(id, _)| *id == job_id) {
        Some((_, control)) => {
            control.cancel();
            true
        }
        None => false,
    }
}

/// While a job runs: its progress reporter, and its entry in `RUNNING_HERE`; both end when
/// the job ends, even by a panic.
struct Running {
    job_id: i64,
    reporter: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.reporter.abort();
        let mut running = RUNNING_HERE.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|(id, _)| *id != self.job_id);
    }
}

/// Runs one job `runner` claimed to its end, whatever happens, and reports it. Answers how
/// long each phase and step took (see [`STEP_DATABASE_CHECK`]).
pub async fn run_job(
    db: &Db,
    job_id: i64,
    runner: &str,
    settings: &RunnerSettings,
) -> Vec<(&'static str, Duration)> {
    let control = JobControl::default();
    // A cancel that came before the job started is seen before any work.
    if let Ok(false) = queue::report(db, job_id, runner, &control, clock::now()).await {
        control.cancel();
    }
    RUNNING_HERE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((job_id, control.clone()));
    let running = Running {
        job_id,
        reporter: {
            let (db, control, runner) = (db.clone(), control.clone(), runner.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    match queue::report(&db, job_id, &runner, &control, clock::now()).await {
                        Ok(true) => {}
                        Ok(false) => control.cancel(),
                        // A busy database (SQLite while the job writes) delays a report; the
                        // job goes on.
                        Err(error) => tracing::debug!(%error, job_id, "could not report progress"),
                    }
                }
            })
        },
    };
    let outcome = execute(db, job_id, runner, &control, settings).await;
    drop(running);
    crate::server::memory::release_freed_in_background().await;
    let now = clock::now();
    let retention = settings.upload_retention.as_secs() as i64;
    let end = |status, why: String| async move {
        queue::end(db, job_id, runner, status, &why, now, retention).await
    };
    let ended = match &outcome {
        Ok(Finished::Recorded(_)) => queue::keep_upload_until(db, job_id, now + retention).await,
        Ok(Finished::Refused(why)) => end(JobStatus::Failed, why.clone()).await,
        Err(_) if control.is_cancelled() => {
            end(JobStatus::Cancelled, queue::CANCELLED.to_string()).await
        }
        Err(error) => {
            let why = format!("The import could not be completed: {error} Nothing was imported.");
            end(JobStatus::Failed, why).await
        }
    };
    if let Err(error) = ended {
        tracing::error!(%error, job_id, "could not record how an import ended");
    }
    if let Err(error) = tell_the_admin(db, job_id, &outcome, settings, now).await {
        tracing::warn!(%error, job_id, "could not queue the import's email");
    }
    let times = control.step_times();
    tracing::info!(job_id, ?times, "import job ended");
    times
}

enum Finished {
    /// Written, or refused with every row's outcome recorded.
    Recorded(ImportResult),
    /// Refused as a whole before any row was planned (the upload, the file, the organization).
    Refused(String),
}

async fn execute(
    db: &Db,
    job_id: i64,
    runner: &str,
    control: &JobControl,
    settings: &RunnerSettings,
) -> Result<Finished, AppError> {
    let job = queue::load(db, job_id)
        .await
        .map_err(crate::server::failure::db_failure("loading an import job"))?;
    let Some(job) = job else {
        return Ok(Finished::Refused(
            "What was uploaded for this import is no longer kept. Import the file again.".into(),
        ));
    };
    control.start(JobPhase::Checking, u64::from(job.upload.source_rows));
    let (created_by, name) = (job.created_by, job.created_by_name);
    let (upload, source) = (job.upload, job.source);
    if control.is_cancelled() {
        return Err(AppError::Conflict(queue::CANCELLED.into()));
    }
    let read = match read_upload(upload, source).await? {
        Ok(read) => read,
        Err(refused) => return Ok(Finished::Refused(refused.to_string())),
    };
    if !read.read_issues.is_empty() {
        return Ok(Finished::Refused(describe(&read.read_issues)));
    }
    let request = read.request;
    if let Err(error) = check_organization(db, request.kind, request.organization_id).await {
        return Ok(Finished::Refused(error.to_string()));
    }
    // Only when rows' emails turn out taken: the engine runs again on the source read again
    // (the first run consumed the table).
    let table_again = || async move {
        let job = queue::load(db, job_id)
            .await
            .map_err(crate::server::failure::db_failure("loading an import job"))?
            .ok_or_else(|| {
                crate::server::failure::internal("reading an upload again", "it is gone")
            })?;
        read_upload(job.upload, job.source)
            .await?
            .map(|read| read.request.table)
            .map_err(|refused| crate::server::failure::internal("reading an upload again", refused))
    };
    let (request, prepared) = prepare_observed(db, request, control, table_again).await?;
    // The table and the engine's report are gone; the plan is what the write needs.
    crate::server::memory::release_freed_in_background().await;
    if control.is_cancelled() {
        return Err(AppError::Conflict(queue::CANCELLED.into()));
    }
    if prepared.report.is_blocked() {
        return Ok(Finished::Refused(describe(&prepared.report.file_issues)));
    }
    // Said at once: on SQLite the write holds the database, and reports wait until it ends.
    control.start(JobPhase::Writing, prepared.rows.len() as u64);
    if let Ok(false) = queue::report(db, job_id, runner, control, clock::now()).await {
        control.cancel();
    }
    let actor = Actor {
        user_id: created_by,
        display_name: &name,
    };
    let context = CommitContext {
        record: JobRecord::Claimed(job_id, runner),
        actor: &actor,
        public_base_url: &settings.public_base_url,
        now: clock::now(),
        control,
    };
    commit(db, &request, prepared, &context)
        .await
        .map(Finished::Recorded)
}

/// Reads an upload's source with the engine on a blocking thread (it is CPU only).
async fn read_upload(
    upload: ImportUpload,
    source: Vec<u8>,
) -> Result<Result<ReadUpload, UploadRefused>, AppError> {
    tokio::task::spawn_blocking(move || upload.read(&source, &ImportLimits::default()))
        .await
        .map_err(|e| crate::server::failure::internal("reading an upload", e))
}

/// "Your import of 500,000 end users finished: 499,980 created, 20 skipped", to the admin who
/// started it, through the outbox.
async fn tell_the_admin(
    db: &Db,
    job_id: i64,
    outcome: &Result<Finished, AppError>,
    settings: &RunnerSettings,
    now: i64,
) -> Result<(), sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT u.email, j.kind, j.total_rows, j.status FROM import_jobs j JOIN users u ON u.id = j.created_by WHERE j.id = $1",
    )
    .bind(job_id)
    .fetch_one(db.pool())
    .await?;
    let kind = UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser);
    let total: i64 = row.try_get("total_rows")?;
    let status = JobStatus::parse(row.try_get("status")?).unwrap_or(JobStatus::Failed);
    let what = match kind {
        UserKind::EndUser => "end users",
        UserKind::Technician => "technicians",
    };
    let subject = match (status, outcome) {
        (JobStatus::Completed, Ok(Finished::Recorded(result))) => format!(
            "Your import of {} {what} finished: {} created, {} updated, {} skipped",
            thousands(total),
            thousands(result.created),
            thousands(result.updated),
            thousands(result.failed_rows + result.skipped),
        ),
        (JobStatus::Cancelled, _) => format!(
            "Your import of {} {what} was cancelled: nothing was imported",
            thousands(total)
        ),
        _ => format!(
            "Your import of {} {what} failed: nothing was imported",
            thousands(total)
        ),
    };
    let link = format!("{}/admin/imports/{job_id}", settings.public_base_url);
    let text = format!("{subject}.\n\nSee every row's outcome: {link}\n");
    let html = format!(
        "<p>{}.</p><p><a href=\"{link}\">See every row's outcome</a></p>",
        crate::server::invitations::escape_html(&subject)
    );
    let to: String = row.try_get("email")?;
    crate::server::notices::queue(
        db.pool(),
        &crate::server::notices::Notice {
            to: &to,
            subject: &subject,
            text: &text,
            html: &html,
        },
        now,
    )
    .await?;
    Ok(())
}
