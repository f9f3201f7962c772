use super::{InvitationStatus, UserKind};
use serde::{Deserialize, Serialize};

/// What an invitation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    Valid {
        name: String,
        email: String,
        kind: UserKind,
        /// For a user whose sign-in security is Authenticator app: what to scan.
        authenticator: Option<AuthenticatorSetup>,
        /// For a user whose sign-in security is Email code: where registration's code goes
        /// ("t•••@example.com").
        email_code_to: Option<String>,
        /// The user has no phone number yet: registration asks for one (optional).
        asks_phone: bool,
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
    /// Emails in the outbox not yet handed to the mail server (queued or being sent).
    pub emails_waiting: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

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

/// An authenticator app's setup: the secret as a QR code and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorSetup {
    /// Base32, as authenticator apps take it typed in.
    pub secret_text: String,
    /// The `otpauth://` URL as a QR code: an SVG data URL.
    pub qr_data_url: String,
}

/// A registration done: the user's kind, and the recovery codes to keep (shown once; empty
/// without an authenticator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    pub kind: UserKind,
    pub recovery_codes: Vec<String>,
}
