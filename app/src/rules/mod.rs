//! Field rules shared by the browser and the server.
//!
//! Everything here is pure: no I/O, no clock, no leptos, no sqlx. The same code runs in the
//! wasm bundle (for instant feedback) and on the server (as the authority). Each rule parses a
//! raw string into a type that can only hold a valid value, or explains what is wrong with an
//! [`IssueCode`].

mod clone;
mod email;
mod issue;
mod name;
mod numbering_plan;
mod phone;
mod phone_plan;
mod user_fields;

pub use crate::model::DEFAULT_SITE;
pub use clone::settings_copied_from;
pub use email::Email;
pub use issue::IssueCode;
pub use name::{PersonName, NAME_MAX_CHARS};
#[cfg(not(target_arch = "wasm32"))]
pub use numbering_plan::PHONE_PLANS_JSON;
pub use numbering_plan::{
    install_plans as install_phone_plans, plans_installed as phone_plans_installed,
    prepare_country as prepare_phone_country, COMMON_COUNTRY_CODES, PHONE_PLANS_PATH,
};
#[cfg(feature = "ssr")]
pub use phone::international_format;
pub use phone::{phone_digits, PhoneE164};
pub use user_fields::{
    external_id_rule, language_rule, role_rule, roles_count_rule, site_rule, validate_user_fields,
    validate_user_fields_with_phone, Field, FieldError, UserFieldsInput, ValidUserFields,
    EXTERNAL_ID_MAX_CHARS, IDLE_WARNING_MAX_MINUTES, LANGUAGES, SITE_MAX_CHARS,
};
