//! SQLite's search index for the users an import creates, written after the import commits.
//!
//! Every other write to users keeps the FTS5 trigram index (`users_search`, migration 0011) in
//! step through triggers, row by row. For an import that cost about a quarter of its one
//! transaction (every user's search text cut into trigrams inside the write lock), so an
//! import's users are listed instead, as runs of consecutive ids (`users_search_backlog`,
//! migration 0021), and indexed afterwards a chunk per short transaction. Until then search
//! reads those users' search text directly ([`pending_matches`]), so an imported user is found
//! at once either way. PostgreSQL's trigram index is kept by PostgreSQL; none of this runs
//! there.
//!
//! The backlog's writers: `user_store` adds runs as it creates an import's users (in the
//! import's transaction, so a rolled-back import leaves none); [`catch_up`] takes them away as
//! it indexes them.

use super::db::{Backend, Db};
use sqlx::{Any, Row, Transaction};
use std::time::Duration;

/// Users indexed per transaction: short enough that other writers barely wait (about 0.2 s).
const USERS_PER_TRANSACTION: i64 = 10_000;

/// Lists the ids of users just created by an import, not indexed by the insert trigger, as
/// runs of consecutive ids (SQLite gives a statement's rows consecutive ids; runs keep it
/// exact whatever it gives).
pub async fn defer(tx: &mut Transaction<'static, Any>, ids: &[i64]) -> Result<(), sqlx::Error> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    for (first, last) in runs(&ids) {
        sqlx::query("INSERT INTO users_search_backlog (first_id, last_id) VALUES ($1, $2)")
            .bind(first)
            .bind(last)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sorted ids as (first, last) runs of consecutive ids.
fn runs(sorted: &[i64]) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &id in sorted {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            Some((_, last)) if *last == id => {}
            _ => runs.push((id, id)),
        }
    }
    runs
}

/// The SQL (a `SELECT` of user ids) for users still in the backlog whose search text is
/// `LIKE` the parameter `pattern` (e.g. `$3`), to join with what the index finds.
pub fn pending_matches(pattern: &str) -> String {
    format!(
        "SELECT pending.id FROM users_search_backlog b \
         JOIN users pending ON pending.id BETWEEN b.first_id AND b.last_id \
         WHERE pending.search_text LIKE {pattern} ESCAPE '\\'"
    )
}

/// Indexes the whole backlog, [`USERS_PER_TRANSACTION`] users per transaction; returns how
/// many users it indexed. Safe to run from several tasks: each step takes
/// the write lock, reads the first run and consumes what it indexes.
pub async fn catch_up(db: &Db) -> Result<u64, sqlx::Error> {
    if db.backend() != Backend::Sqlite {
        return Ok(0);
    }
    let mut indexed = 0;
    loop {
        // A plain read first: with nothing to index no write lock is taken (another
        // process's long import holds it).
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users_search_backlog")
            .fetch_one(db.pool())
            .await?;
        if pending == 0 {
            return Ok(indexed);
        }
        let mut tx = db.begin_write().await?;
        let Some(run) = sqlx::query(
            "SELECT first_id, last_id FROM users_search_backlog ORDER BY first_id LIMIT 1",
        )
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(indexed);
        };
        let first: i64 = run.try_get("first_id")?;
        let last: i64 = run.try_get("last_id")?;
        let end = last.min(first + USERS_PER_TRANSACTION - 1);
        let done = sqlx::query(
            "INSERT INTO users_search (rowid, search_text) \
             SELECT id, search_text FROM users WHERE id BETWEEN $1 AND $2",
        )
        .bind(first)
        .bind(end)
        .execute(&mut **tx)
        .await?;
        // The run's first ids are indexed: it shrinks, or goes.
        if end == last {
            sqlx::query("DELETE FROM users_search_backlog WHERE first_id = $1")
                .bind(first)
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query("UPDATE users_search_backlog SET first_id = $1 WHERE first_id = $2")
                .bind(end + 1)
                .bind(first)
                .execute(&mut **tx)
                .await?;
        }
        tx.commit().await?;
        indexed += done.rows_affected();
    }
}

/// The running indexer (SQLite only); `stop` lets the transaction in hand finish.
pub struct Indexer {
    stop: std::sync::Arc<tokio::sync::Notify>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Indexer {
    pub async fn stop(self) {
        self.stop.notify_one();
        if let Some(task) = self.task {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }
}

/// Looks at the backlog every `every` and indexes what it holds (on PostgreSQL: nothing runs).
pub fn spawn(db: Db, every: Duration) -> Indexer {
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    if db.backend() != Backend::Sqlite {
        return Indexer { stop, task: None };
    }
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            match catch_up(&db).await {
                Ok(0) => {}
                Ok(users) => tracing::info!(users, "imported users indexed for search"),
                Err(error) => tracing::error!(%error, "indexing imported users for search failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stopped.notified() => return,
            }
        }
    });
    Indexer {
        stop,
        task: Some(task),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_listed_as_runs_of_consecutive_ids() {
        assert_eq!(runs(&[]), vec![]);
        assert_eq!(runs(&[4]), vec![(4, 4)]);
        assert_eq!(runs(&[1, 2, 3, 7, 8, 10]), vec![(1, 3), (7, 8), (10, 10)]);
        assert_eq!(runs(&[5, 5, 6]), vec![(5, 6)]);
    }
}
