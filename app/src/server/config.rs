//! Typed configuration from environment variables (documented in README.md).

use super::listener::ConnectionLimits;
use std::net::SocketAddr;
use std::time::Duration;

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
    /// Where email goes. None: the local mailbox (the embedded default).
    pub smtp: Option<SmtpConfig>,
    /// How often the background sender looks for queued email.
    pub mail_poll_seconds: u64,
    /// Header, body and idle timeouts and the connection cap (`listener`).
    pub limits: ConnectionLimits,
    /// How imports run as jobs.
    pub import_jobs: ImportJobSettings,
    /// Requests one API token may make a minute on this server (`API_REQUESTS_PER_MINUTE`,
    /// default 60); past it, 429 with Retry-After.
    pub api_requests_per_minute: u32,
}

/// How this app server runs import jobs (`imports::runner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportJobSettings {
    /// Jobs run at once by this server (`IMPORT_JOBS_AT_ONCE`; default 1 on SQLite, which
    /// has one writer, and 2 on PostgreSQL).
    pub at_once: Option<usize>,
    /// A running job whose server has not reported for this long was interrupted
    /// (`IMPORT_JOB_STALE_SECONDS`, default 30).
    pub stale_after: Duration,
    /// How long an upload is kept after its job ends (`IMPORT_UPLOAD_RETENTION_DAYS`,
    /// default 7): an interrupted job can run again until then.
    pub upload_retention: Duration,
    /// The largest source an import upload may carry (`IMPORT_MAX_UPLOAD_BYTES`; default the
    /// engine's limit, 100 MB).
    pub max_upload_bytes: usize,
}

impl Default for ImportJobSettings {
    fn default() -> Self {
        ImportJobSettings {
            max_upload_bytes: crate::import::ImportLimits::default().max_input_bytes,
            at_once: None,
            stale_after: Duration::from_secs(30),
            upload_retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same machine or network).
    None,
    /// STARTTLS on the submission port (587), the usual choice.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `Help desk <helpdesk@example.com>` or a bare address.
    pub from: String,
}

// The password never reaches a log line.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpConfig {
    /// SMTP_HOST (unset: the local mailbox), SMTP_PORT, SMTP_TLS (starttls, tls or none),
    /// SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<SmtpConfig>, String> {
        let Some(host) = var("SMTP_HOST") else {
            return Ok(None);
        };
        let tls = match var("SMTP_TLS")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("tls") => SmtpTls::Tls,
            Some("none") => SmtpTls::None,
            Some(other) => return Err(format!("SMTP_TLS={other:?} must be starttls, tls or none")),
        };
        let port = match var("SMTP_PORT") {
            Some(text) => text
                .parse()
                .map_err(|_| format!("SMTP_PORT={text:?} is not a port number"))?,
            None => match tls {
                SmtpTls::StartTls => 587,
                SmtpTls::Tls => 465,
                SmtpTls::None => 25,
            },
        };
        let from = var("SMTP_FROM").ok_or(
            "SMTP_FROM (the sender address, e.g. \"Help desk <helpdesk@example.com>\") is required with SMTP_HOST",
        )?;
        let username = var("SMTP_USERNAME");
        let password = var("SMTP_PASSWORD");
        if username.is_some() != password.is_some() {
            return Err("set both SMTP_USERNAME and SMTP_PASSWORD, or neither".into());
        }
        Ok(Some(SmtpConfig {
            host,
            port,
            tls,
            username,
            password,
            from,
        }))
    }
}

impl Config {
    pub fn from_env(site_addr: SocketAddr) -> Result<Config, String> {
        Config::from_vars(site_addr, |name: &str| {
            std::env::var(name).ok().filter(|v| !v.trim().is_empty())
        })
    }

    /// The configuration from variables looked up by `var` (the environment, or a test's map).
    pub fn from_vars(
        site_addr: SocketAddr,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
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
        let mail_poll_seconds = positive(&var, "MAIL_POLL_SECONDS", "number")?.unwrap_or(2);
        let defaults = ConnectionLimits::default();
        let seconds =
            |name| positive(&var, name, "number of seconds").map(|s| s.map(Duration::from_secs));
        let limits = ConnectionLimits {
            header_timeout: seconds("HEADER_TIMEOUT_SECONDS")?.unwrap_or(defaults.header_timeout),
            body_timeout: seconds("BODY_TIMEOUT_SECONDS")?.unwrap_or(defaults.body_timeout),
            max_connections: positive(&var, "MAX_CONNECTIONS", "number")?
                .map(|n| n as usize)
                .unwrap_or(defaults.max_connections),
        };
        let job_defaults = ImportJobSettings::default();
        let import_jobs = ImportJobSettings {
            at_once: positive(&var, "IMPORT_JOBS_AT_ONCE", "number")?.map(|n| n as usize),
            stale_after: seconds("IMPORT_JOB_STALE_SECONDS")?.unwrap_or(job_defaults.stale_after),
            upload_retention: positive(&var, "IMPORT_UPLOAD_RETENTION_DAYS", "number of days")?
                .map(|days| Duration::from_secs(days * 24 * 3600))
                .unwrap_or(job_defaults.upload_retention),
            max_upload_bytes: positive(&var, "IMPORT_MAX_UPLOAD_BYTES", "number of bytes")?
                .map(|n| n as usize)
                .unwrap_or(job_defaults.max_upload_bytes),
        };
        Ok(Config {
            limits,
            import_jobs,
            api_requests_per_minute: positive(&var, "API_REQUESTS_PER_MINUTE", "number")?
                .map(|n| n.min(u64::from(u32::MAX)) as u32)
                .unwrap_or(60),
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            smtp: SmtpConfig::from_vars(var)?,
            mail_poll_seconds,
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

/// A whole number above zero from the variable `name`, if it is set.
fn positive(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    what: &str,
) -> Result<Option<u64>, String> {
    match var(name) {
        Some(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| format!("{name}={text:?} is not a positive {what}")),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn connection_limits_default_to_30_s_timeouts_and_1024_connections() {
        let site = "127.0.0.1:3000".parse().unwrap();
        let config = Config::from_vars(site, vars(&[])).unwrap();
        assert_eq!(
            config.limits,
            ConnectionLimits {
                header_timeout: Duration::from_secs(30),
                body_timeout: Duration::from_secs(30),
                max_connections: 1024,
            }
        );
        let set = vars(&[
            ("HEADER_TIMEOUT_SECONDS", "5"),
            ("BODY_TIMEOUT_SECONDS", "60"),
            ("MAX_CONNECTIONS", "200"),
        ]);
        let limits = Config::from_vars(site, set).unwrap().limits;
        assert_eq!(limits.header_timeout, Duration::from_secs(5));
        assert_eq!(limits.body_timeout, Duration::from_secs(60));
        assert_eq!(limits.max_connections, 200);
        for bad in ["0", "-3", "soon"] {
            let error =
                Config::from_vars(site, vars(&[("HEADER_TIMEOUT_SECONDS", bad)])).unwrap_err();
            assert!(error.contains("HEADER_TIMEOUT_SECONDS"), "{error}");
        }
    }

    #[test]
    fn without_smtp_host_mail_goes_to_the_local_mailbox() {
        assert!(SmtpConfig::from_vars(vars(&[])).unwrap().is_none());
    }

    #[test]
    fn smtp_defaults_to_starttls_on_587_and_needs_a_from_address() {
        let smtp = SmtpConfig::from_vars(vars(&[("SMTP_HOST", "mail"), ("SMTP_FROM", "a@b.c")]))
            .unwrap()
            .unwrap();
        assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
        assert!(SmtpConfig::from_vars(vars(&[("SMTP_HOST", "mail")])).is_err());
        let plain = vars(&[
            ("SMTP_HOST", "h"),
            ("SMTP_FROM", "a@b.c"),
            ("SMTP_TLS", "none"),
        ]);
        assert_eq!(SmtpConfig::from_vars(plain).unwrap().unwrap().port, 25);
        let bad = vars(&[
            ("SMTP_HOST", "h"),
            ("SMTP_FROM", "a@b.c"),
            ("SMTP_TLS", "maybe"),
        ]);
        assert!(SmtpConfig::from_vars(bad).is_err());
    }

    #[test]
    fn the_smtp_password_is_not_in_debug_output() {
        let smtp = SmtpConfig::from_vars(vars(&[
            ("SMTP_HOST", "h"),
            ("SMTP_FROM", "a@b.c"),
            ("SMTP_USERNAME", "u"),
            ("SMTP_PASSWORD", "hunter2"),
        ]))
        .unwrap()
        .unwrap();
        assert!(!format!("{smtp:?}").contains("hunter2"));
    }
}
