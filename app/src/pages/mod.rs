//! One file per page.

mod accept_invitation;
mod add_user;
mod api_reference;
mod api_tokens;
mod clone_user;
pub(crate) mod imports;
mod invitations;
mod login;
mod mailbox;
mod not_found;
mod organization;
mod organizations;
mod profile;
mod reset_password;
mod sign_in_code;
mod user;
mod users;

pub use accept_invitation::AcceptInvitationPage;
pub use add_user::AddUserPage;
pub use api_reference::ApiReferencePage;
pub use api_tokens::ApiTokensPage;
pub use clone_user::CloneUserPage;
pub use imports::{ImportHistoryPage, ImportJobPage};
pub use invitations::InvitationsPage;
pub use login::LoginPage;
pub use mailbox::MailboxPage;
pub use not_found::NotFoundPage;
pub use organization::OrganizationPage;
pub use organizations::OrganizationsPage;
pub use profile::ProfilePage;
pub use reset_password::ResetPasswordPage;
pub use sign_in_code::SignInCodePage;
pub use user::UserPage;
pub use users::UsersPage;
