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
    has_phone: bool,
    state: InvitationState,
}

/// What the person following a link answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answers<'a> {
    pub password: &'a str,
    /// The code from their authenticator app, or registration's emailed code, as their
    /// sign-in security asks.
    pub code: Option<&'a str>,
    /// A phone number, when registration asked for one (empty: none).
    pub phone: Option<&'a str>,
}

async fn find(db: &Db, token: &str, purpose: Purpose, now: i64) -> Result<Option<Found>, AppError> {
    // Hash even malformed tokens: every lookup costs the same.
    let hash = hash_token(token);
    let row = sqlx::query(
        "SELECT i.id, i.user_id, i.expires_at, i.accepted_at, i.revoked_at, u.first_name, u.last_name, u.email, u.kind, \
                u.registered_at, u.mfa_method, u.phone \
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
            email_code_to: None,
            asks_phone: false,
        }
    };
    Ok(Some(Found {
        id: row.try_get("id").map_err(read)?,
        user_id: row.try_get("user_id").map_err(read)?,
        mfa: MfaMethod::parse(row.try_get("mfa_method").map_err(read)?).unwrap_or_default(),
        has_phone: row
            .try_get::<Option<String>, _>("phone")
            .map_err(read)?
            .is_some(),
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
        // Registration sets up the second factor the user's sign-in security asks for, and
        // asks for a phone number they lack.
        InvitationState::Valid {
            name, email, kind, ..
        } if purpose == Purpose::Invitation => {
            let authenticator = match found.mfa {
                MfaMethod::Authenticator => {
                    super::authenticator::offered_setup(db, found.id, &email).await?
                }
                _ => None,
            };
            let email_code_to =
                (found.mfa == MfaMethod::Email).then(|| super::second_factor::masked_email(&email));
            Ok(InvitationState::Valid {
                name,
                email,
                kind,
                authenticator,
                email_code_to,
                asks_phone: !found.has_phone,
            })
        }
        other => Ok(other),
    }
}

/// Emails registration's code to a user whose sign-in security is Email code (once a minute).
pub async fn send_registration_code(db: &Db, token: &str, now: i64) -> Result<(), AppError> {
    match find(db, token, Purpose::Invitation, now).await? {
        Some(Found {
            id,
            mfa: MfaMethod::Email,
            state: InvitationState::Valid { email, .. },
            ..
        }) => super::registration_code::send(db, id, &email, now).await,
        Some(Found {
            state: InvitationState::Valid { .. },
            ..
        }) => Err(AppError::BadRequest(
            "This registration does not use an emailed code.".into(),
        )),
        Some(Found {
            state: InvitationState::Used,
            ..
        }) => Err(AppError::Conflict(USED.into())),
        _ => Err(AppError::Conflict(EXPIRED.into())),
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
    let answers = Answers {
        password,
        ..Answers::default()
    };
    accept_with(db, token, purpose, &answers, now)
        .await
        .map(|done| done.kind)
}

/// [`accept`] with everything registration may ask: a user whose sign-in security is
/// Authenticator app registers only with a right code from the app just set up (and gets
/// their recovery codes, once); one whose security is Email code, only with the emailed code;
/// a phone number is kept if they had none.
pub async fn accept_with(
    db: &Db,
    token: &str,
    purpose: Purpose,
    answers: &Answers<'_>,
    now: i64,
) -> Result<Registered, AppError> {
    let Answers {
        password,
        code,
        phone,
    } = *answers;
    if let Some(problem) = password_problem(password) {
        return Err(AppError::Conflict(problem.into()));
    }
    let found = find(db, token, purpose, now).await?;
    let (used, expired) = match purpose {
        Purpose::Invitation => (USED, EXPIRED),
        Purpose::PasswordReset => (RESET_USED, RESET_EXPIRED),
    };
    let (invitation_id, user_id, kind, mfa, has_phone) = match found {
        Some(Found {
            id,
            user_id,
            mfa,
            has_phone,
            state: InvitationState::Valid { kind, .. },
        }) => (id, user_id, kind, mfa, has_phone),
        Some(Found {
            state: InvitationState::Used,
            ..
        }) => return Err(AppError::Conflict(used.into())),
        _ => return Err(AppError::Conflict(expired.into())),
    };
    let registering = purpose == Purpose::Invitation;
    let phone = match phone.filter(|_| registering && !has_phone) {
        Some(raw) => crate::rules::PhoneE164::parse_optional(raw)
            .map_err(|issue| AppError::BadRequest(format!("Phone: {}", issue.message())))?,
        None => None,
    };
    let email_code = if registering && mfa == MfaMethod::Email {
        let code = code.unwrap_or_default();
        Some(super::registration_code::check(db, invitation_id, code, now).await?)
    } else {
        None
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
    if let Some(hash) = &email_code {
        super::registration_code::spend(&mut tx, invitation_id, hash).await?;
    }
    if let Some(phone) = &phone {
        sqlx::query("UPDATE users SET phone = $1 WHERE id = $2 AND phone IS NULL")
            .bind(phone.as_str())
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(db_failure("registering a user"))?;
    }
    let recovery_codes = if registering && mfa == MfaMethod::Authenticator {
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
