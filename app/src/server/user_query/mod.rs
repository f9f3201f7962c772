//! One filtered, sorted page of users: the query behind All users and the Invitations
//! dashboard (`UserFilter`). Filters are indexed conditions on the user row (invitation status
//! is stored there, see migration 0003; Expired is a pending row past its expiry); a page's
//! ids are found from the indexes first and only those rows are joined and read.

mod order;
mod search;
mod status_order;

use super::db::{Backend, Db};
use super::search_backlog;
use super::user_counts;
use super::users::{attach_role_names, summary_from_row, SUMMARY_COLUMNS, SUMMARY_JOINS};
use crate::model::{InvitationStatus, UserFilter, UserSort, UserSummary};
use order::{keys, order_by, two_arm_ids, two_arms, value_flag, window};
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

pub(crate) fn where_of(conditions: &[String]) -> String {
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
    if let Some(status) = filter.status {
        conditions.push(status_condition(status, &mut binds));
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
    if filter.search.chars().any(char::is_control) {
        // No user's search text holds a control character (names and emails are checked), and
        // a NUL is refused by both databases (PostgreSQL's text, SQLite's FTS5 query): such a
        // search matches no one, without asking the database.
        conditions.push("1 = 0".to_string());
    } else if !filter.search.is_empty() {
        let search = filter.search.to_lowercase();
        if backend == Backend::Sqlite && search.chars().count() >= TRIGRAM {
            // One FTS5 phrase: the trigram tokenizer matches it as a substring; inside the
            // quotes every character is literal but the quote itself, which is doubled.
            let phrase = format!("\"{}\"", search.replace('"', "\"\""));
            let p = next(&mut binds, Bind::Text(phrase));
            // Users an import created a moment ago may not be indexed yet: their search text
            // is read as it is (see `search_backlog`; the backlog is empty most of the time).
            let pattern = format!("%{}%", escape_like(&search));
            let q = next(&mut binds, Bind::Text(pattern));
            conditions.push(format!(
                "u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH {p} \
                 UNION ALL {})",
                search_backlog::pending_matches(&q)
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

/// `(t0, t1, …) > ($a, $b, …)`, or `<` reading descending: the rows past a cursor user whose
/// values of the terms are `values`.
fn past(terms: &[String], values: Vec<Bind>, binds: &mut Vec<Bind>, descending: bool) -> String {
    let placeholders = values
        .into_iter()
        .map(|value| next(binds, value))
        .collect::<Vec<_>>()
        .join(", ");
    let comparison = if descending { "<" } else { ">" };
    format!("({}) {comparison} ({placeholders})", terms.join(", "))
}

/// The condition for users in `status`; `$1` is now (Expired is a pending user past it).
fn status_condition(status: InvitationStatus, binds: &mut Vec<Bind>) -> String {
    match status {
        InvitationStatus::Pending => {
            "u.invitation_status = 'pending' AND u.invitation_expires_at > $1".to_string()
        }
        InvitationStatus::Expired => {
            "u.invitation_status = 'pending' AND u.invitation_expires_at <= $1".to_string()
        }
        other => {
            let p = next(binds, Bind::Text(other.as_str().into()));
            format!("u.invitation_status = {p}")
        }
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
    let keys = keys(filter.sort, filter.descending);
    if search::indexed(filter) {
        let (ids, total) = search::page_ids(db, filter, now, &keys).await?;
        let total = match total {
            Some(total) => total,
            None => count(db, filter, now).await?,
        };
        if ids.is_empty() {
            return Ok((Vec::new(), total));
        }
        let list = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let users = summaries(db, &list, &[Bind::Int(now)], &keys, filter.descending, now).await?;
        return Ok((users, total));
    }
    let total = count(db, filter, now).await?;
    let (mut conditions, mut binds) = conditions(filter, now, db.backend(), RoleLookup::PerUser);
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
                [Bind::Int(flag), value] if *flag == value_flag(filter.descending) => {
                    Some(next(&mut binds, value.clone()))
                }
                _ => None,
            });
        }
        let terms = keys.iter().map(|k| k.expr.clone()).collect::<Vec<_>>();
        conditions.push(past(&terms, values, &mut binds, reading_descending));
    }
    let ids = match &arms {
        _ if filter.sort == UserSort::Status => {
            status_order::page_ids(db, filter, now, &conditions, &mut binds, &keys, &window).await?
        }
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
    let users = summaries(db, &ids, &binds, &keys, filter.descending, now).await?;
    Ok((users, total))
}

/// The users `ids` (a subquery or a list of ids) names, with their role names, in the order.
async fn summaries(
    db: &Db,
    ids: &str,
    binds: &[Bind],
    keys: &[order::Key],
    descending: bool,
    now: i64,
) -> Result<Vec<UserSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE u.id IN ({ids}) ORDER BY {}",
        order_by(keys, descending),
    );
    let rows = bind_all(sqlx::query(&sql), binds)
        .fetch_all(db.pool())
        .await?;
    let mut users = rows
        .iter()
        .map(|r| summary_from_row(r, now))
        .collect::<Result<Vec<_>, _>>()?;
    attach_role_names(db.pool(), &mut users).await?;
    Ok(users)
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
        // Users not indexed yet (an import's, a moment after it commits) are read as they are.
        assert!(
            clause.contains("users_search_backlog") && clause.contains("LIKE $3"),
            "{clause}"
        );
        let (clause, pattern) = search("an");
        assert!(clause.contains("LIKE $2"), "{clause}");
        assert_eq!(pattern, "%an%");
    }

    #[test]
    fn a_search_with_a_control_character_matches_no_one_without_reaching_the_database() {
        for text in ["\0", "ann\0lee", "ann\u{2}", "ann\tlee"] {
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let filter = UserFilter {
                    search: text.into(),
                    ..UserFilter::default()
                };
                let (clause, binds) = where_clause(&filter, 100, backend);
                assert!(clause.contains("1 = 0"), "{clause}");
                assert_eq!(binds.len(), 1, "only now is bound");
            }
        }
    }
}
