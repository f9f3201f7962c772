//! A fresh, migrated database per test, on SQLite or PostgreSQL.
#![allow(dead_code)]

use app::model::{RoleInfo, UserKind};
use app::rules::{validate_user_fields, UserFieldsInput};
use app::server::context::Actor;
use app::server::passwords::hash_password;
use app::server::{roles, user_store, Db};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: Db,
    /// The database's URL, for a second app server's pool.
    pub url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("bulk-import-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let url = format!("sqlite://{}/test.db", dir.display());
        let db = Db::connect(&url).await.expect("connect to SQLite");
        db.migrate().await.expect("migrate SQLite");
        TestDb {
            db,
            url,
            cleanup: None,
            _dir: Some(dir),
        }
    }

    /// A new database on the server named by TEST_DATABASE_URL, dropped by `finish`.
    pub async fn postgres() -> TestDb {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .expect("TEST_DATABASE_URL is set for PostgreSQL tests");
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("bulkimport_t_{}_{n}", std::process::id());
        let admin = Db::connect(&admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(admin.pool())
            .await
            .expect("drop old test database");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(admin.pool())
            .await
            .expect("create test database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let db = Db::connect(&url)
            .await
            .expect("connect to the new test database");
        db.migrate().await.expect("migrate PostgreSQL");
        TestDb {
            db,
            url,
            cleanup: Some((admin_url, name)),
            _dir: None,
        }
    }

    pub async fn finish(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.cleanup {
            if let Ok(admin) = Db::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(admin.pool())
                    .await;
                admin.close().await;
            }
        }
        if let Some(dir) = self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let root = base.rsplit_once('/').map(|(root, _)| root).unwrap_or(base);
    format!("{root}/{name}{query}")
}

/// Runs an async test body once on SQLite and once on PostgreSQL (when configured).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident => $body:ident;)+) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let test_db = $crate::support::TestDb::sqlite().await;
                super::$body(test_db.db.clone()).await;
                test_db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(pg_tests), ignore = "set TEST_DATABASE_URL to run the PostgreSQL variant")]
            async fn on_postgres() {
                let test_db = $crate::support::TestDb::postgres().await;
                super::$body(test_db.db.clone()).await;
                test_db.finish().await;
            }
        }
    )+};
}

pub async fn known_roles(db: &Db) -> Vec<RoleInfo> {
    roles::list(db.pool()).await.expect("roles")
}

pub async fn role_id(db: &Db, name: &str) -> i64 {
    roles::id_by_name(db.pool(), name)
        .await
        .expect("role lookup")
        .expect("seeded role")
}

pub async fn organization(db: &Db, name: &str) -> i64 {
    app::server::organizations::find_or_create(db.pool(), name, 1_000)
        .await
        .expect("organization")
}

/// Inserts a user directly (registered when a password is given) and returns its id.
pub async fn insert_user(db: &Db, input: UserFieldsInput, password: Option<&str>) -> i64 {
    let fields = validate_user_fields(&input, &known_roles(db).await).expect("valid test user");
    let hash = password.map(|p| hash_password(p).expect("hash"));
    let mut tx = db.begin_write().await.expect("begin");
    let id = user_store::insert(&mut tx, user_store::NewUser::from_form(fields, hash), 1_000)
        .await
        .expect("insert user");
    tx.commit().await.expect("commit");
    id
}

pub async fn admin(db: &Db, email: &str, password: &str) -> i64 {
    let role = role_id(db, "System Administrator").await;
    insert_user(db, technician(email, vec![role]), Some(password)).await
}

pub fn technician(email: &str, role_ids: Vec<i64>) -> UserFieldsInput {
    UserFieldsInput {
        kind: UserKind::Technician,
        first_name: "Tess".into(),
        last_name: "Tech".into(),
        email: email.into(),
        role_ids,
        ..UserFieldsInput::default()
    }
}

pub fn end_user(email: &str, organization_id: i64, role_ids: Vec<i64>) -> UserFieldsInput {
    UserFieldsInput {
        kind: UserKind::EndUser,
        first_name: "Erin".into(),
        last_name: "User".into(),
        email: email.into(),
        phone: "'+1 888 667 8888".into(),
        organization_id: Some(organization_id),
        role_ids,
        ..UserFieldsInput::default()
    }
}

pub async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .expect("count")
}

/// Every index of the database with the SQL that makes it (to check that none was lost).
pub async fn index_definitions(db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        app::server::db::Backend::Sqlite => {
            "SELECT name || ': ' || COALESCE(sql, 'automatic') FROM sqlite_master \
             WHERE type = 'index' ORDER BY name"
        }
        app::server::db::Backend::Postgres => {
            "SELECT indexname || ': ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() ORDER BY indexname"
        }
    };
    sqlx::query_scalar(sql)
        .fetch_all(db.pool())
        .await
        .expect("list indexes")
}

/// Runs the sender once into the local mailbox and returns what arrived (to, text body).
pub async fn deliver_locally(db: &Db, now: i64) -> Vec<(String, String)> {
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM local_mailbox")
        .fetch_one(db.pool())
        .await
        .expect("mailbox high-water mark");
    app::server::delivery::deliver_due(db, &app::server::delivery::Transport::LocalMailbox, now)
        .await
        .expect("deliver");
    sqlx::query_as("SELECT to_address, body_text FROM local_mailbox WHERE id > $1 ORDER BY id")
        .bind(before)
        .fetch_all(db.pool())
        .await
        .expect("read mailbox")
}

/// The token of the first `/<path>/<token>` link in an email body.
pub fn token_in(body: &str, path: &str) -> String {
    body.split(&format!("/{path}/"))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no /{path}/ link in {body}"))
        .to_string()
}

/// Signs a test admin in as the actor of changes.
pub fn actor_named(user_id: i64) -> Actor<'static> {
    Actor {
        user_id,
        display_name: "Boss Admin",
    }
}
