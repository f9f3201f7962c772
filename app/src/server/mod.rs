//! Everything that runs only on the server: configuration, the database, sessions, the
//! services behind server functions, and the axum router. Compiled only with `ssr`.

pub mod acceptance;
pub mod api_tokens;
pub mod authenticator;
pub mod batch;
pub mod bulk_user_actions;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contact_changes;
pub mod context;
pub mod csrf;
pub mod db;
pub mod delivery;
pub mod failure;
pub mod imports;
pub mod invitation_actions;
pub mod invitation_dashboard;
pub mod invitations;
pub mod listener;
pub mod memory;
pub mod notices;
pub mod organizations;
pub mod passwords;
pub mod profile;
pub mod refusals;
pub mod registration_code;
pub mod rest;
pub mod roles;
pub mod router;
pub mod sealing;
pub mod search_backlog;
pub mod second_factor;
pub mod security_headers;
pub mod sessions;
pub mod sign_in_throttle;
pub mod tokens;
pub mod user_counts;
pub mod user_query;
pub mod user_store;
pub mod users;

pub use config::Config;
pub use context::AppState;
pub use db::Db;
