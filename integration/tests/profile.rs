//! My profile through the services with a chosen clock: changing one's own password, setting
//! up or replacing an authenticator, new recovery codes, and one's sessions. Runs on SQLite
//! and, when configured, PostgreSQL.

mod support;

use app::error::AppError;
use app::model::MfaMethod;
use app::server::sessions::{self, Origin, SessionUser};
use app::server::sign_in_throttle::{self, Subjects};
use app::server::{authenticator, profile, second_factor, Db};
use support::*;
use totp_rs::{Algorithm, Secret, TOTP};

const NOW: i64 = 1_800_000_000;
const PASSWORD: &str = "correct horse battery";

on_both_databases! {
    changing_ones_password_asks_the_current_one_and_ends_only_the_other_sessions => change_password;
    a_wrong_current_password_counts_toward_the_sign_in_throttle => wrong_password_throttled;
    an_authenticator_from_the_profile_replaces_the_old_one_only_once_confirmed => authenticator_setup;
    new_recovery_codes_replace_the_old_ones => new_recovery_codes;
    a_user_sees_their_live_sessions_and_ends_only_their_own => own_sessions;
}

/// A signed-in user (an admin) with `sessions` sessions; returns the first one as the caller.
async fn signed_in(db: &Db, email: &str, sessions: usize) -> SessionUser {
    let id = admin(db, email, PASSWORD).await;
    let mut tokens = Vec::new();
    for i in 0..sessions {
        let origin = Origin {
            user_agent: Some(format!(
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36 #{i}"
            )),
            client_address: Some(format!("192.0.2.{i}")),
        };
        tokens.push(
            sessions::create(db.pool(), id, &origin, NOW + i as i64)
                .await
                .unwrap(),
        );
    }
    sessions::lookup(db.pool(), &tokens[0], NOW + 10, false)
        .await
        .unwrap()
        .unwrap()
}

async fn sessions_of(db: &Db, user_id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(db.pool())
        .await
        .unwrap()
}

fn app_code(secret_text: &str, at: i64) -> String {
    let secret = Secret::Encoded(secret_text.to_string()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret, None, "x".into()).generate(at as u64)
}

fn proof(password: &str) -> profile::Proof<'_> {
    profile::Proof {
        current_password: password,
        client_address: None,
    }
}

async fn change_password(db: Db) {
    let me = signed_in(&db, "boss@example.com", 3).await;
    let other = signed_in(&db, "other@example.com", 1).await;
    assert_eq!(sessions_of(&db, me.user_id).await.len(), 3);
    let pending = second_factor::start(&db, me.user_id, MfaMethod::Email, NOW + 15)
        .await
        .unwrap();
    assert!(matches!(
        profile::change_password(&db, &me, &proof("not my password"), "a brand new long password", NOW + 20).await,
        Err(AppError::BadRequest(message)) if message == profile::WRONG_PASSWORD
    ));
    assert!(matches!(
        profile::change_password(&db, &me, &proof(PASSWORD), "short", NOW + 20).await,
        Err(AppError::BadRequest(_))
    ));
    assert_eq!(
        sessions_of(&db, me.user_id).await.len(),
        3,
        "nothing changed"
    );
    let token = profile::change_password(
        &db,
        &me,
        &proof(PASSWORD),
        "a brand new long password",
        NOW + 20,
    )
    .await
    .unwrap();
    assert_eq!(sessions_of(&db, me.user_id).await, vec![me.session_id]);
    assert_eq!(
        sessions_of(&db, other.user_id).await.len(),
        1,
        "others untouched"
    );
    // This session carries on under a new token; the old cookie, copied, no longer works.
    let renewed = sessions::lookup(db.pool(), &token, NOW + 21, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renewed.session_id, me.session_id);
    assert_eq!(
        count_with(&db, "SELECT COUNT(*) FROM sign_in_challenges").await,
        0
    );
    assert!(second_factor::view(&db, &pending, NOW + 21)
        .await
        .unwrap()
        .is_none());
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(me.user_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(app::server::passwords::verify_password(
        "a brand new long password",
        &hash
    ));
    assert!(!app::server::passwords::verify_password(PASSWORD, &hash));
}

async fn count_with(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

async fn wrong_password_throttled(db: Db) {
    let me = signed_in(&db, "boss@example.com", 1).await;
    for i in 0..5 {
        assert!(matches!(
            profile::regenerate_recovery_codes(&db, &me, &proof("guess"), NOW + i).await,
            Err(AppError::BadRequest(_))
        ));
    }
    // The sixth attempt waits, even with the right password; so does signing in.
    assert!(matches!(
        profile::regenerate_recovery_codes(&db, &me, &proof(PASSWORD), NOW + 6).await,
        Err(AppError::TooManyRequests { .. })
    ));
    let subjects = Subjects::new("boss@example.com", None);
    assert!(sign_in_throttle::check(db.pool(), &subjects, NOW + 6)
        .await
        .is_err());
    // The wait passes (and the password is then right: no authenticator, so no codes).
    assert!(matches!(
        profile::regenerate_recovery_codes(&db, &me, &proof(PASSWORD), NOW + 4 + 31).await,
        Err(AppError::Conflict(_))
    ));
}

async fn confirm(
    db: &Db,
    me: &SessionUser,
    secret: &str,
    at: i64,
) -> Result<Vec<String>, AppError> {
    profile::confirm_authenticator(db, me, &proof(PASSWORD), &app_code(secret, at), at)
        .await
        .map(|done| done.recovery_codes)
}

async fn authenticator_setup(db: Db) {
    let me = signed_in(&db, "boss@example.com", 2).await;
    assert_eq!(
        second_factor::method_for(&db, me.user_id, MfaMethod::None)
            .await
            .unwrap(),
        MfaMethod::None
    );
    // Offered to a session: another session (someone who briefly held one) sees another
    // secret, which this session cannot confirm; a reload here shows the same for 15 minutes.
    let stranger = sessions::lookup(
        db.pool(),
        &sessions::create(db.pool(), me.user_id, &Origin::default(), NOW + 5)
            .await
            .unwrap(),
        NOW + 6,
        false,
    )
    .await
    .unwrap()
    .unwrap();
    let seen = profile::offer_authenticator(&db, &stranger, NOW + 6)
        .await
        .unwrap();
    let first = profile::offer_authenticator(&db, &me, NOW + 10)
        .await
        .unwrap();
    assert_ne!(first, seen);
    assert_eq!(
        profile::offer_authenticator(&db, &me, NOW + 20)
            .await
            .unwrap(),
        first
    );
    assert!(matches!(
        confirm(&db, &stranger, &seen.secret_text, NOW + 25).await,
        Err(AppError::Conflict(_))
    ));
    assert!(!authenticator::is_set_up(&db, me.user_id).await.unwrap());
    assert!(matches!(
        profile::confirm_authenticator(&db, &me, &proof(PASSWORD), "000000", NOW + 30).await,
        Err(AppError::BadRequest(_))
    ));
    assert!(matches!(
        profile::confirm_authenticator(&db, &me, &proof("wrong"), &app_code(&first.secret_text, NOW + 30), NOW + 30).await,
        Err(AppError::BadRequest(message)) if message == profile::WRONG_PASSWORD
    ));
    assert_eq!(
        sessions_of(&db, me.user_id).await.len(),
        3,
        "nothing changed"
    );
    let codes = confirm(&db, &me, &first.secret_text, NOW + 30)
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(authenticator::is_set_up(&db, me.user_id).await.unwrap());
    assert_eq!(sessions_of(&db, me.user_id).await, vec![me.session_id]);
    let read = profile::read(&db, &me, NOW + 40).await.unwrap();
    assert!(read.has_authenticator && read.recovery_codes_left == 10);

    // A user set to Password only who added an app signs in with it too.
    assert_eq!(
        second_factor::method_for(&db, me.user_id, MfaMethod::None)
            .await
            .unwrap(),
        MfaMethod::Authenticator
    );
    assert_eq!(
        second_factor::method_for(&db, me.user_id, MfaMethod::Email)
            .await
            .unwrap(),
        MfaMethod::Email
    );
    let challenge = second_factor::start(&db, me.user_id, MfaMethod::Authenticator, NOW + 120)
        .await
        .unwrap();
    assert_eq!(
        second_factor::verify(
            &db,
            &challenge,
            &app_code(&first.secret_text, NOW + 120),
            NOW + 120
        )
        .await
        .unwrap(),
        me.user_id
    );

    // Replacing: a new secret is offered; the old app works until the new one is confirmed.
    let second = profile::offer_authenticator(&db, &me, NOW + 140)
        .await
        .unwrap();
    assert_ne!(second.secret_text, first.secret_text);
    assert!(authenticator::verify(
        &db,
        me.user_id,
        &app_code(&first.secret_text, NOW + 150),
        NOW + 150
    )
    .await
    .unwrap());
    let new_codes = confirm(&db, &me, &second.secret_text, NOW + 180)
        .await
        .unwrap();
    assert!(
        !authenticator::verify(
            &db,
            me.user_id,
            &app_code(&first.secret_text, NOW + 240),
            NOW + 240
        )
        .await
        .unwrap(),
        "the old app no longer works"
    );
    assert!(
        !authenticator::verify(&db, me.user_id, &codes[0], NOW + 240)
            .await
            .unwrap(),
        "nor the old recovery codes"
    );
    assert!(
        authenticator::verify(&db, me.user_id, &new_codes[0], NOW + 240)
            .await
            .unwrap()
    );
    // Nothing left pending: confirming again needs a new offer.
    assert!(matches!(
        confirm(&db, &me, &second.secret_text, NOW + 270).await,
        Err(AppError::Conflict(_))
    ));
    // An offer left 15 minutes is replaced by a new one.
    let third = profile::offer_authenticator(&db, &me, NOW + 300)
        .await
        .unwrap();
    let fourth = profile::offer_authenticator(&db, &me, NOW + 300 + 15 * 60)
        .await
        .unwrap();
    assert_ne!(third, fourth);
    assert!(matches!(
        confirm(&db, &me, &third.secret_text, NOW + 300 + 15 * 60).await,
        Err(AppError::BadRequest(_))
    ));
}

async fn new_recovery_codes(db: Db) {
    let me = signed_in(&db, "boss@example.com", 1).await;
    assert!(matches!(
        profile::regenerate_recovery_codes(&db, &me, &proof(PASSWORD), NOW).await,
        Err(AppError::Conflict(_))
    ));
    let setup = profile::offer_authenticator(&db, &me, NOW).await.unwrap();
    let old = confirm(&db, &me, &setup.secret_text, NOW).await.unwrap();
    let me = sessions::lookup(
        db.pool(),
        &sessions::create(db.pool(), me.user_id, &Origin::default(), NOW)
            .await
            .unwrap(),
        NOW,
        false,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(authenticator::verify(&db, me.user_id, &old[0], NOW)
        .await
        .unwrap());
    assert_eq!(
        profile::read(&db, &me, NOW)
            .await
            .unwrap()
            .recovery_codes_left,
        9
    );
    assert!(matches!(
        profile::regenerate_recovery_codes(&db, &me, &proof("wrong"), NOW).await,
        Err(AppError::BadRequest(_))
    ));
    // Two tabs at once end with one set of 10.
    let right = proof(PASSWORD);
    let (a, b) = tokio::join!(
        profile::regenerate_recovery_codes(&db, &me, &right, NOW),
        profile::regenerate_recovery_codes(&db, &me, &right, NOW)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        profile::read(&db, &me, NOW)
            .await
            .unwrap()
            .recovery_codes_left,
        10
    );
    let last = if authenticator::verify(&db, me.user_id, &a[1], NOW)
        .await
        .unwrap()
    {
        a
    } else {
        assert!(authenticator::verify(&db, me.user_id, &b[1], NOW)
            .await
            .unwrap());
        b
    };
    assert!(!authenticator::verify(&db, me.user_id, &old[1], NOW)
        .await
        .unwrap());
    assert!(authenticator::verify(&db, me.user_id, &last[2], NOW)
        .await
        .unwrap());
}

async fn own_sessions(db: Db) {
    let me = signed_in(&db, "boss@example.com", 3).await;
    let other = signed_in(&db, "other@example.com", 1).await;
    let read = profile::read(&db, &me, NOW + 20).await.unwrap();
    assert_eq!(read.sessions.len(), 3);
    assert_eq!(read.sessions.iter().filter(|s| s.current).count(), 1);
    let newest = &read.sessions[0];
    assert!(!newest.current && newest.client_address.as_deref() == Some("192.0.2.2"));
    assert_eq!(newest.device(), "Chrome on Linux");
    // Someone else's session is not theirs to end.
    assert!(matches!(
        profile::end_session(&db, &me, other.session_id).await,
        Err(AppError::NotFound(_))
    ));
    profile::end_session(&db, &me, newest.id).await.unwrap();
    assert_eq!(sessions_of(&db, me.user_id).await.len(), 2);
    assert_eq!(sessions_of(&db, other.user_id).await.len(), 1);
    // A session past its idle time is not listed.
    let idle_minutes: i64 =
        sqlx::query_scalar("SELECT idle_warning_minutes FROM users WHERE id = $1")
            .bind(me.user_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    let later = NOW + idle_minutes * 60 + sessions::IDLE_GRACE_SECONDS + 5;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(later)
        .bind(me.session_id)
        .execute(db.pool())
        .await
        .unwrap();
    let read = profile::read(&db, &me, later).await.unwrap();
    assert_eq!(read.sessions.len(), 1);
    assert!(read.sessions[0].current);
}
