//! Typed configuration from environment variables (documented in README.md).

use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/bulk-import.db";

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path` (the embedded default) or `postgres://...`.
    pub database_url: String,
    /// Overrides the address cargo-leptos configured (`LEPTOS_SITE_ADDR`).
    pub bind_addr: Option<SocketAddr>,
    /// The address people reach the app at; links in emails are built from it, never from the
    /// request's Host header.
    pub public_base_url: String,
    /// Largest request body accepted, in bytes (uploads included).
    pub max_body_bytes: usize,
}

impl Config {
    pub fn from_env(site_addr: SocketAddr) -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind_addr =
            match var("BIND_ADDR") {
                Some(text) => Some(text.parse().map_err(|_| {
                    format!("BIND_ADDR={text:?} is not an address like 0.0.0.0:3000")
                })?),
                None => None,
            };
        let listen = bind_addr.unwrap_or(site_addr);
        let public_base_url = var("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(format!(
                "PUBLIC_BASE_URL={public_base_url:?} must start with http:// or https://"
            ));
        }
        let max_body_bytes = match var("MAX_BODY_BYTES") {
            Some(text) => text
                .parse()
                .map_err(|_| format!("MAX_BODY_BYTES={text:?} is not a number of bytes"))?,
            None => 20 * 1024 * 1024,
        };
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            bind_addr,
            public_base_url,
            max_body_bytes,
        })
    }

    /// Cookies get the `Secure` flag when people reach the app over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}
