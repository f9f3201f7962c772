use super::UserKind;
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
    pub created_at: i64,
    pub status: String,
}
