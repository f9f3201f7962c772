//! What an administrator does to invitations: resend (also "Send invite" and the retry of a
//! failed send), revoke, and password reset. Each call is one transaction.

use super::context::Actor;
use super::failure::db_failure;
use super::invitations::{self, id_lists, Invitee, RESEND_INTERVAL_SECONDS};
use super::{db::is_unique_violation, sessions, Db};
use crate::error::AppError;
use crate::model::{InvitationActionResult, InvitationStatus, SkippedUser};
use sqlx::Row;

struct Target {
    id: i64,
    email: String,
    name: String,
    status: InvitationStatus,
    invited_at: Option<i64>,
}

async fn load_targets(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_ids: &[i64],
    now: i64,
) -> Result<Vec<Target>, sqlx::Error> {
    let mut targets = Vec::with_capacity(user_ids.len());
    for chunk in id_lists(user_ids) {
        let rows = sqlx::query(&format!(
            "SELECT id, email, first_name, last_name, invitation_status, invitation_expires_at, \
                    invited_at FROM users WHERE id IN ({chunk}) ORDER BY id"
        ))
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            targets.push(Target {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                name: format!(
                    "{} {}",
                    r.try_get::<String, _>("first_name")?,
                    r.try_get::<String, _>("last_name")?
                ),
                status: InvitationStatus::from_stored(
                    r.try_get("invitation_status")?,
                    r.try_get("invitation_expires_at")?,
                    now,
                ),
                invited_at: r.try_get("invited_at")?,
            });
        }
    }
    Ok(targets)
}

fn skipped(target: &Target, reason: &str) -> SkippedUser {
    SkippedUser {
        user_id: target.id,
        email: target.email.clone(),
        reason: reason.into(),
    }
}

pub const ALREADY_REGISTERED: &str = "already registered: they sign in with their password";
pub const TOO_SOON: &str = "invited less than a minute ago: wait a minute before sending again";

/// Sends each selected user a new invitation: a new link, the old one no longer works, 24
/// hours from sending. Registered users, and users invited less than a minute ago, are skipped
/// with the reason.
pub async fn resend(
    db: &Db,
    actor: &Actor<'_>,
    public_base_url: &str,
    user_ids: &[i64],
    now: i64,
) -> Result<InvitationActionResult, AppError> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting a resend"))?;
    let targets = load_targets(&mut tx, user_ids, now)
        .await
        .map_err(db_failure("loading users to invite"))?;
    let mut result = InvitationActionResult::default();
    let mut eligible = Vec::new();
    for target in &targets {
        if !target.status.can_invite() {
            result.skipped.push(skipped(target, ALREADY_REGISTERED));
        } else if target.status != InvitationStatus::SendFailed
            && target
                .invited_at
                .is_some_and(|at| at > now - RESEND_INTERVAL_SECONDS)
        {
            result.skipped.push(skipped(target, TOO_SOON));
        } else {
            eligible.push(target);
        }
    }
    // The rate limit is decided by the database row, so two admins resending at once send once.
    let mut granted = std::collections::HashSet::new();
    let eligible_ids: Vec<i64> = eligible.iter().map(|t| t.id).collect();
    for chunk in id_lists(&eligible_ids) {
        let rows = sqlx::query(&format!(
            "UPDATE users SET invited_at = $1, invitation_status = $2 WHERE id IN ({chunk}) \
             AND invitation_status <> $3 \
             AND (invitation_status = $4 OR invited_at IS NULL OR invited_at <= $5) RETURNING id"
        ))
        .bind(now)
        // Pending from here, so a second resend of a failed send waits its minute too.
        .bind(InvitationStatus::Pending.as_str())
        .bind(InvitationStatus::Registered.as_str())
        .bind(InvitationStatus::SendFailed.as_str())
        .bind(now - RESEND_INTERVAL_SECONDS)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_failure("claiming users to invite"))?;
        for row in rows {
            granted.insert(
                row.try_get::<i64, _>("id")
                    .map_err(db_failure("claiming users to invite"))?,
            );
        }
    }
    let mut invitees = Vec::new();
    for target in eligible {
        if granted.contains(&target.id) {
            invitees.push(Invitee {
                user_id: target.id,
                email: target.email.clone(),
                name: target.name.clone(),
            });
        } else {
            result.skipped.push(skipped(target, TOO_SOON));
        }
    }
    let inviter = actor.inviter(public_base_url, None);
    match invitations::issue(&mut tx, &inviter, &invitees, now).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "Someone else sent these invitations at the same moment. Reload to see them."
                    .into(),
            ))
        }
        Err(e) => return Err(db_failure("queueing invitations")(e)),
    }
    tx.commit()
        .await
        .map_err(db_failure("committing a resend"))?;
    result.done = invitees.len();
    tracing::info!(
        by = actor.user_id,
        sent = result.done,
        skipped = result.skipped.len(),
        "invitations resent"
    );
    Ok(result)
}

/// Revokes the selected users' open invitations: their links stop working and they show Not
/// invited (Send invite invites them again).
pub async fn revoke(
    db: &Db,
    actor: &Actor<'_>,
    user_ids: &[i64],
    now: i64,
) -> Result<InvitationActionResult, AppError> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting a revoke"))?;
    let targets = load_targets(&mut tx, user_ids, now)
        .await
        .map_err(db_failure("loading users"))?;
    let mut result = InvitationActionResult::default();
    let mut ids = Vec::new();
    for target in &targets {
        match target.status {
            InvitationStatus::Registered => {
                result.skipped.push(skipped(target, ALREADY_REGISTERED))
            }
            InvitationStatus::NotInvited => result
                .skipped
                .push(skipped(target, "has no invitation to revoke")),
            _ => ids.push(target.id),
        }
    }
    invitations::revoke(&mut tx, &ids, now)
        .await
        .map_err(db_failure("revoking invitations"))?;
    tx.commit()
        .await
        .map_err(db_failure("committing a revoke"))?;
    result.done = ids.len();
    tracing::info!(
        by = actor.user_id,
        revoked = result.done,
        "invitations revoked"
    );
    Ok(result)
}

/// Emails a registered user a single-use link to choose a new password, and signs them out
/// everywhere.
pub async fn reset_password(
    db: &Db,
    actor: &Actor<'_>,
    public_base_url: &str,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting a password reset"))?;
    let target = load_targets(&mut tx, &[user_id], now)
        .await
        .map_err(db_failure("loading a user"))?
        .pop()
        .ok_or_else(|| AppError::NotFound("That user".into()))?;
    if target.status != InvitationStatus::Registered {
        return Err(AppError::Conflict(format!(
            "{} has not set a password yet: send them an invitation instead.",
            target.name
        )));
    }
    let inviter = actor.inviter(public_base_url, None);
    let user = Invitee {
        user_id,
        email: target.email.clone(),
        name: target.name.clone(),
    };
    invitations::issue_password_reset(&mut tx, &inviter, &user, now)
        .await
        .map_err(db_failure("queueing a password reset"))?;
    sessions::delete_all_for_user(&mut **tx, user_id)
        .await
        .map_err(db_failure("ending sessions"))?;
    tx.commit()
        .await
        .map_err(db_failure("committing a password reset"))?;
    tracing::info!(by = actor.user_id, user_id, "password reset sent");
    Ok(())
}
