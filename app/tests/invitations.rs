//! Accepting invitations against real databases, with the clock injected.

mod support;

use app::model::{InvitationState, InvitationStatus, UserKind};
use app::server::acceptance;
use app::server::users::{self, Actor};
use app::server::{sessions, Db};
use support::*;

const SENT: i64 = 1_700_000_000;
const DAY: i64 = 24 * 3600;
const PASSWORD: &str = "a long enough password";

on_both_databases! {
    an_invitation_is_accepted_until_24_hours_after_sending_and_refused_after => lifetime;
    a_used_token_is_refused_and_an_unknown_one_looks_expired => used_and_unknown;
    accepting_in_two_tabs_at_once_registers_once => concurrent_accepts;
}

/// A technician invited at SENT; returns their id and the token from the outbox email.
async fn invited(db: &Db) -> (i64, String) {
    let admin_id = admin(db, "boss@example.com", "correct horse battery").await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let id = users::create(
        db,
        &technician("tess@example.com", vec![]),
        true,
        &actor,
        "http://app.example",
        SENT,
    )
    .await
    .unwrap();
    let body: String = sqlx::query_scalar("SELECT body_text FROM email_outbox")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let token = body
        .split("/invite/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    (id, token)
}

async fn lifetime(db: Db) {
    let (id, token) = invited(&db).await;
    assert!(matches!(
        acceptance::state(&db, &token, SENT + DAY - 1)
            .await
            .unwrap(),
        InvitationState::Valid {
            kind: UserKind::Technician,
            ..
        }
    ));
    assert_eq!(
        acceptance::state(&db, &token, SENT + DAY + 1)
            .await
            .unwrap(),
        InvitationState::Expired
    );
    assert!(acceptance::accept(&db, &token, PASSWORD, SENT + DAY + 1)
        .await
        .is_err());
    let session = sessions::create(db.pool(), id, SENT).await.unwrap();
    assert_eq!(
        acceptance::accept(&db, &token, PASSWORD, SENT + DAY - 1)
            .await
            .unwrap(),
        UserKind::Technician
    );
    let user = users::get(db.pool(), id, SENT + DAY)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.invitation, InvitationStatus::Registered);
    assert!(
        sessions::lookup(db.pool(), &session, SENT + 10, false)
            .await
            .unwrap()
            .is_none(),
        "setting a password ends sessions"
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(stored.unwrap().starts_with("$argon2id$"));
}

async fn used_and_unknown(db: Db) {
    let (_, token) = invited(&db).await;
    assert!(
        acceptance::accept(&db, &token, "short", SENT + 5)
            .await
            .is_err(),
        "the password rules apply"
    );
    acceptance::accept(&db, &token, PASSWORD, SENT + 5)
        .await
        .unwrap();
    assert_eq!(
        acceptance::state(&db, &token, SENT + 6).await.unwrap(),
        InvitationState::Used
    );
    let again = acceptance::accept(&db, &token, PASSWORD, SENT + 6)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already been used"), "{again}");
    for unknown in ["", "not-a-token", &"x".repeat(43), "../../etc/passwd"] {
        assert_eq!(
            acceptance::state(&db, unknown, SENT).await.unwrap(),
            InvitationState::Expired
        );
    }
}

async fn concurrent_accepts(db: Db) {
    let (id, token) = invited(&db).await;
    let (db1, db2, t1, t2) = (db.clone(), db.clone(), token.clone(), token.clone());
    let one = tokio::spawn(async move { acceptance::accept(&db1, &t1, PASSWORD, SENT + 5).await });
    let two = tokio::spawn(async move {
        acceptance::accept(&db2, &t2, "another long password", SENT + 5).await
    });
    let results = [one.await.unwrap(), two.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let accepted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE user_id = $1 AND accepted_at IS NOT NULL",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(accepted, 1);
}
