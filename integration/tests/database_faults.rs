//! Faults of the database the server must survive: a SQLite volume that fills up and is grown
//! again. Writes fail while it is full, and every later write succeeds once space returns —
//! no pooled connection is left believing it is still inside a transaction.

mod support;

use app::server::Db;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{end_user, insert_user, organization, role_id};

/// How the test fills the disk: a real size-limited tmpfs where the test may mount one
/// (root, as in CI), otherwise SQLite's own page limit, which fails writes with the same
/// SQLITE_FULL ("database or disk is full").
enum Volume {
    Tmpfs(PathBuf),
    PageLimit(PathBuf),
}

impl Volume {
    fn new() -> Volume {
        let dir = std::env::temp_dir().join(format!("bulk-import-full-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1536k", "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if mounted {
            eprintln!("filling a 1.5 MiB tmpfs at {}", dir.display());
            Volume::Tmpfs(dir)
        } else {
            eprintln!("cannot mount a tmpfs here (not root): filling SQLite's page limit instead");
            Volume::PageLimit(dir)
        }
    }

    fn dir(&self) -> &Path {
        match self {
            Volume::Tmpfs(dir) | Volume::PageLimit(dir) => dir,
        }
    }

    /// Caps the database at what it holds now (page-limit mode; tmpfs is already capped).
    async fn cap(&self, conn: &mut sqlx::AnyConnection) {
        if let Volume::PageLimit(_) = self {
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(&mut *conn)
                .await
                .expect("page count");
            sqlx::query(&format!("PRAGMA max_page_count = {}", pages + 8))
                .execute(&mut *conn)
                .await
                .expect("cap pages");
        }
    }

    /// Space returns: the volume is grown, or the page limit lifted.
    async fn grow(&self, conn: &mut sqlx::AnyConnection) {
        match self {
            Volume::Tmpfs(dir) => {
                let status = Command::new("mount")
                    .args(["-o", "remount,size=64m"])
                    .arg(dir)
                    .status()
                    .expect("remount");
                assert!(status.success(), "grow the tmpfs");
            }
            Volume::PageLimit(_) => {
                sqlx::query("PRAGMA max_page_count = 1073741823")
                    .execute(&mut *conn)
                    .await
                    .expect("lift the page limit");
            }
        }
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        if let Volume::Tmpfs(dir) = self {
            let _ = Command::new("umount").arg("-l").arg(&*dir).status();
        }
        let _ = std::fs::remove_dir_all(self.dir());
    }
}

async fn one_write(db: &Db, n: usize) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO filler (data) VALUES ($1)")
        .bind(format!("after {n}"))
        .execute(&mut **tx)
        .await?;
    tx.commit().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_succeed_again_once_a_full_disk_has_space() {
    let volume = Volume::new();
    let url = format!("sqlite://{}/full.db", volume.dir().display());
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    sqlx::query("CREATE TABLE filler (data TEXT NOT NULL)")
        .execute(db.pool())
        .await
        .expect("filler table");

    // Fill the disk through write transactions until SQLite refuses one.
    let mut conn = db.pool().acquire().await.expect("a connection");
    volume.cap(&mut conn).await;
    let chunk = "x".repeat(64 * 1024);
    let mut refusal = None;
    for _ in 0..1_000 {
        let attempt = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            for _ in 0..4 {
                sqlx::query("INSERT INTO filler (data) VALUES ($1)")
                    .bind(&chunk)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        };
        if let Err(error) = attempt.await {
            refusal = Some(error);
            break;
        }
    }
    let refusal = refusal.expect("the disk filled up");
    assert!(
        refusal.to_string().contains("full"),
        "SQLite reported a full disk: {refusal}"
    );
    volume.grow(&mut conn).await;
    drop(conn);

    // Space is back: every write succeeds, on every pooled connection, many times over.
    for n in 0..40 {
        one_write(&db, n)
            .await
            .unwrap_or_else(|error| panic!("write {n} after space returned: {error}"));
    }
    let writes = futures::future::join_all((100..116).map(|n| one_write(&db, n))).await;
    for (n, result) in writes.into_iter().enumerate() {
        result.unwrap_or_else(|error| panic!("concurrent write {n}: {error}"));
    }
    // And the app's own writers work: a user is created.
    let role = role_id(&db, "Requester").await;
    let org = organization(&db, "Acme").await;
    insert_user(
        &db,
        end_user("after.full@example.com", org, vec![role]),
        None,
    )
    .await;
    db.close().await;
}
