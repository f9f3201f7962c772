//! The background sender against real databases, and through a real SMTP server on loopback
//! (Python's aiosmtpd, installed by scripts/test.sh, named by SMTP_TEST_PYTHON).

mod support;

use app::model::InvitationStatus;
use app::server::config::{SmtpConfig, SmtpTls};
use app::server::delivery::{self, Transport, MAX_ATTEMPTS};
use app::server::invitations::{self, Invitee, Inviter};
use app::server::tokens::hash_token;
use app::server::{acceptance, invitation_actions, invitations::Purpose, users, Db};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::*;

const NOW: i64 = 1_700_000_000;
const BASE: &str = "http://app.example";

on_both_databases! {
    nothing_is_sent_for_a_transaction_that_rolled_back => rolled_back;
    concurrent_resends_leave_exactly_one_valid_token => concurrent_resends;
    a_local_delivery_happens_once_and_stores_no_usable_link_but_the_mailbox_copy => delivered_once;
}

/// An SMTP server on loopback that keeps what it receives in a maildir.
struct SmtpCapture {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpCapture {
    fn start() -> SmtpCapture {
        let python = std::env::var("SMTP_TEST_PYTHON")
            .expect("SMTP_TEST_PYTHON names a Python with aiosmtpd (scripts/test.sh installs one)");
        let port = free_port();
        let maildir =
            std::env::temp_dir().join(format!("bulk-import-smtp-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&maildir);
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpCapture {
                    child,
                    port,
                    maildir,
                };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start listening on {port}");
    }

    /// Every message that arrived, as raw RFC 5322 text.
    fn received(&self) -> Vec<String> {
        let mut messages = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                messages.push(std::fs::read_to_string(entry.path()).expect("read message"));
            }
        }
        messages
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn smtp_to(port: u16) -> Transport {
    Transport::from_config(Some(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "Help desk <helpdesk@app.example>".into(),
    }))
    .expect("transport")
}

async fn invite_tess(db: &Db) -> (i64, i64) {
    let admin_id = admin(db, "boss@example.com", "correct horse battery").await;
    let id = users::create(
        db,
        &technician("tess@example.com", vec![]),
        true,
        &actor_named(admin_id),
        BASE,
        NOW,
    )
    .await
    .unwrap();
    (admin_id, id)
}

async fn status_of(db: &Db, id: i64, now: i64) -> InvitationStatus {
    users::get(db.pool(), id, now)
        .await
        .unwrap()
        .unwrap()
        .invitation
}

/// Quoted-printable soft line breaks and `=3D` undone, enough to read a link back.
fn unfold(message: &str) -> String {
    message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(smtp_tests),
    ignore = "set SMTP_TEST_PYTHON to a Python with aiosmtpd (scripts/test.sh does)"
)]
async fn a_failing_smtp_server_is_retried_with_backoff_then_send_failed_and_a_retry_arrives_by_smtp(
) {
    let test_db = TestDb::sqlite().await;
    smtp_retry_then_delivery(&test_db.db).await;
    test_db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(smtp_tests, pg_tests)),
    ignore = "set SMTP_TEST_PYTHON and TEST_DATABASE_URL to run the PostgreSQL variant"
)]
async fn on_postgres_a_failing_smtp_server_is_retried_then_a_retry_arrives_by_smtp() {
    let test_db = TestDb::postgres().await;
    smtp_retry_then_delivery(&test_db.db).await;
    test_db.finish().await;
}

async fn smtp_retry_then_delivery(db: &Db) {
    let (admin_id, id) = invite_tess(db).await;
    // Nothing listens on this port: every attempt fails.
    let down = smtp_to(free_port());
    let mut now = NOW;
    for attempt in 1..=MAX_ATTEMPTS {
        let report = delivery::deliver_due(db, &down, now).await.unwrap();
        if attempt < MAX_ATTEMPTS {
            assert_eq!(report.retrying, 1, "attempt {attempt}");
            assert_eq!(status_of(db, id, now).await, InvitationStatus::Pending);
            // Not due again until the backoff has passed.
            let early = delivery::deliver_due(db, &down, now + 1).await.unwrap();
            assert_eq!(early, delivery::DeliveryReport::default());
            now += delivery::backoff_seconds(attempt);
        } else {
            assert_eq!(report.failed, 1);
        }
    }
    assert_eq!(status_of(db, id, now).await, InvitationStatus::SendFailed);

    // The dashboard's retry is a resend; this time the server is up.
    let smtp = SmtpCapture::start();
    let result = invitation_actions::resend(db, &actor_named(admin_id), BASE, &[id], now)
        .await
        .unwrap();
    assert_eq!(result.done, 1);
    assert_eq!(status_of(db, id, now).await, InvitationStatus::Pending);
    let report = delivery::deliver_due(db, &smtp_to(smtp.port), now)
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    let message = unfold(&received[0]);
    assert!(message.contains("To: tess@example.com"), "{message}");
    assert!(message.contains("Boss Admin has invited you"), "{message}");
    assert!(message.contains("text/plain") && message.contains("text/html"));
    assert!(message.contains("expires 24 hours after"), "{message}");
    let token = token_in(&message, "invite");
    let token = token
        .trim_end_matches(['"', '>'])
        .split('"')
        .next()
        .unwrap();
    assert!(matches!(
        acceptance::state(db, token, Purpose::Invitation, now + 60)
            .await
            .unwrap(),
        app::model::InvitationState::Valid { .. }
    ));
    // Never twice: another round finds nothing to send.
    let again = delivery::deliver_due(db, &smtp_to(smtp.port), now + 3600)
        .await
        .unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(smtp.received().len(), 1);
    acceptance::accept(
        db,
        token,
        Purpose::Invitation,
        "a long enough password",
        now + 60,
    )
    .await
    .unwrap();
    assert_eq!(
        status_of(db, id, now + 60).await,
        InvitationStatus::Registered
    );
}

async fn rolled_back(db: Db) {
    let admin_id = admin(&db, "boss@example.com", "correct horse battery").await;
    let fields = app::rules::validate_user_fields(
        &technician("tess@example.com", vec![]),
        &known_roles(&db).await,
    )
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let id = app::server::user_store::insert(
        &mut tx,
        app::server::user_store::NewUser::from_form(fields, None),
        NOW,
    )
    .await
    .unwrap();
    let inviter = Inviter {
        user_id: admin_id,
        display_name: "Boss",
        public_base_url: BASE,
        import_job_id: None,
    };
    let invitee = Invitee {
        user_id: id,
        email: "tess@example.com".into(),
        name: "Tess Tech".into(),
    };
    invitations::issue(&mut tx, &inviter, &[invitee], NOW)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(deliver_locally(&db, NOW + 3600).await.is_empty());
    assert_eq!(count(&db, "email_outbox").await, 0);
    assert_eq!(count(&db, "invitations").await, 0);
}

async fn concurrent_resends(db: Db) {
    let (admin_id, id) = invite_tess(&db).await;
    let later = NOW + 3600;
    let actor = actor_named(admin_id);
    let ids = [id];
    let (a, b) = tokio::join!(
        invitation_actions::resend(&db, &actor, BASE, &ids, later),
        invitation_actions::resend(&db, &actor, BASE, &ids, later),
    );
    let done: usize = [&a, &b]
        .iter()
        .map(|r| r.as_ref().map(|r| r.done).unwrap_or(0))
        .sum();
    assert_eq!(done, 1, "{a:?} {b:?}");
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE user_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(open, 1);
    // The first invitation's email was cancelled before it went out: one email arrives.
    let mail = deliver_locally(&db, later).await;
    assert_eq!(mail.len(), 1);
}

async fn delivered_once(db: Db) {
    let (_, id) = invite_tess(&db).await;
    let mail = deliver_locally(&db, NOW + 5).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "tess@example.com");
    // The stored wording with this recipient's name and link filled in.
    assert!(mail[0].1.starts_with("Hello Tess Tech,\n"), "{}", mail[0].1);
    assert!(!mail[0].1.contains("{{"), "{}", mail[0].1);
    let token = token_in(&mail[0].1, "invite");
    assert!(deliver_locally(&db, NOW + 3600).await.is_empty());
    // The invitation holds the hash, the queued email only the placeholder.
    let hash: String = sqlx::query_scalar("SELECT token_hash FROM invitations WHERE user_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(hash, hash_token(&token));
    let queued: String = sqlx::query_scalar(
        "SELECT t.body_text FROM email_outbox o JOIN email_templates t ON t.id = o.template_id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(queued.contains("/invite/{{TOKEN}}") && !queued.contains(&token));
    // The link lives 24 hours from sending, not from queueing.
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM invitations WHERE user_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(expires, NOW + 5 + 24 * 3600);
}
