//! The Invitations dashboard's parts.

mod bulk_actions;
mod funnels;
mod status_counts;
mod table;

pub use bulk_actions::{InvitationCommand, InvitationOutcome};
pub use funnels::ImportFunnels;
pub use status_counts::StatusCountsBar;
pub use table::InvitationsTable;
