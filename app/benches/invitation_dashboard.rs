//! Times the Invitations dashboard's and All users' queries with 100,000 users, on SQLite and,
//! when TEST_DATABASE_URL is set, PostgreSQL: first and last pages, each filter, search, sorts,
//! the counts per status and the per-import funnels. Prints the median of several runs.
//! Run: `cargo bench -p app --features ssr --bench invitation_dashboard`;
//! `USER_LIST_BENCH_USERS=1000000` for a million users.

use app::model::{InvitationStatus, UserFilter, UserKind, UserSort};
use app::server::db::Backend;
use app::server::{invitation_dashboard, user_query, users, Db};
use std::time::Instant;

const NOW: i64 = 1_800_000_000;
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    let users: i64 = std::env::var("USER_LIST_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("bulk-import-dash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    measure(
        "SQLite",
        &format!("sqlite://{}/bench.db", dir.display()),
        users,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("bulkimport_dash_{}", std::process::id());
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(admin.pool())
                .await
                .expect("create database");
            let root = admin_url
                .rsplit_once('/')
                .map(|(r, _)| r)
                .unwrap_or(&admin_url);
            measure("PostgreSQL", &format!("{root}/{name}"), users).await;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(admin.pool())
                .await
                .expect("drop database");
            admin.close().await;
        }
        _ => println!("PostgreSQL: skipped (TEST_DATABASE_URL is not set)"),
    }
}

/// `users` users (100,000 by default): a fifth each pending, expired, registered, not invited and send failed;
/// half end users across 50 organizations; the first 10,000 from 10 imports.
async fn seed(db: &Db, users: i64) {
    let pool = db.pool();
    sqlx::query(
        "INSERT INTO organizations (name, name_key, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) \
         SELECT 'Org ' || i, 'org ' || i, 0 FROM n",
    )
    .execute(pool)
    .await
    .expect("organizations");
    sqlx::query(
        "INSERT INTO users (kind, first_name, last_name, email, email_key, created_at, updated_at, invitation_status) \
         VALUES ('technician', 'Ada', 'Admin', 'admin@bench.example', 'admin@bench.example', 0, 0, 'registered')",
    )
    .execute(pool)
    .await
    .expect("admin");
    sqlx::query(
        "INSERT INTO import_jobs (created_by, created_at, kind, source, options, status, created_count) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) \
         SELECT 1, i, 'end_user', 'people-' || i || '.csv', '{}', 'completed', 1000 FROM n",
    )
    .execute(pool)
    .await
    .expect("jobs");
    let started = Instant::now();
    sqlx::query(&format!(
        "INSERT INTO users (kind, first_name, last_name, email, email_key, organization_id, \
             invitation_status, invited_at, invitation_expires_at, import_job_id, search_text, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {users}) \
         SELECT CASE WHEN i % 2 = 0 THEN 'end_user' ELSE 'technician' END, \
                'First' || (i % 997), 'Last' || (i % 1009), \
                'person' || i || '@bench.example', 'person' || i || '@bench.example', \
                CASE WHEN i % 2 = 0 THEN (i % 50) + 1 ELSE NULL END, \
                CASE i % 5 WHEN 0 THEN 'pending' WHEN 1 THEN 'pending' WHEN 2 THEN 'registered' \
                     WHEN 3 THEN 'not_invited' ELSE 'send_failed' END, \
                CASE WHEN i % 5 = 3 THEN NULL ELSE {NOW} - (i % 100000) END, \
                CASE i % 5 WHEN 0 THEN {NOW} + 3600 WHEN 1 THEN {NOW} - 3600 ELSE NULL END, \
                CASE WHEN i <= 10000 AND i % 2 = 0 THEN (i % 10) + 1 ELSE NULL END, \
                'first' || (i % 997) || ' last' || (i % 1009) || ' person' || i || '@bench.example last' \
                    || (i % 1009) || ' first' || (i % 997), 0, 0 FROM n"
    ))
    .execute(pool)
    .await
    .expect("users");
    // SQLite's row triggers leave users with an import to the import that writes them (it
    // counts them and lists them for the search index); these were written by hand, so they
    // are indexed and counted here, as the migrations that made the index and counts did.
    if db.backend() == Backend::Sqlite {
        for sql in [
            "INSERT INTO users_search (users_search) VALUES ('rebuild')",
            "DELETE FROM user_counts",
            "INSERT INTO user_counts (kind, organization_id, invitation_status, n) \
             SELECT kind, COALESCE(organization_id, 0), invitation_status, COUNT(*) FROM users \
             GROUP BY 1, 2, 3",
        ] {
            sqlx::query(sql)
                .execute(pool)
                .await
                .expect("index and count");
        }
    }
    println!(
        "  seeded {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // End users are Requesters; every fifth of them (ids ending in 1) an Approver too.
    sqlx::query(
        "INSERT INTO user_roles (user_id, role_id) \
         SELECT u.id, r.id FROM users u JOIN roles r ON r.name = 'Requester' WHERE u.kind = 'end_user' \
         UNION ALL \
         SELECT u.id, r.id FROM users u JOIN roles r ON r.name = 'Approver' \
         WHERE u.kind = 'end_user' AND u.id % 10 = 1",
    )
    .execute(pool)
    .await
    .expect("role links");
    // Both backends plan better with fresh statistics, and PostgreSQL reads an index alone
    // only where its visibility map says the rows are visible to all: the app's databases get
    // both from autovacuum after large writes (SQLite has no VACUUM of that kind).
    let refresh = match db.backend() {
        Backend::Postgres => "VACUUM ANALYZE",
        Backend::Sqlite => "ANALYZE",
    };
    sqlx::query(refresh).execute(pool).await.expect("analyze");
}

/// The page after `page` as its Next link asks for it: after that page's last user.
async fn after_page(db: &Db, page: i64) -> UserFilter {
    let numbered = UserFilter::default().on_page(page);
    let (users, _) = users::list(db, &numbered, NOW).await.expect("page");
    numbered.next_page(users.last().expect("a full page").id)
}

async fn measure(backend: &str, url: &str, users: i64) {
    println!("{backend}:");
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    seed(&db, users).await;
    let last_page = users / user_query::PAGE_SIZE;
    let cases: Vec<(&str, UserFilter)> = vec![
        ("first page, by name", UserFilter::default()),
        ("page 1000 by Next, by name", after_page(&db, 999).await),
        (
            "last page, by name",
            UserFilter {
                page: last_page,
                ..Default::default()
            },
        ),
        (
            "status Pending",
            UserFilter {
                status: Some(InvitationStatus::Pending),
                ..Default::default()
            },
        ),
        (
            "status Expired",
            UserFilter {
                status: Some(InvitationStatus::Expired),
                ..Default::default()
            },
        ),
        (
            "status Send failed",
            UserFilter {
                status: Some(InvitationStatus::SendFailed),
                ..Default::default()
            },
        ),
        (
            "kind End user + organization",
            UserFilter {
                kind: Some(UserKind::EndUser),
                organization_id: Some(7),
                ..Default::default()
            },
        ),
        (
            "import job",
            UserFilter {
                import_job_id: Some(3),
                ..Default::default()
            },
        ),
        (
            "search \"person4242\"",
            UserFilter {
                search: "person4242".into(),
                ..Default::default()
            },
        ),
        (
            "search \"first99 last\"",
            UserFilter {
                search: "first99 last".into(),
                ..Default::default()
            },
        ),
        (
            "sort by email, descending",
            UserFilter {
                sort: UserSort::Email,
                descending: true,
                ..Default::default()
            },
        ),
        (
            "sort by invited at, descending",
            UserFilter {
                sort: UserSort::InvitedAt,
                descending: true,
                ..Default::default()
            },
        ),
        (
            "sort by status",
            UserFilter {
                sort: UserSort::Status,
                ..Default::default()
            },
        ),
    ];
    for (label, filter) in cases {
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let page = invitation_dashboard::page(&db, &filter, NOW)
                .await
                .expect("page");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            total = page.total;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {label:<34} {:>7.1} ms median (page + count + counts per status; {total} match)",
            times[RUNS / 2]
        );
    }
    let approver: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Approver'")
        .fetch_one(db.pool())
        .await
        .expect("Approver");
    let all_users: Vec<(&str, UserFilter)> = vec![
        ("first page, by name", UserFilter::default()),
        ("page 1000 by Next, by name", after_page(&db, 999).await),
        (
            "kind End user",
            UserFilter {
                kind: Some(UserKind::EndUser),
                ..Default::default()
            },
        ),
        (
            "status Expired",
            UserFilter {
                status: Some(InvitationStatus::Expired),
                ..Default::default()
            },
        ),
        (
            "last page, by name",
            UserFilter {
                page: last_page,
                ..Default::default()
            },
        ),
        (
            "sort by kind",
            UserFilter {
                sort: UserSort::Kind,
                ..Default::default()
            },
        ),
        (
            "sort by organization",
            UserFilter {
                sort: UserSort::Organization,
                ..Default::default()
            },
        ),
        (
            "sort by created, descending",
            UserFilter {
                sort: UserSort::Created,
                descending: true,
                ..Default::default()
            },
        ),
        (
            "role Approver",
            UserFilter {
                role_id: Some(approver),
                ..Default::default()
            },
        ),
        (
            "role + organization + status",
            UserFilter {
                role_id: Some(approver),
                organization_id: Some(11),
                status: Some(InvitationStatus::Pending),
                ..Default::default()
            },
        ),
        (
            "search \"person4242\"",
            UserFilter {
                search: "person4242".into(),
                ..Default::default()
            },
        ),
    ];
    println!("  All users:");
    for (label, filter) in all_users {
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            (_, total) = users::list(&db, &filter, NOW).await.expect("list");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "    {label:<32} {:>7.1} ms median (page + count; {total} match)",
            times[RUNS / 2]
        );
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        invitation_dashboard::funnels(db.pool(), NOW)
            .await
            .expect("funnels");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "  {:<34} {:>7.1} ms median",
        "funnels of 10 imports",
        times[RUNS / 2]
    );
    db.close().await;
}
