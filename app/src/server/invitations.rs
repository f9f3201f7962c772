//! Invitation rows and their emails. Both are written inside the caller's transaction, so an
//! invitation exists exactly when the change that caused it was committed; the outbox is
//! delivered after commit.

use super::tokens::{hash_token, new_token};
use sqlx::{Any, Transaction};

pub const INVITATION_LIFETIME_SECONDS: i64 = 24 * 3600;
pub const SUBJECT: &str = "You have been invited to the help desk";

pub struct InvitationEmail<'a> {
    pub user_id: i64,
    pub to_address: &'a str,
    pub invitee_name: &'a str,
    pub inviter_name: &'a str,
    pub public_base_url: &'a str,
    pub import_job_id: Option<i64>,
    pub created_by: Option<i64>,
}

pub async fn issue(
    tx: &mut Transaction<'static, Any>,
    email: &InvitationEmail<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let token = new_token();
    let expires_at = now + INVITATION_LIFETIME_SECONDS;
    let invitation_id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (user_id, purpose, token_hash, import_job_id, created_by, sent_at, expires_at) \
         VALUES ($1, 'invitation', $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email.user_id)
    .bind(hash_token(&token))
    .bind(email.import_job_id)
    .bind(email.created_by)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    let link = format!("{}/invite/{token}", email.public_base_url);
    let (text, html) = bodies(email.invitee_name, email.inviter_name, &link);
    sqlx::query(
        "INSERT INTO email_outbox (to_address, subject, body_text, body_html, invitation_id, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(email.to_address)
    .bind(SUBJECT)
    .bind(text)
    .bind(html)
    .bind(invitation_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(invitation_id)
}

pub fn bodies(invitee: &str, inviter: &str, link: &str) -> (String, String) {
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
