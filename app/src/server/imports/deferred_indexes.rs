//! SQLite: a large import into a table holding fewer rows builds that table's indexes once,
//! after its rows are in, instead of updating each index row by row.
//!
//! Inside the import's transaction the table's secondary indexes are dropped before its rows
//! are written and created again, from the schema's own SQL, before anything reads them.
//! Until the commit, other connections read the database as it was, indexes included (WAL);
//! a rollback (a failure, a cancel, a crash) brings the indexes back with everything else. The
//! unique indexes stay the final judge: creating one over a duplicate fails as an insert
//! would have (`UNIQUE constraint failed`), and the import is refused with the row named.
//!
//! Measured with Python's sqlite3 on this 2-core machine (2026-12-08, `users` with its ten
//! indexes, while another build ran): 500,000 users into an empty table 38.4 s row by row,
//! 16.4 s dropping the indexes first (10.2 s of inserts, 5.6 s building them again); into a
//! table already holding 500,000 users, 500,000 more 49.0 s row by row and 27.4 s rebuilt,
//! but 100,000 more 10.0 s row by row and 20.4 s rebuilt (building an index costs every row
//! the table holds). So a table's indexes are deferred only when the import brings at least
//! half as many rows as it holds. If `ANALYZE` ever gathered the planner's statistics for such
//! a table (the app does not; an operator may), they are gathered again after the rebuild,
//! since dropping an index deletes its statistics. PostgreSQL is left alone: dropping an index there locks the
//! table against every reader until the import commits.

use sqlx::{Any, Row, Transaction};

/// How many rows an import is about to write into each table it fills.
#[derive(Debug, Clone, Copy, Default)]
pub struct Incoming {
    pub users: usize,
    pub role_links: usize,
    /// One invitation and one outbox email per created user when invitations go out.
    pub invitations: usize,
}

/// Indexes dropped for the write, the SQL that makes them again, and the tables whose
/// planner statistics (`ANALYZE`) are to be gathered again after them.
#[derive(Debug, Default)]
pub struct DeferredIndexes {
    create: Vec<String>,
    analyze: Vec<&'static str>,
}

impl DeferredIndexes {
    /// Drops the secondary indexes of each table the import fills with at least half as many
    /// rows as it holds. On PostgreSQL, nothing.
    pub async fn drop_for(
        tx: &mut Transaction<'static, Any>,
        incoming: Incoming,
    ) -> Result<Self, sqlx::Error> {
        let mut deferred = DeferredIndexes::default();
        if crate::server::batch::is_postgres(tx) {
            return Ok(deferred);
        }
        let tables = [
            ("users", incoming.users),
            ("user_roles", incoming.role_links),
            ("invitations", incoming.invitations),
            ("email_outbox", incoming.invitations),
        ];
        // `DROP INDEX` also deletes the index's statistics, if `ANALYZE` ever gathered any.
        let has_stats: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
        )
        .fetch_one(&mut **tx)
        .await?;
        for (table, rows) in tables {
            if rows == 0 {
                continue;
            }
            // Counted up to the point that decides (a table of millions is not read whole).
            let limit = rows.saturating_mul(2).saturating_add(1);
            let held: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT {limit})"
            ))
            .fetch_one(&mut **tx)
            .await?;
            if held as usize > rows.saturating_mul(2) {
                continue;
            }
            // Indexes made by `CREATE INDEX` (a primary key's or a UNIQUE column's own index
            // has no SQL and cannot be dropped; it stays).
            let indexes = sqlx::query(
                "SELECT name, sql FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name",
            )
            .bind(table)
            .fetch_all(&mut **tx)
            .await?;
            if indexes.is_empty() {
                continue;
            }
            if has_stats > 0 {
                let analyzed: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = $1")
                        .bind(table)
                        .fetch_one(&mut **tx)
                        .await?;
                if analyzed > 0 {
                    deferred.analyze.push(table);
                }
            }
            for index in indexes {
                let name: String = index.try_get("name")?;
                let sql: String = index.try_get("sql")?;
                sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                    .execute(&mut **tx)
                    .await?;
                deferred.create.push(sql);
            }
        }
        Ok(deferred)
    }

    /// Creates the dropped indexes again over every row (a unique index over a duplicate fails
    /// with the database's unique-violation error), and gathers the statistics of tables that
    /// had them.
    pub async fn rebuild(self, tx: &mut Transaction<'static, Any>) -> Result<(), sqlx::Error> {
        for sql in self.create {
            sqlx::query(&sql).execute(&mut **tx).await?;
        }
        for table in self.analyze {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// How many indexes were dropped, to be made again.
    pub fn len(&self) -> usize {
        self.create.len()
    }

    pub fn is_empty(&self) -> bool {
        self.create.is_empty()
    }
}
