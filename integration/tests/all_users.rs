//! All users against real databases: search by any part of a name (either order) or an email,
//! with `%` and `_` typed literally; filters by kind, organization, role and status; every sort;
//! and deep pages that never overlap.

mod support;

use app::model::{InvitationStatus, UserFilter, UserKind, UserSort, UserSummary};
use app::server::{user_query, users, Db};
use std::collections::HashSet;
use support::*;

const NOW: i64 = 1_700_000_000;

on_both_databases! {
    all_users_searches_filters_sorts_and_pages_through_everyone => all_users;
}

async fn list(db: &Db, filter: UserFilter) -> (Vec<UserSummary>, i64) {
    users::list(db.pool(), &filter, NOW).await.unwrap()
}

fn emails(users: &[UserSummary]) -> Vec<&str> {
    users.iter().map(|u| u.email.as_str()).collect()
}

async fn all_users(db: Db) {
    let acme = organization(&db, "Acme").await;
    let globex = organization(&db, "Globex").await;
    let requester = role_id(&db, "Requester").await;
    let approver = role_id(&db, "Approver").await;
    let admin_role = role_id(&db, "System Administrator").await;
    // 120 end users over two organizations, every third an Approver too.
    for i in 0..120 {
        let (org, domain) = if i % 2 == 0 {
            (acme, "acme.example")
        } else {
            (globex, "globex.example")
        };
        let roles = if i % 3 == 0 {
            vec![requester, approver]
        } else {
            vec![requester]
        };
        let mut input = end_user(&format!("person{i:03}@{domain}"), org, roles);
        input.first_name = "Pat".into();
        input.last_name = format!("Number{}", letters(i));
        insert_user(&db, input, None).await;
    }
    let mut ann = technician("ann_smith@example.com", vec![admin_role]);
    ann.first_name = "Ann".into();
    ann.last_name = "Smith".into();
    insert_user(&db, ann, Some("a long enough password")).await;
    let mut lookalike = technician("annxsmith@example.com", vec![]);
    lookalike.first_name = "Annabel".into();
    lookalike.last_name = "Smithers".into();
    insert_user(&db, lookalike, None).await;

    let (first, total) = list(&db, UserFilter::default()).await;
    assert_eq!((first.len() as i64, total), (user_query::PAGE_SIZE, 122));

    // Search: any part of either name order or the email, any case.
    let search = |text: &str| UserFilter {
        search: text.into(),
        ..UserFilter::default()
    };
    for text in ["ann smith", "SMITH ANN", "n smi", "ann_smith@"] {
        let (found, total) = list(&db, search(text)).await;
        assert_eq!(
            (emails(&found), total),
            (vec!["ann_smith@example.com"], 1),
            "{text:?}"
        );
    }
    let (both, _) = list(&db, search("ann")).await;
    assert_eq!(both.len(), 2);
    // `_` and `%` are characters, not wildcards.
    let (literal, _) = list(&db, search("ann_")).await;
    assert_eq!(emails(&literal), ["ann_smith@example.com"]);
    assert_eq!(list(&db, search("%")).await.1, 0);
    assert_eq!(list(&db, search("@globex.example")).await.1, 60);

    // Filters, alone and together.
    let (approvers, total) = list(
        &db,
        UserFilter {
            role_id: Some(approver),
            ..UserFilter::default()
        },
    )
    .await;
    assert_eq!(total, 40);
    assert!(approvers
        .iter()
        .all(|u| u.roles.contains(&"Approver".into())));
    let narrowed = UserFilter {
        role_id: Some(approver),
        organization_id: Some(globex),
        kind: Some(UserKind::EndUser),
        status: Some(InvitationStatus::NotInvited),
        ..UserFilter::default()
    };
    let (found, total) = list(&db, narrowed.clone()).await;
    assert_eq!(total, 20);
    assert!(found
        .iter()
        .all(|u| u.organization.as_deref() == Some("Globex")));
    assert_eq!(
        list(
            &db,
            UserFilter {
                status: Some(InvitationStatus::Registered),
                ..narrowed
            }
        )
        .await
        .1,
        0
    );
    let (registered, _) = list(
        &db,
        UserFilter {
            status: Some(InvitationStatus::Registered),
            ..UserFilter::default()
        },
    )
    .await;
    assert_eq!(emails(&registered), ["ann_smith@example.com"]);

    // Every sort, both ways, orders the whole list by that column.
    let sorted = |sort: UserSort, descending: bool| UserFilter {
        sort,
        descending,
        ..UserFilter::default()
    };
    let (by_email, _) = list(&db, sorted(UserSort::Email, true)).await;
    assert_eq!(by_email[0].email, "person119@globex.example");
    let (by_kind, _) = list(&db, sorted(UserSort::Kind, true)).await;
    assert_eq!(by_kind[0].kind, UserKind::Technician);
    let (by_org, _) = list(&db, sorted(UserSort::Organization, false)).await;
    assert!(by_org
        .iter()
        .all(|u| u.organization.as_deref() == Some("Acme")));
    let (by_org_desc, _) = list(&db, sorted(UserSort::Organization, true)).await;
    assert_eq!(by_org_desc[0].organization.as_deref(), Some("Globex"));
    // Users without an organization come last either way.
    let (last_page, _) = list(
        &db,
        UserFilter {
            page: 2,
            ..sorted(UserSort::Organization, true)
        },
    )
    .await;
    assert_eq!(last_page.last().unwrap().organization, None);
    let (newest, _) = list(&db, sorted(UserSort::Created, true)).await;
    assert_eq!(newest[0].email, "annxsmith@example.com");
    let (by_name, _) = list(&db, UserFilter::default()).await;
    assert_eq!(by_name[0].last_name, format!("Number{}", letters(0)));

    // Deep pages: every sort, both ways, pages through everyone exactly once.
    for sort in UserSort::ALL {
        for descending in [false, true] {
            let mut seen = HashSet::new();
            for page in 0..3 {
                let (users, _) = list(
                    &db,
                    UserFilter {
                        page,
                        ..sorted(sort, descending)
                    },
                )
                .await;
                for u in &users {
                    assert!(seen.insert(u.id), "{sort:?}: {} twice", u.email);
                }
            }
            assert_eq!(seen.len(), 122, "{sort:?} descending: {descending}");
        }
    }
    let (past_the_end, total) = list(
        &db,
        UserFilter {
            page: 1_000,
            ..UserFilter::default()
        },
    )
    .await;
    assert_eq!((past_the_end.len(), total), (0, 122));
}

/// Letters for a number (names are letters only): 0 → "Aaa", 1 → "Aab", ...
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    for _ in 0..3 {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    out.reverse();
    let mut word: String = out.into_iter().collect();
    word[..1].make_ascii_uppercase();
    word
}
