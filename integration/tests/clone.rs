//! Clone user against real databases: what is copied, what never is, and what stops a save.

mod support;

use app::model::{InvitationStatus, MfaMethod, UserSettings, UserType};
use app::rules::{settings_copied_from, Field, IssueCode};
use app::server::context::Actor;
use app::server::users;
use app::server::Db;
use support::*;

const NOW: i64 = 1_700_000_000;
const BASE: &str = "http://app.example";

on_both_databases! {
    a_clone_has_the_sources_settings_and_roles_and_none_of_its_personal_data => clone_copies_settings;
    a_taken_email_rolls_the_clone_back_entirely => taken_email_rolls_back;
    a_source_deleted_before_saving_gives_a_clear_error_and_nothing_is_written => deleted_source;
}

fn berlin_settings() -> UserSettings {
    UserSettings {
        user_type: UserType::Privileged,
        site: "Berlin".into(),
        language: "de".into(),
        idle_warning_minutes: 15,
        notify_by_email: false,
        notify_by_sms: true,
        mfa_method: MfaMethod::Authenticator,
    }
}

async fn maria(db: &Db) -> i64 {
    let org = organization(db, "Acme").await;
    let requester = role_id(db, "Requester").await;
    let approver = role_id(db, "Approver").await;
    let mut input = end_user("maria@acme.example", org, vec![requester, approver]);
    input.first_name = "Maria".into();
    input.settings = berlin_settings();
    insert_user(db, input, Some("maria's own password")).await
}

async fn clone_copies_settings(db: Db) {
    let admin_id = admin(&db, "boss@example.com", "correct horse battery").await;
    let source_id = maria(&db).await;
    let source = users::get(db.pool(), source_id, NOW)
        .await
        .unwrap()
        .unwrap();
    let mut input = settings_copied_from(&source);
    input.first_name = "Nina".into();
    input.last_name = "New".into();
    input.email = "nina@acme.example".into();
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let id = users::create_copying(&db, &input, true, &actor, BASE, NOW, Some(source_id))
        .await
        .unwrap();
    let clone = users::get(db.pool(), id, NOW).await.unwrap().unwrap();
    assert_eq!(
        (clone.kind, clone.organization_id),
        (source.kind, source.organization_id)
    );
    assert_eq!(clone.role_ids, source.role_ids);
    assert_eq!(clone.settings, berlin_settings());
    assert_eq!(
        (
            clone.first_name.as_str(),
            clone.email.as_str(),
            clone.phone.as_deref()
        ),
        ("Nina", "nina@acme.example", None)
    );
    assert_eq!(clone.external_id, None);
    assert_eq!(clone.invitation, InvitationStatus::Pending);
    let password: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(password, None, "the password is never copied");
    let invitations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE user_id = $1")
            .bind(source_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(invitations, 0, "the source's invitations are untouched");
}

async fn taken_email_rolls_back(db: Db) {
    let admin_id = admin(&db, "boss@example.com", "correct horse battery").await;
    let source_id = maria(&db).await;
    let source = users::get(db.pool(), source_id, NOW)
        .await
        .unwrap()
        .unwrap();
    let mut input = settings_copied_from(&source);
    input.first_name = "Nina".into();
    input.last_name = "New".into();
    input.email = "MARIA@acme.example".into();
    let (users_before, links_before) = (count(&db, "users").await, count(&db, "user_roles").await);
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let error = users::create_copying(&db, &input, true, &actor, BASE, NOW, Some(source_id))
        .await
        .unwrap_err();
    assert_eq!(error.field_errors()[0].field, Field::Email);
    assert_eq!(error.field_errors()[0].code, IssueCode::EmailAlreadyUsed);
    assert_eq!(
        (count(&db, "users").await, count(&db, "user_roles").await),
        (users_before, links_before)
    );
    assert_eq!(count(&db, "invitations").await, 0);
    assert_eq!(count(&db, "email_outbox").await, 0);
}

async fn deleted_source(db: Db) {
    let admin_id = admin(&db, "boss@example.com", "correct horse battery").await;
    let source_id = maria(&db).await;
    let source = users::get(db.pool(), source_id, NOW)
        .await
        .unwrap()
        .unwrap();
    let mut input = settings_copied_from(&source);
    input.first_name = "Nina".into();
    input.last_name = "New".into();
    input.email = "nina@acme.example".into();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(source_id)
        .execute(db.pool())
        .await
        .unwrap();
    let users_before = count(&db, "users").await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let error = users::create_copying(&db, &input, true, &actor, BASE, NOW, Some(source_id))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("The user whose settings you are copying was not found"),
        "{error}"
    );
    assert_eq!(count(&db, "users").await, users_before);
    assert_eq!(count(&db, "email_outbox").await, 0);
}
