//! Invitation and password-reset links, and their emails. Both are written inside the caller's
//! transaction, so a link exists exactly when the change that caused it was committed; the
//! outbox is delivered after commit (see `delivery`).
//!
//! A link's token is made by the sender at the moment the email goes out: until then the
//! invitation row holds a placeholder no token hashes to ([`Placeholder`]), and the queued
//! email's wording (`email_templates`, stored once per call for up to 5,000 links) holds
//! `{{TOKEN}}` where the token goes and `{{NAME}}` where the recipient's name goes. So the
//! database never holds a usable link (the local mailbox of the embedded default, which *is*
//! the recipient's inbox, excepted).

use super::batch::{self, Value};
use super::tokens::{hash_token, new_token};
use crate::model::InvitationStatus;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

pub const LINK_LIFETIME_SECONDS: i64 = 24 * 3600;
/// Where the sender puts the token in a queued email.
pub const TOKEN_PLACEHOLDER: &str = "{{TOKEN}}";
/// Where the sender puts the recipient's name in a link email's template.
pub const NAME_PLACEHOLDER: &str = "{{NAME}}";
/// One invitation per user per minute: Resend and Send invite refuse faster repeats.
pub const RESEND_INTERVAL_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    /// The page a link of this purpose opens.
    pub fn path(self) -> &'static str {
        match self {
            Purpose::Invitation => "invite",
            Purpose::PasswordReset => "reset-password",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Purpose::Invitation => "You have been invited to the help desk",
            Purpose::PasswordReset => "Reset your help desk password",
        }
    }
}

/// Who sends links, and from where links point.
pub struct Inviter<'a> {
    pub user_id: i64,
    pub display_name: &'a str,
    pub public_base_url: &'a str,
    pub import_job_id: Option<i64>,
}

pub struct Invitee {
    pub user_id: i64,
    pub email: String,
    pub name: String,
}

impl Invitee {
    pub fn named(user_id: i64, email: &str, first_name: &str, last_name: &str) -> Invitee {
        Invitee {
            user_id,
            email: email.to_string(),
            name: format!("{first_name} {last_name}"),
        }
    }
}

/// Invites each invitee: revokes any link still open for them, writes a new invitation and its
/// outbox email (multi-row statements), and marks them Pending, all inside the caller's
/// transaction. One user added, a resend and ten thousand imported go through here alike.
pub async fn issue(
    tx: &mut Transaction<'static, Any>,
    inviter: &Inviter<'_>,
    invitees: &[Invitee],
    now: i64,
) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = invitees.iter().map(|i| i.user_id).collect();
    revoke_open(tx, &ids, Purpose::Invitation, now).await?;
    write_new_links(
        tx,
        inviter,
        invitees,
        Purpose::Invitation,
        Placeholder::Random,
        now,
    )
    .await?;
    for chunk in id_lists(&ids) {
        sqlx::query(&format!(
            "UPDATE users SET invitation_status = $1, invited_at = $2, invitation_expires_at = $3 \
             WHERE id IN ({chunk})"
        ))
        .bind(InvitationStatus::Pending.as_str())
        .bind(now)
        .bind(now + LINK_LIFETIME_SECONDS)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// [`issue`] for users created in the caller's transaction already invited
/// (`NewUser::invited`: Pending, with their expiry): they have no earlier link to revoke and
/// no status to change, so only the links and their emails are written.
pub async fn issue_to_invited_new_users(
    tx: &mut Transaction<'static, Any>,
    inviter: &Inviter<'_>,
    invitees: &[Invitee],
    now: i64,
) -> Result<(), sqlx::Error> {
    write_new_links(
        tx,
        inviter,
        invitees,
        Purpose::Invitation,
        Placeholder::NewUser,
        now,
    )
    .await
}

/// Queues a password-reset link for one registered user (any earlier reset link is revoked).
pub async fn issue_password_reset(
    tx: &mut Transaction<'static, Any>,
    inviter: &Inviter<'_>,
    user: &Invitee,
    now: i64,
) -> Result<(), sqlx::Error> {
    revoke_open(tx, &[user.user_id], Purpose::PasswordReset, now).await?;
    write_new_links(
        tx,
        inviter,
        std::slice::from_ref(user),
        Purpose::PasswordReset,
        Placeholder::Random,
        now,
    )
    .await
}

/// Revokes the users' open invitations (their queued emails are cancelled) and marks them Not
/// invited. Registered users are left alone.
pub async fn revoke(
    tx: &mut Transaction<'static, Any>,
    user_ids: &[i64],
    now: i64,
) -> Result<(), sqlx::Error> {
    revoke_open(tx, user_ids, Purpose::Invitation, now).await?;
    for chunk in id_lists(user_ids) {
        sqlx::query(&format!(
            "UPDATE users SET invitation_status = $1, invitation_expires_at = NULL \
             WHERE id IN ({chunk}) AND invitation_status <> $2"
        ))
        .bind(InvitationStatus::NotInvited.as_str())
        .bind(InvitationStatus::Registered.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn revoke_open(
    tx: &mut Transaction<'static, Any>,
    user_ids: &[i64],
    purpose: Purpose,
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in id_lists(user_ids) {
        sqlx::query(&format!(
            "UPDATE email_outbox SET status = 'cancelled' WHERE status = 'queued' AND invitation_id IN \
             (SELECT id FROM invitations WHERE user_id IN ({chunk}) AND purpose = $1)"
        ))
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE invitations SET revoked_at = $1 WHERE user_id IN ({chunk}) AND purpose = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL"
        ))
        .bind(now)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What an invitation's `token_hash` (unique) holds until the sender makes its link and
/// stores the real token's hash: never a SHA-256 hash of any token, so no link opens it.
#[derive(Debug, Clone, Copy)]
enum Placeholder {
    /// The hash of a token thrown away unseen: unique whatever the user's earlier links.
    Random,
    /// `unsent:<user id>`, for users created in this transaction (they have no earlier link;
    /// a deleted user's links go with them): ids in order, so an import of 500,000 users
    /// appends to the unique index instead of inserting 64 random characters all over it.
    NewUser,
}

impl Placeholder {
    fn token_hash(self, user_id: i64) -> String {
        match self {
            Placeholder::Random => hash_token(&new_token()),
            Placeholder::NewUser => format!("unsent:{user_id}"),
        }
    }
}

/// Writes a link and its queued email for each invitee (whose earlier links of `purpose`
/// the caller has revoked, or who have none).
async fn write_new_links(
    tx: &mut Transaction<'static, Any>,
    inviter: &Inviter<'_>,
    invitees: &[Invitee],
    purpose: Purpose,
    placeholder: Placeholder,
    now: i64,
) -> Result<(), sqlx::Error> {
    if invitees.is_empty() {
        return Ok(());
    }
    let expires_at = now + LINK_LIFETIME_SECONDS;
    let invitation_rows: Vec<Vec<Value>> = invitees
        .iter()
        .map(|invitee| {
            vec![
                Value::Int(invitee.user_id),
                Value::Text(purpose.as_str().into()),
                // Replaced by the sender.
                Value::Text(placeholder.token_hash(invitee.user_id)),
                Value::OptInt(inviter.import_job_id),
                Value::Int(inviter.user_id),
                Value::Int(now),
                Value::Int(expires_at),
            ]
        })
        .collect();
    let returned = batch::insert(
        tx,
        "invitations",
        &[
            "user_id",
            "purpose",
            "token_hash",
            "import_job_id",
            "created_by",
            "sent_at",
            "expires_at",
        ],
        &invitation_rows,
        "RETURNING id, user_id",
    )
    .await?;
    let invitation_by_user: HashMap<i64, i64> = returned
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("user_id")?, r.try_get::<i64, _>("id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let link = format!(
        "{}/{}/{TOKEN_PLACEHOLDER}",
        inviter.public_base_url,
        purpose.path()
    );
    // The wording once for the whole write; each email keeps only its recipient's name.
    let (text, html) = bodies(purpose, NAME_PLACEHOLDER, inviter.display_name, &link);
    let template_id: i64 = sqlx::query_scalar(
        "INSERT INTO email_templates (body_text, body_html, created_at) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(text)
    .bind(html)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    // An import's invitations (up to 500,000) go after email an admin is waiting for now:
    // Add user, Clone user, a resend, a password reset.
    let priority = if inviter.import_job_id.is_some() {
        0
    } else {
        1
    };
    let outbox: Vec<Vec<Value>> = invitees
        .iter()
        .map(|invitee| {
            vec![
                Value::Text(invitee.email.clone()),
                Value::Text(purpose.subject().into()),
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Int(template_id),
                Value::Text(invitee.name.clone()),
                Value::OptInt(invitation_by_user.get(&invitee.user_id).copied()),
                Value::Int(now),
                Value::Int(now),
                Value::Int(priority),
            ]
        })
        .collect();
    batch::insert(
        tx,
        "email_outbox",
        &[
            "to_address",
            "subject",
            "body_text",
            "body_html",
            "template_id",
            "recipient_name",
            "invitation_id",
            "created_at",
            "next_attempt_at",
            "priority",
        ],
        &outbox,
        "",
    )
    .await?;
    Ok(())
}

/// Comma-separated id lists of at most 500 ids. The ids are integers, so inlining them is safe,
/// and it keeps SQLite's parameter binding (slow for long lists) out of the way.
pub(crate) fn id_lists(ids: &[i64]) -> Vec<String> {
    ids.chunks(500)
        .map(|chunk| {
            chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

fn bodies(purpose: Purpose, invitee: &str, inviter: &str, link: &str) -> (String, String) {
    let (what, action) = match purpose {
        Purpose::Invitation => (
            format!("{inviter} has invited you to the help desk."),
            "Set your password",
        ),
        Purpose::PasswordReset => (
            format!("{inviter} has asked for your help desk password to be reset."),
            "Choose a new password",
        ),
    };
    let text = format!(
        "Hello {invitee},\n\n{what}\n{action} here: {link}\n\n\
         The link works once and expires 24 hours after this email was sent.\n"
    );
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p><a href=\"{}\">{action}</a></p>\
         <p>The link works once and expires 24 hours after this email was sent.</p>",
        escape_html(invitee),
        escape_html(&what),
        escape_html(link)
    );
    (text, html)
}

/// A link email's template (`email_templates`) with the recipient's name filled in, as plain
/// text and HTML. Filled last, after the token, so a name can never stand in for a link.
pub fn with_name(text: &str, html: &str, name: &str) -> (String, String) {
    (
        text.replace(NAME_PLACEHOLDER, name),
        html.replace(NAME_PLACEHOLDER, &escape_html(name)),
    )
}

pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_names_inviter_link_and_expiry_and_escapes_html() {
        let (text, html) = bodies(Purpose::Invitation, "<Ann>", "Bo", "http://x/invite/t");
        assert!(text.contains("Bo has invited you") && text.contains("http://x/invite/t"));
        assert!(text.contains("24 hours"));
        assert!(html.contains("&lt;Ann&gt;") && !html.contains("<Ann>"));
    }

    #[test]
    fn a_template_takes_the_name_escaped_in_html_and_as_typed_in_text() {
        let (text, html) = bodies(Purpose::Invitation, NAME_PLACEHOLDER, "Bo", "http://x/t");
        let (text, html) = with_name(&text, &html, "<Ann & Al>");
        assert!(text.starts_with("Hello <Ann & Al>,"), "{text}");
        assert!(html.contains("Hello &lt;Ann &amp; Al&gt;,"), "{html}");
        assert!(!text.contains(NAME_PLACEHOLDER) && !html.contains(NAME_PLACEHOLDER));
    }

    #[test]
    fn a_reset_email_says_it_is_a_reset() {
        let (text, _) = bodies(Purpose::PasswordReset, "Ann", "Bo", "http://x/reset/t");
        assert!(text.contains("password to be reset") && text.contains("http://x/reset/t"));
    }

    #[test]
    fn id_lists_hold_at_most_500_ids() {
        let ids: Vec<i64> = (1..=1001).collect();
        let lists = id_lists(&ids);
        assert_eq!(lists.len(), 3);
        assert_eq!(lists[2], "1001");
        assert!(lists[0].starts_with("1,2,3"));
    }
}
