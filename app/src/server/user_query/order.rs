//! The order of a user list and where a page lies in it: each sort's terms (ending in the id,
//! so every order is total), the cursor user's values for Next and Previous (keyset paging),
//! a numbered page past the middle read from the end, and the orders whose first column may
//! be empty read as two arms.

use super::{where_of, Bind, PAGE_SIZE, SUMMARY_JOINS};
use crate::model::{PageCursor, UserFilter, UserSort};
use crate::server::db::Db;
use sqlx::Row;

/// One term of an order: an expression over `users u` (and `organizations o`), and whether it
/// is text (to bind a cursor's value back as text) or an integer.
pub(super) struct Key {
    pub(super) expr: String,
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
pub(super) fn keys(sort: UserSort, descending: bool) -> Vec<Key> {
    let empty_last = |column: &str| {
        let set = value_flag(descending);
        let empty = 1 - set;
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
        // By the status's place in an invitation's life, then name (see `status_order`).
        UserSort::Status => std::iter::once(key(super::status_order::RANK, false))
            .chain(name())
            .collect(),
        UserSort::InvitedAt => vec![
            empty_last("u.invited_at"),
            key("COALESCE(u.invited_at, 0)", false),
        ],
        UserSort::Created => vec![key("u.created_at", false)],
    };
    keys.push(key("u.id", false));
    keys
}

pub(super) fn order_by(keys: &[Key], descending: bool) -> String {
    let direction = if descending { " DESC" } else { "" };
    keys.iter()
        .map(|k| format!("{}{direction}", k.expr))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The order's terms as columns `k0, k1, …` of a select.
pub(super) fn key_columns(keys: &[Key]) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS k{i}", k.expr))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cursor user's values of the order's terms; None when that user is gone.
pub(super) async fn cursor_values(
    db: &Db,
    keys: &[Key],
    id: i64,
) -> Result<Option<Vec<Bind>>, sqlx::Error> {
    let columns = key_columns(keys);
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

/// Whether a sort's values change only when an admin edits a user. A cursor is the user the
/// page continues from, read as that user's values when Next or Previous is followed; status
/// and invited-at change as invitations go out (the sender sets invited_at as it delivers),
/// so a cursor there could move past users not yet shown: those orders page by number.
pub(super) fn steady(sort: UserSort) -> bool {
    !matches!(sort, UserSort::Status | UserSort::InvitedAt)
}

/// Which rows of the order a page's query reads.
pub(super) struct Window {
    /// Read the order backwards (the page is reversed back afterwards).
    pub(super) backwards: bool,
    /// Only rows past the cursor user's values, in the reading direction.
    pub(super) past: Option<Vec<Bind>>,
    pub(super) offset: i64,
    pub(super) limit: i64,
}

/// Where the filter's page lies. Next and Previous continue from a user of the neighbouring
/// page (keyset paging: the indexes find it, however deep); a page reached by its number past
/// the middle is counted from the end, so the last page is as quick as the first.
pub(super) async fn window(
    db: &Db,
    filter: &UserFilter,
    keys: &[Key],
    total: i64,
) -> Result<Window, sqlx::Error> {
    if let Some(cursor) = filter.cursor.filter(|_| steady(filter.sort)) {
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

/// An order whose first column may be empty (no organization, never invited): users with a
/// value come first, then those without, either way (see `keys`). Such a page is read as two
/// arms, each walking an index in order and stopping after the rows the page needs, so
/// nothing sorts every user.
pub(super) struct TwoArms {
    /// Users with a value: from, the column that places them, and the rest of their order.
    with_value: (&'static str, &'static str, &'static [&'static str]),
    /// Users without one: their condition and their order.
    without_value: (&'static str, &'static [&'static str]),
}

pub(super) fn two_arms(sort: UserSort) -> Option<TwoArms> {
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

/// The flag (the first of `keys` in a two-arm order) of a user with a value: it sorts
/// before the users without one in either direction.
pub(super) fn value_flag(descending: bool) -> i64 {
    if descending {
        1
    } else {
        0
    }
}

/// The page's ids in a two-arm order. Reading backwards the arms come in the other order; a
/// cursor says which arms can still hold the page's rows (`cursor_value`: Some(Some(value
/// placeholder)) for a cursor user with a value, Some(None) for one without), and in the
/// first arm where to start.
pub(super) fn two_arm_ids(
    arms: &TwoArms,
    keys: &[Key],
    conditions: &[String],
    cursor_value: Option<Option<String>>,
    reading_descending: bool,
    window: &Window,
) -> String {
    let (backwards, offset, limit) = (window.backwards, window.offset, window.limit);
    let direction = if reading_descending { " DESC" } else { "" };
    let columns = key_columns(keys);
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

#[cfg(test)]
mod tests {
    use super::*;

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
