//! The Invitations dashboard's parts.

mod bulk_actions;
mod filters;
mod funnels;
mod status_counts;
mod table;

pub use bulk_actions::{InvitationCommand, InvitationOutcome};
pub use filters::InvitationFilters;
pub use funnels::ImportFunnels;
pub use status_counts::StatusCountsBar;
pub use table::InvitationsTable;
