//! One filtered, sorted page of users: the query behind All users and the Invitations
//! dashboard (`UserFilter`). Filters are indexed conditions on the user row (invitation status
//! is stored there, see migration 0003; Expired is a pending row past its expiry); a page's
//! ids are found from the indexes first and only those rows are joined and read.

use super::users::{attach_role_names, summary_from_row, SUMMARY_COLUMNS, SUMMARY_JOINS};
use crate::model::{InvitationStatus, UserFilter, UserSort, UserSummary};
use sqlx::{AnyPool, Row};

pub const PAGE_SIZE: i64 = 50;

pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

fn next(binds: &mut Vec<Bind>, value: Bind) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// `WHERE ...` for the filters over `users u`; `$1` is always now.
pub(crate) fn where_clause(filter: &UserFilter, now: i64) -> (String, Vec<Bind>) {
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
        // A set from the role index, probed per user (EXISTS per row was 140 ms at 100,000).
        conditions.push(format!(
            "u.id IN (SELECT ur.user_id FROM user_roles ur WHERE ur.role_id = {p})"
        ));
    }
    if let Some(job) = filter.import_job_id {
        let p = next(&mut binds, Bind::Int(job));
        conditions.push(format!("u.import_job_id = {p}"));
    }
    if !filter.search.is_empty() {
        let pattern = format!("%{}%", escape_like(&filter.search.to_lowercase()));
        let p = next(&mut binds, Bind::Text(pattern));
        conditions.push(format!("u.search_text LIKE {p} ESCAPE '\\'"));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (clause, binds)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `ORDER BY` columns, each ending in the id so every order is total (stable pages). Users
/// without a value in a nullable column (no organization, never invited) come last either way,
/// on both databases (SQLite puts NULLs first, PostgreSQL last).
fn order_by(sort: UserSort, descending: bool) -> String {
    let (empty_last, columns): (Option<&str>, &[&str]) = match sort {
        UserSort::Name => (None, &["u.last_name", "u.first_name", "u.id"]),
        UserSort::Email => (None, &["u.email_key", "u.id"]),
        UserSort::Kind => (None, &["u.kind", "u.last_name", "u.first_name", "u.id"]),
        UserSort::Organization => (
            Some("o.name"),
            &["o.name", "u.last_name", "u.first_name", "u.id"],
        ),
        UserSort::Status => (
            None,
            &[
                "u.invitation_status",
                "COALESCE(u.invitation_expires_at, 0)",
                "u.id",
            ],
        ),
        UserSort::InvitedAt => (Some("u.invited_at"), &["u.invited_at", "u.id"]),
        UserSort::Created => (None, &["u.created_at", "u.id"]),
    };
    let direction = if descending { " DESC" } else { "" };
    empty_last
        .map(|c| format!("CASE WHEN {c} IS NULL THEN 1 ELSE 0 END"))
        .into_iter()
        .chain(columns.iter().map(|c| format!("{c}{direction}")))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The filter's page of users (with their role names) and how many users match in all.
pub async fn page(
    pool: &AnyPool,
    filter: &UserFilter,
    now: i64,
) -> Result<(Vec<UserSummary>, i64), sqlx::Error> {
    let (clause, binds) = where_clause(filter, now);
    let order = order_by(filter.sort, filter.descending);
    // Only the organization order needs the organization's name to find the page's ids.
    let inner_join = match filter.sort {
        UserSort::Organization => "LEFT JOIN organizations o ON o.id = u.organization_id",
        _ => "",
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_JOINS} WHERE u.id IN \
         (SELECT u.id FROM users u {inner_join} {clause} ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {}) \
         ORDER BY {order}",
        crate::model::clamp_page(filter.page) * PAGE_SIZE
    );
    let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(pool).await?;
    let mut users = rows
        .iter()
        .map(|r| summary_from_row(r, now))
        .collect::<Result<Vec<_>, _>>()?;
    attach_role_names(pool, &mut users).await?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM users u {clause}");
    let total = bind_all(sqlx::query(&count_sql), &binds)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok((users, total))
}

/// The ids of every user matching the filter, for an action on all of them.
pub async fn ids(pool: &AnyPool, filter: &UserFilter, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    let (clause, binds) = where_clause(filter, now);
    let sql = format!("SELECT u.id FROM users u {clause} ORDER BY u.id");
    let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(pool).await?;
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
        let (clause, binds) = where_clause(&filter, 100);
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
        );
        assert!(expired.contains("invitation_expires_at <= $1") && binds.len() == 1);
    }

    #[test]
    fn every_order_ends_with_the_id_so_pages_never_overlap() {
        for sort in UserSort::ALL {
            for descending in [false, true] {
                let order = order_by(sort, descending);
                assert!(
                    order.ends_with(if descending { "u.id DESC" } else { "u.id" }),
                    "{order}"
                );
            }
        }
    }
}
