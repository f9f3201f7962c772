//! Times committing 10,000 imported end users (users, role links, invitations, outbox emails,
//! job rows) in one transaction, on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
//! Run: `cargo bench -p app --features ssr --bench import_commit`.

use app::import::{ImportOptions, ImportRequest};
use app::import::{MappingChoice, SourceRow, Table};
use app::model::UserKind;
use app::server::context::Actor;
use app::server::{imports, organizations, Db};
use std::time::Instant;

const ROWS: usize = 10_000;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("bulk-import-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    measure("SQLite", &format!("sqlite://{}/bench.db", dir.display())).await;
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("bulkimport_bench_{}", std::process::id());
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(admin.pool())
                .await
                .expect("create database");
            let url = format!(
                "{}/{name}",
                admin_url
                    .rsplit_once('/')
                    .map(|(root, _)| root)
                    .unwrap_or(&admin_url)
            );
            measure("PostgreSQL", &url).await;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(admin.pool())
                .await
                .expect("drop database");
        }
        _ => println!("PostgreSQL: skipped (TEST_DATABASE_URL is not set)"),
    }
}

async fn measure(label: &str, url: &str) {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    app::server::cli::create_admin(
        &db,
        "bench@example.com",
        "Bench",
        "Admin",
        Some("bench-password-123".into()),
    )
    .await
    .expect("admin");
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let org = organizations::find_or_create(db.pool(), "Bench Org", 0)
        .await
        .unwrap();
    let mut rows = vec![SourceRow {
        line: 1,
        cells: ["First Name", "Last Name", "Email", "Phone", "Roles"]
            .map(String::from)
            .to_vec(),
    }];
    rows.extend((0..ROWS).map(|i| SourceRow {
        line: i as u32 + 2,
        cells: vec![
            "Ann".into(),
            "Lee".into(),
            format!("ann{i}@bench.example"),
            "+1 888 667 8888".into(),
            "Requester".into(),
        ],
    }));
    let request = ImportRequest {
        kind: UserKind::EndUser,
        organization_id: Some(org),
        source_name: "bench".into(),
        table: Table { rows },
        mapping: MappingChoice::default(),
        options: ImportOptions::default(),
        idempotency_key: "bench".into(),
    };
    let actor = Actor {
        user_id: admin_id,
        display_name: "Bench Admin",
    };
    let started = Instant::now();
    let prepared = imports::prepare(&db, &request).await.expect("prepare");
    let checked = started.elapsed();
    let context = imports::CommitContext {
        record: imports::JobRecord::New,
        actor: &actor,
        public_base_url: "http://bench",
        now: 0,
        control: &imports::JobControl::default(),
    };
    let result = imports::commit(&db, &request, prepared, &context)
        .await
        .expect("commit");
    let total = started.elapsed();
    assert_eq!(result.created as usize, ROWS);
    println!(
        "{label}: {ROWS} rows imported in {:.0} ms (re-validation {:.0} ms, transaction {:.0} ms)",
        total.as_secs_f64() * 1000.0,
        checked.as_secs_f64() * 1000.0,
        (total - checked).as_secs_f64() * 1000.0
    );
    db.close().await;
}
