//! Types shared by the browser and the server: what server functions take and return.

mod enums;
mod import;
mod invitation;
mod views;

pub use enums::{time_left, InvitationStatus, MfaMethod, UserKind, UserType};
pub use import::{
    ImportJobSummary, ImportMode, ImportOptions, ImportRequest, ImportResult, ImportRowResult,
    InvalidRows, RowOutcomeKind,
};
pub use invitation::search_text;
pub use invitation::{
    InvitationActionResult, InvitationFilter, InvitationSort, InvitationState, InvitationsPage,
    JobFunnel, MailboxMessage, MailboxView, SkippedUser, StatusCounts,
};
pub use views::{
    CurrentUser, OrganizationDetail, OrganizationSummary, RoleInfo, UserDetail, UserSummary,
};
