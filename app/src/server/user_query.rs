//! One filtered, sorted page of users: the query behind All users and the Invitations
//! dashboard (`UserFilter`). Filters are indexed conditions on the user row (invitation status
//! is stored there, see migration 0003; Expired is a pending row past its expiry); a page's
//! ids are found from the indexes first and only those rows are joined and read.

use super::db::{Backend, Db};
use super::user_counts;
use super::users::{attach_role_names, summary_from_row, SUMMARY_COLUMNS, SUMMARY_JOINS};
use crate::model::{InvitationStatus, PageCursor, UserFilter, UserSort, UserSummary};
use sqlx::Row;

pub const PAGE_SIZE: i64 = 50;

#[derive(Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

fn next(binds: &mut Vec<Bind>, value: Bind) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// The shortest search SQLite's trigram index (`users_search`, migration 0011) can serve.
const TRIGRAM: usize = 3;

/// How a role filter looks its users up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RoleLookup {
    /// The role's users read once from the role index as a set: for reading every user (a
    /// probe of user_roles per user was 140 ms at 100,000).
    AsSet,
    /// Each user read probed in user_roles' key: for a page (it stops once full; building
    /// the set first was 390 ms at a million users with 100,000 in the role) and for counting
    /// within a narrower indexed filter (an organization, an import, a search).
    PerUser,
}

/// `WHERE ...` for the filters over `users u`; `$1` is always now.
pub(crate) fn where_clause(filter: &UserFilter, now: i64, backend: Backend) -> (String, Vec<Bind>) {
    let (conditions, binds) = conditions(filter, now, backend, RoleLookup::AsSet);
    (where_of(&conditions), binds)
}

fn where_of(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// The filters' conditions over `users u` and their parameters; `$1` is always now.
fn conditions(
    filter: &UserFilter,
    now: i64,
    backend: Backend,
    role_lookup: RoleLookup,
) -> (Vec<String>, Vec<Bind>) {
    let mut conditions = Vec::new();
    let mut binds = vec![Bind::Int(now)];
    match filter.status {
        Some(InvitationStatus::Pending) => conditions
            .push("u.invitation_status = 'pending' AND u.invitation_expires_at > $1".to_string()),
        Some(InvitationStatus::Expired) => conditions
            .push("u.invitation_status = 'pending' AND u.invitation_expires_at <= $1".to_string()),
        Some(other) => {
            let p = next(&mut binds, Bind::Text(other.as_str().into()));
            conditions.push(format!("u.invitation_status = {p}"));
        }
        None => {}
    }
    if let Some(kind) = filter.kind {
        let p = next(&mut binds, Bind::Text(kind.as_str().into()));
        conditions.push(format!("u.kind = {p}"));
    }
    if let Some(org) = filter.organization_id {
        let p = next(&mut binds, Bind::Int(org));
        conditions.push(format!("u.organization_id = {p}"));
    }
    if let Some(role) = filter.role_id {
        let p = next(&mut binds, Bind::Int(role));
        conditions.push(match role_lookup {
            RoleLookup::AsSet => {
                format!("u.id IN (SELECT ur.user_id FROM user_roles ur WHERE ur.role_id = {p})")
            }
            RoleLookup::PerUser => format!(
                "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = {p})"
            ),
        });
    }
    if let Some(job) = filter.import_job_id {
        let p = next(&mut binds, Bind::Int(job));
        conditions.push(format!("u.import_job_id = {p}"));
    }
    if !filter.search.is_empty() {
        let search = filter.search.to_lowercase();
        if backend == Backend::Sqlite && search.chars().count() >= TRIGRAM {
            // One FTS5 phrase: the trigram tokenizer matches it as a substring; inside the
            // quotes every character is literal but the quote itself, which is doubled.
            let phrase = format!("\"{}\"", search.replace('"', "\"\""));
            let p = next(&mut binds, Bind::Text(phrase));
            conditions.push(format!(
                "u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH {p})"
            ));
        } else {
            // PostgreSQL's trigram index (migration 0009) serves this LIKE.
            let pattern = format!("%{}%", escape_like(&search));
            let p = next(&mut binds, Bind::Text(pattern));
            conditions.push(format!("u.search_text LIKE {p} ESCAPE '\\'"));
        }
    }
    (conditions, binds)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One term of an order: an expression over `users u` (and `organizations o`), and whether it
/// is text (to bind a cursor's value back as text) or an integer.
struct Key {
    expr: String,
    text: bool,
}

fn key(expr: &str, text: bool) -> Key {
    Key {
        expr: expr.to_string(),
        text,
    }
}

/// The order's terms, each list ending in the id so every order is total (stable pages). A
/// nullable column (no organization, never invited) is read as a flag that puts users without
/// a value last either way, on both databases, then the value: so every term sorts in the
/// same direction and a page can start after a user with one row-value comparison.
fn keys(sort: UserSort, descending: bool) -> Vec<Key> {
    let empty_last = |column: &str| {
        let (empty, set) = if descending { (0, 1) } else { (1, 0) };
        key(
            &format!("CAST(CASE WHEN {column} IS NULL THEN {empty} ELSE {set} END AS BIGINT)"),
            false,
        )
    };
    let name = || [key("u.last_name", true), key("u.first_name", true)];
    let mut keys: Vec<Key> = match sort {
        UserSort::Name => name().into(),
        UserSort::Email => vec![key("u.email_key", true)],
        UserSort::Kind => std::iter::once(key("u.kind", true)).chain(name()).collect(),
        // By the organization's unique lower-cased name, so its users never interleave with
        // another's (see `two_arms`).
        UserSort::Organization => [
            empty_last("o.name_key"),
            key("COALESCE(o.name_key, '')", true),
        ]
        .into_iter()
        .chain(name())
        .collect(),
        UserSort::Status => vec![
            key("u.invitation_status", true),
            key("COALESCE(u.invitation_expires_at, 0)", false),
        ],
        UserSort::InvitedAt => vec![
            empty_last("u.invited_at"),
            key("COALESCE(u.invited_at, 0)", false),
        ],
        UserSort::Created => vec![key("u.created_at", false)],
    };
    keys.push(key("u.id", false));
    keys
}

fn order_by(keys: &[Key], descending: bool) -> String {
    let direction = if descending { " DESC" } else { "" };
    keys.iter()
        .map(|k| format!("{}{direction}", k.expr))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cursor user's values of the order's terms; None when that user is gone.
async fn cursor_values(db: &Db, keys: &[Key], id: i64) -> Result<Option<Vec<Bind>>, sqlx::Error> {
    let columns = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS k{i}", k.expr))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {columns} {SUMMARY_JOINS} WHERE u.id = $1");
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await? else {
        return Ok(None);
    };
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let name = format!("k{i}");
            Ok(if k.text {
                Bind::Text(row.try_get(name.as_str())?)
            } else {
                Bind::Int(row.try_get(name.as_str())?)
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map(Some)
}

/// Which rows of the order a page's query reads.
struct Window {
    /// Read the order backwards (the page is reversed back afterwards).
    backwards: bool,
    /// Only rows past the cursor user's values, in the reading direction.
    past: Option<Vec<Bind>>,
    offset: i64,
    limit: i64,
}

/// Where the filter's page lies. Next and Previous continue from a user of the neighbouring
/// page (keyset paging: the indexes find it, however deep); a page reached by its number past
/// the middle is counted from the end, so the last page is as quick as the first.
async fn window(
    db: &Db,
    filter: &UserFilter,
    keys: &[Key],
    total: i64,
) -> Result<Window, sqlx::Error> {
    if let Some(cursor) = filter.cursor {
        let (id, backwards) = match cursor {
            PageCursor::After(id) => (id, false),
            PageCursor::Before(id) => (id, true),
        };
        if let Some(values) = cursor_values(db, keys, id).await? {
            return Ok(Window {
                backwards,
                past: Some(values),
                offset: 0,
                limit: PAGE_SIZE,
            });
        }
    }
    let offset = crate::model::clamp_page(filter.page) * PAGE_SIZE;
    let limit = PAGE_SIZE.min(total - offset).max(0);
    Ok(if offset * 2 > total {
        Window {
            backwards: true,
            past: None,
            offset: (total - offset - limit).max(0),
            limit,
        }
    } else {
        Window {
            backwards: false,
            past: None,
            offset,
            limit,
        }
    })
}

pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
        };
    }
    query
}

/// An order whose first column may be empty (no organization, never invited): users with a
/// value come first, then those without, either way (see `keys`). Such a page is read as two
/// arms, each walking an index in order and stopping after the rows the page needs, so
/// nothing sorts every user.
struct TwoArms {
    /// Users with a value: from, the column that places them, and the rest of their order.
    with_value: (&'static str, &'static str, &'static [&'static str]),
    /// Users without one: their condition and their order.
    without_value: (&'static str, &'static [&'static str]),
}

fn two_arms(sort: UserSort) -> Option<TwoArms> {
    match sort {
        // The organizations walked by their unique name_key, each one's users through the
        // (organization, name) index; then users without one by name.
        UserSort::Organization => Some(TwoArms {
            with_value: (
                "FROM organizations o JOIN users u ON u.organization_id = o.id",
                "o.name_key",
                &["u.last_name", "u.first_name", "u.id"],
            ),
            without_value: (
                "u.organization_id IS NULL",
                &["u.last_name", "u.first_name", "u.id"],
            ),
        }),
        // The invited through their invited_at index, then the never invited by id.
        UserSort::InvitedAt => Some(TwoArms {
            with_value: ("FROM users u", "u.invited_at", &["u.id"]),
            without_value: ("u.invited_at IS NULL", &["u.id"]),
        }),
        _ => None,
    }
}

/// The flag value (the first of `keys`) of a user with a value in a two-arm order.
fn has_value_flag(filter: &UserFilter) -> i64 {
    if filter.descending {
        1
    } else {
        0
    }
}

/// The page's ids in a two-arm order. Reading backwards the arms come in the other order; a
/// cursor says which arms can still hold the page's rows (`cursor_value`: Some(Some(value
/// placeholder)) for a cursor user with a value, Some(None) for one without), and in the
/// first arm where to start.
fn two_arm_ids(
    arms: &TwoArms,
    keys: &[Key],
    conditions: &[String],
    cursor_value: Option<Option<String>>,
    reading_descending: bool,
    window: &Window,
) -> String {
    let (backwards, offset, limit) = (window.backwards, window.offset, window.limit);
    let direction = if reading_descending { " DESC" } else { "" };
    let columns = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS k{i}", k.expr))
        .collect::<Vec<_>>()
        .join(", ");
    let enough = offset + limit;
    let ordered = |columns: &[&str]| {
        columns
            .iter()
            .map(|c| format!("{c}{direction}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let arm = |from: &str, extra: Vec<String>, order: String| {
        let mut all = conditions.to_vec();
        all.extend(extra);
        format!(
            "SELECT * FROM (SELECT u.id AS id, {columns} {from} {} ORDER BY {order} LIMIT {enough}) AS arm",
            where_of(&all)
        )
    };
    let (from, first, rest) = arms.with_value;
    let with_value = || {
        let mut extra = vec![format!("{first} IS NOT NULL")];
        if let Some(Some(value)) = &cursor_value {
            let at_or_past = if reading_descending { "<=" } else { ">=" };
            extra.push(format!("{first} {at_or_past} {value}"));
        }
        let order = std::iter::once(first)
            .chain(rest.iter().copied())
            .collect::<Vec<_>>();
        arm(from, extra, ordered(&order))
    };
    let (empty, order) = arms.without_value;
    let without_value = || {
        arm(
            "FROM users u LEFT JOIN organizations o ON o.id = u.organization_id",
            vec![empty.to_string()],
            ordered(order),
        )
    };
    // Shown in order: with a value, then without. A cursor among the first arm reading
    // backwards, or among the second reading forwards, has nothing of the other.
    let cursor_has_value = cursor_value.as_ref().map(Option::is_some);
    let mut read = Vec::new();
    if !(backwards && cursor_has_value == Some(true)) {
        read.push(without_value());
    }
    if backwards || cursor_has_value != Some(false) {
        read.push(with_value());
    }
    let order = (0..keys.len())
        .map(|i| format!("k{i}{direction}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT id FROM ({}) AS arms ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        read.join(" UNION ALL ")
    )
}

/// How many users the filter matches: from the kept counts where they tell, from the role
/// index alone for a role alone, else counted.
async fn count(db: &Db, filter: &UserFilter, now: i64) -> Result<i64, sqlx::Error> {
    if let Some(kept) = user_counts::matching(db, filter, now).await? {
        return Ok(kept);
    }
    if let Some(role) = filter.role_id {
        let only_role = UserFilter {
            role_id: Some(role),
            ..UserFilter::default()
        };
        if filter.narrows_like(&only_role) {
            return sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role_id = $1")
                .bind(role)
                .fetch_one(db.pool())
                .await;
        }
    }
    let narrower = filter.organization_id.is_some()
        || filter.import_job_id.is_some()
        || !filter.search.is_empty();
    let lookup = if narrower {
        RoleLookup::PerUser
    } else {
        RoleLookup::AsSet
    };
    let (conditions, binds) = conditions(filter, now, db.backend(), lookup);
    bind_all(
        sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM users u {}",
            where_of(&conditions)
        )),
        &binds,
    )
    .fetch_one(db.pool())
    .await?
    .try_get("n")
}

/// The filter's page of users (with their role names) and how many users match in all.
pub async fn page(
    db: &Db,
    filter: &UserFilter,
    now: i64,
) -> Result<(Vec<UserSummary>, i64), sqlx::Error> {
    let pool = db.pool();
    let total = count(db, filter, now).await?;
    let (mut conditions, mut binds) = conditions(filter, now, db.backend(), RoleLookup::PerUser);
    let keys = keys(filter.sort, filter.descending);
    let mut window = window(db, filter, &keys, total).await?;
    if window.limit == 0 {
        return Ok((Vec::new(), total));
    }
    let reading_descending = filter.descending != window.backwards;
    // In a two-arm order, where the cursor user is: with a value (bound for the first arm's
    // start) or without.
    let arms = two_arms(filter.sort);
    let mut cursor_value = None;
    if let Some(values) = window.past.take() {
        if arms.is_some() {
            cursor_value = Some(match &values[..2] {
                [Bind::Int(flag), value] if *flag == has_value_flag(filter) => {
                    Some(next(&mut binds, value.clone()))
                }
                _ => None,
            });
        }
        let placeholders = values
            .into_iter()
            .map(|value| next(&mut binds, value))
            .collect::<Vec<_>>()
            .join(", ");
        let terms = keys.iter().map(|k| k.expr.as_str()).collect::<Vec<_>>();
        let comparison = if reading_descending { "<" } else { ">" };
        conditions.push(format!(
            "({}) {comparison} ({placeholders})",
            terms.join(", ")
        ));
    }
    let ids = match &arms {
        Some(arms) => two_arm_ids(
            arms,
            &keys,
            &conditions,
            cursor_value,
            reading_descending,
            &window,
        ),
        None => format!(
            "SELECT u.id FROM users u {} ORDER BY {} LIMIT {} OFFSET {}",
            where_of(&conditions),
            order_by(&keys, reading_descending),
            window.limit,
            window.offset,
        ),
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE u.id IN ({ids}) ORDER BY {}",
        order_by(&keys, filter.descending),
    );
    let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(pool).await?;
    let mut users = rows
        .iter()
        .map(|r| summary_from_row(r, now))
        .collect::<Result<Vec<_>, _>>()?;
    attach_role_names(pool, &mut users).await?;
    Ok((users, total))
}

/// The ids of every user matching the filter, for an action on all of them.
pub async fn ids(db: &Db, filter: &UserFilter, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    let (clause, binds) = where_clause(filter, now, db.backend());
    let sql = format!("SELECT u.id FROM users u {clause} ORDER BY u.id");
    let rows = bind_all(sqlx::query(&sql), &binds)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserKind;

    #[test]
    fn search_text_cannot_act_as_a_wildcard() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn every_filter_becomes_a_numbered_parameter_after_now() {
        let filter = UserFilter {
            status: Some(InvitationStatus::SendFailed),
            kind: Some(UserKind::Technician),
            organization_id: Some(4),
            role_id: Some(2),
            import_job_id: Some(7),
            search: "ann".into(),
            ..UserFilter::default()
        };
        let (clause, binds) = where_clause(&filter, 100, Backend::Postgres);
        assert_eq!(binds.len(), 7);
        for n in 2..=7 {
            assert!(clause.contains(&format!("${n}")), "{clause}");
        }
        let (expired, binds) = where_clause(
            &UserFilter {
                status: Some(InvitationStatus::Expired),
                ..UserFilter::default()
            },
            100,
            Backend::Sqlite,
        );
        assert!(expired.contains("invitation_expires_at <= $1") && binds.len() == 1);
    }

    #[test]
    fn sqlite_searches_of_three_characters_or_more_use_the_trigram_index_as_one_phrase() {
        let search = |text: &str| {
            let filter = UserFilter {
                search: text.into(),
                ..UserFilter::default()
            };
            let (clause, binds) = where_clause(&filter, 100, Backend::Sqlite);
            match &binds[1] {
                Bind::Text(value) => (clause, value.clone()),
                Bind::Int(_) => panic!("search binds text"),
            }
        };
        let (clause, phrase) = search("Ann \"50%\"");
        assert!(clause.contains("users_search MATCH $2"), "{clause}");
        assert_eq!(phrase, "\"ann \"\"50%\"\"\"");
        let (clause, pattern) = search("an");
        assert!(clause.contains("LIKE $2"), "{clause}");
        assert_eq!(pattern, "%an%");
    }

    #[test]
    fn every_order_ends_with_the_id_so_pages_never_overlap() {
        for sort in UserSort::ALL {
            for descending in [false, true] {
                let order = order_by(&keys(sort, descending), descending);
                assert!(
                    order.ends_with(if descending { "u.id DESC" } else { "u.id" }),
                    "{order}"
                );
            }
        }
    }
}
