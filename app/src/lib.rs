//! The application: pages and components (rendered on the server, hydrated in the browser),
//! the server functions they call, the pure field rules both sides share, and, behind the
//! `ssr` feature, everything that runs only on the server.

// The import preview's view types are deep; the wasm release build computes their layouts.
#![recursion_limit = "256"]

pub mod api;
mod browser;
pub mod components;
pub mod error;
pub mod idle;
pub mod import;
#[cfg(feature = "hydrate")]
mod import_benchmark;
pub mod model;
pub mod pages;
mod root;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod server;

pub use root::{shell, App};
