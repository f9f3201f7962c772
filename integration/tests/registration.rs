//! What registration asks besides a password, with a chosen clock: the emailed code of a user
//! whose sign-in security is Email code, and a phone number for a user without one. Runs on
//! SQLite and, when configured, PostgreSQL.

mod support;

use app::error::AppError;
use app::model::{InvitationState, MfaMethod};
use app::server::acceptance::{self, Answers};
use app::server::invitations::Purpose;
use app::server::{registration_code, users, Db};
use support::*;

const SENT: i64 = 1_800_000_000;
const PASSWORD: &str = "a long enough password";

on_both_databases! {
    an_email_code_user_registers_only_with_the_emailed_code => email_code_registration;
    registrations_code_expires_after_ten_minutes_is_sent_once_a_minute_and_an_invitation_takes_five_wrong_codes_in_all => email_code_limits;
    registration_asks_for_a_phone_only_when_missing_and_checks_it_by_the_import_rule => phone_at_registration;
}

/// The first technician, invited at SENT by a new admin: their id and token.
async fn invited(db: &Db, method: MfaMethod, phone: &str) -> (i64, String) {
    admin(db, "boss@example.com", "correct horse battery").await;
    invite(db, "tess@example.com", method, phone).await
}

/// A technician invited at SENT by the admin, with the given sign-in security and phone:
/// their id and the token from the invitation email.
async fn invite(db: &Db, email: &str, method: MfaMethod, phone: &str) -> (i64, String) {
    let admin_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email_key = 'boss@example.com'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    let mut input = technician(email, vec![]);
    input.settings.mfa_method = method;
    input.phone = phone.into();
    let id = users::create(
        db,
        &input,
        true,
        &actor_named(admin_id),
        "http://app.example",
        SENT,
    )
    .await
    .unwrap();
    let mail = deliver_locally(db, SENT).await;
    (id, token_in(&mail[0].1, "invite"))
}

async fn accept(
    db: &Db,
    token: &str,
    code: Option<&str>,
    phone: Option<&str>,
    at: i64,
) -> Result<(), AppError> {
    let answers = Answers {
        password: PASSWORD,
        code,
        phone,
    };
    acceptance::accept_with(db, token, Purpose::Invitation, &answers, at)
        .await
        .map(|_| ())
}

/// The code in the latest registration email.
async fn emailed_code(db: &Db, at: i64) -> String {
    let mail = deliver_locally(db, at).await;
    let body = &mail.last().expect("a registration email").1;
    body.split("registration code is ")
        .nth(1)
        .map(|rest| rest.chars().take(6).collect())
        .unwrap_or_else(|| panic!("no code in {body}"))
}

async fn email_code_registration(db: Db) {
    let (_, token) = invited(&db, MfaMethod::Email, "").await;
    let InvitationState::Valid {
        email_code_to,
        authenticator,
        ..
    } = acceptance::state(&db, &token, Purpose::Invitation, SENT + 10)
        .await
        .unwrap()
    else {
        panic!("invitation not valid");
    };
    assert_eq!(email_code_to.as_deref(), Some("t•••@example.com"));
    assert!(authenticator.is_none());
    // Without a code (none sent yet, or none typed) registration does not happen.
    assert!(matches!(
        accept(&db, &token, None, None, SENT + 20).await,
        Err(AppError::BadRequest(message)) if message == registration_code::MISSING
    ));
    assert!(matches!(
        accept(&db, &token, Some("123456"), None, SENT + 20).await,
        Err(AppError::BadRequest(message)) if message == registration_code::MISSING
    ));
    acceptance::send_registration_code(&db, &token, SENT + 30)
        .await
        .unwrap();
    let code = emailed_code(&db, SENT + 30).await;
    assert!(matches!(
        accept(&db, &token, None, None, SENT + 40).await,
        Err(AppError::BadRequest(message)) if message == registration_code::MISSING
    ));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        accept(&db, &token, Some(wrong), None, SENT + 40).await,
        Err(AppError::BadRequest(_))
    ));
    accept(&db, &token, Some(&code), None, SENT + 50)
        .await
        .unwrap();
    assert_eq!(
        acceptance::state(&db, &token, Purpose::Invitation, SENT + 60)
            .await
            .unwrap(),
        InvitationState::Used
    );
    let kept: Option<String> =
        sqlx::query_scalar("SELECT email_code_hash FROM invitations WHERE user_id = (SELECT id FROM users WHERE email_key = 'tess@example.com')")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(kept.is_none(), "the code was spent");
    // A user whose security is not Email code has no emailed code to ask for.
    let (_, other) = invite(&db, "ned@example.com", MfaMethod::None, "").await;
    assert!(matches!(
        acceptance::send_registration_code(&db, &other, SENT + 10).await,
        Err(AppError::BadRequest(_))
    ));
}

async fn tries_used(db: &Db) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(email_code_tries AS BIGINT) FROM invitations ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
}

async fn email_code_limits(db: Db) {
    let (_, token) = invited(&db, MfaMethod::Email, "").await;
    acceptance::send_registration_code(&db, &token, SENT)
        .await
        .unwrap();
    let first = emailed_code(&db, SENT).await;
    let wrong = |code: &str| {
        if code == "000000" {
            "111111".to_string()
        } else {
            "000000".to_string()
        }
    };
    // Once a minute.
    assert!(matches!(
        acceptance::send_registration_code(&db, &token, SENT + 59).await,
        Err(AppError::TooManyRequests { .. })
    ));
    for i in 0..2 {
        assert!(matches!(
            accept(&db, &token, Some(&wrong(&first)), None, SENT + 10 + i).await,
            Err(AppError::BadRequest(message)) if message == registration_code::WRONG
        ));
    }
    assert_eq!(tries_used(&db).await, 2);
    // A new code does not bring new tries; the old code stops working.
    acceptance::send_registration_code(&db, &token, SENT + 60)
        .await
        .unwrap();
    let second = emailed_code(&db, SENT + 60).await;
    if second != first {
        assert!(accept(&db, &token, Some(&first), None, SENT + 61)
            .await
            .is_err());
        assert_eq!(tries_used(&db).await, 3);
    }
    let used = tries_used(&db).await;
    // Ten minutes later it has expired (no try spent on it).
    assert!(matches!(
        accept(&db, &token, Some(&second), None, SENT + 60 + 600).await,
        Err(AppError::Conflict(message)) if message == registration_code::EXPIRED
    ));
    assert_eq!(tries_used(&db).await, used);
    // No code typed spends nothing either.
    assert!(matches!(
        accept(&db, &token, None, None, SENT + 60 + 601).await,
        Err(AppError::BadRequest(message)) if message == registration_code::MISSING
    ));
    assert_eq!(tries_used(&db).await, used);
    acceptance::send_registration_code(&db, &token, SENT + 700)
        .await
        .unwrap();
    let third = emailed_code(&db, SENT + 700).await;
    accept(&db, &token, Some(&third), None, SENT + 700 + 599)
        .await
        .unwrap();

    // Another invitation: five wrong codes in all, across new codes, and it takes no more,
    // not even the right one; and it sends five codes at most.
    let (_, token) = invite(&db, "guess@example.com", MfaMethod::Email, "").await;
    let mut code = String::new();
    for round in 0..5i64 {
        let at = SENT + 1_000 + round * 60;
        acceptance::send_registration_code(&db, &token, at)
            .await
            .unwrap();
        code = emailed_code(&db, at).await;
        assert!(accept(&db, &token, Some(&wrong(&code)), None, at + 1)
            .await
            .is_err());
    }
    assert!(matches!(
        accept(&db, &token, Some(&code), None, SENT + 1_400).await,
        Err(AppError::Conflict(message)) if message == registration_code::SPENT
    ));
    assert!(matches!(
        acceptance::send_registration_code(&db, &token, SENT + 2_000).await,
        Err(AppError::Conflict(_))
    ));
}

async fn phone_at_registration(db: Db) {
    let (id, token) = invited(&db, MfaMethod::None, "").await;
    let asks = |at| {
        let (db, token) = (db.clone(), token.clone());
        async move {
            match acceptance::state(&db, &token, Purpose::Invitation, at)
                .await
                .unwrap()
            {
                InvitationState::Valid { asks_phone, .. } => asks_phone,
                other => panic!("{other:?}"),
            }
        }
    };
    assert!(asks(SENT + 1).await);
    for bad in ["888 667 8888", "+1 555 0100", "+44 20 79"] {
        assert!(
            matches!(accept(&db, &token, None, Some(bad), SENT + 2).await, Err(AppError::BadRequest(message)) if message.starts_with("Phone: ")),
            "{bad}"
        );
    }
    // Excel's apostrophe and spacing are taken, stored as E.164.
    accept(&db, &token, None, Some("'+1 888 667 8888"), SENT + 3)
        .await
        .unwrap();
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(phone.as_deref(), Some("+18886678888"));

    // Someone who has a phone is not asked, and a phone sent anyway changes nothing.
    let (pat, pat_token) =
        invite(&db, "pat@example.com", MfaMethod::None, "+44 20 7946 0958").await;
    match acceptance::state(&db, &pat_token, Purpose::Invitation, SENT + 1)
        .await
        .unwrap()
    {
        InvitationState::Valid { asks_phone, .. } => assert!(!asks_phone),
        other => panic!("{other:?}"),
    }
    accept(&db, &pat_token, None, Some("+1 888 667 8888"), SENT + 2)
        .await
        .unwrap();
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(pat)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(phone.as_deref(), Some("+442079460958"));
}
