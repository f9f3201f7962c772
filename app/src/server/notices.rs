//! Short emails to one person that are not invitations (sign-in and registration codes, an
//! import's outcome): queued in the outbox at priority 1, ahead of an import's invitations,
//! and delivered like any other message. The outbox's one writer for such messages.

use sqlx::Any;

/// One message to queue: plain text, and the same as HTML.
pub struct Notice<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Queues `notice` through `executor` (a transaction, so it goes out only if the change that
/// caused it commits; or the pool).
pub async fn queue<'c, E>(executor: E, notice: &Notice<'_>, now: i64) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO email_outbox (to_address, subject, body_text, body_html, created_at, next_attempt_at, priority) \
         VALUES ($1, $2, $3, $4, $5, $5, 1)",
    )
    .bind(notice.to)
    .bind(notice.subject)
    .bind(notice.text)
    .bind(notice.html)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}
