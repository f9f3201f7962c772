//! Sign-in security "Authenticator app" through the services with a chosen clock: the setup
//! offered on the invitation, registration only with a right code, recovery codes, and the
//! sign-in's second step (one step of drift, no replay, recovery codes once). Runs on SQLite
//! and, when configured, PostgreSQL.

mod support;

use app::error::AppError;
use app::model::{InvitationState, MfaMethod};
use app::server::acceptance::Answers;
use app::server::context::Actor;
use app::server::invitations::Purpose;
use app::server::{acceptance, sealing, second_factor, users, Db};
use support::*;
use totp_rs::{Algorithm, Secret, TOTP};

const SENT: i64 = 1_800_000_000;
const PASSWORD: &str = "tess has a long password";

on_both_databases! {
    registration_sets_up_the_authenticator_only_with_a_right_code_and_gives_recovery_codes => registration;
    sign_in_takes_a_current_code_once_or_a_recovery_code_once => second_step;
    a_user_set_to_authenticator_without_one_is_sent_an_email_code_meanwhile => not_set_up;
    an_admin_reset_drops_the_authenticator_and_recovery_codes_and_ends_every_session => reset;
}

/// A technician whose sign-in security is Authenticator app, invited at SENT: their id and
/// the invitation's token.
async fn invited(db: &Db) -> (i64, String) {
    let admin_id = admin(db, "boss@example.com", "correct horse battery").await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let mut input = technician("tess@example.com", vec![]);
    input.settings.mfa_method = MfaMethod::Authenticator;
    let id = users::create(db, &input, true, &actor, "http://app.example", SENT)
        .await
        .unwrap();
    let mail = deliver_locally(db, SENT).await;
    (id, token_in(&mail[0].1, "invite"))
}

fn base64_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bytes
        .chunks(3)
        .flat_map(|chunk| {
            let n = chunk.iter().fold(0u32, |n, b| (n << 8) | *b as u32) << (8 * (3 - chunk.len()));
            (0..=chunk.len()).map(move |i| ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char)
        })
        .collect()
}

fn app_code(secret_text: &str, at: i64) -> String {
    let secret = Secret::Encoded(secret_text.to_string()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret, None, "x".into()).generate(at as u64)
}

/// Registers through the authenticator setup; returns the secret and the recovery codes.
async fn register(db: &Db, token: &str, at: i64) -> (String, Vec<String>) {
    let InvitationState::Valid {
        authenticator: Some(setup),
        ..
    } = acceptance::state(db, token, Purpose::Invitation, at)
        .await
        .unwrap()
    else {
        panic!("no authenticator setup offered");
    };
    let code = app_code(&setup.secret_text, at);
    let done = acceptance::accept_with(
        db,
        token,
        Purpose::Invitation,
        &Answers {
            password: PASSWORD,
            code: Some(&code),
            phone: None,
        },
        at,
    )
    .await
    .unwrap();
    (setup.secret_text, done.recovery_codes)
}

async fn registration(db: Db) {
    let (id, token) = invited(&db).await;
    let setup = |at| {
        let db = db.clone();
        let token = token.clone();
        async move {
            match acceptance::state(&db, &token, Purpose::Invitation, at)
                .await
                .unwrap()
            {
                InvitationState::Valid { authenticator, .. } => authenticator.unwrap(),
                other => panic!("{other:?}"),
            }
        }
    };
    let first = setup(SENT + 10).await;
    // A reload shows the same secret: the app already scanned keeps working.
    assert_eq!(setup(SENT + 20).await, first);
    let sealed: String =
        sqlx::query_scalar("SELECT totp_secret FROM invitations WHERE user_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    let secret = Secret::Encoded(first.secret_text.clone())
        .to_bytes()
        .unwrap();
    assert_eq!(
        sealing::open(&sealed),
        Some(secret.clone()),
        "sealed with the key"
    );
    assert!(!sealed.contains(&first.secret_text), "kept sealed");
    assert!(!sealed.contains(&base64_of(&secret)), "not merely encoded");

    let at = SENT + 60;
    let accept = |code: Option<String>| {
        let db = db.clone();
        let token = token.clone();
        async move {
            acceptance::accept_with(
                &db,
                &token,
                Purpose::Invitation,
                &Answers {
                    password: PASSWORD,
                    code: code.as_deref(),
                    phone: None,
                },
                at,
            )
            .await
        }
    };
    assert!(matches!(accept(None).await, Err(AppError::BadRequest(_))));
    let stale = app_code(&first.secret_text, at - 90);
    assert!(matches!(
        accept(Some(stale)).await,
        Err(AppError::BadRequest(_))
    ));
    // Nothing was spent by the refusals.
    assert!(matches!(
        acceptance::state(&db, &token, Purpose::Invitation, at)
            .await
            .unwrap(),
        InvitationState::Valid { .. }
    ));
    let done = accept(Some(app_code(&first.secret_text, at)))
        .await
        .unwrap();
    assert_eq!(done.recovery_codes.len(), 10);
    let distinct: std::collections::HashSet<_> = done.recovery_codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    let (kept, hashes): (Option<String>, i64) = (
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND code_hash NOT LIKE '%-%'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap(),
    );
    assert!(kept.is_some_and(|k| !k.contains(&first.secret_text)));
    assert_eq!(hashes, 10);
    assert_eq!(
        acceptance::state(&db, &token, Purpose::Invitation, at)
            .await
            .unwrap(),
        InvitationState::Used
    );
}

async fn second_step(db: Db) {
    let (id, token) = invited(&db).await;
    let (secret, recovery) = register(&db, &token, SENT + 60).await;
    // Registration's code was spent: the same code at once does not sign in.
    let c = second_factor::start(&db, id, MfaMethod::Authenticator, SENT + 61)
        .await
        .unwrap();
    assert!(matches!(
        second_factor::verify(&db, &c, &app_code(&secret, SENT + 60), SENT + 61).await,
        Err(AppError::BadRequest(_))
    ));
    // Codes sent at once compare at most 5 between them.
    let attempts = (0..8).map(|i| {
        let (db, c) = (db.clone(), c.clone());
        async move { second_factor::verify(&db, &c, &format!("00000{i}"), SENT + 61).await }
    });
    let answers = futures::future::join_all(attempts).await;
    assert!(answers.iter().all(Result::is_err));
    let tries: i64 = sqlx::query_scalar("SELECT tries FROM sign_in_challenges WHERE user_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(tries, 5);
    let spent = answers
        .iter()
        .filter(|a| matches!(a, Err(AppError::Conflict(_))))
        .count();
    assert!(spent >= 4, "{answers:?}");
    let now = SENT + 600;
    let challenge = || {
        let db = db.clone();
        async move {
            second_factor::start(&db, id, MfaMethod::Authenticator, now)
                .await
                .unwrap()
        }
    };
    // No email: the code comes from the app.
    let emails = count(&db, "email_outbox").await;
    let c = challenge().await;
    assert_eq!(count(&db, "email_outbox").await, emails);
    let code = app_code(&secret, now);
    assert_eq!(
        second_factor::verify(&db, &c, &code, now).await.unwrap(),
        id
    );
    // The same code again (a replay, even on a new sign-in) is refused.
    let c = challenge().await;
    assert!(matches!(
        second_factor::verify(&db, &c, &code, now).await,
        Err(AppError::BadRequest(_))
    ));
    // One step ahead (a fast phone clock) is taken; two steps away is not.
    assert!(matches!(
        second_factor::verify(&db, &c, &app_code(&secret, now + 60), now).await,
        Err(AppError::BadRequest(_))
    ));
    assert_eq!(
        second_factor::verify(&db, &c, &app_code(&secret, now + 30), now)
            .await
            .unwrap(),
        id
    );
    // A recovery code works once, typed in any case.
    let c = challenge().await;
    assert_eq!(
        second_factor::verify(&db, &c, &recovery[3].to_uppercase(), now)
            .await
            .unwrap(),
        id
    );
    let c = challenge().await;
    assert!(matches!(
        second_factor::verify(&db, &c, &recovery[3], now).await,
        Err(AppError::BadRequest(_))
    ));
    assert_eq!(
        second_factor::verify(&db, &c, &recovery[4], now)
            .await
            .unwrap(),
        id
    );
}

async fn not_set_up(db: Db) {
    let admin_id = admin(&db, "boss@example.com", "correct horse battery").await;
    sqlx::query("UPDATE users SET mfa_method = 'authenticator' WHERE id = $1")
        .bind(admin_id)
        .execute(db.pool())
        .await
        .unwrap();
    let emails = count(&db, "email_outbox").await;
    let token = second_factor::start(&db, admin_id, MfaMethod::Authenticator, SENT)
        .await
        .unwrap();
    assert_eq!(count(&db, "email_outbox").await, emails + 1);
    let view = second_factor::view(&db, &token, SENT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.method, MfaMethod::Email);
}

async fn reset(db: Db) {
    let (id, token) = invited(&db).await;
    let (_, recovery) = register(&db, &token, SENT + 60).await;
    app::server::sessions::create(db.pool(), id, &Default::default(), SENT + 100)
        .await
        .unwrap();
    let pending = second_factor::start(&db, id, MfaMethod::Authenticator, SENT + 100)
        .await
        .unwrap();
    let boss: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email_key = 'boss@example.com'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    app::server::authenticator::reset(&db, id, boss)
        .await
        .unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    assert_eq!(count(&db, "recovery_codes").await, 0);
    assert!(!app::server::authenticator::is_set_up(&db, id)
        .await
        .unwrap());
    assert!(second_factor::view(&db, &pending, SENT + 101)
        .await
        .unwrap()
        .is_none());
    let detail = users::get(db.pool(), id, SENT + 101)
        .await
        .unwrap()
        .unwrap();
    assert!(!detail.has_authenticator);
    // Until they set one up again, sign-in asks for an emailed code; the old recovery codes
    // are gone.
    let next = second_factor::start(&db, id, MfaMethod::Authenticator, SENT + 200)
        .await
        .unwrap();
    let view = second_factor::view(&db, &next, SENT + 200)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.method, MfaMethod::Email);
    assert!(second_factor::verify(&db, &next, &recovery[0], SENT + 200)
        .await
        .is_err());
    assert!(matches!(
        app::server::authenticator::reset(&db, 999_999, boss).await,
        Err(AppError::NotFound(_))
    ));
}
