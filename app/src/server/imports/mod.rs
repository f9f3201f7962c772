//! Bulk import, the authority: the browser's preview is never trusted. The server re-runs the
//! import engine on the rows it receives, adds what only the database knows, and writes every
//! user, role link, invitation, outbox email, job and row outcome in one transaction: all or
//! nothing. The unique index on emails is the final judge when two imports race.
//!
//! - here: `run` (one import end to end) and `prepare` (engine + existing accounts → plan);
//! - `plan` (pure): which rows create, update or fail, each failure an issue code;
//! - `commit`: the one transaction, the record of a refused import, idempotency;
//!   `deferred_indexes`: on SQLite, a table's indexes built once after a large import's rows;
//! - `history`: past imports read back (list, summary, row outcomes);
//! - `downloads`: an import's reports (every row's outcome, its problems) as CSV, streamed;
//! - `upload`: the modal's streamed upload (source + edits), queued as a job by `queue`;
//! - `queue`: jobs in the database (enqueue, claim, progress, cancel, interrupted, run
//!   again, retention); `runner`: the tasks in each app server that run claimed jobs;
//!   `control`: a running job's progress and cancel flag.

mod commit;
mod control;
pub mod deferred_indexes;
pub mod downloads;
pub mod history;
pub mod plan;
pub mod queue;
pub mod runner;
pub mod upload;

pub use commit::{commit, CommitContext, JobRecord};
pub use control::JobControl;
pub use history::{history, job_summary, load_outcome, stored_result};

use super::batch;
use super::db::Backend;
use super::failure::db_failure;
use super::{context::Actor, organizations, roles, Db};
use crate::error::AppError;
use crate::import::{
    analyze_owned, ImportContext, ImportField, ImportLimits, ImportMode, ImportReport,
    ImportRequest, ImportResult, Table,
};
use crate::model::UserKind;
use crate::rules::{Email, Field, FieldError, IssueCode};
use plan::{plan_rows, ExistingUsers, PlannedRow};
use sqlx::{AnyPool, Row};
use std::collections::HashSet;
use std::sync::Arc;

/// What the engine and the database decided, before anything is written.
pub struct Prepared {
    report: ImportReport,
    rows: Vec<PlannedRow>,
    roles_mapped: bool,
}

/// The name an import's source is listed under: its first 200 characters, any control
/// character (a hostile client's; PostgreSQL refuses a NUL in text) kept as U+FFFD.
fn source_label(name: &str) -> String {
    name.chars()
        .take(200)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Refuses an idempotency key holding a NUL, which PostgreSQL refuses in text (the modal makes
/// printable keys; a REST client's header cannot carry one).
fn check_idempotency_key(key: &str) -> Result<(), AppError> {
    if key.contains('\0') {
        return Err(AppError::BadRequest(
            "The import's idempotency key cannot hold a NUL character.".into(),
        ));
    }
    Ok(())
}

/// Runs an import end to end. A repeated idempotency key returns the first run's result.
pub async fn run(
    db: &Db,
    request: &ImportRequest,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
) -> Result<ImportResult, AppError> {
    check_organization(db, request.kind, request.organization_id).await?;
    check_idempotency_key(&request.idempotency_key)?;
    if let Some(done) = stored_result(db.pool(), &request.idempotency_key).await? {
        return Ok(done);
    }
    let prepared = prepare(db, request).await?;
    let context = CommitContext {
        record: JobRecord::New,
        actor,
        public_base_url,
        now,
        control: &JobControl::default(),
    };
    commit(db, request, prepared, &context).await
}

pub(crate) async fn check_organization(
    db: &Db,
    kind: UserKind,
    organization_id: Option<i64>,
) -> Result<(), AppError> {
    let invalid = |code| {
        AppError::Invalid(vec![FieldError {
            field: Field::Organization,
            code,
        }])
    };
    match (kind, organization_id) {
        (UserKind::EndUser, None) => Err(invalid(IssueCode::OrganizationRequired)),
        (UserKind::Technician, Some(_)) => Err(invalid(IssueCode::OrganizationNotAllowed)),
        (UserKind::Technician, None) => Ok(()),
        (UserKind::EndUser, Some(id)) => organizations::name_of(db.pool(), id)
            .await?
            .map(|_| ())
            .ok_or_else(|| AppError::NotFound("That organization".into())),
    }
}

/// Re-validates every row with the engine and plans each against the existing accounts.
pub async fn prepare(db: &Db, request: &ImportRequest) -> Result<Prepared, AppError> {
    let table_again = || async { Ok(request.table.clone()) };
    let (_, prepared) =
        prepare_observed(db, request.clone(), &JobControl::default(), table_again).await?;
    Ok(prepared)
}

/// [`prepare`] for a job: the engine runs on a blocking thread (it is CPU only), reporting
/// rows checked to `control` and stopping when it is cancelled.
///
/// Only the accounts the rows name are read — by the rows' emails and external IDs, in
/// set-based batches — never every account: the engine first runs without them; if any
/// row's email is taken (create-only imports refuse those rows), it runs again knowing
/// which, on the table `table_again` gives (the engine consumes the request's table as it
/// checks it, so that the table and the report are never both whole in memory), so the
/// result is exactly the engine's with every account known.
///
/// Returns the request without its table, and the plan.
pub async fn prepare_observed<F, Fut>(
    db: &Db,
    mut request: ImportRequest,
    control: &JobControl,
    table_again: F,
) -> Result<(ImportRequest, Prepared), AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Table, AppError>>,
{
    let table = std::mem::take(&mut request.table);
    let request = Arc::new(request);
    let known_roles = Arc::new(roles::list(db.pool()).await?);
    // The second run (emails taken) does not move the progress bar back.
    let analyze = |table: Table, taken: HashSet<String>, observed: bool| {
        let (request, known_roles, control) =
            (request.clone(), known_roles.clone(), control.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                let context = ImportContext {
                    kind: request.kind,
                    known_roles: &known_roles,
                    existing_email_keys: &taken,
                    limits: ImportLimits::default(),
                };
                analyze_owned(table, &request.mapping, &context, &mut |done| {
                    if observed {
                        control.set_done(done as u64);
                    }
                    !control.is_cancelled()
                })
            })
            .await
            .map_err(|e| super::failure::internal("checking an import", e))
        }
    };
    let (mut report, keys) = analyze(table, HashSet::new(), true).await?;
    if control.is_cancelled() {
        return Err(AppError::Conflict(queue::CANCELLED.into()));
    }
    control.step(runner::STEP_DATABASE_CHECK);
    let external_ids: Vec<&str> = report
        .rows
        .iter()
        .filter_map(|row| row.user.as_ref()?.external_id.as_deref())
        .collect();
    let existing = existing_users(db.pool(), db.backend(), &keys, &external_ids)
        .await
        .map_err(db_failure("checking existing accounts"))?;
    // Accounts found by external ID alone may use emails the file does not hold.
    let taken: HashSet<String> = keys
        .iter()
        .filter(|key| existing.by_email.contains_key(*key))
        .cloned()
        .collect();
    drop((keys, external_ids));
    if request.options.mode == ImportMode::CreateOnly && !taken.is_empty() {
        drop(report);
        report = analyze(table_again().await?, taken, false).await?.0;
    }
    let request = Arc::try_unwrap(request).unwrap_or_else(|shared| (*shared).clone());
    let roles_mapped = report.columns.iter().any(|c| c.field == ImportField::Roles);
    // Each row's plan holds what the write needs; the report keeps its columns and file issues.
    let rows = plan_rows(&mut report, request.options.mode, request.kind, &existing);
    Ok((
        request,
        Prepared {
            report,
            rows,
            roles_mapped,
        },
    ))
}

/// Values per set-based lookup (one JSON parameter each).
const LOOKUP_BATCH: usize = 10_000;

/// The accounts with one of these email keys or external IDs (each looked up through its
/// unique index).
async fn existing_users(
    pool: &AnyPool,
    backend: Backend,
    email_keys: &[String],
    external_ids: &[&str],
) -> Result<ExistingUsers, sqlx::Error> {
    let email_keys: Vec<&str> = email_keys.iter().map(String::as_str).collect();
    let mut existing = ExistingUsers::default();
    for (column, values) in [
        ("email_key", email_keys.as_slice()),
        ("external_id", external_ids),
    ] {
        let sql = format!(
            "SELECT id, kind, email_key, external_id FROM users WHERE {}",
            batch::in_json(backend, column)
        );
        for chunk in values.chunks(LOOKUP_BATCH) {
            let json = batch::json(chunk)?;
            for row in sqlx::query(&sql).bind(json).fetch_all(pool).await? {
                let id: i64 = row.try_get("id")?;
                let kind = UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser);
                if let Some(external) = row.try_get::<Option<String>, _>("external_id")? {
                    existing.by_external_id.insert(external, (id, kind));
                }
                existing
                    .by_email
                    .insert(row.try_get("email_key")?, (id, kind));
            }
        }
    }
    Ok(existing)
}

/// Which of these lower-cased emails an account already uses.
async fn taken_keys(db: &Db, keys: &[String]) -> Result<HashSet<String>, AppError> {
    taken_values(db, "email_key", keys).await
}

/// Which of these external IDs an account already has.
async fn taken_external_ids(db: &Db, ids: &[String]) -> Result<HashSet<String>, AppError> {
    taken_values(db, "external_id", ids).await
}

/// The values of `column` (a uniquely indexed users column) that some account has.
async fn taken_values(
    db: &Db,
    column: &str,
    values: &[String],
) -> Result<HashSet<String>, AppError> {
    let sql = format!(
        "SELECT {column} FROM users WHERE {}",
        batch::in_json(db.backend(), column)
    );
    // No account's value holds a NUL (the rules refuse it), and PostgreSQL refuses one in any
    // text: such values are not asked about.
    let values: Vec<&String> = values.iter().filter(|v| !v.contains('\0')).collect();
    let mut taken = HashSet::new();
    for chunk in values.chunks(LOOKUP_BATCH) {
        let json = batch::json(chunk).map_err(db_failure("checking emails and external IDs"))?;
        taken.extend(
            sqlx::query_scalar::<_, String>(&sql)
                .bind(json)
                .fetch_all(db.pool())
                .await
                .map_err(db_failure("checking emails and external IDs"))?,
        );
    }
    Ok(taken)
}

/// Emails (of those given) that an account already uses: the preview asks in batches.
pub async fn emails_in_use(db: &Db, emails: &[String]) -> Result<Vec<String>, AppError> {
    let keys: Vec<String> = emails.iter().map(|e| Email::key_of(e)).collect();
    let taken = taken_keys(db, &keys).await?;
    Ok(emails
        .iter()
        .filter(|e| taken.contains(&Email::key_of(e)))
        .cloned()
        .collect())
}
