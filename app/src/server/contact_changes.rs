//! What changing a user's email or phone sets off, the same on every path that can change
//! them (Edit user, an import's update rows, any later API): a new email for someone invited
//! but not registered revokes their open link and invites the new address; a new email or
//! phone ends every session of that user. Called in the transaction that writes the change.

use super::invitations::{self, Invitee, Inviter};
use super::sessions;
use crate::model::InvitationStatus;
use crate::rules::Email;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// A user's contact details before the change.
#[derive(Debug, Clone)]
pub struct ContactBefore {
    pub email_key: String,
    pub phone: Option<String>,
    /// The stored status (a pending invitation past its expiry is still `Pending` here).
    pub invitation: Option<InvitationStatus>,
}

/// The contact details of the given users, read in the transaction that will change them.
pub async fn load(
    tx: &mut Transaction<'static, Any>,
    user_ids: &[i64],
) -> Result<HashMap<i64, ContactBefore>, sqlx::Error> {
    let mut found = HashMap::with_capacity(user_ids.len());
    for chunk in user_ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, email_key, phone, invitation_status FROM users WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let status: String = row.try_get("invitation_status")?;
            found.insert(
                row.try_get::<i64, _>("id")?,
                ContactBefore {
                    email_key: row.try_get("email_key")?,
                    phone: row.try_get("phone")?,
                    invitation: InvitationStatus::parse(&status),
                },
            );
        }
    }
    Ok(found)
}

/// The contact details after the change.
pub struct ContactAfter<'a> {
    pub email: &'a Email,
    pub phone: Option<&'a str>,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// What the change set off, for logs and counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Consequences {
    pub reinvited: bool,
    pub sessions_ended: bool,
}

pub async fn apply(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    before: &ContactBefore,
    after: &ContactAfter<'_>,
    inviter: &Inviter<'_>,
    now: i64,
) -> Result<Consequences, sqlx::Error> {
    let email_changed = after.email.key() != before.email_key;
    let phone_changed = after.phone != before.phone.as_deref();
    let mut done = Consequences::default();
    if email_changed && before.invitation.is_some_and(InvitationStatus::can_revoke) {
        let invitee = Invitee::named(
            user_id,
            after.email.as_str(),
            after.first_name,
            after.last_name,
        );
        invitations::issue(tx, inviter, &[invitee], now).await?;
        done.reinvited = true;
    }
    if email_changed || phone_changed {
        sessions::delete_all_for_user(&mut **tx, user_id).await?;
        done.sessions_ended = true;
    }
    Ok(done)
}
