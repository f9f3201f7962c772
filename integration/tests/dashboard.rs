//! The Invitations dashboard's queries against real databases: counts per status, filters,
//! search, sort and pagination tell the truth as invitations are sent, accepted and revoked.

mod support;

use app::model::{InvitationStatus, UserFilter, UserKind, UserSort};
use app::server::invitations::Purpose;
use app::server::{acceptance, invitation_actions, invitation_dashboard, users, Db};
use support::*;

const NOW: i64 = 1_700_000_000;
const DAY: i64 = 24 * 3600;
const BASE: &str = "http://app.example";

on_both_databases! {
    the_dashboard_counts_filters_searches_and_sorts_by_invitation_status => dashboard;
}

async fn add(db: &Db, admin: i64, input: app::rules::UserFieldsInput, invite: bool) -> i64 {
    users::create(db, &input, invite, &actor_named(admin), BASE, NOW)
        .await
        .unwrap()
}

fn named(
    mut input: app::rules::UserFieldsInput,
    first: &str,
    last: &str,
) -> app::rules::UserFieldsInput {
    input.first_name = first.into();
    input.last_name = last.into();
    input
}

async fn dashboard(db: Db) {
    let admin = admin(&db, "boss@example.com", "correct horse battery").await;
    let acme = organization(&db, "Acme").await;
    let requester = role_id(&db, "Requester").await;
    let accepted = add(
        &db,
        admin,
        named(technician("zoe@example.com", vec![]), "Zoe", "Able"),
        true,
    )
    .await;
    let _pending = add(
        &db,
        admin,
        named(
            end_user("bob@acme.example", acme, vec![requester]),
            "Bob",
            "Baker",
        ),
        true,
    )
    .await;
    let revoked = add(
        &db,
        admin,
        named(
            end_user("cy@acme.example", acme, vec![requester]),
            "Cy",
            "Cole",
        ),
        true,
    )
    .await;
    let never = add(
        &db,
        admin,
        named(technician("dee@example.com", vec![]), "Dee", "Dunn"),
        false,
    )
    .await;
    // Three invitation emails wait for the sender; once it ran, none.
    let waiting = |db: Db| async move {
        invitation_dashboard::page(&db, &UserFilter::default(), NOW)
            .await
            .unwrap()
            .emails_waiting
    };
    assert_eq!(waiting(db.clone()).await, 3);
    let mail = deliver_locally(&db, NOW).await;
    assert_eq!(waiting(db.clone()).await, 0);
    let zoe_token = mail
        .iter()
        .find(|(to, _)| to == "zoe@example.com")
        .map(|(_, body)| token_in(body, "invite"))
        .unwrap();
    acceptance::accept(
        &db,
        &zoe_token,
        Purpose::Invitation,
        "a long enough password",
        NOW + 10,
    )
    .await
    .unwrap();
    invitation_actions::revoke(&db, &actor_named(admin), &[revoked], NOW + 20)
        .await
        .unwrap();
    let page = |filter: UserFilter, now: i64| {
        let db = db.clone();
        async move { invitation_dashboard::page(&db, &filter, now).await.unwrap() }
    };

    let all = page(UserFilter::default(), NOW + 30).await;
    assert_eq!(all.total, 5);
    // The admin and Zoe registered, Bob pending, Cy revoked and Dee never invited.
    assert_eq!(
        (
            all.counts.registered,
            all.counts.pending,
            all.counts.not_invited,
            all.counts.expired
        ),
        (2, 1, 2, 0)
    );
    let names: Vec<&str> = all.users.iter().map(|u| u.last_name.as_str()).collect();
    assert_eq!(names, ["Able", "Baker", "Cole", "Dunn", "Tech"]);
    let bob = all.users.iter().find(|u| u.last_name == "Baker").unwrap();
    assert_eq!(bob.time_left.as_deref(), Some("23 h 59 min left"));

    // A day later Bob's invitation has expired; the counts and the filter agree.
    let later = NOW + DAY + 1;
    let expired = page(
        UserFilter {
            status: Some(InvitationStatus::Expired),
            ..Default::default()
        },
        later,
    )
    .await;
    assert_eq!(expired.counts.expired, 1);
    assert_eq!(expired.total, 1);
    assert_eq!(expired.users[0].email, "bob@acme.example");
    assert_eq!(expired.users[0].invitation, InvitationStatus::Expired);

    let end_users_of_acme = page(
        UserFilter {
            kind: Some(UserKind::EndUser),
            organization_id: Some(acme),
            status: Some(InvitationStatus::NotInvited),
            ..Default::default()
        },
        later,
    )
    .await;
    assert_eq!(end_users_of_acme.users.len(), 1);
    assert_eq!(end_users_of_acme.users[0].id, revoked);

    // Search by email or by full name, either order; % is not a wildcard.
    for (search, expect) in [
        ("ACME.example", 2),
        ("zoe able", 1),
        ("able zoe", 1),
        ("%", 0),
    ] {
        let found = page(
            UserFilter {
                search: search.into(),
                ..Default::default()
            },
            later,
        )
        .await;
        assert_eq!(found.total, expect, "search {search:?}");
    }

    let by_email_desc = page(
        UserFilter {
            sort: UserSort::Email,
            descending: true,
            ..Default::default()
        },
        later,
    )
    .await;
    assert_eq!(by_email_desc.users[0].email, "zoe@example.com");

    // Past the last page: nothing listed, the total still right.
    let beyond = page(
        UserFilter {
            page: 3,
            ..Default::default()
        },
        later,
    )
    .await;
    assert!(beyond.users.is_empty());
    assert_eq!(beyond.total, 5);
    // An edited name is found by its new spelling.
    let renamed = named(technician("dee@example.com", vec![]), "Dora", "Dunn");
    users::update(&db, never, &renamed, &actor_named(admin), BASE, later)
        .await
        .unwrap();
    let found = page(
        UserFilter {
            search: "dora dunn".into(),
            ..Default::default()
        },
        later,
    )
    .await;
    assert_eq!(found.total, 1);
    let zoe = users::get(db.pool(), accepted, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(zoe.invitation, InvitationStatus::Registered);
}
