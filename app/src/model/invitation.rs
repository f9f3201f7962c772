use super::{InvitationStatus, UserKind};
use serde::{Deserialize, Serialize};

/// What an invitation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    Valid {
        name: String,
        email: String,
        kind: UserKind,
    },
    /// Also what an unknown or malformed token gets, so tokens cannot be probed.
    Expired,
    Used,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub delivered_at: i64,
}

/// What the Mailbox page shows: delivered local mail, and where mail goes when SMTP is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailboxView {
    /// `host:port` when an SMTP server is configured (then nothing new lands here).
    pub smtp_server: Option<String>,
    pub messages: Vec<MailboxMessage>,
}

/// The outcome of a (bulk) resend or revoke: how many were done, and who was skipped and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitationActionResult {
    pub done: usize,
    pub skipped: Vec<SkippedUser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedUser {
    pub user_id: i64,
    pub email: String,
    pub reason: String,
}

/// How many users are in each invitation status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub pending: i64,
    pub expired: i64,
    pub registered: i64,
    pub not_invited: i64,
    pub send_failed: i64,
}

impl StatusCounts {
    pub fn get(&self, status: InvitationStatus) -> i64 {
        match status {
            InvitationStatus::Pending => self.pending,
            InvitationStatus::Expired => self.expired,
            InvitationStatus::Registered => self.registered,
            InvitationStatus::NotInvited => self.not_invited,
            InvitationStatus::SendFailed => self.send_failed,
        }
    }

    pub fn add(&mut self, status: InvitationStatus, count: i64) {
        match status {
            InvitationStatus::Pending => self.pending += count,
            InvitationStatus::Expired => self.expired += count,
            InvitationStatus::Registered => self.registered += count,
            InvitationStatus::NotInvited => self.not_invited += count,
            InvitationStatus::SendFailed => self.send_failed += count,
        }
    }

    pub fn total(&self) -> i64 {
        self.pending + self.expired + self.registered + self.not_invited + self.send_failed
    }
}

/// One import job's funnel: of the users it created, how many are in each status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFunnel {
    pub job_id: i64,
    pub created_at: i64,
    pub source: String,
    pub kind: UserKind,
    pub counts: StatusCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationSort {
    #[default]
    Name,
    Email,
    Status,
    InvitedAt,
}

impl InvitationSort {
    pub const ALL: [InvitationSort; 4] = [
        InvitationSort::Name,
        InvitationSort::Email,
        InvitationSort::Status,
        InvitationSort::InvitedAt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationSort::Name => "name",
            InvitationSort::Email => "email",
            InvitationSort::Status => "status",
            InvitationSort::InvitedAt => "invited_at",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvitationSort::Name => "Name",
            InvitationSort::Email => "Email",
            InvitationSort::Status => "Status",
            InvitationSort::InvitedAt => "Invited at",
        }
    }

    pub fn parse(text: &str) -> Option<InvitationSort> {
        InvitationSort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The dashboard's filters, as they appear in its URL (`?status=pending&q=ann&page=2`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationFilter {
    pub status: Option<InvitationStatus>,
    pub kind: Option<UserKind>,
    pub organization_id: Option<i64>,
    pub import_job_id: Option<i64>,
    pub search: String,
    pub sort: InvitationSort,
    pub descending: bool,
    pub page: i64,
}

impl InvitationFilter {
    /// Reads the URL's query values; anything unknown is ignored rather than refused.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> InvitationFilter {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<i64>().ok());
        InvitationFilter {
            status: get("status").and_then(|s| InvitationStatus::parse(&s)),
            kind: get("kind").and_then(|s| UserKind::parse(&s)),
            organization_id: number("org"),
            import_job_id: number("job"),
            search: get("q")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(100)
                .collect(),
            sort: get("sort")
                .and_then(|s| InvitationSort::parse(&s))
                .unwrap_or_default(),
            descending: get("dir").as_deref() == Some("desc"),
            page: super::clamp_page(number("page").unwrap_or(0)),
        }
    }

    /// The query string for these filters (without `?`), page included when not the first.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        if let Some(s) = self.status {
            parts.push(("status".into(), s.as_str().into()));
        }
        if let Some(k) = self.kind {
            parts.push(("kind".into(), k.as_str().into()));
        }
        if let Some(o) = self.organization_id {
            parts.push(("org".into(), o.to_string()));
        }
        if let Some(j) = self.import_job_id {
            parts.push(("job".into(), j.to_string()));
        }
        if !self.search.is_empty() {
            parts.push(("q".into(), self.search.clone()));
        }
        if self.sort != InvitationSort::Name {
            parts.push(("sort".into(), self.sort.as_str().into()));
        }
        if self.descending {
            parts.push(("dir".into(), "desc".into()));
        }
        if self.page > 0 {
            parts.push(("page".into(), self.page.to_string()));
        }
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
            .collect::<Vec<_>>()
            .join("&")
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

/// What a search on the dashboard matches against: both name orders and the email, lower-cased.
pub fn search_text(first_name: &str, last_name: &str, email: &str) -> String {
    format!("{first_name} {last_name} {email} {last_name} {first_name}").to_lowercase()
}

/// One page of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationsPage {
    pub users: Vec<super::UserSummary>,
    /// Users matching the filters.
    pub total: i64,
    pub page_size: i64,
    /// Counts per status of every user (the filters' status aside).
    pub counts: StatusCounts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_survive_a_trip_through_the_url() {
        let filter = InvitationFilter {
            status: Some(InvitationStatus::SendFailed),
            kind: Some(UserKind::EndUser),
            organization_id: Some(3),
            import_job_id: Some(9),
            search: "ann & bo".into(),
            sort: InvitationSort::InvitedAt,
            descending: true,
            page: 2,
        };
        let query = filter.to_query();
        assert!(query.contains("q=ann%20%26%20bo"), "{query}");
        let pairs: std::collections::HashMap<String, String> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ").replace("%26", "&")))
            .collect();
        assert_eq!(
            InvitationFilter::from_query(|k| pairs.get(k).cloned()),
            filter
        );
    }

    #[test]
    fn unknown_filter_values_are_ignored() {
        let filter = InvitationFilter::from_query(|k| match k {
            "status" => Some("maybe".into()),
            "page" => Some("-4".into()),
            "sort" => Some("shoe size".into()),
            _ => None,
        });
        assert_eq!(filter, InvitationFilter::default());
    }

    #[test]
    fn search_text_holds_both_name_orders_and_the_email_lower_cased() {
        let text = search_text("Zoë", "Able", "Zoe@Example.com");
        assert!(text.contains("zoë able") && text.contains("able zoë"));
        assert!(text.contains("zoe@example.com"));
    }

    #[test]
    fn counts_add_up_per_status() {
        let mut counts = StatusCounts::default();
        counts.add(InvitationStatus::Pending, 2);
        counts.add(InvitationStatus::SendFailed, 1);
        assert_eq!(counts.get(InvitationStatus::Pending), 2);
        assert_eq!(counts.total(), 3);
    }
}
