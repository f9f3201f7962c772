//! All users against real databases: search by any part of a name (either order) or an email,
//! with `%` and `_` typed literally; filters by kind, organization, role and status; every sort;
//! and deep pages that never overlap.

mod support;

use app::model::{BulkTarget, BulkUserAction};
use app::model::{InvitationStatus, UserFilter, UserKind, UserSort, UserSummary};
use app::server::bulk_user_actions::{self, ALREADY_HAS_ROLE, LAST_ROLE, OWN_ADMIN_ROLE};
use app::server::context::Actor;
use app::server::{user_query, users, Db};
use std::collections::HashSet;
use support::*;

const NOW: i64 = 1_700_000_000;

on_both_databases! {
    all_users_searches_filters_sorts_and_pages_through_everyone => all_users;
    a_bulk_action_on_all_matching_touches_exactly_the_matched_users_in_one_go => bulk_actions;
    the_organization_order_pages_across_users_with_and_without_an_organization => organization_order;
    the_status_order_follows_an_invitations_life_each_status_by_name => status_order;
}

async fn list(db: &Db, filter: UserFilter) -> (Vec<UserSummary>, i64) {
    users::list(db, &filter, NOW).await.unwrap()
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

    // Deep pages: every sort, both ways, pages through everyone exactly once; also within a
    // search every user matches (a search's page and count are read in one query).
    for search in ["", "example"] {
        let sorted = |sort: UserSort, descending: bool| UserFilter {
            sort,
            descending,
            search: search.into(),
            ..UserFilter::default()
        };
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
        // Next and Previous (keyset pages from a neighbour user) show exactly the numbered pages,
        // for every sort both ways, walking forward from the first and back from the last.
        for sort in UserSort::ALL {
            for descending in [false, true] {
                let mut by_number = Vec::new();
                for page in 0..3 {
                    by_number.push(
                        list(
                            &db,
                            UserFilter {
                                page,
                                ..sorted(sort, descending)
                            },
                        )
                        .await
                        .0,
                    );
                }
                let ids = |users: &[UserSummary]| users.iter().map(|u| u.id).collect::<Vec<_>>();
                let mut at = UserFilter {
                    page: 0,
                    ..sorted(sort, descending)
                };
                for expected in &by_number {
                    let (users, _) = list(&db, at.clone()).await;
                    assert_eq!(
                        ids(&users),
                        ids(expected),
                        "{sort:?} descending {descending}, forward page {}",
                        at.page
                    );
                    at = at.next_page(users.last().unwrap().id);
                }
                let mut at = sorted(sort, descending).on_page(2);
                for expected in by_number.iter().rev() {
                    let (users, _) = list(&db, at.clone()).await;
                    assert_eq!(
                        ids(&users),
                        ids(expected),
                        "{sort:?} descending {descending}, backward page {}",
                        at.page
                    );
                    at = at.previous_page(users.first().unwrap().id);
                }
            }
        }
    }
    // No organization is 0 (the kept counts' "none"): nobody matches, nothing is counted.
    let nowhere = UserFilter {
        organization_id: Some(0),
        ..UserFilter::default()
    };
    assert_eq!(list(&db, nowhere).await.1, 0);
    // A cursor naming a user that is gone falls back to the page number.
    let gone = UserFilter {
        cursor: Some(app::model::PageCursor::After(999_999)),
        page: 1,
        ..UserFilter::default()
    };
    assert_eq!(
        list(&db, gone).await.0.first().map(|u| u.id),
        list(&db, UserFilter::default().on_page(1))
            .await
            .0
            .first()
            .map(|u| u.id)
    );
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

/// 30 end users in three organizations, then 45 technicians without one: a page boundary
/// falls among the technicians both ways, so Next and Previous start from a user without an
/// organization (the order reads two arms, see `user_query::order::two_arm_ids`).
/// The invited-at order reads the same two arms (invited, never invited) and pages by number.
async fn organization_order(db: Db) {
    let orgs = [
        organization(&db, "beta").await,
        organization(&db, "Alpha").await,
        organization(&db, "Gamma").await,
    ];
    let requester = role_id(&db, "Requester").await;
    for i in 0..30 {
        let mut input = end_user(&format!("end{i}@example.com"), orgs[i % 3], vec![requester]);
        input.last_name = format!("End{}", letters(i * 7 % 30));
        insert_user(&db, input, None).await;
    }
    for i in 0..45 {
        let mut input = technician(&format!("tech{i}@example.com"), vec![]);
        input.last_name = format!("Tech{}", letters(i * 11 % 45));
        insert_user(&db, input, None).await;
    }
    let ids = |users: &[UserSummary]| users.iter().map(|u| u.id).collect::<Vec<_>>();
    for descending in [false, true] {
        let by_org = UserFilter {
            sort: UserSort::Organization,
            descending,
            ..UserFilter::default()
        };
        let (first, total) = list(&db, by_org.clone()).await;
        let (second, _) = list(&db, by_org.on_page(1)).await;
        assert_eq!((first.len(), second.len(), total), (50, 25, 75));
        // Organizations by name whatever their case, each one's users by name; no organization last.
        let organizations: Vec<Option<String>> = first
            .iter()
            .chain(&second)
            .map(|u| u.organization.clone())
            .collect();
        let mut expected: Vec<Option<String>> = ["Alpha", "beta", "Gamma"]
            .iter()
            .flat_map(|name| std::iter::repeat_n(Some(name.to_string()), 10))
            .collect();
        if descending {
            expected.reverse();
        }
        expected.extend(std::iter::repeat_n(None, 45));
        assert_eq!(organizations, expected, "descending {descending}");
        let names: Vec<&str> = first[..10].iter().map(|u| u.last_name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(names, sorted);
        // Next from the first page and Previous from the second show the numbered pages.
        let (next, _) = list(&db, by_org.next_page(first.last().unwrap().id)).await;
        assert_eq!(ids(&next), ids(&second), "next, descending {descending}");
        let (previous, _) = list(&db, before(&by_org, second[0].id)).await;
        assert_eq!(
            ids(&previous),
            ids(&first),
            "previous, descending {descending}"
        );
    }

    // The same across invited and never-invited users, sorted by when they were invited.
    sqlx::query("UPDATE users SET invited_at = 5000 + (id * 7) % 30 WHERE kind = 'end_user'")
        .execute(db.pool())
        .await
        .unwrap();
    for descending in [false, true] {
        let by_invited = UserFilter {
            sort: UserSort::InvitedAt,
            descending,
            ..UserFilter::default()
        };
        let (first, _) = list(&db, by_invited.clone()).await;
        let (second, _) = list(&db, by_invited.on_page(1)).await;
        let invited: Vec<Option<i64>> = first.iter().chain(&second).map(|u| u.invited_at).collect();
        let mut expected = invited[..30].to_vec();
        expected.sort();
        if descending {
            expected.reverse();
        }
        assert_eq!(invited[..30], expected[..], "invited first, in order");
        assert!(
            invited[30..].iter().all(Option::is_none),
            "never invited last"
        );
        let (next, _) = list(&db, by_invited.next_page(first.last().unwrap().id)).await;
        assert_eq!(ids(&next), ids(&second), "next, descending {descending}");
        let (previous, _) = list(&db, by_invited.on_page(1).previous_page(second[0].id)).await;
        assert_eq!(
            ids(&previous),
            ids(&first),
            "previous, descending {descending}"
        );
        // Invitations going out move users in this order, so a cursor is not followed here:
        // the page number places the page.
        let (placed, _) = list(&db, before(&by_invited, first[20].id)).await;
        assert_eq!(ids(&placed), ids(&first));
    }
}

/// 60 technicians over every invitation status and 20 end users not invited: sorted by status
/// they come in an invitation's life, each status by name, both ways, page after numbered
/// page; alone (each status's size from the kept counts places the page) and narrowed by kind
/// (the statuses read together).
async fn status_order(db: Db) {
    let requester = role_id(&db, "Requester").await;
    let acme = organization(&db, "Acme").await;
    for i in 0..60 {
        let mut input = technician(&format!("tech{i}@example.com"), vec![]);
        input.last_name = format!("Tech{}", letters(i * 7 % 60));
        insert_user(&db, input, None).await;
    }
    for i in 0..20 {
        let mut input = end_user(&format!("end{i}@example.com"), acme, vec![requester]);
        input.last_name = format!("End{}", letters(i * 3 % 20));
        insert_user(&db, input, None).await;
    }
    sqlx::query(
        "UPDATE users SET invitation_status = CASE id % 5 WHEN 0 THEN 'not_invited' \
         WHEN 1 THEN 'pending' WHEN 2 THEN 'pending' WHEN 3 THEN 'registered' \
         ELSE 'send_failed' END, invitation_expires_at = CASE id % 5 WHEN 1 THEN $1 + 3600 \
         WHEN 2 THEN $1 - 3600 ELSE NULL END WHERE kind = 'technician'",
    )
    .bind(NOW)
    .execute(db.pool())
    .await
    .unwrap();
    let life = [
        InvitationStatus::NotInvited,
        InvitationStatus::Pending,
        InvitationStatus::Expired,
        InvitationStatus::Registered,
        InvitationStatus::SendFailed,
    ];
    let place = |u: &UserSummary| life.iter().position(|s| *s == u.invitation).unwrap();
    for kind in [None, Some(UserKind::Technician)] {
        for descending in [false, true] {
            let by_status = UserFilter {
                sort: UserSort::Status,
                descending,
                kind,
                ..UserFilter::default()
            };
            let (_, total) = list(&db, by_status.clone()).await;
            let mut shown = Vec::new();
            for page in 0..=(total / user_query::PAGE_SIZE) {
                shown.extend(list(&db, by_status.on_page(page)).await.0);
            }
            let mut expected = shown.clone();
            expected.sort_by(|a, b| {
                (place(a), &a.last_name, &a.first_name, a.id).cmp(&(
                    place(b),
                    &b.last_name,
                    &b.first_name,
                    b.id,
                ))
            });
            if descending {
                expected.reverse();
            }
            let ids = |users: &[UserSummary]| users.iter().map(|u| u.id).collect::<Vec<_>>();
            assert_eq!(total, if kind.is_some() { 60 } else { 80 });
            assert_eq!(
                shown.len() as i64,
                total,
                "{kind:?} descending {descending}"
            );
            assert_eq!(
                ids(&shown),
                ids(&expected),
                "{kind:?} descending {descending}"
            );
            assert_eq!(place(&expected[0]), if descending { 4 } else { 0 });
        }
    }
    // One status alone, sorted by status: that status's users by name.
    let expired = UserFilter {
        sort: UserSort::Status,
        status: Some(InvitationStatus::Expired),
        ..UserFilter::default()
    };
    let (users, total) = list(&db, expired).await;
    assert_eq!((users.len() as i64, total), (12, 12));
    assert!(users
        .iter()
        .all(|u| u.invitation == InvitationStatus::Expired));
    assert!(users.windows(2).all(|w| w[0].last_name <= w[1].last_name));
}

/// The page that ends right before user `id` (what Previous asks for from deeper pages).
fn before(filter: &UserFilter, id: i64) -> UserFilter {
    UserFilter {
        cursor: Some(app::model::PageCursor::Before(id)),
        ..filter.first_page()
    }
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

async fn bulk_actions(db: Db) {
    let boss = admin(&db, "boss@example.com", "a long enough password").await;
    let actor = Actor {
        user_id: boss,
        display_name: "Boss",
    };
    let acme = organization(&db, "Acme").await;
    let globex = organization(&db, "Globex").await;
    let requester = role_id(&db, "Requester").await;
    let approver = role_id(&db, "Approver").await;
    let admin_role = role_id(&db, "System Administrator").await;
    for i in 0..30 {
        let org = if i < 20 { acme } else { globex };
        let roles = if i % 5 == 0 {
            vec![requester, approver]
        } else {
            vec![requester]
        };
        insert_user(
            &db,
            end_user(&format!("p{i}@example.com"), org, roles),
            None,
        )
        .await;
    }
    let tess = insert_user(&db, technician("tess@example.com", vec![]), None).await;
    let run = |target: BulkTarget, action: BulkUserAction| {
        let db = db.clone();
        let actor = Actor { ..actor };
        async move {
            // What the page would have said: the rows ticked, or everyone matching.
            let confirmed = match &target {
                BulkTarget::Selected(ids) => ids.len(),
                BulkTarget::Matching(filter) => {
                    users::list(&db, filter, NOW).await.unwrap().1 as usize
                }
            };
            bulk_user_actions::run(
                &db,
                &actor,
                "http://app.example",
                &target,
                action,
                confirmed,
                NOW,
            )
            .await
            .unwrap()
        }
    };
    let of_acme = UserFilter {
        organization_id: Some(acme),
        page: 3, // the page shown does not narrow an action on all matching
        ..UserFilter::default()
    };
    let approvers = |db: Db| async move {
        users::list(
            &db,
            &UserFilter {
                role_id: Some(approver),
                ..UserFilter::default()
            },
            NOW,
        )
        .await
        .unwrap()
        .1
    };
    assert_eq!(approvers(db.clone()).await, 6);

    // A list that changed since the admin confirmed its count is refused, and nothing changes.
    let stale = bulk_user_actions::run(
        &db,
        &actor,
        "http://app.example",
        &BulkTarget::Matching(of_acme.clone()),
        BulkUserAction::AssignRole { role_id: approver },
        19,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(stale.status(), 409, "{stale:?}");
    assert_eq!(approvers(db.clone()).await, 6);

    // Assign to all 20 of Acme: 4 already had it.
    let outcome = run(
        BulkTarget::Matching(of_acme.clone()),
        BulkUserAction::AssignRole { role_id: approver },
    )
    .await;
    assert_eq!((outcome.done, outcome.skipped), (16, 4));
    assert_eq!(outcome.examples[0].1, ALREADY_HAS_ROLE);
    assert_eq!(approvers(db.clone()).await, 22);

    // An end-user role is not given to a technician.
    let outcome = run(
        BulkTarget::Selected(vec![tess]),
        BulkUserAction::AssignRole { role_id: approver },
    )
    .await;
    assert_eq!((outcome.done, outcome.skipped), (0, 1));
    assert_eq!(outcome.examples[0].1, "Approver is for end users");

    // Removing Requester from Globex: the two who are Approvers too lose it; the other eight
    // would be left with no role.
    let of_globex = UserFilter {
        organization_id: Some(globex),
        ..UserFilter::default()
    };
    let outcome = run(
        BulkTarget::Matching(of_globex),
        BulkUserAction::RemoveRole { role_id: requester },
    )
    .await;
    assert_eq!((outcome.done, outcome.skipped), (2, 8));
    assert!(outcome.examples.iter().all(|(_, why)| why == LAST_ROLE));

    // An administrator cannot take away their own administrator role.
    let outcome = run(
        BulkTarget::Selected(vec![boss]),
        BulkUserAction::RemoveRole {
            role_id: admin_role,
        },
    )
    .await;
    assert_eq!((outcome.done, outcome.skipped), (0, 1));
    assert_eq!(outcome.examples[0].1, OWN_ADMIN_ROLE);

    // Resend to everyone not invited in Acme: exactly those 20 get an invitation.
    let not_invited_of_acme = UserFilter {
        status: Some(InvitationStatus::NotInvited),
        ..of_acme
    };
    let outcome = run(
        BulkTarget::Matching(not_invited_of_acme.clone()),
        BulkUserAction::ResendInvitation,
    )
    .await;
    assert_eq!((outcome.done, outcome.skipped), (20, 0));
    assert_eq!(count(&db, "invitations").await, 20);
    assert_eq!(
        users::list(&db, &not_invited_of_acme, NOW).await.unwrap().1,
        0
    );
}
