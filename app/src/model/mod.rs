//! Types shared by the browser and the server: what server functions take and return.

mod enums;
mod views;

pub use enums::{InvitationStatus, InvitationTimes, MfaMethod, UserKind, UserType};
pub use views::{
    CurrentUser, OrganizationDetail, OrganizationSummary, RoleInfo, UserDetail, UserSummary,
};
