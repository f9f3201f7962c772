//! The counts the database keeps per kind, organization and invitation status (`user_counts`,
//! kept by triggers) always equal counting the users, whatever wrote them: Add user, an
//! invitation's status changing, an edit moving a user or changing their kind, a delete —
//! and after PostgreSQL's appended rows are folded together.

mod support;

use app::model::{InvitationStatus, UserFilter, UserKind};
use app::server::{user_counts, Db};
use support::*;

const NOW: i64 = 1_700_000_000;

on_both_databases! {
    the_kept_user_counts_equal_counting_every_user_after_any_write => kept_counts;
}

/// Every filter the kept counts answer, with what counting the users says.
async fn assert_counts_match(db: &Db, orgs: &[i64], step: &str) {
    let mut filters = vec![UserFilter::default()];
    for &status in InvitationStatus::ALL {
        filters.push(UserFilter {
            status: Some(status),
            ..UserFilter::default()
        });
    }
    for kind in [UserKind::Technician, UserKind::EndUser] {
        for status in [
            None,
            Some(InvitationStatus::NotInvited),
            Some(InvitationStatus::SendFailed),
        ] {
            filters.push(UserFilter {
                kind: Some(kind),
                status,
                ..UserFilter::default()
            });
        }
    }
    for org in orgs {
        filters.push(UserFilter {
            organization_id: Some(*org),
            ..UserFilter::default()
        });
        filters.push(UserFilter {
            organization_id: Some(*org),
            kind: Some(UserKind::EndUser),
            status: Some(InvitationStatus::Registered),
            ..UserFilter::default()
        });
    }
    for filter in filters {
        let kept = user_counts::matching(db, &filter, NOW)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{filter:?} is answered from the kept counts"));
        let counted = counted(db, &filter).await;
        assert_eq!(kept, counted, "{step}: {filter:?}");
    }
}

async fn counted(db: &Db, filter: &UserFilter) -> i64 {
    let mut sql = "SELECT COUNT(*) FROM users WHERE 1 = 1".to_string();
    if let Some(kind) = filter.kind {
        sql += &format!(" AND kind = '{}'", kind.as_str());
    }
    if let Some(org) = filter.organization_id {
        sql += &format!(" AND organization_id = {org}");
    }
    match filter.status {
        Some(InvitationStatus::Pending) => {
            sql += &format!(" AND invitation_status = 'pending' AND invitation_expires_at > {NOW}")
        }
        Some(InvitationStatus::Expired) => {
            sql += &format!(" AND invitation_status = 'pending' AND invitation_expires_at <= {NOW}")
        }
        Some(status) => sql += &format!(" AND invitation_status = '{}'", status.as_str()),
        None => {}
    }
    sqlx::query_scalar(&sql).fetch_one(db.pool()).await.unwrap()
}

async fn kept_counts(db: Db) {
    let acme = organization(&db, "Acme").await;
    let globex = organization(&db, "Globex").await;
    let requester = role_id(&db, "Requester").await;
    let orgs = [acme, globex];
    assert_counts_match(&db, &orgs, "empty").await;

    for i in 0..12 {
        let org = if i % 3 == 0 { globex } else { acme };
        insert_user(
            &db,
            end_user(&format!("e{i}@example.com"), org, vec![requester]),
            None,
        )
        .await;
    }
    admin(&db, "ada@example.com", "a long enough password").await;
    insert_user(&db, technician("tom@example.com", vec![]), None).await;
    assert_counts_match(&db, &orgs, "after adding users").await;

    // Invitations going out, one expired, one failed, one accepted.
    let run = |sql: &'static str| {
        let db = db.clone();
        async move { sqlx::query(sql).execute(db.pool()).await.unwrap() }
    };
    run(
        "UPDATE users SET invitation_status = 'pending', invitation_expires_at = 1700003600 \
         WHERE email_key LIKE 'e%'",
    )
    .await;
    run("UPDATE users SET invitation_expires_at = 1699990000 WHERE email_key = 'e1@example.com'")
        .await;
    run("UPDATE users SET invitation_status = 'send_failed' WHERE email_key = 'e2@example.com'")
        .await;
    run("UPDATE users SET invitation_status = 'registered' WHERE email_key = 'e3@example.com'")
        .await;
    assert_counts_match(&db, &orgs, "after invitations").await;

    // A user moved to another organization, a name changed (no count moves), a user deleted.
    run(
        "UPDATE users SET organization_id = (SELECT id FROM organizations WHERE name = 'Globex') \
         WHERE email_key = 'e4@example.com'",
    )
    .await;
    run("UPDATE users SET first_name = 'Renamed'").await;
    // An end user made a technician (leaving the organization), in one statement with others.
    run(
        "UPDATE users SET kind = 'technician', organization_id = NULL \
         WHERE email_key IN ('e6@example.com', 'e7@example.com')",
    )
    .await;
    run("DELETE FROM user_roles WHERE user_id = (SELECT id FROM users WHERE email_key = 'e5@example.com')")
        .await;
    run("DELETE FROM users WHERE email_key = 'e5@example.com'").await;
    assert_counts_match(
        &db,
        &orgs,
        "after a move, a rename, a change of kind and a delete",
    )
    .await;

    // Folding PostgreSQL's appended rows (a no-op on SQLite) changes no count.
    user_counts::fold(&db).await.unwrap();
    assert_counts_match(&db, &orgs, "after folding").await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_counts")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let groups: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT DISTINCT kind, organization_id, invitation_status FROM user_counts) g",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(rows, groups, "one row per group after folding");
}
