//! Writing a planned import: every user, role link, invitation, outbox email, the job and
//! each row's outcome in one transaction, or — when the import is refused — only the job and
//! its row outcomes, so the history shows why. A repeated idempotency key, however it
//! arrives (before, or racing with, the first run), returns the first run's result.

use super::control::JobControl;
use super::deferred_indexes::{DeferredIndexes, Incoming};
use super::history::stored_result;
use super::plan::{
    emails_to_create, external_ids_to_create, fail_taken, PlannedRow, RowPlan, TakenMeanwhile,
};
use super::{taken_external_ids, taken_keys, Prepared};
use crate::error::AppError;
use crate::import::{
    ImportIssue, ImportIssueCode, ImportRequest, ImportResult, ImportRowResult, ImportUser,
    InvalidRows, RowOutcomeKind,
};
use crate::server::batch::{self, Value};
use crate::server::context::Actor;
use crate::server::db::{is_unique_violation, Db, WriteTransaction};
use crate::server::failure::db_failure;
use crate::server::invitations;
use crate::server::user_store::{self, imported_fields, NewUser, UpdateScope, UserUpdate};
use sqlx::{Any, Transaction};

/// Where an import is recorded: a new job row (an import run while the request waits), or
/// the queued job a runner claimed (its row exists, `running`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRecord<'a> {
    New,
    /// The job's id and the runner that claimed it: the job ends `completed` only if it is
    /// still this runner's, running and not cancelled.
    Claimed(i64, &'a str),
}

/// What the write needs besides the rows: where to record it, who did it, the links' base
/// URL, the time, and the job's control (progress out, cancel in).
pub struct CommitContext<'a> {
    pub record: JobRecord<'a>,
    pub actor: &'a Actor<'a>,
    pub public_base_url: &'a str,
    pub now: i64,
    pub control: &'a JobControl,
}

/// Writes the prepared import in one transaction; or, when rows fail and the options say
/// the import fails with them, records the refusal.
pub async fn commit(
    db: &Db,
    request: &ImportRequest,
    prepared: Prepared,
    context: &CommitContext<'_>,
) -> Result<ImportResult, AppError> {
    let CommitContext {
        record,
        actor,
        now,
        control,
        ..
    } = *context;
    if prepared.report.is_blocked() {
        let mut refused = ImportResult::new(None, true);
        refused.problems = prepared.report.file_issues.clone();
        return Ok(refused);
    }
    let any_failed = prepared
        .rows
        .iter()
        .any(|row| matches!(row.plan, RowPlan::Fail(_)));
    if any_failed && request.options.invalid_rows == InvalidRows::FailImport {
        let refused = outcomes(&prepared.rows, ImportIssueCode::NotImportedOthersInvalid);
        return record_refusal(db, record, request, refused, actor, now).await;
    }
    match write(db, record, request, &prepared, context).await {
        Ok(written) => {
            // Every row is in the transaction: a large import's plan (about 250 MB at 500,000
            // rows) is freed and handed back to the system before the commit makes the rows
            // visible. Otherwise the invitation sender and the search indexer, reading the new
            // rows at once (on SQLite through the memory map, whose pages count in the
            // process's resident memory), found it still held and the two added up: measured
            // at 500,000 rows, the server's heap at the commit went from 388 to 135 MB.
            if prepared.rows.len() > batch::ROWS_PER_STATEMENT {
                let _ = tokio::task::spawn_blocking(move || {
                    drop(prepared);
                    crate::server::memory::release_freed();
                })
                .await;
            } else {
                drop(prepared);
            }
            written
                .commit()
                .await
                .map_err(db_failure("writing an import"))
        }
        Err(WriteError::Cancelled) => {
            control.cancel();
            Err(AppError::Conflict(
                "The import was cancelled; nothing was imported.".into(),
            ))
        }
        Err(WriteError::AlreadyRecorded) => first_result(db, request).await,
        Err(WriteError::Duplicate) => {
            // Another import or a new account took an email since the rows were checked. The
            // transaction rolled back; say which rows, as the preview would have.
            let taken = TakenMeanwhile {
                email_keys: taken_keys(db, &emails_to_create(&prepared.rows)).await?,
                external_ids: taken_external_ids(db, &external_ids_to_create(&prepared.rows))
                    .await?,
            };
            let rows = fail_taken(&prepared.report, prepared.rows, &taken);
            let refused = outcomes(&rows, ImportIssueCode::NotImportedImportFailed);
            record_refusal(db, record, request, refused, actor, now).await
        }
        Err(WriteError::Other(error)) => Err(error),
    }
}

/// The result recorded under this request's idempotency key by the run that got there first.
async fn first_result(db: &Db, request: &ImportRequest) -> Result<ImportResult, AppError> {
    stored_result(db.pool(), &request.idempotency_key)
        .await?
        .ok_or_else(|| AppError::Conflict("This import is already being processed.".into()))
}

enum WriteError {
    /// The admin cancelled the job; the transaction rolled back.
    Cancelled,
    /// The idempotency key is taken: another run of the same import was recorded first.
    AlreadyRecorded,
    /// An email is taken (the unique index refused a row).
    Duplicate,
    Other(AppError),
}

impl From<sqlx::Error> for WriteError {
    fn from(error: sqlx::Error) -> Self {
        if is_unique_violation(&error) {
            WriteError::Duplicate
        } else {
            WriteError::Other(db_failure("writing an import")(error))
        }
    }
}

/// An import written in full, its transaction not yet committed.
struct Written {
    tx: WriteTransaction,
    job_id: i64,
    result: ImportResult,
    steps: Steps,
}

impl Written {
    /// No constraint is deferred, so a unique violation surfaces while writing, never here:
    /// an error at the commit is the database's (a full disk, a lost connection).
    async fn commit(self) -> Result<ImportResult, sqlx::Error> {
        let Written {
            tx,
            job_id,
            result,
            mut steps,
        } = self;
        steps.done("freeing the plan");
        tx.commit().await?;
        steps.done("commit");
        tracing::info!(
            job_id,
            created = result.created,
            updated = result.updated,
            failed = result.failed_rows,
            steps = %steps,
            "import committed"
        );
        Ok(result)
    }
}

async fn write(
    db: &Db,
    record: JobRecord<'_>,
    request: &ImportRequest,
    prepared: &Prepared,
    context: &CommitContext<'_>,
) -> Result<Written, WriteError> {
    let CommitContext {
        actor,
        public_base_url,
        now,
        control,
        ..
    } = *context;
    // Between steps: a cancel rolls everything back (the transaction is dropped unfinished).
    let go_on = || {
        if control.is_cancelled() {
            Err(WriteError::Cancelled)
        } else {
            Ok(())
        }
    };
    let mut steps = Steps::default();
    // A large import gets a page cache to match (SQLite; see `Db::begin_bulk_write`).
    let mut tx = match prepared.rows.len() > batch::ROWS_PER_STATEMENT {
        true => db.begin_bulk_write().await?,
        false => db.begin_write().await?,
    };
    steps.done("waiting for the write turn");
    // A claimed job's row gets its final status at the end, so that its progress reports and
    // a Cancel are not held behind this transaction's row lock meanwhile.
    let job_id = match record {
        JobRecord::New => insert_job(&mut tx, record, request, actor, now, "completed").await?,
        JobRecord::Claimed(id, _) => id,
    };
    let inviter = actor.inviter(public_base_url, Some(job_id));

    // Created in chunks: each chunk's users, role links, invitations and emails are built,
    // written and dropped before the next, so memory holds one chunk of them, not the import;
    // progress and a cancel are seen between chunks.
    let create_rows: Vec<&ImportUser> = prepared
        .rows
        .iter()
        .filter_map(|row| match &row.plan {
            RowPlan::Create(user) => Some(&**user),
            _ => None,
        })
        .collect();
    // A large import into tables holding fewer than twice its rows builds their indexes once,
    // after its rows (SQLite).
    let deferred = match create_rows.len() > batch::ROWS_PER_STATEMENT {
        true => {
            let incoming = Incoming {
                users: create_rows.len(),
                role_links: create_rows.iter().map(|user| user.role_ids.len()).sum(),
                invitations: match request.options.send_invitations {
                    true => create_rows.len(),
                    false => 0,
                },
            };
            DeferredIndexes::drop_for(&mut tx, incoming).await?
        }
        false => DeferredIndexes::default(),
    };
    let mut created_ids = Vec::with_capacity(create_rows.len());
    for chunk in create_rows.chunks(batch::ROWS_PER_STATEMENT) {
        let invite = request.options.send_invitations;
        let creates: Vec<NewUser> = chunk
            .iter()
            .map(|user| {
                let new = NewUser::imported(user, request.kind, request.organization_id, job_id);
                match invite {
                    true => new.invited(now + invitations::LINK_LIFETIME_SECONDS),
                    false => new,
                }
            })
            .collect();
        let ids = user_store::insert_many(&mut tx, &creates, now).await?;
        if invite {
            let invitees: Vec<invitations::Invitee> = creates
                .iter()
                .zip(&ids)
                .map(|(user, id)| {
                    invitations::Invitee::named(
                        *id,
                        user.fields.email.as_str(),
                        user.fields.first_name.as_str(),
                        user.fields.last_name.as_str(),
                    )
                })
                .collect();
            invitations::issue_to_invited_new_users(&mut tx, &inviter, &invitees, now).await?;
        }
        created_ids.extend(ids);
        control.set_done(created_ids.len() as u64);
        go_on()?;
    }
    steps.done("users, role links, invitations and their emails");
    if !deferred.is_empty() {
        deferred.rebuild(&mut tx).await?;
        steps.done("indexes built");
        go_on()?;
    }
    // Updates go through the same writer as Edit user: a changed email or phone sets off the
    // same things (a pending user re-invited at the new address, sessions ended).
    let updates: Vec<UserUpdate> = prepared
        .rows
        .iter()
        .filter_map(|row| match &row.plan {
            RowPlan::Update(id, user) => Some(UserUpdate {
                id: *id,
                fields: imported_fields(user, request.kind, request.organization_id),
                external_id: user.external_id.clone(),
                scope: UpdateScope::Imported {
                    replace_roles: prepared.roles_mapped,
                },
            }),
            _ => None,
        })
        .collect();
    user_store::update_many(&mut tx, &updates, &inviter, now).await?;
    steps.done("updates");
    control.set_done((created_ids.len() + updates.len()) as u64);
    go_on()?;

    // Row outcomes are built and written a chunk at a time; a claimed job's result keeps only
    // the counts (its rows are read back from the database; at 500,000 rows they are ~50 MB).
    let keep_rows = matches!(record, JobRecord::New);
    let mut created = created_ids.into_iter();
    let mut result = ImportResult::new(Some(job_id), false);
    for chunk in prepared.rows.chunks(batch::ROWS_PER_STATEMENT) {
        let rows: Vec<ImportRowResult> = chunk
            .iter()
            .map(|row| {
                let (outcome, user_id, problems) = match &row.plan {
                    RowPlan::Create(_) => (RowOutcomeKind::Created, created.next(), Vec::new()),
                    RowPlan::Update(id, _) => (RowOutcomeKind::Updated, Some(*id), Vec::new()),
                    RowPlan::Fail(problems) => (RowOutcomeKind::Failed, None, problems.clone()),
                };
                ImportRowResult {
                    line: row.line,
                    outcome,
                    email: row.email.clone(),
                    user_id,
                    problems,
                }
            })
            .collect();
        insert_row_outcomes(&mut tx, job_id, &rows).await?;
        for row in rows {
            match keep_rows {
                true => result.push(row),
                false => result.tally(row.outcome),
            }
        }
    }
    steps.done("row outcomes");
    go_on()?;
    if let JobRecord::Claimed(..) = record {
        insert_job(&mut tx, record, request, actor, now, "completed").await?;
    }
    set_counts(&mut tx, job_id, &result, now).await?;
    steps.done("counts");
    Ok(Written {
        tx,
        job_id,
        result,
        steps,
    })
}

/// How long each step of the write took, for the log (the one transaction's anatomy).
struct Steps {
    last: std::time::Instant,
    taken: Vec<(&'static str, std::time::Duration)>,
}

impl Default for Steps {
    fn default() -> Self {
        Steps {
            last: std::time::Instant::now(),
            taken: Vec::new(),
        }
    }
}

impl Steps {
    fn done(&mut self, step: &'static str) {
        let now = std::time::Instant::now();
        self.taken.push((step, now - self.last));
        self.last = now;
    }
}

impl std::fmt::Display for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (step, took)) in self.taken.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{step} {:.2} s", took.as_secs_f64())?;
        }
        Ok(())
    }
}

/// Each row's outcome when nothing is written: rows with problems failed; valid rows were
/// skipped, for `why`.
fn outcomes(rows: &[PlannedRow], why: ImportIssueCode) -> ImportResult {
    let mut result = ImportResult::new(None, true);
    for row in rows {
        let (outcome, problems) = match &row.plan {
            RowPlan::Fail(problems) => (RowOutcomeKind::Failed, problems.clone()),
            _ => (
                RowOutcomeKind::Skipped,
                vec![ImportIssue::row(row.line, why.clone())],
            ),
        };
        result.push(ImportRowResult {
            line: row.line,
            outcome,
            email: row.email.clone(),
            user_id: None,
            problems,
        });
    }
    result
}

/// A refused import writes no user, role link, invitation or email; it is still recorded in
/// the history with every row's outcome.
async fn record_refusal(
    db: &Db,
    record: JobRecord<'_>,
    request: &ImportRequest,
    mut result: ImportResult,
    actor: &Actor<'_>,
    now: i64,
) -> Result<ImportResult, AppError> {
    let failure = db_failure("recording a refused import");
    let mut tx = db.begin_write().await.map_err(&failure)?;
    let job_id = match insert_job(&mut tx, record, request, actor, now, "failed").await {
        Ok(id) => id,
        Err(WriteError::AlreadyRecorded | WriteError::Duplicate) => {
            drop(tx);
            return first_result(db, request).await;
        }
        Err(WriteError::Cancelled) => {
            return Err(AppError::Conflict(
                "The import was cancelled; nothing was imported.".into(),
            ))
        }
        Err(WriteError::Other(error)) => return Err(error),
    };
    insert_row_outcomes(&mut tx, job_id, &result.rows)
        .await
        .map_err(&failure)?;
    set_counts(&mut tx, job_id, &result, now)
        .await
        .map_err(&failure)?;
    tx.commit().await.map_err(&failure)?;
    result.job_id = Some(job_id);
    Ok(result)
}

/// Records the job. Its idempotency key is unique: a second run of the same import finds
/// it taken (`AlreadyRecorded`). A claimed job's row exists: it gets its final status, if it
/// is still running (it was not cancelled, nor taken for interrupted).
async fn insert_job(
    tx: &mut Transaction<'static, Any>,
    record: JobRecord<'_>,
    request: &ImportRequest,
    actor: &Actor<'_>,
    now: i64,
    status: &str,
) -> Result<i64, WriteError> {
    if let JobRecord::Claimed(id, runner) = record {
        let updated = sqlx::query(
            "UPDATE import_jobs SET status = $1, phase = NULL \
             WHERE id = $2 AND status = 'running' AND cancel_requested = 0 AND runner = $3",
        )
        .bind(status)
        .bind(id)
        .bind(runner)
        .execute(&mut **tx)
        .await?;
        return if updated.rows_affected() == 1 {
            Ok(id)
        } else {
            Err(WriteError::Cancelled)
        };
    }
    let options = serde_json::to_string(&request.options).unwrap_or_default();
    sqlx::query_scalar(
        "INSERT INTO import_jobs (created_by, created_at, kind, organization_id, source, options, idempotency_key, status, total_rows) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id",
    )
    .bind(actor.user_id)
    .bind(now)
    .bind(request.kind.as_str())
    .bind(request.organization_id)
    .bind(super::source_label(&request.source_name))
    .bind(options)
    .bind(request.idempotency_key.clone())
    .bind(status)
    .fetch_one(&mut **tx)
    .await
    .map_err(|error| match WriteError::from(error) {
        WriteError::Duplicate => WriteError::AlreadyRecorded,
        other => other,
    })
}

/// Every row's outcome, a chunk of rows per statement (built chunk by chunk).
async fn insert_row_outcomes(
    tx: &mut Transaction<'static, Any>,
    job_id: i64,
    rows: &[ImportRowResult],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(batch::ROWS_PER_STATEMENT) {
        let values: Vec<Vec<Value>> = chunk
            .iter()
            .map(|r| {
                let problems = (!r.problems.is_empty())
                    .then(|| serde_json::to_string(&r.problems).unwrap_or_default());
                vec![
                    Value::Int(job_id),
                    Value::Int(r.line as i64),
                    Value::Text(r.outcome.as_str().into()),
                    Value::OptInt(r.user_id),
                    Value::OptText(problems),
                    // The email cell as the row had it (PostgreSQL refuses a NUL in text).
                    Value::Text(r.email.replace('\0', "\u{FFFD}")),
                ]
            })
            .collect();
        batch::insert(
            tx,
            "import_job_rows",
            &[
                "job_id",
                "row_number",
                "outcome",
                "user_id",
                "problems",
                "email",
            ],
            &values,
            "",
        )
        .await?;
    }
    Ok(())
}

async fn set_counts(
    tx: &mut Transaction<'static, Any>,
    job_id: i64,
    result: &ImportResult,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_jobs SET total_rows = $1, created_count = $2, updated_count = $3, skipped_count = $4, \
         failed_count = $5, finished_at = $6 WHERE id = $7",
    )
    // Counted, not `rows.len()`: a claimed job's result keeps no rows.
    .bind(result.created + result.updated + result.skipped + result.failed_rows)
    .bind(result.created)
    .bind(result.updated)
    .bind(result.skipped)
    .bind(result.failed_rows)
    .bind(now)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
