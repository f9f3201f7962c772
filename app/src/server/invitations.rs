//! Invitation rows and their emails. Both are written inside the caller's transaction, so an
//! invitation exists exactly when the change that caused it was committed; the outbox is
//! delivered after commit.

use super::batch::{self, Value};
use super::tokens::{hash_token, new_token};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

pub const INVITATION_LIFETIME_SECONDS: i64 = 24 * 3600;
pub const SUBJECT: &str = "You have been invited to the help desk";

/// Who invites, and from where links point.
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

/// Writes an invitation and its outbox email for each invitee, in multi-row statements, inside
/// the caller's transaction. One user added and ten thousand imported go through here alike.
pub async fn issue(
    tx: &mut Transaction<'static, Any>,
    inviter: &Inviter<'_>,
    invitees: &[Invitee],
    now: i64,
) -> Result<(), sqlx::Error> {
    let expires_at = now + INVITATION_LIFETIME_SECONDS;
    let mut invitation_rows = Vec::with_capacity(invitees.len());
    let mut bodies_by_user = HashMap::with_capacity(invitees.len());
    for invitee in invitees {
        let token = new_token();
        invitation_rows.push(vec![
            Value::Int(invitee.user_id),
            Value::Text("invitation".into()),
            Value::Text(hash_token(&token)),
            Value::OptInt(inviter.import_job_id),
            Value::Int(inviter.user_id),
            Value::Int(now),
            Value::Int(expires_at),
        ]);
        let link = format!("{}/invite/{token}", inviter.public_base_url);
        bodies_by_user.insert(
            invitee.user_id,
            bodies(&invitee.name, inviter.display_name, &link),
        );
    }
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
    let outbox: Vec<Vec<Value>> = invitees
        .iter()
        .filter_map(|invitee| {
            let (text, html) = bodies_by_user.remove(&invitee.user_id)?;
            Some(vec![
                Value::Text(invitee.email.clone()),
                Value::Text(SUBJECT.into()),
                Value::Text(text),
                Value::Text(html),
                Value::OptInt(invitation_by_user.get(&invitee.user_id).copied()),
                Value::Int(now),
                Value::Int(now),
            ])
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
            "invitation_id",
            "created_at",
            "next_attempt_at",
        ],
        &outbox,
        "",
    )
    .await?;
    Ok(())
}

fn bodies(invitee: &str, inviter: &str, link: &str) -> (String, String) {
    let text = format!(
        "Hello {invitee},\n\n{inviter} has invited you to the help desk.\n\
         Set your password here: {link}\n\nThe link expires 24 hours after this email was sent.\n"
    );
    let html = format!(
        "<p>Hello {},</p><p>{} has invited you to the help desk.</p>\
         <p><a href=\"{}\">Set your password</a></p>\
         <p>The link expires 24 hours after this email was sent.</p>",
        escape_html(invitee),
        escape_html(inviter),
        escape_html(link)
    );
    (text, html)
}

fn escape_html(text: &str) -> String {
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
        let (text, html) = bodies("<Ann>", "Bo", "http://x/invite/t");
        assert!(text.contains("Bo has invited you") && text.contains("http://x/invite/t"));
        assert!(text.contains("24 hours"));
        assert!(html.contains("&lt;Ann&gt;") && !html.contains("<Ann>"));
    }
}
