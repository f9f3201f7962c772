//! Following a link: accepting an invitation or resetting a password. The link's token is
//! looked up by its hash, checked (not used, not revoked, not expired), and spent in the same
//! transaction that sets the password, so two tabs accepting at once register once.

use super::failure::db_failure;
use super::invitations::Purpose;
use super::passwords::password_problem;
use super::tokens::hash_token;
use super::{sessions, Db};
use crate::error::AppError;
use crate::model::{InvitationState, MailboxMessage, MfaMethod, Registered, UserKind};
use sqlx::Row;

struct Found {
    id: i64,
    user_id: i64,
    mfa: MfaMethod,
    state: InvitationState,
}

async fn find(db: &Db, token: &str, purpose: Purpose, now: i64) -> Result<Option<Found>, AppError> {
    // Hash even malformed tokens: every lookup costs the same.
    let hash = hash_token(token);
    let row = sqlx::query(
        "SELECT i.id, i.user_id, i.expires_at, i.accepted_at, i.revoked_at, u.first_name, u.last_name, u.email, u.kind, \
                u.registered_at, u.mfa_method \
         FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1 AND i.purpose = $2",
    )
    .bind(hash)
    .bind(purpose.as_str())
    .fetch_optional(db.pool())
    .await
    .map_err(db_failure("looking up an invitation"))?;
    let Some(row) = row else { return Ok(None) };
    let read = |e| db_failure("reading an invitation")(e);
    let accepted: Option<i64> = row.try_get("accepted_at").map_err(read)?;
    let revoked: Option<i64> = row.try_get("revoked_at").map_err(read)?;
    let registered: Option<i64> = row.try_get("registered_at").map_err(read)?;
    let expires_at: i64 = row.try_get("expires_at").map_err(read)?;
    // A registered user has no use for an invitation; a reset link is for registered users.
    let used = match purpose {
        Purpose::Invitation => accepted.is_some() || registered.is_some(),
        Purpose::PasswordReset => accepted.is_some() || registered.is_none(),
    };
    let state = if used {
        InvitationState::Used
    } else if revoked.is_some() || now >= expires_at {
        InvitationState::Expired
    } else {
        InvitationState::Valid {
            name: format!(
                "{} {}",
                row.try_get::<String, _>("first_name").map_err(read)?,
                row.try_get::<String, _>("last_name").map_err(read)?
            ),
            email: row.try_get("email").map_err(read)?,
            kind: UserKind::parse(row.try_get("kind").map_err(read)?).unwrap_or(UserKind::EndUser),
            authenticator: None,
        }
    };
    Ok(Some(Found {
        id: row.try_get("id").map_err(read)?,
        user_id: row.try_get("user_id").map_err(read)?,
        mfa: MfaMethod::parse(row.try_get("mfa_method").map_err(read)?).unwrap_or_default(),
        state,
    }))
}

pub async fn state(
    db: &Db,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<InvitationState, AppError> {
    let Some(found) = find(db, token, purpose, now).await? else {
        return Ok(InvitationState::Expired);
    };
    match found.state {
        // Registration sets up the authenticator a user's sign-in security asks for.
        InvitationState::Valid {
            name, email, kind, ..
        } if purpose == Purpose::Invitation && found.mfa == MfaMethod::Authenticator => {
            let authenticator = super::authenticator::offered_setup(db, found.id, &email).await?;
            Ok(InvitationState::Valid {
                name,
                email,
                kind,
                authenticator,
            })
        }
        other => Ok(other),
    }
}

/// Sets the password (and, for an invitation, registers the user); the token is spent and the
/// user's sessions end. Returns the user's kind.
pub async fn accept(
    db: &Db,
    token: &str,
    purpose: Purpose,
    password: &str,
    now: i64,
) -> Result<UserKind, AppError> {
    accept_with_code(db, token, purpose, password, None, now)
        .await
        .map(|done| done.kind)
}

/// [`accept`], where a user whose sign-in security is Authenticator app registers only with a
/// right `code` from the app just set up, and gets their recovery codes (once).
pub async fn accept_with_code(
    db: &Db,
    token: &str,
    purpose: Purpose,
    password: &str,
    code: Option<&str>,
    now: i64,
) -> Result<Registered, AppError> {
    if let Some(problem) = password_problem(password) {
        return Err(AppError::Conflict(problem.into()));
    }
    let found = find(db, token, purpose, now).await?;
    let (used, expired) = match purpose {
        Purpose::Invitation => (USED, EXPIRED),
        Purpose::PasswordReset => (RESET_USED, RESET_EXPIRED),
    };
    let (invitation_id, user_id, kind, mfa) = match found {
        Some(Found {
            id,
            user_id,
            mfa,
            state: InvitationState::Valid { kind, .. },
        }) => (id, user_id, kind, mfa),
        Some(Found {
            state: InvitationState::Used,
            ..
        }) => return Err(AppError::Conflict(used.into())),
        _ => return Err(AppError::Conflict(expired.into())),
    };
    let hash = super::passwords::hash_password_bounded(password.to_string()).await?;
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting an acceptance"))?;
    // The user row is locked first, as resend and edit do, so the two never deadlock.
    sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(db_failure("registering a user"))?;
    // Only one acceptance can spend the token, whatever runs at the same time.
    let spent = sqlx::query(
        "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(invitation_id)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("spending an invitation"))?;
    if spent.rows_affected() != 1 {
        return Err(AppError::Conflict(used.into()));
    }
    let recovery_codes = if purpose == Purpose::Invitation && mfa == MfaMethod::Authenticator {
        let code = code.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
            AppError::BadRequest(
                "Enter the 6-digit code your authenticator app shows, to finish setting it up."
                    .into(),
            )
        })?;
        super::authenticator::confirm_at_registration(&mut tx, invitation_id, user_id, code, now)
            .await?
    } else {
        Vec::new()
    };
    sqlx::query(
        "UPDATE users SET password_hash = $1, registered_at = COALESCE(registered_at, $2), \
             invitation_status = $3, invitation_expires_at = NULL, updated_at = $2 WHERE id = $4",
    )
    .bind(hash)
    .bind(now)
    .bind(crate::model::InvitationStatus::Registered.as_str())
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(db_failure("registering a user"))?;
    sessions::delete_all_for_user(&mut **tx, user_id)
        .await
        .map_err(db_failure("ending sessions"))?;
    tx.commit()
        .await
        .map_err(db_failure("committing an acceptance"))?;
    tracing::info!(user_id, purpose = purpose.as_str(), "link accepted");
    Ok(Registered {
        kind,
        recovery_codes,
    })
}

pub const EXPIRED: &str = "This invitation has expired — ask your administrator to send a new one.";
pub const USED: &str = "This invitation has already been used.";
pub const RESET_EXPIRED: &str =
    "This password reset link has expired — ask your administrator to send a new one.";
pub const RESET_USED: &str = "This password reset link has already been used.";

/// The local mailbox: what the outbox holds, newest first (the embedded default keeps mail
/// here so a newcomer can follow an invitation on one machine).
pub async fn mailbox(db: &Db) -> Result<Vec<MailboxMessage>, AppError> {
    let rows = sqlx::query(
        "SELECT id, to_address, subject, body_text, delivered_at FROM local_mailbox ORDER BY id DESC LIMIT 100",
    )
        .fetch_all(db.pool())
        .await
        .map_err(db_failure("loading the mailbox"))?;
    rows.iter()
        .map(|r| {
            Ok(MailboxMessage {
                id: r.try_get("id")?,
                to_address: r.try_get("to_address")?,
                subject: r.try_get("subject")?,
                body_text: r.try_get("body_text")?,
                delivered_at: r.try_get("delivered_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db_failure("reading the mailbox"))
}
