//! All users' bulk actions: resend invitations, assign a role, remove a role — on the selected
//! users or on everyone a filter matches, each in one transaction, reported with counts.

use super::context::Actor;
use super::db::Backend;
use super::failure::db_failure;
use super::invitations::id_lists;
use super::{invitation_actions, roles, user_query, user_store, Db};
use crate::error::AppError;
use crate::model::{BulkOutcome, BulkTarget, BulkUserAction, RoleInfo, UserKind};
use crate::rules::{role_rule, IssueCode};
use sqlx::Row;
use std::collections::HashSet;

/// Why a user was left as they were.
pub const ALREADY_HAS_ROLE: &str = "already has it";
pub const DOES_NOT_HAVE_ROLE: &str = "does not have it";
pub const LAST_ROLE: &str = "an end user needs at least one role";
pub const OWN_ADMIN_ROLE: &str = "you cannot remove your own administrator role";

/// What the admin confirmed no longer matches what the filter finds.
fn list_changed(now: usize, confirmed: usize) -> AppError {
    AppError::Conflict(format!(
        "The list changed since you confirmed: {now} users match now, not {confirmed}. Nothing \
         was changed; check the list and try again."
    ))
}

/// The users an action is for: the ids given, or everyone the filter matches now.
pub async fn resolve(db: &Db, target: &BulkTarget, now: i64) -> Result<Vec<i64>, AppError> {
    match target {
        BulkTarget::Selected(ids) => Ok(ids.clone()),
        BulkTarget::Matching(filter) => user_query::ids(db, filter, now)
            .await
            .map_err(db_failure("finding the matching users")),
    }
}

/// Runs the action. `confirmed` is how many users the admin was told it touches; when the
/// filter finds another number now, nothing is done.
pub async fn run(
    db: &Db,
    actor: &Actor<'_>,
    public_base_url: &str,
    target: &BulkTarget,
    action: BulkUserAction,
    confirmed: usize,
    now: i64,
) -> Result<BulkOutcome, AppError> {
    let ids = resolve(db, target, now).await?;
    if ids.len() != confirmed {
        return Err(list_changed(ids.len(), confirmed));
    }
    let outcome = match action {
        BulkUserAction::ResendInvitation => {
            let result = invitation_actions::resend(db, actor, public_base_url, &ids, now).await?;
            BulkOutcome::from(&result)
        }
        BulkUserAction::AssignRole { role_id } => {
            let role = role_of(db, role_id).await?;
            change_role(db, actor, &ids, &role, true).await?
        }
        BulkUserAction::RemoveRole { role_id } => {
            let role = role_of(db, role_id).await?;
            change_role(db, actor, &ids, &role, false).await?
        }
    };
    tracing::info!(
        by = actor.user_id,
        action = ?action,
        done = outcome.done,
        skipped = outcome.skipped,
        "bulk user action"
    );
    Ok(outcome)
}

async fn role_of(db: &Db, role_id: i64) -> Result<RoleInfo, AppError> {
    roles::list(db.pool())
        .await?
        .into_iter()
        .find(|r| r.id == role_id)
        .ok_or_else(|| AppError::NotFound("That role".into()))
}

struct Target {
    id: i64,
    email: String,
    kind: UserKind,
    has_role: bool,
    role_count: i64,
}

async fn change_role(
    db: &Db,
    actor: &Actor<'_>,
    ids: &[i64],
    role: &RoleInfo,
    assign: bool,
) -> Result<BulkOutcome, AppError> {
    let failure = db_failure(if assign {
        "assigning a role"
    } else {
        "removing a role"
    });
    let admin_role = roles::system_admin_role_id(db.pool()).await?;
    let mut tx = db.begin_write().await.map_err(failure)?;
    // On PostgreSQL the users are locked first, so two role changes of one user take turns and
    // each sees the other's result (SQLite's writers take turns anyway); removals of the
    // administrator role also take turns with each other, so the last administrator stays.
    let postgres = db.backend() == Backend::Postgres;
    if postgres && !assign && role.id == admin_role {
        sqlx::query(
            "SELECT user_id FROM user_roles WHERE role_id = $1 ORDER BY user_id FOR UPDATE",
        )
        .bind(admin_role)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_failure("locking the administrators"))?;
    }
    let lock = if postgres { " FOR UPDATE OF u" } else { "" };
    let mut targets = Vec::with_capacity(ids.len());
    for chunk in id_lists(ids) {
        let rows = sqlx::query(&format!(
            "SELECT u.id, u.email, u.kind, \
                    (SELECT COUNT(*) FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = $1) AS has_role, \
                    (SELECT COUNT(*) FROM user_roles ur WHERE ur.user_id = u.id) AS role_count \
             FROM users u WHERE u.id IN ({chunk}) ORDER BY u.id{lock}"
        ))
        .bind(role.id)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_failure("loading users for a role change"))?;
        for row in rows {
            let read = || -> Result<Target, sqlx::Error> {
                Ok(Target {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    kind: UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser),
                    has_role: row.try_get::<i64, _>("has_role")? > 0,
                    role_count: row.try_get("role_count")?,
                })
            };
            targets.push(read().map_err(db_failure("loading users for a role change"))?);
        }
    }
    let mut outcome = BulkOutcome::default();
    let mut change = Vec::new();
    for t in &targets {
        let refusal = if assign {
            match role_rule(Some(role), t.kind) {
                Err(IssueCode::RoleNotForKind) => Some(not_for_kind(role)),
                Err(code) => Some(code.message().to_string()),
                Ok(()) if t.has_role => Some(ALREADY_HAS_ROLE.to_string()),
                Ok(()) => None,
            }
        } else if !t.has_role {
            Some(DOES_NOT_HAVE_ROLE.to_string())
        } else if t.kind == UserKind::EndUser && t.role_count <= 1 {
            Some(LAST_ROLE.to_string())
        } else if t.id == actor.user_id && role.id == admin_role {
            Some(OWN_ADMIN_ROLE.to_string())
        } else {
            None
        };
        match refusal {
            Some(reason) => outcome.skip(&t.email, &reason),
            None => change.push(t.id),
        }
    }
    let changed: HashSet<i64> = if assign {
        user_store::add_role(&mut tx, &change, role.id).await
    } else {
        user_store::remove_role(&mut tx, &change, role.id).await
    }
    .map_err(db_failure("changing roles"))?
    .into_iter()
    .collect();
    // A user changed by someone else since they were read is left as that change made them.
    for t in targets
        .iter()
        .filter(|t| change.contains(&t.id) && !changed.contains(&t.id))
    {
        let reason = if assign {
            ALREADY_HAS_ROLE
        } else {
            DOES_NOT_HAVE_ROLE
        };
        outcome.skip(&t.email, reason);
    }
    if !assign && role.id == admin_role {
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id \
             WHERE ur.role_id = $1 AND u.kind = 'technician'",
        )
        .bind(admin_role)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_failure("counting administrators"))?;
        if left == 0 {
            return Err(AppError::Conflict(
                "At least one System Administrator must remain. Nothing was changed.".into(),
            ));
        }
    }
    tx.commit()
        .await
        .map_err(db_failure("committing a role change"))?;
    outcome.done = changed.len();
    Ok(outcome)
}

fn not_for_kind(role: &RoleInfo) -> String {
    match role.applies_to {
        UserKind::EndUser => format!("{} is for end users", role.name),
        UserKind::Technician => format!("{} is for technicians", role.name),
    }
}
