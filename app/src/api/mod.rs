//! Server functions: one per user action, each thin. Authorise, call a service in
//! `crate::server`, return. Every one checks the caller on the server.

pub mod api_tokens;
pub mod clone;
pub mod imports;
pub mod invitations;
pub mod organizations;
pub mod profile;
pub mod session;
pub mod users;
