//! Reusable components, one per file, named after what they show.

mod admin_layout;
mod bulk_user_actions;
mod clone_user_form;
mod error_notice;
mod idle_warning;
pub mod import;
mod invitation_badge;
pub mod invitations;
mod new_password_field;
mod poll;
mod role_picker;
mod settings_fields;
mod text_field;
mod user_filters;
pub(crate) mod user_form;
mod user_invitation_actions;
mod users_actions;
mod users_table;

pub use admin_layout::AdminLayout;
pub use bulk_user_actions::BulkUserActions;
pub use clone_user_form::CloneUserForm;
pub use error_notice::ErrorNotice;
pub use idle_warning::IdleWarning;
pub use import::ImportUsersModal;
pub use invitation_badge::InvitationBadge;
pub use new_password_field::NewPasswordField;
pub use poll::poll_every;
pub use role_picker::RolePicker;
pub use settings_fields::SettingsFields;
pub use text_field::TextField;
pub use user_filters::{FilterChoices, UserFilters};
pub use user_form::{UserForm, UserFormSubmit};
pub use user_invitation_actions::UserInvitationActions;
pub use users_actions::UsersActions;
pub use users_table::UsersTable;
