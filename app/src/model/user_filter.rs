//! Which users a list shows and in what order: the filters of All users and of the Invitations
//! dashboard, one type for both, as they appear in the page's URL
//! (`?status=pending&role=3&q=ann&sort=created&dir=desc&page=2`). Next and Previous also name
//! the user the page continues from (`&after=812` / `&before=760`), so a deep page is found
//! from the indexes where that user sits instead of by counting every user before it.

use super::{InvitationStatus, UserKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    Email,
    Kind,
    Organization,
    Status,
    InvitedAt,
    Created,
}

impl UserSort {
    pub const ALL: [UserSort; 7] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::Kind,
        UserSort::Organization,
        UserSort::Status,
        UserSort::InvitedAt,
        UserSort::Created,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Kind => "kind",
            UserSort::Organization => "organization",
            UserSort::Status => "status",
            UserSort::InvitedAt => "invited_at",
            UserSort::Created => "created",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserSort::Name => "Name",
            UserSort::Email => "Email",
            UserSort::Kind => "Kind",
            UserSort::Organization => "Organization",
            UserSort::Status => "Status",
            UserSort::InvitedAt => "Invited at",
            UserSort::Created => "Created",
        }
    }

    pub fn parse(text: &str) -> Option<UserSort> {
        UserSort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a page starts: right after, or right before, a user of the neighbouring page (keyset
/// paging). Without one, the page number alone places the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageCursor {
    After(i64),
    Before(i64),
}

/// The longest search kept from a URL.
pub const SEARCH_MAX_CHARS: usize = 100;

/// Every field is optional on the wire (`filter[page]=2` alone is a whole filter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserFilter {
    pub status: Option<InvitationStatus>,
    pub kind: Option<UserKind>,
    pub organization_id: Option<i64>,
    pub role_id: Option<i64>,
    pub import_job_id: Option<i64>,
    /// Any part of the name (either order) or the email, case-insensitive; `%` and `_` are
    /// literal characters.
    pub search: String,
    pub sort: UserSort,
    pub descending: bool,
    pub page: i64,
    pub cursor: Option<PageCursor>,
}

impl UserFilter {
    /// Reads the URL's query values; anything unknown is ignored rather than refused.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> UserFilter {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<i64>().ok());
        UserFilter {
            status: get("status").and_then(|s| InvitationStatus::parse(&s)),
            kind: get("kind").and_then(|s| UserKind::parse(&s)),
            organization_id: number("org"),
            role_id: number("role"),
            import_job_id: number("job"),
            search: get("q")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(SEARCH_MAX_CHARS)
                .collect(),
            sort: get("sort")
                .and_then(|s| UserSort::parse(&s))
                .unwrap_or_default(),
            descending: get("dir").as_deref() == Some("desc"),
            page: super::clamp_page(number("page").unwrap_or(0)),
            cursor: number("after")
                .map(PageCursor::After)
                .or_else(|| number("before").map(PageCursor::Before)),
        }
    }

    /// The query string for these filters (without `?`), page included when not the first.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(s) = self.status {
            parts.push(("status", s.as_str().into()));
        }
        if let Some(k) = self.kind {
            parts.push(("kind", k.as_str().into()));
        }
        if let Some(o) = self.organization_id {
            parts.push(("org", o.to_string()));
        }
        if let Some(r) = self.role_id {
            parts.push(("role", r.to_string()));
        }
        if let Some(j) = self.import_job_id {
            parts.push(("job", j.to_string()));
        }
        if !self.search.is_empty() {
            parts.push(("q", self.search.clone()));
        }
        if self.sort != UserSort::Name {
            parts.push(("sort", self.sort.as_str().into()));
        }
        if self.descending {
            parts.push(("dir", "desc".into()));
        }
        if self.page > 0 {
            parts.push(("page", self.page.to_string()));
        }
        match self.cursor {
            Some(PageCursor::After(id)) => parts.push(("after", id.to_string())),
            Some(PageCursor::Before(id)) => parts.push(("before", id.to_string())),
            None => {}
        }
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same filters on another page, placed by its number.
    pub fn on_page(&self, page: i64) -> UserFilter {
        UserFilter {
            page: super::clamp_page(page),
            cursor: None,
            ..self.clone()
        }
    }

    /// The page after this one, which starts after `last_id`, this page's last user.
    pub fn next_page(&self, last_id: i64) -> UserFilter {
        UserFilter {
            cursor: Some(PageCursor::After(last_id)),
            ..self.on_page(self.page + 1)
        }
    }

    /// The page before this one, which ends before `first_id`, this page's first user; the
    /// first page is always read from the start (users added meanwhile are not left out).
    pub fn previous_page(&self, first_id: i64) -> UserFilter {
        if self.page <= 1 {
            return self.first_page();
        }
        UserFilter {
            cursor: Some(PageCursor::Before(first_id)),
            ..self.on_page(self.page - 1)
        }
    }

    /// The same filters from their first page (after a filter changes).
    pub fn first_page(&self) -> UserFilter {
        self.on_page(0)
    }

    /// Sorted by `sort`: ascending first, descending when already sorted by it ascending;
    /// back to the first page.
    pub fn sorted_by(&self, sort: UserSort) -> UserFilter {
        UserFilter {
            sort,
            descending: self.sort == sort && !self.descending,
            ..self.first_page()
        }
    }

    /// Whether both filters narrow the list the same way (whatever their order and page).
    pub fn narrows_like(&self, other: &UserFilter) -> bool {
        self.status == other.status
            && self.kind == other.kind
            && self.organization_id == other.organization_id
            && self.role_id == other.role_id
            && self.import_job_id == other.import_job_id
            && self.search == other.search
    }

    /// Whether anything narrows the list (sorting and paging do not).
    pub fn narrows(&self) -> bool {
        self.status.is_some()
            || self.kind.is_some()
            || self.organization_id.is_some()
            || self.role_id.is_some()
            || self.import_job_id.is_some()
            || !self.search.is_empty()
    }
}

fn encode_query_value(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_survive_a_trip_through_the_url() {
        let filter = UserFilter {
            status: Some(InvitationStatus::SendFailed),
            kind: Some(UserKind::EndUser),
            organization_id: Some(3),
            role_id: Some(5),
            import_job_id: Some(9),
            search: "ann & bo".into(),
            sort: UserSort::Created,
            descending: true,
            page: 2,
            cursor: Some(PageCursor::After(812)),
        };
        let query = filter.to_query();
        assert!(query.contains("q=ann%20%26%20bo"), "{query}");
        let pairs: std::collections::HashMap<String, String> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ").replace("%26", "&")))
            .collect();
        assert_eq!(UserFilter::from_query(|k| pairs.get(k).cloned()), filter);
    }

    #[test]
    fn unknown_filter_values_are_ignored() {
        let filter = UserFilter::from_query(|k| match k {
            "status" => Some("maybe".into()),
            "page" => Some("-4".into()),
            "sort" => Some("shoe size".into()),
            "role" => Some("admin".into()),
            _ => None,
        });
        assert_eq!(filter, UserFilter::default());
        assert!(!filter.narrows());
    }

    #[test]
    fn clicking_a_column_sorts_by_it_then_reverses_it() {
        let deep = UserFilter {
            search: "ann".into(),
            page: 7,
            ..UserFilter::default()
        };
        let by_email = deep.sorted_by(UserSort::Email);
        assert_eq!(
            (by_email.sort, by_email.descending, by_email.page),
            (UserSort::Email, false, 0)
        );
        assert_eq!(by_email.search, "ann");
        assert!(by_email.sorted_by(UserSort::Email).descending);
        assert!(
            !by_email
                .sorted_by(UserSort::Email)
                .sorted_by(UserSort::Email)
                .descending
        );
        assert!(!by_email.sorted_by(UserSort::Created).descending);
    }

    #[test]
    fn next_and_previous_name_the_user_they_continue_from_and_a_numbered_page_does_not() {
        let page = UserFilter {
            search: "ann".into(),
            page: 4,
            ..UserFilter::default()
        };
        let next = page.next_page(900);
        assert_eq!((next.page, next.cursor), (5, Some(PageCursor::After(900))));
        let previous = next.previous_page(901);
        assert_eq!(
            (previous.page, previous.cursor),
            (4, Some(PageCursor::Before(901)))
        );
        assert!(previous.to_query().ends_with("page=4&before=901"));
        assert_eq!(next.on_page(9).cursor, None);
        assert_eq!(page.on_page(1).previous_page(77), page.first_page());
        assert_eq!(next.sorted_by(UserSort::Email).cursor, None);
        assert_eq!(
            next.first_page(),
            UserFilter {
                search: "ann".into(),
                ..UserFilter::default()
            }
        );
    }
}
