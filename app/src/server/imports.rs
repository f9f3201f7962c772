//! Bulk import, the authority: the browser's preview is never trusted. The server re-runs the
//! import engine on the rows it receives, adds what only the database knows, and writes every
//! user, role link, invitation, outbox email, job and row outcome in one transaction: all or
//! nothing. The unique index on emails is the final judge when two imports race.

use super::batch::{self, Value};
use super::contact_changes::{self, ContactAfter};
use super::db::is_unique_violation;
use super::failure::db_failure;
use super::users::Actor;
use super::{invitations, organizations, roles, Db};
use crate::error::AppError;
use crate::import::{
    analyze, ImportContext, ImportField, ImportIssue, ImportLimits, ImportReport, ImportUser,
};
use crate::model::{
    ImportJobSummary, ImportMode, ImportRequest, ImportResult, ImportRowResult, InvalidRows,
    RowOutcomeKind, UserKind,
};
use crate::rules::{Email, Field, FieldError, IssueCode};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::{HashMap, HashSet};

struct Existing {
    id: i64,
    kind: UserKind,
}

enum Plan {
    Create(ImportUser),
    Update(i64, ImportUser),
    Fail(String),
}

/// What the engine and the database decided, before anything is written.
pub struct Prepared {
    report: ImportReport,
    plans: Vec<(u32, String, Plan)>,
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
    check_organization(db, request).await?;
    if let Some(done) = stored_result(db.pool(), &request.idempotency_key).await? {
        return Ok(done);
    }
    let prepared = prepare(db, request).await?;
    commit(db, request, prepared, actor, public_base_url, now).await
}

async fn check_organization(db: &Db, request: &ImportRequest) -> Result<(), AppError> {
    let invalid = |code| {
        AppError::Invalid(vec![FieldError {
            field: Field::Organization,
            code,
        }])
    };
    match (request.kind, request.organization_id) {
        (UserKind::EndUser, None) => Err(invalid(IssueCode::OrganizationRequired)),
        (UserKind::Technician, Some(_)) => Err(invalid(IssueCode::OrganizationNotAllowed)),
        (UserKind::Technician, None) => Ok(()),
        (UserKind::EndUser, Some(id)) => organizations::name_of(db.pool(), id)
            .await
            .map_err(db_failure("loading an organization"))?
            .map(|_| ())
            .ok_or_else(|| AppError::NotFound("That organization".into())),
    }
}

/// Re-validates every row with the engine and matches rows to existing users.
pub async fn prepare(db: &Db, request: &ImportRequest) -> Result<Prepared, AppError> {
    let known_roles = roles::list(db.pool())
        .await
        .map_err(db_failure("loading roles"))?;
    let rows = sqlx::query("SELECT id, kind, email_key, external_id FROM users")
        .fetch_all(db.pool())
        .await
        .map_err(db_failure("loading existing users"))?;
    let mut by_email: HashMap<String, Existing> = HashMap::with_capacity(rows.len());
    let mut by_external_id: HashMap<String, i64> = HashMap::new();
    for row in &rows {
        let id: i64 = row.try_get("id").map_err(db_failure("reading users"))?;
        let kind = UserKind::parse(row.try_get("kind").map_err(db_failure("reading users"))?)
            .unwrap_or(UserKind::EndUser);
        if let Some(external) = row
            .try_get::<Option<String>, _>("external_id")
            .map_err(db_failure("reading users"))?
        {
            by_external_id.insert(external, id);
        }
        by_email.insert(
            row.try_get("email_key")
                .map_err(db_failure("reading users"))?,
            Existing { id, kind },
        );
    }
    let taken: HashSet<String> = match request.options.mode {
        ImportMode::CreateOnly => by_email.keys().cloned().collect(),
        ImportMode::UpdateOnly | ImportMode::CreateAndUpdate => HashSet::new(),
    };
    let context = ImportContext {
        kind: request.kind,
        known_roles: &known_roles,
        existing_email_keys: &taken,
        limits: ImportLimits::default(),
    };
    let report = analyze(&request.table, &request.mapping, &context);
    let roles_mapped = report.columns.iter().any(|c| c.field == ImportField::Roles);
    let kind_by_id: HashMap<i64, UserKind> = by_email.values().map(|e| (e.id, e.kind)).collect();
    let plans = report
        .rows
        .iter()
        .map(|row| {
            let email = row
                .user
                .as_ref()
                .map(|u| u.email.as_str().to_string())
                .unwrap_or_else(|| email_cell(row));
            let plan = match &row.user {
                None => Plan::Fail(describe(&row.issues)),
                Some(user) => {
                    let matched = user
                        .external_id
                        .as_ref()
                        .and_then(|id| by_external_id.get(id).copied())
                        .or_else(|| by_email.get(&user.email.key()).map(|e| e.id));
                    match (request.options.mode, matched) {
                        (ImportMode::CreateOnly, _) | (ImportMode::CreateAndUpdate, None) => {
                            if user
                                .external_id
                                .as_ref()
                                .is_some_and(|id| by_external_id.contains_key(id))
                            {
                                Plan::Fail(
                                    "External ID: another user already has this external ID."
                                        .into(),
                                )
                            } else {
                                Plan::Create(user.clone())
                            }
                        }
                        (ImportMode::UpdateOnly, None) => {
                            Plan::Fail("No existing user has this email or external ID.".into())
                        }
                        (_, Some(id)) if kind_by_id.get(&id) != Some(&request.kind) => Plan::Fail(
                            format!("This user exists but is not {}.", kind_phrase(request.kind)),
                        ),
                        (_, Some(id)) => Plan::Update(id, user.clone()),
                    }
                }
            };
            (row.line, email, plan)
        })
        .collect();
    Ok(Prepared {
        report,
        plans,
        roles_mapped,
    })
}

fn kind_phrase(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Technician => "a technician",
        UserKind::EndUser => "an end user",
    }
}

fn email_cell(row: &crate::import::RowOutcome) -> String {
    row.issues
        .iter()
        .find(|i| i.field == Some(ImportField::Email))
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// A row's problems as one sentence per cell, for results and downloads.
pub fn describe(issues: &[ImportIssue]) -> String {
    issues
        .iter()
        .map(|i| match i.field {
            Some(field) => format!("{}: {}", field.label(), i.code.message()),
            None => i.code.message(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes the prepared import in one transaction, or nothing at all.
pub async fn commit(
    db: &Db,
    request: &ImportRequest,
    prepared: Prepared,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
) -> Result<ImportResult, AppError> {
    if prepared.report.is_blocked() {
        let mut refused = ImportResult::new(None, true);
        refused.problems = prepared.report.file_issues.clone();
        return Ok(refused);
    }
    let any_failed = prepared
        .plans
        .iter()
        .any(|(_, _, p)| matches!(p, Plan::Fail(_)));
    if any_failed && request.options.invalid_rows == InvalidRows::FailImport {
        return record_failure(
            db,
            request,
            &prepared.plans,
            actor,
            now,
            "Not imported: other rows have problems.",
        )
        .await;
    }
    match write(db, request, &prepared, actor, public_base_url, now).await {
        Ok(result) => Ok(result),
        Err(WriteError::Duplicate) => {
            // Another import or a new account took an email since the rows were checked. The
            // transaction rolled back; say which rows, as the preview would have.
            let keys: Vec<String> = prepared
                .plans
                .iter()
                .filter_map(|(_, _, p)| match p {
                    Plan::Create(u) => Some(u.email.key()),
                    _ => None,
                })
                .collect();
            let now_taken = taken_keys(db.pool(), &keys).await?;
            let plans: Vec<(u32, String, Plan)> = prepared
                .plans
                .into_iter()
                .map(|(line, email, plan)| match plan {
                    Plan::Create(u) if now_taken.contains(&u.email.key()) => (
                        line,
                        email,
                        Plan::Fail(format!("Email: {}", IssueCode::EmailAlreadyUsed.message())),
                    ),
                    other => (line, email, other),
                })
                .collect();
            if idempotent_result_exists(db, request).await? {
                return stored_result(db.pool(), &request.idempotency_key)
                    .await?
                    .ok_or_else(|| {
                        AppError::Conflict("This import is already being processed.".into())
                    });
            }
            record_failure(
                db,
                request,
                &plans,
                actor,
                now,
                "Not imported: the import failed because of other rows.",
            )
            .await
        }
        Err(WriteError::Other(error)) => Err(error),
    }
}

enum WriteError {
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

async fn write(
    db: &Db,
    request: &ImportRequest,
    prepared: &Prepared,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
) -> Result<ImportResult, WriteError> {
    let mut tx = db.begin_write().await?;
    let job_id = insert_job(&mut tx, request, actor, now, "completed").await?;

    let creates: Vec<&ImportUser> = prepared
        .plans
        .iter()
        .filter_map(|(_, _, p)| match p {
            Plan::Create(u) => Some(u),
            _ => None,
        })
        .collect();
    let ids_by_key = insert_users(&mut tx, request, job_id, &creates, now).await?;
    let role_links: Vec<Vec<Value>> = creates
        .iter()
        .flat_map(|u| {
            let id = ids_by_key.get(&u.email.key()).copied().unwrap_or_default();
            u.role_ids
                .iter()
                .map(move |r| vec![Value::Int(id), Value::Int(*r)])
        })
        .collect();
    batch::insert(
        &mut tx,
        "user_roles",
        &["user_id", "role_id"],
        &role_links,
        "",
    )
    .await?;
    if request.options.send_invitations {
        let inviter = actor.inviter(public_base_url, Some(job_id));
        let invitees: Vec<invitations::Invitee> = creates
            .iter()
            .filter_map(|u| {
                Some(invitations::Invitee::named(
                    *ids_by_key.get(&u.email.key())?,
                    u.email.as_str(),
                    u.first_name.as_str(),
                    u.last_name.as_str(),
                ))
            })
            .collect();
        invitations::issue(&mut tx, &inviter, &invitees, now).await?;
    }
    // Updates may change an email or phone: the same consequences as Edit user (a pending
    // user's link revoked and the new address invited, sessions ended).
    let update_ids: Vec<i64> = prepared
        .plans
        .iter()
        .filter_map(|(_, _, plan)| match plan {
            Plan::Update(id, _) => Some(*id),
            _ => None,
        })
        .collect();
    let contacts_before = contact_changes::load(&mut tx, &update_ids).await?;
    let inviter = actor.inviter(public_base_url, Some(job_id));
    for (_, _, plan) in &prepared.plans {
        if let Plan::Update(id, user) = plan {
            update_user(&mut tx, *id, user, prepared.roles_mapped, now).await?;
            if let Some(before) = contacts_before.get(id) {
                let after = ContactAfter {
                    email: &user.email,
                    phone: user.phone.as_ref().map(|p| p.as_str()),
                    first_name: user.first_name.as_str(),
                    last_name: user.last_name.as_str(),
                };
                contact_changes::apply(&mut tx, *id, before, &after, &inviter, now).await?;
            }
        }
    }

    let mut result = ImportResult::new(Some(job_id), false);
    for (line, email, plan) in &prepared.plans {
        let (outcome, user_id, message) = match plan {
            Plan::Create(u) => (
                RowOutcomeKind::Created,
                ids_by_key.get(&u.email.key()).copied(),
                String::new(),
            ),
            Plan::Update(id, _) => (RowOutcomeKind::Updated, Some(*id), String::new()),
            Plan::Fail(message) => (RowOutcomeKind::Skipped, None, message.clone()),
        };
        result.push(ImportRowResult {
            line: *line,
            outcome,
            email: email.clone(),
            user_id,
            message,
        });
    }
    insert_row_outcomes(&mut tx, job_id, &result.rows).await?;
    set_counts(&mut tx, job_id, &result, now).await?;
    tx.commit().await?;
    tracing::info!(
        job_id,
        created = result.created,
        updated = result.updated,
        skipped = result.skipped,
        "import committed"
    );
    Ok(result)
}

async fn insert_job(
    tx: &mut Transaction<'static, Any>,
    request: &ImportRequest,
    actor: &Actor<'_>,
    now: i64,
    status: &str,
) -> Result<i64, sqlx::Error> {
    let options = serde_json::to_string(&request.options).unwrap_or_default();
    sqlx::query_scalar(
        "INSERT INTO import_jobs (created_by, created_at, kind, organization_id, source, options, idempotency_key, status, total_rows) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id",
    )
    .bind(actor.user_id)
    .bind(now)
    .bind(request.kind.as_str())
    .bind(request.organization_id)
    .bind(request.source_name.chars().take(200).collect::<String>())
    .bind(options)
    .bind(request.idempotency_key.clone())
    .bind(status)
    .fetch_one(&mut **tx)
    .await
}

async fn insert_users(
    tx: &mut Transaction<'static, Any>,
    request: &ImportRequest,
    job_id: i64,
    creates: &[&ImportUser],
    now: i64,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let columns = [
        "kind",
        "first_name",
        "last_name",
        "email",
        "email_key",
        "phone",
        "external_id",
        "organization_id",
        "user_type",
        "site",
        "import_job_id",
        "search_text",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<Vec<Value>> = creates
        .iter()
        .map(|u| {
            vec![
                Value::Text(request.kind.as_str().into()),
                Value::Text(u.first_name.as_str().into()),
                Value::Text(u.last_name.as_str().into()),
                Value::Text(u.email.as_str().into()),
                Value::Text(u.email.key()),
                Value::OptText(u.phone.as_ref().map(|p| p.as_str().to_string())),
                Value::OptText(u.external_id.clone()),
                Value::OptInt(request.organization_id),
                Value::Text(u.user_type.as_str().into()),
                Value::Text(u.site.clone()),
                Value::Int(job_id),
                Value::Text(crate::model::search_text(
                    u.first_name.as_str(),
                    u.last_name.as_str(),
                    u.email.as_str(),
                )),
                Value::Int(now),
                Value::Int(now),
            ]
        })
        .collect();
    let returned = batch::insert(tx, "users", &columns, &rows, "RETURNING id, email_key").await?;
    returned
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String, _>("email_key")?,
                row.try_get::<i64, _>("id")?,
            ))
        })
        .collect()
}

/// An update changes the person's details from the row; roles are replaced only when the
/// import has a roles column.
async fn update_user(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    user: &ImportUser,
    replace_roles: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, email = $3, email_key = $4, phone = $5, \
         external_id = COALESCE($6, external_id), user_type = $7, site = $8, updated_at = $9, \
         search_text = $11 WHERE id = $10",
    )
    .bind(user.first_name.as_str())
    .bind(user.last_name.as_str())
    .bind(user.email.as_str())
    .bind(user.email.key())
    .bind(user.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(user.external_id.clone())
    .bind(user.user_type.as_str())
    .bind(user.site.clone())
    .bind(now)
    .bind(id)
    .bind(crate::model::search_text(
        user.first_name.as_str(),
        user.last_name.as_str(),
        user.email.as_str(),
    ))
    .execute(&mut **tx)
    .await?;
    if replace_roles {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let links: Vec<Vec<Value>> = user
            .role_ids
            .iter()
            .map(|r| vec![Value::Int(id), Value::Int(*r)])
            .collect();
        batch::insert(tx, "user_roles", &["user_id", "role_id"], &links, "").await?;
    }
    Ok(())
}

async fn insert_row_outcomes(
    tx: &mut Transaction<'static, Any>,
    job_id: i64,
    rows: &[ImportRowResult],
) -> Result<(), sqlx::Error> {
    let values: Vec<Vec<Value>> = rows
        .iter()
        .map(|r| {
            vec![
                Value::Int(job_id),
                Value::Int(r.line as i64),
                Value::Text(r.outcome.as_str().into()),
                Value::OptInt(r.user_id),
                Value::OptText(Some(r.message.clone()).filter(|m| !m.is_empty())),
                Value::Text(r.email.clone()),
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
            "message",
            "email",
        ],
        &values,
        "",
    )
    .await?;
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
    .bind(result.rows.len() as i64)
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

/// A refused import writes no user, role link, invitation or email; it is still recorded in
/// the history with every row's outcome.
async fn record_failure(
    db: &Db,
    request: &ImportRequest,
    plans: &[(u32, String, Plan)],
    actor: &Actor<'_>,
    now: i64,
    not_imported: &str,
) -> Result<ImportResult, AppError> {
    let mut result = ImportResult::new(None, true);
    for (line, email, plan) in plans {
        let (outcome, message) = match plan {
            Plan::Fail(message) => (RowOutcomeKind::Failed, message.clone()),
            _ => (RowOutcomeKind::Skipped, not_imported.to_string()),
        };
        result.push(ImportRowResult {
            line: *line,
            outcome,
            email: email.clone(),
            user_id: None,
            message,
        });
    }
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("recording a failed import"))?;
    let job_id = match insert_job(&mut tx, request, actor, now, "failed").await {
        Ok(id) => id,
        // The same idempotency key already recorded this import.
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            return stored_result(db.pool(), &request.idempotency_key)
                .await?
                .ok_or_else(|| AppError::Conflict("This import was already submitted.".into()));
        }
        Err(e) => return Err(db_failure("recording a failed import")(e)),
    };
    insert_row_outcomes(&mut tx, job_id, &result.rows)
        .await
        .map_err(db_failure("recording row outcomes"))?;
    set_counts(&mut tx, job_id, &result, now)
        .await
        .map_err(db_failure("recording counts"))?;
    tx.commit()
        .await
        .map_err(db_failure("recording a failed import"))?;
    result.job_id = Some(job_id);
    Ok(result)
}

async fn idempotent_result_exists(db: &Db, request: &ImportRequest) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_jobs WHERE idempotency_key = $1")
        .bind(&request.idempotency_key)
        .fetch_one(db.pool())
        .await
        .map_err(db_failure("checking an import key"))?;
    Ok(n > 0)
}

async fn taken_keys(pool: &AnyPool, keys: &[String]) -> Result<HashSet<String>, AppError> {
    let mut taken = HashSet::new();
    for chunk in keys.chunks(5_000) {
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

/// The result of the import recorded under this idempotency key, if any.
pub async fn stored_result(pool: &AnyPool, key: &str) -> Result<Option<ImportResult>, AppError> {
    let job: Option<(i64, String)> =
        sqlx::query_as("SELECT id, status FROM import_jobs WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(db_failure("loading an import"))?;
    let Some((job_id, status)) = job else {
        return Ok(None);
    };
    Ok(Some(load_result(pool, job_id, status == "failed").await?))
}

pub async fn load_result(
    pool: &AnyPool,
    job_id: i64,
    failed: bool,
) -> Result<ImportResult, AppError> {
    let rows = sqlx::query("SELECT row_number, outcome, user_id, message, email FROM import_job_rows WHERE job_id = $1 ORDER BY row_number")
        .bind(job_id)
        .fetch_all(pool)
        .await
        .map_err(db_failure("loading import rows"))?;
    let mut result = ImportResult::new(Some(job_id), failed);
    for row in rows {
        let read = |e| db_failure("reading import rows")(e);
        let outcome = RowOutcomeKind::parse(row.try_get("outcome").map_err(read)?)
            .unwrap_or(RowOutcomeKind::Failed);
        result.push(ImportRowResult {
            line: row.try_get::<i64, _>("row_number").map_err(read)? as u32,
            outcome,
            email: row.try_get("email").map_err(read)?,
            user_id: row.try_get("user_id").map_err(read)?,
            message: row
                .try_get::<Option<String>, _>("message")
                .map_err(read)?
                .unwrap_or_default(),
        });
    }
    Ok(result)
}

const JOB_SUMMARY: &str = "SELECT j.id, j.created_at, u.first_name, u.last_name, j.kind, o.name AS organization, \
         j.source, j.options, j.status, j.total_rows, j.created_count, j.updated_count, j.skipped_count, j.failed_count \
     FROM import_jobs j JOIN users u ON u.id = j.created_by LEFT JOIN organizations o ON o.id = j.organization_id";

/// The latest imports, newest first.
pub async fn history(pool: &AnyPool) -> Result<Vec<ImportJobSummary>, AppError> {
    let rows = sqlx::query(&format!(
        "{JOB_SUMMARY} ORDER BY j.created_at DESC, j.id DESC LIMIT 200"
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
    let mode = serde_json::from_str::<crate::model::ImportOptions>(&options)
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
        status: row.try_get("status")?,
        total_rows: row.try_get("total_rows")?,
        created: row.try_get("created_count")?,
        updated: row.try_get("updated_count")?,
        skipped: row.try_get("skipped_count")?,
        failed: row.try_get("failed_count")?,
    })
}
