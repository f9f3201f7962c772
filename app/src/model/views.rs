use super::{InvitationStatus, UserKind, UserSettings};
use serde::{Deserialize, Serialize};

/// The signed-in administrator, as the pages need to know them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub idle_warning_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleInfo {
    pub id: i64,
    pub name: String,
    pub applies_to: UserKind,
    /// Preselected for new end users.
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub kind: UserKind,
    pub organization: Option<String>,
    pub roles: Vec<String>,
    pub invitation: InvitationStatus,
    /// When the current invitation was sent, and "5 h 12 min left" while it is pending.
    pub invited_at: Option<i64>,
    pub time_left: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: i64,
    pub kind: UserKind,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// E.164, as stored.
    pub phone: Option<String>,
    /// The phone as people read it (`+1 888-667-8888`), made on the server so that pages need
    /// not download the phone plans to show it.
    #[serde(default)]
    pub phone_display: Option<String>,
    pub external_id: Option<String>,
    pub organization_id: Option<i64>,
    pub organization: Option<String>,
    pub settings: UserSettings,
    pub role_ids: Vec<i64>,
    pub invitation: InvitationStatus,
    pub time_left: Option<String>,
    pub created_at: i64,
    /// An authenticator app is set up (sign-in security Authenticator app).
    #[serde(default)]
    pub has_authenticator: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub id: i64,
    pub name: String,
    pub end_user_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationDetail {
    pub id: i64,
    pub name: String,
    pub end_users: Vec<UserSummary>,
}

/// A sign-in half-way: the password was right, a second factor is asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInChallenge {
    pub method: super::MfaMethod,
    /// Where the code went, masked: "a•••@example.com".
    pub sent_to: String,
    pub expires_at: i64,
    /// When a new code may be asked for.
    pub can_resend_at: i64,
}
