//! Bulk import, the authority: the browser's preview is never trusted. The server re-runs the
//! import engine on the rows it receives, adds what only the database knows, and writes every
//! user, role link, invitation, outbox email, job and row outcome in one transaction: all or
//! nothing. The unique index on emails is the final judge when two imports race.
//!
//! - here: `run` (one import end to end) and `prepare` (engine + existing accounts → plan);
//! - `plan` (pure): which rows create, update or fail, each failure an issue code;
//! - `commit`: the one transaction, the record of a refused import, idempotency;
//! - `history`: past imports read back (list, summary, row outcomes);
//! - `upload`: the modal's streamed upload (source + edits), queued as a job by `queue`;
//! - `queue`: jobs in the database (enqueue, claim, progress, cancel, interrupted, run
//!   again, retention); `runner`: the tasks in each app server that run claimed jobs;
//!   `control`: a running job's progress and cancel flag.

mod commit;
mod control;
pub mod history;
pub mod plan;
pub mod queue;
pub mod runner;
pub mod upload;

pub use commit::{commit, CommitContext, JobRecord};
pub use control::JobControl;
pub use history::{history, job_summary, load_result, stored_result};

use super::failure::db_failure;
use super::{context::Actor, organizations, roles, Db};
use crate::error::AppError;
use crate::import::{
    analyze_observed, ImportContext, ImportField, ImportLimits, ImportMode, ImportReport,
    ImportRequest, ImportResult, EMAILS_PER_CHECK,
};
use crate::model::UserKind;
use crate::rules::{Email, Field, FieldError, IssueCode};
use plan::{plan_rows, ExistingUsers, PlannedRow};
use sqlx::{AnyPool, Row};
use std::collections::HashSet;

/// What the engine and the database decided, before anything is written.
pub struct Prepared {
    report: ImportReport,
    rows: Vec<PlannedRow>,
    roles_mapped: bool,
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
    let world = World::load(db).await?;
    Ok(world.prepare(request, &JobControl::default()))
}

/// What the engine needs from the database: the roles and the existing accounts.
pub struct World {
    known_roles: Vec<crate::model::RoleInfo>,
    existing: ExistingUsers,
}

impl World {
    pub async fn load(db: &Db) -> Result<World, AppError> {
        Ok(World {
            known_roles: roles::list(db.pool()).await?,
            existing: existing_users(db.pool())
                .await
                .map_err(db_failure("loading existing users"))?,
        })
    }

    /// The engine over every row, then each row's plan: CPU only (a job runs it on a
    /// blocking thread), reporting rows checked to `control` and stopping when it is
    /// cancelled.
    pub fn prepare(&self, request: &ImportRequest, control: &JobControl) -> Prepared {
        let taken: HashSet<String> = match request.options.mode {
            ImportMode::CreateOnly => self.existing.by_email.keys().cloned().collect(),
            ImportMode::UpdateOnly | ImportMode::CreateAndUpdate => HashSet::new(),
        };
        let context = ImportContext {
            kind: request.kind,
            known_roles: &self.known_roles,
            existing_email_keys: &taken,
            limits: ImportLimits::default(),
        };
        let report = analyze_observed(&request.table, &request.mapping, &context, &mut |done| {
            control.set_done(done as u64);
            !control.is_cancelled()
        });
        let roles_mapped = report.columns.iter().any(|c| c.field == ImportField::Roles);
        let rows = plan_rows(&report, request.options.mode, request.kind, &self.existing);
        Prepared {
            report,
            rows,
            roles_mapped,
        }
    }
}

async fn existing_users(pool: &AnyPool) -> Result<ExistingUsers, sqlx::Error> {
    let rows = sqlx::query("SELECT id, kind, email_key, external_id FROM users")
        .fetch_all(pool)
        .await?;
    let mut existing = ExistingUsers::default();
    existing.by_email.reserve(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let kind = UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser);
        if let Some(external) = row.try_get::<Option<String>, _>("external_id")? {
            existing.by_external_id.insert(external, id);
        }
        existing
            .by_email
            .insert(row.try_get("email_key")?, (id, kind));
    }
    Ok(existing)
}

/// Which of these lower-cased emails an account already uses.
async fn taken_keys(pool: &AnyPool, keys: &[String]) -> Result<HashSet<String>, AppError> {
    let mut taken = HashSet::new();
    for chunk in keys.chunks(EMAILS_PER_CHECK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT email_key FROM users WHERE email_key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for key in chunk {
            query = query.bind(key);
        }
        taken.extend(
            query
                .fetch_all(pool)
                .await
                .map_err(db_failure("checking emails"))?,
        );
    }
    Ok(taken)
}

/// Emails (of those given) that an account already uses: the preview asks in batches.
pub async fn emails_in_use(pool: &AnyPool, emails: &[String]) -> Result<Vec<String>, AppError> {
    let keys: Vec<String> = emails.iter().map(|e| Email::key_of(e)).collect();
    let taken = taken_keys(pool, &keys).await?;
    Ok(emails
        .iter()
        .filter(|e| taken.contains(&Email::key_of(e)))
        .cloned()
        .collect())
}
