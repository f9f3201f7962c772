//! The background sender: delivers the outbox after commit, through SMTP when configured and
//! into the local mailbox otherwise.
//!
//! Never twice: a message is claimed (`queued` → `sending`, one conditional UPDATE, so only one
//! sender among several app servers wins) before it is handed to SMTP, and a claimed message is
//! never handed over again. A failed attempt goes back to `queued` with a growing delay; after
//! [`MAX_ATTEMPTS`] it is `failed` and the user shows **Send failed**. A claim left behind by a
//! crash is marked failed rather than retried, since the mail may have gone out.

use super::config::{SmtpConfig, SmtpTls};
use super::invitations::{id_lists, LINK_LIFETIME_SECONDS, TOKEN_PLACEHOLDER};
use super::tokens::{hash_token, new_token};
use super::{clock, Db};
use crate::model::InvitationStatus;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;
use std::time::Duration;

pub const MAX_ATTEMPTS: i64 = 5;
/// A claim older than this was interrupted (the process stopped mid-send).
const STALE_CLAIM_SECONDS: i64 = 600;
const BATCH: i64 = 100;

/// Seconds to wait after the n-th failed attempt.
pub fn backoff_seconds(attempts: i64) -> i64 {
    match attempts {
        ..=1 => 30,
        2 => 120,
        3 => 600,
        _ => 1800,
    }
}

/// Where delivered mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        mailer: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// The embedded default: the `local_mailbox` table, shown on the Mailbox page.
    LocalMailbox,
}

impl Transport {
    pub fn from_config(smtp: Option<&SmtpConfig>) -> Result<Transport, String> {
        let Some(smtp) = smtp else {
            return Ok(Transport::LocalMailbox);
        };
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|_| format!("SMTP_FROM={:?} is not an email address", smtp.from))?;
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|e| format!("SMTP_HOST={:?}: {e}", smtp.host))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| format!("SMTP_HOST={:?}: {e}", smtp.host))?,
        };
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Transport::Smtp {
            mailer: builder.build(),
            from,
        })
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Transport::LocalMailbox)
    }
}

/// One email ready to go, its link's token filled in.
struct Outgoing {
    /// The invited user, for an invitation email: their "invited at" is when it went out.
    invited_user: Option<i64>,
    to: String,
    subject: String,
    text: String,
    html: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// More may be due: call again without waiting.
    pub batch_was_full: bool,
}

/// The running sender; `stop` lets the message in hand finish (an email aborted mid-send
/// would have to be marked failed, since it may have gone out).
pub struct Sender {
    stop: std::sync::Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Sender {
    pub async fn stop(self) {
        self.stop.notify_one();
        if tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .is_err()
        {
            tracing::warn!("the email sender did not stop within 30 s");
        }
    }
}

/// Runs the sender until stopped.
pub fn spawn(db: Db, transport: Transport, every: Duration) -> Sender {
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            let mut again_at_once = false;
            match deliver_due(&db, &transport, clock::now()).await {
                Ok(report) => {
                    again_at_once = report.batch_was_full;
                    if report.sent + report.retrying + report.failed + report.cancelled > 0 {
                        tracing::info!(?report, "outbox delivered");
                    }
                }
                Err(e) => tracing::error!(error = %e, "outbox delivery failed"),
            }
            let wait = if again_at_once { Duration::ZERO } else { every };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stopped.notified() => return,
            }
        }
    });
    Sender { stop, task }
}

/// Delivers every message due at `now` (tests call this directly with a chosen clock).
pub async fn deliver_due(
    db: &Db,
    transport: &Transport,
    now: i64,
) -> Result<DeliveryReport, sqlx::Error> {
    let mut report = DeliveryReport::default();
    give_up_interrupted_claims(db, now).await?;
    // One batch per call, so `now` stays close to the real time; the loop calls again at once
    // while batches come back full.
    {
        let due = sqlx::query(
            "SELECT id FROM email_outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
             ORDER BY priority DESC, id LIMIT $2",
        )
        .bind(now)
        .bind(BATCH)
        .fetch_all(db.pool())
        .await?;
        report.batch_was_full = due.len() as i64 == BATCH;
        for row in &due {
            let id: i64 = row.try_get("id")?;
            let Some((outgoing, attempts, invitation_id)) = claim(db, id, now).await? else {
                report.cancelled += 1;
                continue;
            };
            match send(db, transport, &outgoing, now).await {
                Ok(()) => {
                    sqlx::query(
                        "UPDATE email_outbox SET status = 'sent', sent_at = $1, last_error = NULL \
                         WHERE id = $2 AND status = 'sending'",
                    )
                    .bind(now)
                    .bind(id)
                    .execute(db.pool())
                    .await?;
                    if let (Some(user_id), Some(invitation_id)) =
                        (outgoing.invited_user, invitation_id)
                    {
                        // Only if this is still the user's open invitation (a resend may have
                        // replaced it while it was being sent).
                        sqlx::query(
                            "UPDATE users SET invited_at = $1, invitation_expires_at = $2 \
                             WHERE id = $3 AND invitation_status = $4 AND EXISTS (SELECT 1 FROM invitations i \
                             WHERE i.id = $5 AND i.user_id = users.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL)",
                        )
                        .bind(now)
                        .bind(now + LINK_LIFETIME_SECONDS)
                        .bind(user_id)
                        .bind(InvitationStatus::Pending.as_str())
                        .bind(invitation_id)
                        .execute(db.pool())
                        .await?;
                    }
                    report.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(outbox_id = id, attempts, %error, "email not delivered");
                    if attempts >= MAX_ATTEMPTS {
                        mark_failed(db, &[id], invitation_id.into_iter().collect(), &error).await?;
                        report.failed += 1;
                    } else {
                        sqlx::query(
                            "UPDATE email_outbox SET status = 'queued', next_attempt_at = $1, \
                             last_error = $2 WHERE id = $3 AND status = 'sending'",
                        )
                        .bind(now + backoff_seconds(attempts))
                        .bind(&error)
                        .bind(id)
                        .execute(db.pool())
                        .await?;
                        report.retrying += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Claims one queued message and, for a link email, makes the link's token now (so the link
/// lives 24 hours from sending). Returns None when someone else claimed it or its link was
/// revoked meanwhile (then it is cancelled).
async fn claim(
    db: &Db,
    id: i64,
    now: i64,
) -> Result<Option<(Outgoing, i64, Option<i64>)>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE email_outbox SET status = 'sending', claimed_at = $1, attempts = attempts + 1 \
         WHERE id = $2 AND status = 'queued' \
         RETURNING to_address, subject, body_text, body_html, invitation_id, attempts",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = claimed else {
        return Ok(None);
    };
    let invitation_id: Option<i64> = row.try_get("invitation_id")?;
    let mut invited_user = None;
    let mut outgoing = Outgoing {
        invited_user: None,
        to: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        text: row.try_get("body_text")?,
        html: row.try_get("body_html")?,
    };
    if let Some(invitation_id) = invitation_id.filter(|_| outgoing.text.contains(TOKEN_PLACEHOLDER))
    {
        let token = new_token();
        let minted = sqlx::query(
            "UPDATE invitations SET token_hash = $1, sent_at = $2, expires_at = $3 \
             WHERE id = $4 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING user_id, purpose",
        )
        .bind(hash_token(&token))
        .bind(now)
        .bind(now + LINK_LIFETIME_SECONDS)
        .bind(invitation_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(minted) = minted else {
            sqlx::query("UPDATE email_outbox SET status = 'cancelled' WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            tx.commit().await?;
            return Ok(None);
        };
        if minted.try_get::<String, _>("purpose")? == "invitation" {
            invited_user = Some(minted.try_get::<i64, _>("user_id")?);
        }
        outgoing.invited_user = invited_user;
        outgoing.text = outgoing.text.replace(TOKEN_PLACEHOLDER, &token);
        outgoing.html = outgoing.html.replace(TOKEN_PLACEHOLDER, &token);
    }
    let attempts: i64 = row.try_get("attempts")?;
    tx.commit().await?;
    Ok(Some((outgoing, attempts, invitation_id)))
}

async fn send(db: &Db, transport: &Transport, outgoing: &Outgoing, now: i64) -> Result<(), String> {
    match transport {
        Transport::Smtp { mailer, from } => {
            let to: Mailbox = outgoing
                .to
                .parse()
                .map_err(|_| format!("{:?} is not an address SMTP accepts", outgoing.to))?;
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(outgoing.subject.clone())
                .multipart(MultiPart::alternative_plain_html(
                    outgoing.text.clone(),
                    outgoing.html.clone(),
                ))
                .map_err(|e| e.to_string())?;
            mailer
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Transport::LocalMailbox => {
            sqlx::query(
                "INSERT INTO local_mailbox (to_address, subject, body_text, body_html, delivered_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&outgoing.to)
            .bind(&outgoing.subject)
            .bind(&outgoing.text)
            .bind(&outgoing.html)
            .bind(now)
            .execute(db.pool())
            .await
            .map_err(|e| e.to_string())?;
            // The embedded default logs each link so a newcomer can follow it from the terminal;
            // with SMTP configured no link is ever logged.
            if let Some(link) = outgoing.text.split_whitespace().find(|w| w.contains("://")) {
                tracing::info!(to = %outgoing.to, %link, "local mailbox: link delivered");
            }
            Ok(())
        }
    }
}

/// Messages that will not be retried: the message is failed, and a user whose current
/// invitation it carried shows Send failed.
async fn mark_failed(
    db: &Db,
    outbox_ids: &[i64],
    invitation_ids: Vec<i64>,
    error: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for chunk in id_lists(outbox_ids) {
        sqlx::query(&format!(
            "UPDATE email_outbox SET status = 'failed', last_error = $1 WHERE id IN ({chunk}) \
             AND status = 'sending'"
        ))
        .bind(error)
        .execute(&mut **tx)
        .await?;
    }
    for chunk in id_lists(&invitation_ids) {
        sqlx::query(&format!(
            "UPDATE users SET invitation_status = $1 WHERE invitation_status = $2 AND id IN \
             (SELECT user_id FROM invitations WHERE id IN ({chunk}) AND purpose = 'invitation' \
              AND accepted_at IS NULL AND revoked_at IS NULL)"
        ))
        .bind(InvitationStatus::SendFailed.as_str())
        .bind(InvitationStatus::Pending.as_str())
        .execute(&mut **tx)
        .await?;
    }
    tx.commit().await
}

async fn give_up_interrupted_claims(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    let stale = sqlx::query(
        "SELECT id, invitation_id FROM email_outbox WHERE status = 'sending' AND claimed_at < $1",
    )
    .bind(now - STALE_CLAIM_SECONDS)
    .fetch_all(db.pool())
    .await?;
    if stale.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut invitations = Vec::new();
    for row in &stale {
        ids.push(row.try_get::<i64, _>("id")?);
        if let Some(invitation) = row.try_get::<Option<i64>, _>("invitation_id")? {
            invitations.push(invitation);
        }
    }
    tracing::warn!(
        count = ids.len(),
        "emails interrupted while sending are marked failed, not retried (they may have gone out)"
    );
    mark_failed(
        db,
        &ids,
        invitations,
        "interrupted while sending; not retried so it is never sent twice",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(backoff_seconds).collect();
        assert_eq!(waits, vec![30, 120, 600, 1800]);
    }
}
