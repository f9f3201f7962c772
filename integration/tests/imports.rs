//! Bulk import against real databases: atomic commits, modes, races and idempotency.

mod support;

use app::import::{
    ImportMode, ImportOptions, ImportRequest, ImportResult, ImportRowResult, InvalidRows,
    RowOutcomeKind,
};
use app::import::{MappingChoice, SourceRow, Table};
use app::model::UserKind;
use app::server::context::Actor;
use app::server::imports;
use app::server::Db;
use support::*;

const NOW: i64 = 1_700_000_000;
const BASE: &str = "http://app.example";

on_both_databases! {
    an_import_creates_users_roles_invitations_emails_and_its_history_in_one_go => creates_everything;
    one_invalid_row_fails_the_whole_import_and_writes_no_user => fail_mode;
    skip_mode_imports_exactly_the_valid_rows => skip_mode;
    the_same_idempotency_key_imports_once => idempotent;
    an_email_taken_after_checking_fails_the_import_with_a_row_error_and_leaves_nothing => race_after_prepare;
    a_unique_violation_four_fifths_into_a_25000_row_import_rolls_back_every_chunk_written_before_it => late_violation;
    an_external_id_taken_after_checking_names_its_row_and_leaves_nothing => external_id_race;
    two_concurrent_imports_sharing_an_email_import_it_once => concurrent_imports;
    update_modes_change_exactly_what_they_should => update_modes;
    an_import_behind_a_write_longer_than_the_busy_timeout_waits_its_turn_and_succeeds => waits_for_the_writer;
    an_import_that_changes_an_email_or_phone_revokes_the_old_link_invites_the_new_address_and_ends_sessions => contact_changes_by_import;
    an_end_user_import_needs_an_existing_organization => organization_checks;
    imported_users_are_counted_and_found_by_search_before_and_after_the_search_index_catches_up => search_after_import;
    a_large_import_into_a_smaller_database_leaves_every_index_as_it_was => indexes_after_a_large_import;
    on_sqlite_an_import_drops_the_indexes_only_of_tables_it_at_least_half_fills_and_builds_them_again => deferred_indexes_rule;
    an_imported_users_link_is_made_as_its_email_goes_out_and_its_placeholder_opens_nothing => placeholder_links;
}

fn table(rows: &[String]) -> Table {
    Table {
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| SourceRow {
                line: i as u32 + 1,
                cells: r.split('\t').map(str::to_string).collect(),
            })
            .collect(),
    }
}

fn people(n: usize, domain: &str) -> Vec<String> {
    let mut rows = vec!["First Name\tLast Name\tEmail\tPhone\tRoles".to_string()];
    rows.extend((0..n).map(|i| format!("Ann\tLee\tann{i}@{domain}\t'+1 888 667 8888\tRequester")));
    rows
}

fn request(org: i64, rows: Vec<String>, key: &str, options: ImportOptions) -> ImportRequest {
    ImportRequest {
        kind: UserKind::EndUser,
        organization_id: Some(org),
        source_name: "Pasted text".into(),
        table: table(&rows),
        mapping: MappingChoice::default(),
        options,
        idempotency_key: key.into(),
    }
}

async fn setup(db: &Db) -> (i64, i64) {
    let admin_id = admin(db, "boss@example.com", "correct horse battery").await;
    (admin_id, organization(db, "Acme").await)
}

async fn creates_everything(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let result = imports::run(
        &db,
        &request(
            org,
            people(3, "acme.example"),
            "k1",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    assert!(!result.failed);
    assert_eq!(
        (result.created, result.skipped, result.failed_rows),
        (3, 0, 0)
    );
    assert_eq!(count(&db, "users").await, 4);
    assert_eq!(count(&db, "user_roles").await, 4);
    assert_eq!(count(&db, "invitations").await, 3);
    assert_eq!(count(&db, "email_outbox").await, 3);
    assert_eq!(count(&db, "import_job_rows").await, 3);
    // The import's funnel: three invited, none registered yet; its users filter by the job.
    let funnels = app::server::invitation_dashboard::funnels(db.pool(), NOW)
        .await
        .unwrap();
    assert_eq!(funnels.len(), 1);
    assert_eq!(funnels[0].job_id, result.job_id.unwrap());
    assert_eq!(
        (funnels[0].counts.pending, funnels[0].counts.registered),
        (3, 0)
    );
    let of_job = app::server::invitation_dashboard::page(
        &db,
        &app::model::UserFilter {
            import_job_id: result.job_id,
            ..Default::default()
        },
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(of_job.total, 3);
    let phone: String =
        sqlx::query_scalar("SELECT phone FROM users WHERE email = 'ann1@acme.example'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(phone, "+18886678888");
    let history = imports::history(db.pool()).await.unwrap();
    assert_eq!(
        (
            history[0].created,
            history[0].status.as_str(),
            history[0].organization.as_deref()
        ),
        (3, "completed", Some("Acme"))
    );
}

async fn fail_mode(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let mut rows = people(3, "acme.example");
    rows[2] = "Bob\tRay\tnot-an-email\t\tRequester".into();
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let result = imports::run(
        &db,
        &request(org, rows, "k2", ImportOptions::default()),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    assert!(result.failed);
    assert_eq!(
        (result.created, result.failed_rows, result.skipped),
        (0, 1, 2)
    );
    let bad = result
        .rows
        .iter()
        .find(|r| r.outcome == RowOutcomeKind::Failed)
        .unwrap();
    assert_eq!(bad.line, 3);
    assert!(
        bad.reason().starts_with("Email: Enter an email like"),
        "{}",
        bad.reason()
    );
    assert_eq!(
        (
            count(&db, "users").await,
            count(&db, "invitations").await,
            count(&db, "email_outbox").await
        ),
        (1, 0, 0)
    );
    assert_eq!(
        imports::history(db.pool()).await.unwrap()[0].status,
        app::import::JobStatus::Failed
    );
}

async fn skip_mode(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let mut rows = people(4, "acme.example");
    rows[2] = "B0b\tRay\tbob@acme.example\t\tRequester".into();
    let options = ImportOptions {
        invalid_rows: InvalidRows::SkipInvalid,
        ..ImportOptions::default()
    };
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let result = imports::run(&db, &request(org, rows, "k3", options), &actor, BASE, NOW)
        .await
        .unwrap();
    assert!(!result.failed);
    // The invalid row failed (not imported); every valid row was written.
    assert_eq!(
        (result.created, result.failed_rows, result.skipped),
        (3, 1, 0)
    );
    assert_eq!(count(&db, "users").await, 4);
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE kind = 'end_user' ORDER BY email")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(
        emails,
        vec![
            "ann0@acme.example",
            "ann2@acme.example",
            "ann3@acme.example"
        ]
    );
}

async fn idempotent(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let req = request(
        org,
        people(2, "acme.example"),
        "same-key",
        ImportOptions::default(),
    );
    let first = imports::run(&db, &req, &actor, BASE, NOW).await.unwrap();
    let second = imports::run(&db, &req, &actor, BASE, NOW).await.unwrap();
    assert_eq!(first.job_id, second.job_id);
    assert_eq!(second.created, 2);
    assert_eq!(count(&db, "users").await, 3);
    assert_eq!(count(&db, "import_jobs").await, 1);
}

/// Commits a prepared import as a new job (the request's own run), as `imports::run` would.
async fn commit_as_new_job(
    db: &Db,
    req: &ImportRequest,
    prepared: imports::Prepared,
    actor: &Actor<'_>,
) -> ImportResult {
    let context = imports::CommitContext {
        record: imports::JobRecord::New,
        actor,
        public_base_url: BASE,
        now: NOW,
        control: &imports::JobControl::default(),
    };
    imports::commit(db, req, prepared, &context).await.unwrap()
}

fn failed_rows(result: &ImportResult) -> Vec<&ImportRowResult> {
    result
        .rows
        .iter()
        .filter(|r| r.outcome == RowOutcomeKind::Failed)
        .collect()
}

async fn external_id_race(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let with_ids = |domain: &str| {
        vec![
            "First Name\tLast Name\tEmail\tExternal ID\tRoles".to_string(),
            format!("Ann\tLee\tann@{domain}\tHR-1\tRequester"),
            format!("Bob\tKing\tbob@{domain}\tHR-7\tRequester"),
        ]
    };
    let req = request(
        org,
        with_ids("first.example"),
        "x1",
        ImportOptions::default(),
    );
    let prepared = imports::prepare(&db, &req).await.unwrap();
    // Another import takes HR-7 (with another email) after the rows were checked.
    let other = request(
        org,
        vec![
            "First Name\tLast Name\tEmail\tExternal ID\tRoles".to_string(),
            "Cy\tCole\tcy@second.example\tHR-7\tRequester".to_string(),
        ],
        "x2",
        ImportOptions::default(),
    );
    assert_eq!(
        imports::run(&db, &other, &actor, BASE, NOW)
            .await
            .unwrap()
            .created,
        1
    );
    let users_before = count(&db, "users").await;
    let result = commit_as_new_job(&db, &req, prepared, &actor).await;
    assert!(result.failed);
    let failed = failed_rows(&result);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].line, 3);
    assert_eq!(
        failed[0].reason(),
        "External ID: Another user already has this external ID."
    );
    assert_eq!(count(&db, "users").await, users_before);
}

async fn race_after_prepare(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let req = request(
        org,
        people(1000, "big.example"),
        "k4",
        ImportOptions::default(),
    );
    let prepared = imports::prepare(&db, &req).await.unwrap();
    // Row 500's email is taken after the rows were checked (another admin, another import).
    let requester = role_id(&db, "Requester").await;
    insert_user(
        &db,
        end_user("ANN499@big.example", org, vec![requester]),
        None,
    )
    .await;
    let users_before = count(&db, "users").await;
    let result = commit_as_new_job(&db, &req, prepared, &actor).await;
    assert!(result.failed);
    let failed = failed_rows(&result);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].line, 501);
    assert_eq!(
        failed[0].reason(),
        "Email: This email is already used by another account."
    );
    // The valid rows were not imported, and say why.
    let skipped = result
        .rows
        .iter()
        .find(|r| r.outcome == RowOutcomeKind::Skipped)
        .unwrap();
    assert_eq!(
        skipped.reason(),
        "Not imported: the import failed because of other rows."
    );
    assert_eq!(count(&db, "users").await, users_before);
    assert_eq!(
        (
            count(&db, "invitations").await,
            count(&db, "email_outbox").await
        ),
        (0, 0)
    );
}

async fn late_violation(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    // 25,000 rows are written 5,000 at a time: on PostgreSQL the violation comes in the fourth
    // chunk, after three chunks of users, role links, invitations and emails are already in
    // the transaction (as row 400,000 of 500,000 would); on SQLite, where the import outgrows
    // the tables and their indexes are built after its rows, when the unique index is built.
    let req = request(
        org,
        people(25_000, "late.example"),
        "k-late",
        ImportOptions::default(),
    );
    let prepared = imports::prepare(&db, &req).await.unwrap();
    let requester = role_id(&db, "Requester").await;
    insert_user(
        &db,
        end_user("ann19999@late.example", org, vec![requester]),
        None,
    )
    .await;
    let before = (
        count(&db, "users").await,
        count(&db, "user_roles").await,
        count(&db, "invitations").await,
        count(&db, "email_outbox").await,
    );
    let indexes = index_definitions(&db).await;
    let result = commit_as_new_job(&db, &req, prepared, &actor).await;
    assert!(result.failed);
    let failed = failed_rows(&result);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].line, 20_001, "data row 20,000, under the header");
    // On SQLite the import outgrew the tables it fills, so their indexes were dropped for the
    // write and the unique index refused the email when it was built again: the same answer,
    // and the rollback brought every index back.
    assert_eq!(index_definitions(&db).await, indexes);
    assert_eq!(
        (
            count(&db, "users").await,
            count(&db, "user_roles").await,
            count(&db, "invitations").await,
            count(&db, "email_outbox").await,
        ),
        before,
        "nothing of the first 15,000 rows stayed"
    );
}

async fn indexes_after_a_large_import(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let indexes = index_definitions(&db).await;
    let big = request(
        org,
        people(12_000, "big.example"),
        "k-big",
        ImportOptions::default(),
    );
    let result = imports::run(&db, &big, &actor, BASE, NOW).await.unwrap();
    assert_eq!(result.created, 12_000);
    assert_eq!(index_definitions(&db).await, indexes);
    if db.backend() == app::server::db::Backend::Sqlite {
        // Each index built again holds every row: SQLite compares them with the tables.
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    // The unique index judges again: a second import of one of those emails is refused by
    // the check, and a user added with it by the index.
    let again = request(
        org,
        vec![
            "First Name\tLast Name\tEmail\tRoles".to_string(),
            "Ann\tLee\tANN11999@big.example\tRequester".to_string(),
        ],
        "k-again",
        ImportOptions::default(),
    );
    let refused = imports::run(&db, &again, &actor, BASE, NOW).await.unwrap();
    assert!(refused.failed);
    let duplicate = sqlx::query(
        "INSERT INTO users (kind, first_name, last_name, email, email_key, organization_id, \
         created_at, updated_at, search_text) \
         VALUES ('end_user', 'Ann', 'Lee', 'x@y.z', 'ann0@big.example', $1, 0, 0, '')",
    )
    .bind(org)
    .execute(db.pool())
    .await;
    assert!(app::server::db::is_unique_violation(
        &duplicate.expect_err("the email key is taken")
    ));
}

/// Index names as the transaction sees them (its own schema, before it commits).
async fn indexes_in(tx: &mut sqlx::Transaction<'static, sqlx::Any>, db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        app::server::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        }
        app::server::db::Backend::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
        }
    };
    sqlx::query_scalar(sql).fetch_all(&mut **tx).await.unwrap()
}

async fn deferred_indexes_rule(db: Db) {
    use app::server::imports::deferred_indexes::{DeferredIndexes, Incoming};
    let (_, org) = setup(&db).await;
    let requester = role_id(&db, "Requester").await;
    for i in 0..3 {
        insert_user(
            &db,
            end_user(&format!("held{i}@example.com"), org, vec![requester]),
            None,
        )
        .await;
    }
    let users_held = count(&db, "users").await as usize;
    let links_held = count(&db, "user_roles").await as usize;
    let committed = index_definitions(&db).await;
    let sqlite = db.backend() == app::server::db::Backend::Sqlite;
    if sqlite {
        // Statistics gathered by an operator: dropping an index deletes its own.
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    }
    let mut tx = db.begin_write().await.unwrap();
    let before = indexes_in(&mut tx, &db).await;

    // Fewer than half the users the table holds, no invitations: nothing is dropped.
    let few = Incoming {
        users: users_held / 2 - 1,
        role_links: 0,
        invitations: 0,
    };
    let deferred = DeferredIndexes::drop_for(&mut tx, few).await.unwrap();
    assert!(deferred.is_empty());

    // Half as many users and links as the tables hold, no invitations: the indexes of users
    // and user_roles go, those of invitations and the outbox stay.
    let half = Incoming {
        users: users_held.div_ceil(2),
        role_links: links_held.div_ceil(2),
        invitations: 0,
    };
    let deferred = DeferredIndexes::drop_for(&mut tx, half).await.unwrap();
    let during = indexes_in(&mut tx, &db).await;
    if sqlite {
        assert!(deferred.len() >= 10, "users has ten indexes of its own");
        assert!(!during.iter().any(|name| name.starts_with("users_")));
        assert!(!during.contains(&"user_roles_role".to_string()));
        assert!(during.contains(&"invitations_one_open".to_string()));
        assert!(during.contains(&"email_outbox_due".to_string()));
        assert_eq!(during.len() + deferred.len(), before.len());
        // Meanwhile other connections see every index (the drop is not committed).
        assert_eq!(index_definitions(&db).await, committed);
    } else {
        assert!(deferred.is_empty(), "PostgreSQL keeps its indexes");
        assert_eq!(during, before);
    }
    deferred.rebuild(&mut tx).await.unwrap();
    assert_eq!(indexes_in(&mut tx, &db).await, before);
    if sqlite {
        let stats: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_stat1 WHERE idx IN ('users_email_key_unique', 'user_roles_role')",
        )
        .fetch_one(&mut **tx)
        .await
        .unwrap();
        assert_eq!(
            stats, 2,
            "the rebuilt indexes' statistics are gathered again"
        );
    }
    tx.rollback().await.unwrap();
}

async fn concurrent_imports(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let mut a = people(200, "a.example");
    let mut b = people(200, "b.example");
    a[100] = "Sam\tShared\tshared@example.com\t\tRequester".into();
    b[150] = "Sam\tShared\tshared@example.com\t\tRequester".into();
    let (ra, rb) = (
        request(org, a, "ka", ImportOptions::default()),
        request(org, b, "kb", ImportOptions::default()),
    );
    let (db1, db2) = (db.clone(), db.clone());
    let one = tokio::spawn(async move {
        imports::run(
            &db1,
            &ra,
            &Actor {
                user_id: admin_id,
                display_name: "A",
            },
            BASE,
            NOW,
        )
        .await
    });
    let two = tokio::spawn(async move {
        imports::run(
            &db2,
            &rb,
            &Actor {
                user_id: admin_id,
                display_name: "B",
            },
            BASE,
            NOW,
        )
        .await
    });
    let (one, two) = (one.await.unwrap().unwrap(), two.await.unwrap().unwrap());
    assert_ne!(one.failed, two.failed, "exactly one import succeeds");
    let loser = if one.failed { &one } else { &two };
    assert!(loser
        .rows
        .iter()
        .any(|r| r.outcome == RowOutcomeKind::Failed
            && r.email == "shared@example.com"
            && r.reason().contains("already used")));
    assert_eq!(count(&db, "users").await, 1 + 200);
    let shared: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key = 'shared@example.com'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(shared, 1);
}

async fn update_modes(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    imports::run(
        &db,
        &request(
            org,
            people(2, "acme.example"),
            "k5",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    let rows = vec![
        "First Name\tLast Name\tEmail\tRoles".to_string(),
        "Annie\tLee\tANN0@acme.example\tApprover".into(),
        "Newt\tNew\tnewt@acme.example\tRequester".into(),
    ];
    let update_only = ImportOptions {
        mode: ImportMode::UpdateOnly,
        invalid_rows: InvalidRows::SkipInvalid,
        send_invitations: true,
    };
    let result = imports::run(
        &db,
        &request(org, rows.clone(), "k6", update_only),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        (result.updated, result.created, result.failed_rows),
        (1, 0, 1)
    );
    // Matching nobody is a failure of that row, on its Email column, in the download too.
    let unmatched = result
        .rows
        .iter()
        .find(|r| r.outcome == RowOutcomeKind::Failed)
        .unwrap();
    assert_eq!(
        unmatched.reason(),
        "Email: No existing user has this email or external ID."
    );
    let lines = app::import::export::result_error_lines(&result);
    assert_eq!(
        (lines[0].column.as_str(), lines[0].value.as_str()),
        ("Email", "newt@acme.example")
    );
    let (first, roles): (String, i64) = sqlx::query_as(
        "SELECT u.first_name, (SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = 'Approver') \
         FROM users u WHERE u.email_key = 'ann0@acme.example'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!((first.as_str(), roles), ("Annie", 1));
    assert_eq!(count(&db, "users").await, 3);
    let both = ImportOptions {
        mode: ImportMode::CreateAndUpdate,
        ..ImportOptions::default()
    };
    let result = imports::run(&db, &request(org, rows, "k7", both), &actor, BASE, NOW)
        .await
        .unwrap();
    assert_eq!((result.updated, result.created), (1, 1));
    assert_eq!(count(&db, "users").await, 4);
    // Updates send no new invitation; only the created user got one.
    assert_eq!(count(&db, "invitations").await, 3);
    // An email that exists is a row error when only creating.
    let result = imports::run(
        &db,
        &request(
            org,
            people(1, "acme.example"),
            "k8",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    assert!(result.failed && result.rows[0].reason().contains("already used"));
}

async fn organization_checks(db: Db) {
    let (admin_id, _) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let error = imports::run(
        &db,
        &request(
            424242,
            people(1, "x.example"),
            "k9",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, app::error::AppError::NotFound(_)));
    let mut technicians = request(1, people(1, "x.example"), "k10", ImportOptions::default());
    technicians.kind = UserKind::Technician;
    assert!(imports::run(&db, &technicians, &actor, BASE, NOW)
        .await
        .is_err());
    assert_eq!(count(&db, "users").await, 1);
}

async fn contact_changes_by_import(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let header = "First Name\tLast Name\tEmail\tPhone\tRoles\tExternal ID".to_string();
    let created = imports::run(
        &db,
        &request(
            org,
            vec![
                header.clone(),
                "Pat\tPending\tpat.a@acme.example\t\tRequester\tEMP-1".into(),
                "Reg\tIstered\treg@acme.example\t'+1 888 667 8888\tRequester\tEMP-2".into(),
            ],
            "c1",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(created.created, 2);
    let id_of = |email: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email_key = $1")
                .bind(email)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let (pat, reg) = (
        id_of("pat.a@acme.example").await,
        id_of("reg@acme.example").await,
    );
    sqlx::query("UPDATE users SET invitation_status = 'registered', password_hash = 'x', registered_at = $1 WHERE id = $2")
        .bind(NOW)
        .bind(reg)
        .execute(db.pool())
        .await
        .unwrap();
    app::server::sessions::create(db.pool(), reg, &Default::default(), NOW)
        .await
        .unwrap();
    let update_only = ImportOptions {
        mode: ImportMode::UpdateOnly,
        ..ImportOptions::default()
    };
    let result = imports::run(
        &db,
        &request(
            org,
            vec![
                header,
                "Pat\tPending\tpat.b@acme.example\t\tRequester\tEMP-1".into(),
                "Reg\tIstered\treg@acme.example\t'+44 20 7946 0958\tRequester\tEMP-2".into(),
            ],
            "c2",
            update_only,
        ),
        &actor,
        BASE,
        NOW + 60,
    )
    .await
    .unwrap();
    assert_eq!(
        (result.updated, result.failed),
        (2, false),
        "{:?}",
        result.rows
    );
    let scalar = |sql: &'static str, id: i64| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    // The link sent to the old address is revoked; one open link, to the new address.
    assert_eq!(
        scalar("SELECT COUNT(*) FROM invitations WHERE user_id = $1", pat).await,
        2
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM invitations WHERE user_id = $1 AND revoked_at IS NULL AND accepted_at IS NULL", pat).await,
        1
    );
    let to_new: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE to_address LIKE '%pat.b@acme.example%'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(to_new, 1);
    // The registered user's phone changed: every session ended, no invitation sent.
    assert_eq!(
        scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1", reg).await,
        0
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM invitations WHERE user_id = $1 AND revoked_at IS NULL AND accepted_at IS NULL", reg).await,
        1,
        "the original invitation only"
    );
}

async fn waits_for_the_writer(db: Db) {
    let (admin_id, org) = setup(&db).await;
    // Another write holds the database for longer than SQLite's 10 s busy timeout.
    let holder = db.begin_write().await.unwrap();
    let released = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        holder.commit().await.unwrap();
    });
    let actor = Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let started = std::time::Instant::now();
    let result = imports::run(
        &db,
        &request(
            org,
            people(200, "acme.example"),
            "wait-1",
            ImportOptions::default(),
        ),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    released.await.unwrap();
    assert_eq!((result.created, result.failed), (200, false));
    if db.backend() == app::server::db::Backend::Sqlite {
        assert!(started.elapsed().as_secs() >= 10, "{:?}", started.elapsed());
    }
}

async fn found(db: &Db, search: &str) -> i64 {
    let filter = app::model::UserFilter {
        search: search.into(),
        ..Default::default()
    };
    app::server::users::list(db, &filter, NOW).await.unwrap().1
}

/// SQLite's FTS5 check of its index against the users table, with nothing left to index
/// (PostgreSQL: nothing to check).
async fn search_index_is_sound(db: &Db) {
    if db.backend() == app::server::db::Backend::Sqlite {
        sqlx::query("INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)")
            .execute(db.pool())
            .await
            .expect("the search index matches the users");
        assert_eq!(count(db, "users_search_backlog").await, 0);
    }
}

async fn search_after_import(db: Db) {
    let (admin_id, org) = setup(&db).await;
    let actor = actor_named(admin_id);
    let mut rows = people(4, "acme.example");
    rows[3] = "Bea\tMoss\tbea@acme.example\t\tRequester".into();
    imports::run(
        &db,
        &request(org, rows, "ks", ImportOptions::default()),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    // Counted at once (on SQLite by the import, not by the row trigger).
    let everyone = app::model::UserFilter::default();
    let kept = app::server::user_counts::matching(&db, &everyone, NOW)
        .await
        .unwrap();
    assert_eq!(kept, Some(count(&db, "users").await));
    assert_eq!(kept, Some(5), "the admin and four imported");
    // Found at once, before the index has them (SQLite indexes an import's users afterwards).
    assert_eq!(found(&db, "ann1@acme").await, 1);
    assert_eq!(found(&db, "lee").await, 3);
    assert_eq!(found(&db, "bea moss").await, 1);
    // Changed and removed before they are indexed.
    let rename = "UPDATE users SET first_name = 'Zed', search_text = 'zed lee ann0@acme.example' \
                  WHERE email = 'ann0@acme.example'";
    sqlx::query(rename).execute(db.pool()).await.unwrap();
    // One from the middle, and the last two, lowest first: SQLite may give their ids to the
    // next users added, who are indexed at once and must not be indexed twice.
    for email in ["ann1@acme.example", "bea@acme.example", "ann3@acme.example"] {
        sqlx::query("DELETE FROM users WHERE email = $1")
            .bind(email)
            .execute(db.pool())
            .await
            .unwrap();
    }
    let requester = role_id(&db, "Requester").await;
    insert_user(&db, end_user("cy@acme.example", org, vec![requester]), None).await;
    insert_user(&db, end_user("di@acme.example", org, vec![requester]), None).await;
    assert_eq!(found(&db, "cy@acme").await, 1);
    let indexed = app::server::search_backlog::catch_up(&db).await.unwrap();
    let expected = match db.backend() {
        app::server::db::Backend::Sqlite => 1,
        app::server::db::Backend::Postgres => 0,
    };
    assert_eq!(indexed, expected, "the one imported user left");
    search_index_is_sound(&db).await;
    let kept = app::server::user_counts::matching(&db, &everyone, NOW)
        .await
        .unwrap();
    assert_eq!(kept, Some(count(&db, "users").await));
    assert_eq!(found(&db, "zed lee").await, 1);
    assert_eq!(found(&db, "ann1@acme").await, 0);
    assert_eq!(found(&db, "ann3@acme").await, 0);
    assert_eq!(found(&db, "bea moss").await, 0);
    assert_eq!(
        (found(&db, "cy@acme").await, found(&db, "di@acme").await),
        (1, 1)
    );
    // Once indexed, a change goes through the index's triggers as any other user's.
    let rename = "UPDATE users SET first_name = 'Yan', search_text = 'yan lee ann0@acme.example' \
                  WHERE email = 'ann0@acme.example'";
    sqlx::query(rename).execute(db.pool()).await.unwrap();
    search_index_is_sound(&db).await;
    assert_eq!(
        (found(&db, "yan lee").await, found(&db, "zed lee").await),
        (1, 0)
    );
}

async fn placeholder_links(db: Db) {
    use app::model::InvitationState;
    use app::server::acceptance;
    use app::server::invitations::Purpose;
    let (admin_id, org) = setup(&db).await;
    let actor = actor_named(admin_id);
    let rows = people(3, "acme.example");
    imports::run(
        &db,
        &request(org, rows, "kp", ImportOptions::default()),
        &actor,
        BASE,
        NOW,
    )
    .await
    .unwrap();
    // Before its email goes out an invitation holds a placeholder, never a token's hash.
    let held: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM invitations ORDER BY user_id")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(held.len(), 3);
    for placeholder in &held {
        assert!(placeholder.starts_with("unsent:"), "{placeholder}");
        let opened = acceptance::state(&db, placeholder, Purpose::Invitation, NOW + 1)
            .await
            .unwrap();
        assert!(matches!(opened, InvitationState::Expired), "{opened:?}");
    }
    // Sent: each link opens its invitation.
    let mail = deliver_locally(&db, NOW + 5).await;
    assert_eq!(mail.len(), 3);
    for (_, body) in &mail {
        let token = token_in(body, "invite");
        let opened = acceptance::state(&db, &token, Purpose::Invitation, NOW + 6)
            .await
            .unwrap();
        assert!(
            matches!(opened, InvitationState::Valid { .. }),
            "{opened:?}"
        );
    }
    let placeholders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE token_hash LIKE 'unsent:%'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(placeholders, 0);
}
