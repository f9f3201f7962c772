//! Types shared by the browser and the server: what server functions take and return.

mod api_reference;
mod api_token;
mod bulk_action;
mod enums;
mod invitation;
mod profile;
mod user_filter;
mod user_settings;
mod views;

pub use api_reference::{ApiField, ApiOperation, ApiReference, ApiResponse, ApiSchema};
pub use api_token::{
    api_token_name, ApiTokenView, NewApiToken, API_TOKEN_EXPIRIES, API_TOKEN_NAME_MAX_CHARS,
};
pub use bulk_action::{BulkOutcome, BulkTarget, BulkUserAction};
pub use enums::{format_time, time_left, InvitationStatus, MfaMethod, UserKind, UserType};
pub use invitation::search_text;
pub use invitation::{
    AuthenticatorSetup, InvitationActionResult, InvitationState, InvitationsPage, JobFunnel,
    MailboxMessage, MailboxView, Registered, SkippedUser, StatusCounts,
};
pub use profile::{describe_user_agent, ActiveSession, Profile};
pub use user_filter::{PageCursor, UserFilter, UserSort, SEARCH_MAX_CHARS};
pub use user_settings::{UserSettings, DEFAULT_LANGUAGE, DEFAULT_SITE};
pub use views::{
    CurrentUser, OrganizationDetail, OrganizationSummary, RoleInfo, SignInChallenge, UserDetail,
    UserSummary,
};

/// The deepest page any list serves: far past any real list (50 million rows at 50 a page),
/// and small enough that its offset never overflows.
pub const MAX_PAGE: i64 = 1_000_000;

/// "1 row", "2 rows": a count with its noun in the right number.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A page number from a URL or a request, clamped to `0..=MAX_PAGE` (negative is the first).
pub fn clamp_page(page: i64) -> i64 {
    page.clamp(0, MAX_PAGE)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_of_one_is_singular() {
        assert_eq!(super::count_of(1, "row", "rows"), "1 row");
        assert_eq!(super::count_of(0, "row", "rows"), "0 rows");
        assert_eq!(super::count_of(500_000, "row", "rows"), "500000 rows");
    }

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
