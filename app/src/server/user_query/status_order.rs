//! The order by invitation status: the statuses of an invitation's life in turn (Not invited,
//! Pending, Expired, Registered, Send failed), each one's users by name. A page is read as one
//! arm per status, each walking the (status, name) index and stopping when the page is full,
//! so nothing sorts every user (PostgreSQL sorted a million users for the first page: 123 ms).
//! Where the kept counts tell how many users each status has (no filter but a status), only
//! the arms holding the page are read, each from its own offset, so a page in the middle is
//! found without reading the ones before it in every arm.

use super::order::{key_columns, Key, Window};
use super::{status_condition, where_of, Bind};
use crate::model::{InvitationStatus, UserFilter};
use crate::server::db::Db;
use crate::server::user_counts;

/// The status's place in the order; `$1` is now, which tells Expired from Pending.
pub(super) const RANK: &str = "CAST(CASE u.invitation_status WHEN 'not_invited' THEN 0 \
     WHEN 'pending' THEN CASE WHEN u.invitation_expires_at <= $1 THEN 2 ELSE 1 END \
     WHEN 'registered' THEN 3 ELSE 4 END AS BIGINT)";

/// The statuses in the order `RANK` gives them.
const LIFE: [InvitationStatus; 5] = [
    InvitationStatus::NotInvited,
    InvitationStatus::Pending,
    InvitationStatus::Expired,
    InvitationStatus::Registered,
    InvitationStatus::SendFailed,
];

/// How many users of each status (in `LIFE` order) the filter matches, when the kept counts
/// tell: with no filter but a status.
async fn counts(db: &Db, filter: &UserFilter, now: i64) -> Result<Option<[i64; 5]>, sqlx::Error> {
    let only_status = UserFilter {
        status: filter.status,
        ..UserFilter::default()
    };
    if !filter.narrows_like(&only_status) {
        return Ok(None);
    }
    let all = user_counts::per_status(db, now).await?;
    Ok(Some(LIFE.map(|status| match filter.status {
        Some(only) if only != status => 0,
        _ => all.get(status),
    })))
}

/// The page's ids in the status order: `conditions` and `binds` are the filters' (`$1` now).
pub(super) async fn page_ids(
    db: &Db,
    filter: &UserFilter,
    now: i64,
    conditions: &[String],
    binds: &mut Vec<Bind>,
    keys: &[Key],
    window: &Window,
) -> Result<String, sqlx::Error> {
    let reading_descending = filter.descending != window.backwards;
    let direction = if reading_descending { " DESC" } else { "" };
    let columns = key_columns(keys);
    let mut statuses: Vec<(usize, InvitationStatus)> = LIFE.into_iter().enumerate().collect();
    if reading_descending {
        statuses.reverse();
    }
    let counts = counts(db, filter, now).await?;
    let (first, end) = (window.offset, window.offset + window.limit);
    let mut arms = Vec::new();
    let mut start = 0;
    for (place, status) in statuses {
        if filter.status.is_some_and(|only| only != status) {
            continue;
        }
        // The arm's own rows to read: those of the page when its size is known, else from its
        // start to the page's end.
        let (offset, limit) = match counts {
            Some(counts) => {
                let size = counts[place];
                let arm_start = start;
                start += size;
                let (from, to) = (first.max(arm_start), end.min(start));
                if from >= to {
                    continue;
                }
                (from - arm_start, to - from)
            }
            None => (0, end),
        };
        let mut all = conditions.to_vec();
        all.push(status_condition(status, binds));
        arms.push(format!(
            "SELECT * FROM (SELECT u.id AS id, {columns} \
             FROM users u LEFT JOIN organizations o ON o.id = u.organization_id {} \
             ORDER BY u.last_name{direction}, u.first_name{direction}, u.id{direction} \
             LIMIT {limit} OFFSET {offset}) AS arm",
            where_of(&all)
        ));
    }
    let order = (0..keys.len())
        .map(|i| format!("k{i}{direction}"))
        .collect::<Vec<_>>()
        .join(", ");
    // With the counts each arm read only its part of the page; without, the page lies at the
    // window's offset in the arms read together.
    let offset = if counts.is_some() { 0 } else { first };
    Ok(if arms.is_empty() {
        "SELECT u.id FROM users u WHERE 1 = 0".to_string()
    } else {
        format!(
            "SELECT id FROM ({}) AS arms ORDER BY {order} LIMIT {} OFFSET {offset}",
            arms.join(" UNION ALL "),
            window.limit
        )
    })
}
