//! Accepting invitations against real databases, with the clock injected.

mod support;

use app::model::{InvitationState, InvitationStatus, UserKind};
use app::server::acceptance;
use app::server::context::Actor;
use app::server::invitation_actions::{self, ALREADY_REGISTERED, TOO_SOON};
use app::server::invitations::Purpose;
use app::server::users;
use app::server::{sessions, Db};
use support::*;

const SENT: i64 = 1_700_000_000;
const DAY: i64 = 24 * 3600;
const PASSWORD: &str = "a long enough password";

on_both_databases! {
    an_invitation_is_accepted_until_24_hours_after_sending_and_refused_after => lifetime;
    a_used_token_is_refused_and_an_unknown_one_looks_expired => used_and_unknown;
    accepting_in_two_tabs_at_once_registers_once => concurrent_accepts;
    a_resend_makes_the_old_link_invalid_and_restarts_the_24_hours => resend_replaces_link;
    resends_are_rate_limited_per_user_and_registered_users_cannot_be_reinvited => resend_limits;
    a_revoked_link_stops_working_and_the_user_reads_not_invited => revoke_link;
    changing_a_pending_users_email_revokes_and_invites_the_new_address => email_change;
    a_password_reset_link_works_once_and_signs_the_user_out => password_reset;
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
    let mail = deliver_locally(db, SENT).await;
    assert_eq!(mail.len(), 1);
    (id, token_in(&mail[0].1, "invite"))
}

async fn lifetime(db: Db) {
    let (id, token) = invited(&db).await;
    assert!(matches!(
        acceptance::state(&db, &token, Purpose::Invitation, SENT + DAY - 1)
            .await
            .unwrap(),
        InvitationState::Valid {
            kind: UserKind::Technician,
            ..
        }
    ));
    assert_eq!(
        acceptance::state(&db, &token, Purpose::Invitation, SENT + DAY + 1)
            .await
            .unwrap(),
        InvitationState::Expired
    );
    assert!(
        acceptance::accept(&db, &token, Purpose::Invitation, PASSWORD, SENT + DAY + 1)
            .await
            .is_err()
    );
    let session = sessions::create(db.pool(), id, &Default::default(), SENT)
        .await
        .unwrap();
    assert_eq!(
        acceptance::accept(&db, &token, Purpose::Invitation, PASSWORD, SENT + DAY - 1)
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
        acceptance::accept(&db, &token, Purpose::Invitation, "short", SENT + 5)
            .await
            .is_err(),
        "the password rules apply"
    );
    acceptance::accept(&db, &token, Purpose::Invitation, PASSWORD, SENT + 5)
        .await
        .unwrap();
    assert_eq!(
        acceptance::state(&db, &token, Purpose::Invitation, SENT + 6)
            .await
            .unwrap(),
        InvitationState::Used
    );
    let again = acceptance::accept(&db, &token, Purpose::Invitation, PASSWORD, SENT + 6)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already been used"), "{again}");
    for unknown in ["", "not-a-token", &"x".repeat(43), "../../etc/passwd"] {
        assert_eq!(
            acceptance::state(&db, unknown, Purpose::Invitation, SENT)
                .await
                .unwrap(),
            InvitationState::Expired
        );
    }
}

async fn concurrent_accepts(db: Db) {
    let (id, token) = invited(&db).await;
    let (db1, db2, t1, t2) = (db.clone(), db.clone(), token.clone(), token.clone());
    let one = tokio::spawn(async move {
        acceptance::accept(&db1, &t1, Purpose::Invitation, PASSWORD, SENT + 5).await
    });
    let two = tokio::spawn(async move {
        acceptance::accept(
            &db2,
            &t2,
            Purpose::Invitation,
            "another long password",
            SENT + 5,
        )
        .await
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

async fn admin_id(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email_key = 'boss@example.com'")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn resend_at(db: &Db, id: i64, now: i64) -> app::model::InvitationActionResult {
    let admin = admin_id(db).await;
    invitation_actions::resend(db, &actor_named(admin), "http://app.example", &[id], now)
        .await
        .unwrap()
}

async fn resend_replaces_link(db: Db) {
    let (id, old) = invited(&db).await;
    let later = SENT + 20 * 3600;
    assert_eq!(resend_at(&db, id, later).await.done, 1);
    let mail = deliver_locally(&db, later).await;
    assert_eq!(mail.len(), 1);
    let new = token_in(&mail[0].1, "invite");
    assert_ne!(old, new);
    assert_eq!(
        acceptance::state(&db, &old, Purpose::Invitation, later + 1)
            .await
            .unwrap(),
        InvitationState::Expired,
        "the old link no longer works"
    );
    // 24 hours from the resend, well past the first link's expiry.
    let still = acceptance::state(&db, &new, Purpose::Invitation, later + DAY - 1)
        .await
        .unwrap();
    assert!(matches!(still, InvitationState::Valid { .. }));
    let user = users::get(db.pool(), id, later).await.unwrap().unwrap();
    assert_eq!(user.invitation, InvitationStatus::Pending);
    assert_eq!(user.time_left.as_deref(), Some("24 h left"));
}

async fn resend_limits(db: Db) {
    let (id, token) = invited(&db).await;
    let soon = resend_at(&db, id, SENT + 30).await;
    assert_eq!(soon.done, 0);
    assert_eq!(soon.skipped[0].reason, TOO_SOON);
    assert_eq!(resend_at(&db, id, SENT + 61).await.done, 1);
    let mail = deliver_locally(&db, SENT + 61).await;
    let token2 = token_in(&mail[0].1, "invite");
    assert_ne!(token, token2);
    acceptance::accept(&db, &token2, Purpose::Invitation, PASSWORD, SENT + 70)
        .await
        .unwrap();
    let registered = resend_at(&db, id, SENT + DAY).await;
    assert_eq!(
        (registered.done, registered.skipped[0].reason.as_str()),
        (0, ALREADY_REGISTERED)
    );
    assert!(deliver_locally(&db, SENT + DAY).await.is_empty());
}

async fn revoke_link(db: Db) {
    let (id, token) = invited(&db).await;
    let admin = admin_id(&db).await;
    let result = invitation_actions::revoke(&db, &actor_named(admin), &[id], SENT + 5)
        .await
        .unwrap();
    assert_eq!(result.done, 1);
    assert_eq!(
        acceptance::state(&db, &token, Purpose::Invitation, SENT + 6)
            .await
            .unwrap(),
        InvitationState::Expired
    );
    let user = users::get(db.pool(), id, SENT + 6).await.unwrap().unwrap();
    assert_eq!(user.invitation, InvitationStatus::NotInvited);
    // Send invite invites them again.
    assert_eq!(resend_at(&db, id, SENT + 120).await.done, 1);
    assert_eq!(deliver_locally(&db, SENT + 120).await.len(), 1);
}

async fn email_change(db: Db) {
    let (id, old) = invited(&db).await;
    let admin = admin_id(&db).await;
    let mut input = technician("tess.new@example.com", vec![]);
    input.first_name = "Tess".into();
    users::update(
        &db,
        id,
        &input,
        &actor_named(admin),
        "http://app.example",
        SENT + 10,
    )
    .await
    .unwrap();
    let mail = deliver_locally(&db, SENT + 10).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "tess.new@example.com");
    assert_eq!(
        acceptance::state(&db, &old, Purpose::Invitation, SENT + 11)
            .await
            .unwrap(),
        InvitationState::Expired
    );
    let new = token_in(&mail[0].1, "invite");
    assert!(matches!(
        acceptance::state(&db, &new, Purpose::Invitation, SENT + 11).await.unwrap(),
        InvitationState::Valid { email, .. } if email == "tess.new@example.com"
    ));
}

async fn password_reset(db: Db) {
    let (id, token) = invited(&db).await;
    let admin = admin_id(&db).await;
    let actor = actor_named(admin);
    let early =
        invitation_actions::reset_password(&db, &actor, "http://app.example", id, SENT + 1).await;
    assert!(
        early.is_err(),
        "a user who never set a password gets an invitation, not a reset"
    );
    acceptance::accept(&db, &token, Purpose::Invitation, PASSWORD, SENT + 2)
        .await
        .unwrap();
    let session = sessions::create(db.pool(), id, &Default::default(), SENT + 3)
        .await
        .unwrap();
    invitation_actions::reset_password(&db, &actor, "http://app.example", id, SENT + 4)
        .await
        .unwrap();
    assert!(
        sessions::lookup(db.pool(), &session, SENT + 5, false)
            .await
            .unwrap()
            .is_none(),
        "a reset signs the user out everywhere"
    );
    let mail = deliver_locally(&db, SENT + 5).await;
    assert!(mail[0].1.contains("password to be reset"));
    let reset = token_in(&mail[0].1, "reset-password");
    assert_eq!(
        acceptance::state(&db, &reset, Purpose::Invitation, SENT + 6)
            .await
            .unwrap(),
        InvitationState::Expired,
        "a reset link is not an invitation"
    );
    assert_eq!(
        acceptance::accept(
            &db,
            &reset,
            Purpose::PasswordReset,
            "a brand new password",
            SENT + DAY + 6
        )
        .await
        .unwrap_err()
        .to_string(),
        acceptance::RESET_EXPIRED
    );
    acceptance::accept(
        &db,
        &reset,
        Purpose::PasswordReset,
        "a brand new password",
        SENT + 6,
    )
    .await
    .unwrap();
    let again = acceptance::accept(
        &db,
        &reset,
        Purpose::PasswordReset,
        "another new password",
        SENT + 7,
    )
    .await;
    assert_eq!(again.unwrap_err().to_string(), acceptance::RESET_USED);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(app::server::passwords::verify_password(
        "a brand new password",
        &hash
    ));
    let user = users::get(db.pool(), id, SENT + 8).await.unwrap().unwrap();
    assert_eq!(user.invitation, InvitationStatus::Registered);
}
