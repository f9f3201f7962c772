//! A page of a search that a trigram index serves, read with the number matching in one
//! query. The index is the costly part of such a page: a fragment that every user shares
//! ("last", a mail domain) reads a posting list as long as the users table (about 35 ms at a
//! million users on either database), so it is read once, not once for the page and again for
//! the count. The users a search matches are few enough to sort, so the page lies by its
//! number (or after its cursor user) in that sorted set.

use super::order::{cursor_values, key_columns, steady, Key};
use super::{bind_all, conditions, past, where_of, RoleLookup, PAGE_SIZE, TRIGRAM};
use crate::model::{clamp_page, PageCursor, UserFilter};
use crate::server::db::Db;
use crate::server::users::SUMMARY_JOINS;
use sqlx::Row;

/// Whether the search is long enough for the trigram index (on SQLite its FTS5 table, on
/// PostgreSQL pg_trgm; shorter ones read every user either way).
pub(super) fn indexed(filter: &UserFilter) -> bool {
    filter.search.chars().count() >= TRIGRAM
}

/// The page's user ids in the order, and how many users match in all: None when the page is
/// empty (past the last page), which tells nothing of the rest.
pub(super) async fn page_ids(
    db: &Db,
    filter: &UserFilter,
    now: i64,
    keys: &[Key],
) -> Result<(Vec<i64>, Option<i64>), sqlx::Error> {
    let (conditions, mut binds) = conditions(filter, now, db.backend(), RoleLookup::PerUser);
    let cursor = filter.cursor.filter(|_| steady(filter.sort));
    let (cursor_id, backwards) = match cursor {
        Some(PageCursor::After(id)) => (Some(id), false),
        Some(PageCursor::Before(id)) => (Some(id), true),
        None => (None, false),
    };
    let values = match cursor_id {
        Some(id) => cursor_values(db, keys, id).await?,
        None => None,
    };
    // A cursor naming a user who is gone falls back to the page number.
    let backwards = backwards && values.is_some();
    let reading_descending = filter.descending != backwards;
    let (after, offset) = match values {
        Some(values) => {
            let columns = (0..keys.len()).map(|i| format!("k{i}")).collect::<Vec<_>>();
            let after = past(&columns, values, &mut binds, reading_descending);
            (format!("WHERE {after}"), 0)
        }
        None => (String::new(), clamp_page(filter.page) * PAGE_SIZE),
    };
    let direction = if reading_descending { " DESC" } else { "" };
    let order = (0..keys.len())
        .map(|i| format!("k{i}{direction}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, total FROM (SELECT u.id AS id, {}, COUNT(*) OVER () AS total \
         {SUMMARY_JOINS} {}) AS matched {after} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {offset}",
        key_columns(keys),
        where_of(&conditions),
    );
    let rows = bind_all(sqlx::query(&sql), &binds)
        .fetch_all(db.pool())
        .await?;
    let total = match rows.first() {
        Some(row) => Some(row.try_get("total")?),
        None => None,
    };
    let ids = rows
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<Vec<i64>, _>>()?;
    Ok((ids, total))
}
