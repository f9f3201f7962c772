//! API tokens as the Administration → API tokens page shows them.

use serde::{Deserialize, Serialize};

/// Longest token name.
pub const API_TOKEN_NAME_MAX_CHARS: usize = 100;

/// A token's record; the token itself is never shown again after it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Past its expiry when it was read.
    pub expired: bool,
}

/// A token just made: its record and the token, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub token: ApiTokenView,
    pub secret: String,
}

/// The expiries the page offers, in days; None never expires.
pub const API_TOKEN_EXPIRIES: &[(Option<u32>, &str)] = &[
    (Some(30), "30 days"),
    (Some(90), "90 days"),
    (Some(365), "1 year"),
    (None, "Never"),
];

/// The name a token is made with, trimmed; an error sentence when it cannot be one.
pub fn api_token_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the token a name that says what uses it.".into());
    }
    if name.chars().count() > API_TOKEN_NAME_MAX_CHARS {
        return Err(format!(
            "A token name is at most {API_TOKEN_NAME_MAX_CHARS} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("A token name cannot hold control characters.".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_name_is_trimmed_and_must_say_something() {
        assert_eq!(
            api_token_name("  nightly HR sync ").unwrap(),
            "nightly HR sync"
        );
        assert!(api_token_name("   ").is_err());
        assert!(api_token_name(&"x".repeat(101)).is_err());
        assert!(api_token_name("a\u{0}b").is_err());
    }
}
