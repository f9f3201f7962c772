//! Users, roles, invitations and sessions against a real database (SQLite, and PostgreSQL when
//! TEST_DATABASE_URL is set).

mod support;

use app::error::AppError;
use app::model::{InvitationStatus, UserFilter, UserKind};
use app::rules::{Field, IssueCode};
use app::server::context::Actor;
use app::server::users;
use app::server::{cli, sessions, Db};
use support::*;

const NOW: i64 = 1_700_000_000;
const BASE: &str = "http://app.example";

on_both_databases! {
    adding_a_user_writes_the_user_roles_invitation_and_email_together => adding_a_user;
    a_taken_email_in_another_case_is_a_field_error_and_leaves_nothing => taken_email;
    a_user_added_without_invitation_is_not_invited => no_invitation;
    roles_for_the_wrong_kind_and_missing_organizations_are_refused => wrong_roles;
    changing_a_users_email_ends_their_sessions_but_a_name_change_does_not => email_change_ends_sessions;
    the_users_page_lists_roles_organization_and_status_by_name => listing;
    the_unique_index_refuses_a_duplicate_email_key_even_without_the_precheck => unique_index;
    create_admin_makes_a_registered_system_administrator_once => create_admin;
    demo_data_fills_organizations_and_users_once => demo_data;
    a_failed_write_rolls_back_everything_in_its_transaction => rollback;
    an_overlong_site_is_a_field_error_and_the_database_refuses_it_too => text_limits;
}

async fn actor(db: &Db) -> i64 {
    admin(db, "boss@example.com", "correct horse battery").await
}

async fn adding_a_user(db: Db) {
    let admin_id = actor(&db).await;
    let org = organization(&db, "Acme").await;
    let requester = role_id(&db, "Requester").await;
    let input = end_user("Maria@Example.com", org, vec![requester]);
    let id = users::create(
        &db,
        &input,
        true,
        &Actor {
            user_id: admin_id,
            display_name: "Boss Admin",
        },
        BASE,
        NOW,
    )
    .await
    .expect("created");
    let user = users::get(db.pool(), id, NOW).await.unwrap().unwrap();
    assert_eq!(user.email, "Maria@Example.com");
    assert_eq!(user.phone.as_deref(), Some("+18886678888"));
    assert_eq!(user.role_ids, vec![requester]);
    assert_eq!(user.invitation, InvitationStatus::Pending);
    assert_eq!(count(&db, "invitations").await, 1);
    // The outbox row keeps the recipient; the wording is stored once, as a template.
    let (to, name, body): (String, String, String) = sqlx::query_as(
        "SELECT o.to_address, o.recipient_name, t.body_text FROM email_outbox o \
         JOIN email_templates t ON t.id = o.template_id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(to, "Maria@Example.com");
    assert_eq!(name, "Erin User");
    assert!(body.contains("Boss Admin has invited you"), "{body}");
    assert!(body.contains("http://app.example/invite/"), "{body}");
    let expired = users::get(db.pool(), id, NOW + 24 * 3600)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(expired.invitation, InvitationStatus::Expired);
}

async fn taken_email(db: Db) {
    let admin_id = actor(&db).await;
    let org = organization(&db, "Acme").await;
    let requester = role_id(&db, "Requester").await;
    let who = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    users::create(
        &db,
        &end_user("maria@example.com", org, vec![requester]),
        true,
        &who,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    let users_before = count(&db, "users").await;
    let error = users::create(
        &db,
        &end_user("MARIA@example.COM", org, vec![requester]),
        true,
        &who,
        BASE,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(error.field_errors()[0].field, Field::Email);
    assert_eq!(error.field_errors()[0].code, IssueCode::EmailAlreadyUsed);
    assert_eq!(count(&db, "users").await, users_before);
    assert_eq!(count(&db, "invitations").await, 1);
    assert_eq!(count(&db, "email_outbox").await, 1);
}

async fn no_invitation(db: Db) {
    let admin_id = actor(&db).await;
    let id = users::create(
        &db,
        &technician("tech@example.com", vec![]),
        false,
        &Actor {
            user_id: admin_id,
            display_name: "B",
        },
        BASE,
        NOW,
    )
    .await
    .unwrap();
    let user = users::get(db.pool(), id, NOW).await.unwrap().unwrap();
    assert_eq!(user.kind, UserKind::Technician);
    assert_eq!(user.invitation, InvitationStatus::NotInvited);
    assert_eq!(count(&db, "email_outbox").await, 0);
}

async fn wrong_roles(db: Db) {
    let admin_id = actor(&db).await;
    let org = organization(&db, "Acme").await;
    let tech_role = role_id(&db, "Help Desk Technician").await;
    let who = Actor {
        user_id: admin_id,
        display_name: "B",
    };
    let error = users::create(
        &db,
        &end_user("e@example.com", org, vec![tech_role]),
        true,
        &who,
        BASE,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(error.field_errors()[0].code, IssueCode::RoleNotForKind);
    let requester = role_id(&db, "Requester").await;
    let error = users::create(
        &db,
        &end_user("e@example.com", 9999, vec![requester]),
        true,
        &who,
        BASE,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(error.field_errors()[0].field, Field::Organization);
    assert_eq!(count(&db, "users").await, 1);
}

async fn email_change_ends_sessions(db: Db) {
    let admin_id = actor(&db).await;
    let token = sessions::create(db.pool(), admin_id, &Default::default(), NOW)
        .await
        .unwrap();
    let mut input = users::get(db.pool(), admin_id, NOW)
        .await
        .unwrap()
        .map(|u| support::technician(&u.email, u.role_ids))
        .unwrap();
    input.first_name = "Renamed".into();
    users::update(&db, admin_id, &input, &actor_named(admin_id), BASE, NOW)
        .await
        .unwrap();
    assert!(sessions::lookup(db.pool(), &token, NOW + 1, false)
        .await
        .unwrap()
        .is_some());
    input.email = "new-boss@example.com".into();
    users::update(&db, admin_id, &input, &actor_named(admin_id), BASE, NOW)
        .await
        .unwrap();
    assert!(sessions::lookup(db.pool(), &token, NOW + 1, false)
        .await
        .unwrap()
        .is_none());
}

async fn listing(db: Db) {
    let admin_id = actor(&db).await;
    let org = organization(&db, "Globex").await;
    let requester = role_id(&db, "Requester").await;
    let approver = role_id(&db, "Approver").await;
    let mut zed = end_user("zed@example.com", org, vec![requester, approver]);
    zed.last_name = "Zulu".into();
    users::create(
        &db,
        &zed,
        true,
        &Actor {
            user_id: admin_id,
            display_name: "B",
        },
        BASE,
        NOW,
    )
    .await
    .unwrap();
    let everyone = UserFilter::default();
    let (page, total) = users::list(&db, &everyone, NOW).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(page[0].last_name, "Tech");
    assert_eq!(page[0].invitation, InvitationStatus::Registered);
    assert_eq!(page[0].roles, vec!["System Administrator".to_string()]);
    assert_eq!(page[1].organization.as_deref(), Some("Globex"));
    assert_eq!(
        page[1].roles,
        vec!["Approver".to_string(), "Requester".to_string()]
    );
    assert_eq!(page[1].invitation, InvitationStatus::Pending);
    let in_org = UserFilter {
        organization_id: Some(org),
        ..UserFilter::default()
    };
    let (only_org, total) = users::list(&db, &in_org, NOW).await.unwrap();
    assert_eq!((only_org.len(), total), (1, 1));
}

async fn unique_index(db: Db) {
    insert_user(&db, technician("dup@example.com", vec![]), None).await;
    let fields = app::rules::validate_user_fields(
        &technician("DUP@example.com", vec![]),
        &known_roles(&db).await,
    )
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let error = app::server::user_store::insert(
        &mut tx,
        app::server::user_store::NewUser::from_form(fields, None),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(app::server::db::is_unique_violation(&error), "{error}");
}

async fn create_admin(db: Db) {
    let password = cli::create_admin(&db, "root@example.com", "Root", "Admin", None)
        .await
        .unwrap()
        .unwrap();
    assert!(password.len() >= 12);
    assert!(cli::any_admin_exists(&db).await.unwrap());
    let (page, _) = users::list(&db, &UserFilter::default(), NOW).await.unwrap();
    assert_eq!(page[0].invitation, InvitationStatus::Registered);
    assert!(
        cli::create_admin(&db, "ROOT@example.com", "Root", "Admin", None)
            .await
            .is_err()
    );
    assert!(
        cli::create_admin(&db, "x@example.com", "X", "Y", Some("short".into()))
            .await
            .is_err()
    );
}

async fn demo_data(db: Db) {
    let added = cli::demo_data(&db).await.unwrap();
    assert!(added >= 9, "{added}");
    assert_eq!(cli::demo_data(&db).await.unwrap(), 0);
    assert_eq!(count(&db, "organizations").await, 3);
}

async fn rollback(db: Db) {
    let admin_id = actor(&db).await;
    let fields = app::rules::validate_user_fields(
        &technician("a@example.com", vec![]),
        &known_roles(&db).await,
    )
    .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    app::server::user_store::insert(
        &mut tx,
        app::server::user_store::NewUser::from_form(fields, None),
        NOW,
    )
    .await
    .unwrap();
    // Sabotage: a role link to a role that does not exist violates the foreign key.
    let broken = sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, 424242)")
        .bind(admin_id)
        .execute(&mut **tx)
        .await;
    assert!(broken.is_err());
    drop(tx);
    assert_eq!(count(&db, "users").await, 1);
    let _ = AppError::Forbidden;
}

async fn text_limits(db: Db) {
    let admin_id = actor(&db).await;
    let org = organization(&db, "Acme").await;
    let requester = role_id(&db, "Requester").await;
    let who = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let mut input = end_user("long@example.com", org, vec![requester]);
    input.settings.site = "s".repeat(1_000_000);
    let error = users::create(&db, &input, false, &who, BASE, NOW)
        .await
        .unwrap_err();
    assert!(
        error
            .field_errors()
            .iter()
            .any(|e| e.field == Field::Site && e.code == IssueCode::SiteTooLong),
        "{error:?}"
    );
    assert_eq!(error.status(), 422);
    // A path that skipped the rules still meets the schema's limit.
    let id = insert_user(
        &db,
        end_user("short@example.com", org, vec![requester]),
        None,
    )
    .await;
    for (column, value) in [
        ("site", "s".repeat(101)),
        ("language", "l".repeat(17)),
        ("first_name", "f".repeat(151)),
    ] {
        let refused = sqlx::query(&format!("UPDATE users SET {column} = $1 WHERE id = $2"))
            .bind(&value)
            .bind(id)
            .execute(db.pool())
            .await;
        assert!(refused.is_err(), "{column}");
    }
    sqlx::query("UPDATE users SET site = $1 WHERE id = $2")
        .bind("s".repeat(100))
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
}
