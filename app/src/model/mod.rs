//! Types shared by the browser and the server: what server functions take and return.

mod enums;
mod invitation;
mod views;

pub use enums::{time_left, InvitationStatus, MfaMethod, UserKind, UserType};
pub use invitation::search_text;
pub use invitation::{
    InvitationActionResult, InvitationFilter, InvitationSort, InvitationState, InvitationsPage,
    JobFunnel, MailboxMessage, MailboxView, SkippedUser, StatusCounts,
};
pub use views::{
    CurrentUser, OrganizationDetail, OrganizationSummary, RoleInfo, UserDetail, UserSummary,
};

/// The deepest page any list serves: far past any real list (50 million rows at 50 a page),
/// and small enough that its offset never overflows.
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number from a URL or a request, clamped to `0..=MAX_PAGE` (negative is the first).
pub fn clamp_page(page: i64) -> i64 {
    page.clamp(0, MAX_PAGE)
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_numbers_are_clamped_so_offsets_never_overflow() {
        for (page, expected) in [
            (-5, 0),
            (0, 0),
            (7, 7),
            (i64::MAX, super::MAX_PAGE),
            (i64::MIN, 0),
        ] {
            assert_eq!(super::clamp_page(page), expected);
        }
        assert!(super::MAX_PAGE.checked_mul(1_000).is_some());
    }
}
