//! A user's settings: how they work and sign in, as opposed to who they are (name, email,
//! phone) and where they belong (kind, organization, roles). One struct carries them through
//! the form, the rules, the user store and every view; a new setting is added here, to its
//! columns in `server::user_store`, and to the forms' fields.

use super::{MfaMethod, UserType};
use serde::{Deserialize, Serialize};

/// The site of a user whose site is not given.
pub const DEFAULT_SITE: &str = "HQ";
/// The language of a user whose language is not given.
pub const DEFAULT_LANGUAGE: &str = "en";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSettings {
    pub user_type: UserType,
    pub site: String,
    pub language: String,
    /// Minutes of inactivity before the idle warning shows.
    pub idle_warning_minutes: i64,
    pub notify_by_email: bool,
    pub notify_by_sms: bool,
    /// Sign-in security: the second factor this user signs in with.
    pub mfa_method: MfaMethod,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            user_type: UserType::Standard,
            site: DEFAULT_SITE.into(),
            language: DEFAULT_LANGUAGE.into(),
            idle_warning_minutes: 60,
            notify_by_email: true,
            notify_by_sms: false,
            mfa_method: MfaMethod::None,
        }
    }
}
