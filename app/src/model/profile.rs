//! My profile: what a signed-in user sees of their own sign-in.

use super::MfaMethod;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    pub email: String,
    pub is_admin: bool,
    /// The sign-in security their administrator chose.
    pub mfa_method: MfaMethod,
    pub has_authenticator: bool,
    /// Unused recovery codes (0 without an authenticator).
    pub recovery_codes_left: i64,
    /// Newest first; the one making the request is marked.
    pub sessions: Vec<ActiveSession>,
}

impl Profile {
    /// Their sign-in asks for an authenticator app they have not set up (new, or reset by an
    /// administrator): until they do, it emails a code instead.
    pub fn needs_authenticator(&self) -> bool {
        self.mfa_method == MfaMethod::Authenticator && !self.has_authenticator
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The browser's own description (`User-Agent`), if it sent one.
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    pub current: bool,
}

impl ActiveSession {
    /// "Chrome on Linux": enough to tell sessions apart.
    pub fn device(&self) -> String {
        describe_user_agent(self.user_agent.as_deref().unwrap_or(""))
    }
}

/// A short description of a `User-Agent` header: the browser and the system, as far as they
/// can be told ("Unknown browser" otherwise).
pub fn describe_user_agent(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_string(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => "Unknown browser".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_user_agent;

    #[test]
    fn a_user_agent_is_described_by_browser_and_system() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome_linux), "Chrome on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe_user_agent(edge), "Edge on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(safari), "Safari on iPhone");
        let firefox =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0";
        assert_eq!(describe_user_agent(firefox), "Firefox on macOS");
        assert_eq!(describe_user_agent(""), "Unknown browser");
    }
}
