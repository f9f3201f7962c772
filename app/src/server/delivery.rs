//! The background sender: delivers the outbox after commit, through SMTP when configured and
//! into the local mailbox otherwise.
//!
//! Never twice: a message is claimed (`queued` → `sending`, one conditional UPDATE, so only one
//! sender among several app servers wins) before it is handed to SMTP, and a claimed message is
//! never handed over again. A failed attempt goes back to `queued` with a growing delay; after
//! [`MAX_ATTEMPTS`] it is `failed` and the user shows **Send failed**. A claim left behind by a
//! crash is marked failed rather than retried, since the mail may have gone out.

use super::batch::{self, Value};
use super::config::{SmtpConfig, SmtpTls};
use super::db::Backend;
use super::invitations::{id_lists, with_name, LINK_LIFETIME_SECONDS, TOKEN_PLACEHOLDER};
use super::tokens::{hash_token, new_token};
use super::{clock, Db};
use crate::model::InvitationStatus;
use futures::StreamExt;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub const MAX_ATTEMPTS: i64 = 5;
/// A claim older than this was interrupted (the process stopped mid-send).
const STALE_CLAIM_SECONDS: i64 = 600;
/// Messages claimed, copied into the local mailbox and marked sent in one transaction.
/// Measured: see README (one email per transaction managed about 47 a second on PostgreSQL).
const LOCAL_BATCH: i64 = 500;
/// Messages claimed per SMTP batch: 4 rounds of [`SMTP_AT_ONCE`], so a crash mid-batch
/// leaves few claimed (they are failed, not retried) and a batch ends well within the stale
/// claim limit even when every send waits out its 20 s timeout.
const SMTP_BATCH: i64 = 4 * SMTP_AT_ONCE as i64;
/// SMTP sends in flight at once, each on its own pooled connection. lettre writes a message's
/// body and its closing dot as two writes, so on a connection each message waits about 40 ms
/// on TCP's delayed acknowledgement: 8 connections delivered 167 emails a second to aiosmtpd
/// on loopback (which takes about 1,400 a second from one Python client); 32 hide the wait.
const SMTP_AT_ONCE: usize = 32;
/// Links the embedded default logs per batch (the rest are on the Mailbox page).
const LINKS_LOGGED_PER_BATCH: usize = 3;

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
            .timeout(Some(Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(SMTP_AT_ONCE as u32));
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

/// One claimed email ready to go, its link's token filled in.
struct Outgoing {
    id: i64,
    priority: i64,
    attempts: i64,
    invitation_id: Option<i64>,
    to: String,
    subject: String,
    text: String,
    html: String,
    /// A link email's wording (`email_templates`) and the name that goes in it.
    template_id: Option<i64>,
    recipient_name: Option<String>,
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

/// The running sender; `stop` lets the batch in hand finish (an email aborted mid-send
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

/// Delivers one batch of the messages due at `now` (tests call this directly with a chosen
/// clock; the running sender calls again at once while batches come back full, so `now`
/// stays close to the real time).
///
/// Into the local mailbox (no outside effect), a batch of up to [`LOCAL_BATCH`] is claimed,
/// copied and marked sent in one transaction: a failure rolls all of it back to the queue, and
/// nothing can be lost or repeated. Through SMTP a batch of up to [`SMTP_BATCH`] is claimed in
/// one transaction, sent [`SMTP_AT_ONCE`] at a time over lettre's connection pool, and every
/// outcome (sent, retry later, failed for good) recorded in one more; a crash in between
/// leaves at most that batch claimed, marked failed rather than retried (it may have gone out).
pub async fn deliver_due(
    db: &Db,
    transport: &Transport,
    now: i64,
) -> Result<DeliveryReport, sqlx::Error> {
    let mut report = DeliveryReport::default();
    give_up_interrupted_claims(db, now).await?;
    let batch = match transport {
        Transport::LocalMailbox => LOCAL_BATCH,
        Transport::Smtp { .. } => SMTP_BATCH,
    };
    let mut tx = db.begin_write().await?;
    let (claimed, cancelled) = claim_due(&mut tx, db.backend(), now, batch).await?;
    report.batch_was_full = (claimed.len() + cancelled) as i64 == batch;
    report.cancelled = cancelled;
    match transport {
        Transport::LocalMailbox => {
            deliver_locally(&mut tx, &claimed, now).await?;
            tx.commit().await?;
            log_links(&claimed);
            report.sent = claimed.len();
        }
        Transport::Smtp { mailer, from } => {
            tx.commit().await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            let messages: Vec<Result<Message, String>> =
                claimed.iter().map(|m| message(from, m)).collect();
            let results: Vec<Result<(), String>> = futures::stream::iter(messages)
                .map(|message| {
                    let mailer = mailer.clone();
                    async move {
                        mailer
                            .send(message?)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                })
                .buffered(SMTP_AT_ONCE)
                .collect()
                .await;
            let mut sent = Vec::new();
            let mut tx = db.begin_write().await?;
            for (outgoing, result) in claimed.iter().zip(results) {
                match result {
                    Ok(()) => sent.push(outgoing),
                    Err(error) => {
                        tracing::warn!(outbox_id = outgoing.id, attempts = outgoing.attempts, %error, "email not delivered");
                        if retry_or_fail(&mut tx, outgoing, &error, now).await? {
                            report.retrying += 1;
                        } else {
                            report.failed += 1;
                        }
                    }
                }
            }
            mark_sent(&mut tx, &sent, now).await?;
            tx.commit().await?;
            report.sent = sent.len();
        }
    }
    Ok(report)
}

/// Claims up to `batch` due messages (`queued` → `sending`, one conditional UPDATE; on
/// PostgreSQL rows another server is claiming are skipped, not waited for) and makes each
/// link email's token now, so the link lives 24 hours from sending. Messages whose link was
/// revoked meanwhile are cancelled. Returns the messages to send and how many were cancelled.
async fn claim_due(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    now: i64,
    batch: i64,
) -> Result<(Vec<Outgoing>, usize), sqlx::Error> {
    let skip_locked = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "UPDATE email_outbox SET status = 'sending', claimed_at = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM email_outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
                      ORDER BY priority DESC, id LIMIT $2 {skip_locked}) AND status = 'queued' \
         RETURNING id, priority, to_address, subject, body_text, body_html, invitation_id, attempts, \
         template_id, recipient_name"
    ))
    .bind(now)
    .bind(batch)
    .fetch_all(&mut **tx)
    .await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Outgoing {
                priority: row.try_get("priority")?,
                id: row.try_get("id")?,
                attempts: row.try_get("attempts")?,
                invitation_id: row.try_get("invitation_id")?,
                to: row.try_get("to_address")?,
                subject: row.try_get("subject")?,
                text: row.try_get("body_text")?,
                html: row.try_get("body_html")?,
                template_id: row.try_get("template_id")?,
                recipient_name: row.try_get("recipient_name")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    with_templates(tx, &mut claimed).await?;
    // Sent (and copied into the local mailbox) in the order they were picked.
    claimed.sort_by_key(|m| (std::cmp::Reverse(m.priority), m.id));
    // Each link email gets a fresh token; only its hash is stored, on the invitation.
    let mut tokens: HashMap<i64, String> = HashMap::new();
    let minting: Vec<Vec<Value>> = claimed
        .iter()
        .filter(|m| m.text.contains(TOKEN_PLACEHOLDER))
        .filter_map(|m| m.invitation_id)
        .map(|invitation_id| {
            let token = new_token();
            let row = vec![Value::Int(invitation_id), Value::Text(hash_token(&token))];
            tokens.insert(invitation_id, token);
            row
        })
        .collect();
    let minted = mint_tokens(tx, backend, &minting, now).await?;
    let mut cancelled = Vec::new();
    claimed.retain_mut(|m| {
        let Some(invitation_id) = m.invitation_id.filter(|id| tokens.contains_key(id)) else {
            return true;
        };
        if !minted.contains(&invitation_id) {
            cancelled.push(m.id);
            return false;
        }
        let token = &tokens[&invitation_id];
        m.text = m.text.replace(TOKEN_PLACEHOLDER, token);
        m.html = m.html.replace(TOKEN_PLACEHOLDER, token);
        true
    });
    // The name last, once the link is in: a name can never stand in for a token.
    for m in &mut claimed {
        if let (Some(_), Some(name)) = (m.template_id, &m.recipient_name) {
            (m.text, m.html) = with_name(&m.text, &m.html, name);
        }
    }
    for chunk in id_lists(&cancelled) {
        sqlx::query(&format!(
            "UPDATE email_outbox SET status = 'cancelled' WHERE id IN ({chunk})"
        ))
        .execute(&mut **tx)
        .await?;
    }
    Ok((claimed, cancelled.len()))
}

/// Gives each link email its template's wording (read once per template in the batch; a
/// batch of an import's invitations shares one), its placeholders still in.
async fn with_templates(
    tx: &mut Transaction<'static, Any>,
    claimed: &mut Vec<Outgoing>,
) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = claimed
        .iter()
        .filter_map(|m| m.template_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut templates: HashMap<i64, (String, String)> = HashMap::new();
    for chunk in id_lists(&ids) {
        let rows = sqlx::query(&format!(
            "SELECT id, body_text, body_html FROM email_templates WHERE id IN ({chunk})"
        ))
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            templates.insert(
                row.try_get("id")?,
                (row.try_get("body_text")?, row.try_get("body_html")?),
            );
        }
    }
    let mut missing = Vec::new();
    claimed.retain_mut(|m| {
        let Some(id) = m.template_id else {
            return true;
        };
        match templates.get(&id) {
            Some((text, html)) => {
                m.text.clone_from(text);
                m.html.clone_from(html);
                true
            }
            None => {
                missing.push((m.id, m.invitation_id));
                false
            }
        }
    });
    if missing.is_empty() {
        return Ok(());
    }
    // Nothing deletes templates; still, an email whose wording is gone is failed, not sent
    // empty.
    tracing::error!(emails = missing.len(), "email template missing");
    let (outbox_ids, invitation_ids): (Vec<i64>, Vec<Option<i64>>) = missing.into_iter().unzip();
    let invitation_ids: Vec<i64> = invitation_ids.into_iter().flatten().collect();
    fail(tx, &outbox_ids, &invitation_ids, "its wording is missing").await
}

/// Stores each link's new token hash (`rows`: invitation id, hash) on the invitations still
/// open, its 24 hours counted from now, in one statement. Returns the invitations updated.
async fn mint_tokens(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    rows: &[Vec<Value>],
    now: i64,
) -> Result<HashSet<i64>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = match backend {
        Backend::Postgres => {
            "UPDATE invitations AS i SET token_hash = r->>1, sent_at = $2, expires_at = $3 \
             FROM jsonb_array_elements($1::jsonb) AS r \
             WHERE i.id = (r->>0)::bigint AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
             RETURNING i.id"
        }
        Backend::Sqlite => {
            "UPDATE invitations AS i SET token_hash = r.value->>1, sent_at = $2, expires_at = $3 \
             FROM json_each($1) AS r \
             WHERE i.id = r.value->>0 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
             RETURNING id"
        }
    };
    let json = batch::json(rows)?;
    let updated = sqlx::query(sql)
        .bind(json)
        .bind(now)
        .bind(now + LINK_LIFETIME_SECONDS)
        .fetch_all(&mut **tx)
        .await?;
    updated.iter().map(|row| row.try_get::<i64, _>(0)).collect()
}

/// Marks the messages sent and, for an invitation still open, its user's "invited at" (when
/// it went out; a resend may have replaced it meanwhile, and then the user is left alone).
async fn mark_sent(
    tx: &mut Transaction<'static, Any>,
    sent: &[&Outgoing],
    now: i64,
) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = sent.iter().map(|m| m.id).collect();
    for chunk in id_lists(&ids) {
        sqlx::query(&format!(
            "UPDATE email_outbox SET status = 'sent', sent_at = $1, last_error = NULL \
             WHERE id IN ({chunk}) AND status = 'sending'"
        ))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let invitations: Vec<i64> = sent.iter().filter_map(|m| m.invitation_id).collect();
    for chunk in id_lists(&invitations) {
        sqlx::query(&format!(
            "UPDATE users SET invited_at = $1, invitation_expires_at = $2 \
             WHERE invitation_status = $3 AND id IN (SELECT user_id FROM invitations \
             WHERE id IN ({chunk}) AND purpose = 'invitation' AND accepted_at IS NULL AND revoked_at IS NULL)"
        ))
        .bind(now)
        .bind(now + LINK_LIFETIME_SECONDS)
        .bind(InvitationStatus::Pending.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The embedded default: the batch's copies land in the local mailbox and are marked sent in
/// the caller's transaction (the one that claimed them).
async fn deliver_locally(
    tx: &mut Transaction<'static, Any>,
    claimed: &[Outgoing],
    now: i64,
) -> Result<(), sqlx::Error> {
    if claimed.is_empty() {
        return Ok(());
    }
    let copies: Vec<Vec<Value>> = claimed
        .iter()
        .map(|m| {
            vec![
                Value::Text(m.to.clone()),
                Value::Text(m.subject.clone()),
                Value::Text(m.text.clone()),
                Value::Text(m.html.clone()),
                Value::Int(now),
            ]
        })
        .collect();
    batch::insert(
        tx,
        "local_mailbox",
        &[
            "to_address",
            "subject",
            "body_text",
            "body_html",
            "delivered_at",
        ],
        &copies,
        "",
    )
    .await?;
    mark_sent(tx, &claimed.iter().collect::<Vec<_>>(), now).await
}

/// The embedded default logs links so a newcomer can follow one from the terminal (a few per
/// batch: an import's thousands are on the Mailbox page); with SMTP none is logged.
fn log_links(delivered: &[Outgoing]) {
    for m in delivered.iter().take(LINKS_LOGGED_PER_BATCH) {
        if let Some(link) = m.text.split_whitespace().find(|w| w.contains("://")) {
            tracing::info!(to = %m.to, %link, "local mailbox: link delivered");
        }
    }
    if delivered.len() > LINKS_LOGGED_PER_BATCH {
        tracing::info!(
            more = delivered.len() - LINKS_LOGGED_PER_BATCH,
            "local mailbox: more emails delivered (see the Mailbox page)"
        );
    }
}

/// The email as SMTP carries it: plain text and HTML alternatives.
fn message(from: &Mailbox, outgoing: &Outgoing) -> Result<Message, String> {
    let to: Mailbox = outgoing
        .to
        .parse()
        .map_err(|_| format!("{:?} is not an address SMTP accepts", outgoing.to))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(outgoing.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            outgoing.text.clone(),
            outgoing.html.clone(),
        ))
        .map_err(|e| e.to_string())
}

/// A failed attempt goes back to the queue with a growing delay, or after [`MAX_ATTEMPTS`]
/// is failed for good, in the caller's transaction. Returns whether it will be retried.
async fn retry_or_fail(
    tx: &mut Transaction<'static, Any>,
    outgoing: &Outgoing,
    error: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if outgoing.attempts >= MAX_ATTEMPTS {
        fail(
            tx,
            &[outgoing.id],
            &outgoing.invitation_id.into_iter().collect::<Vec<_>>(),
            error,
        )
        .await?;
        return Ok(false);
    }
    sqlx::query(
        "UPDATE email_outbox SET status = 'queued', next_attempt_at = $1, \
         last_error = $2 WHERE id = $3 AND status = 'sending'",
    )
    .bind(now + backoff_seconds(outgoing.attempts))
    .bind(error)
    .bind(outgoing.id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
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
    fail(&mut tx, outbox_ids, &invitation_ids, error).await?;
    tx.commit().await
}

/// [`mark_failed`] in the caller's transaction.
async fn fail(
    tx: &mut Transaction<'static, Any>,
    outbox_ids: &[i64],
    invitation_ids: &[i64],
    error: &str,
) -> Result<(), sqlx::Error> {
    for chunk in id_lists(outbox_ids) {
        sqlx::query(&format!(
            "UPDATE email_outbox SET status = 'failed', last_error = $1 WHERE id IN ({chunk}) \
             AND status = 'sending'"
        ))
        .bind(error)
        .execute(&mut **tx)
        .await?;
    }
    for chunk in id_lists(invitation_ids) {
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
    Ok(())
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
