use serde::{Deserialize, Serialize};

/// Why a value was refused. The human message is made here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IssueCode {
    Required,
    NameTooLong,
    NameInvalidCharacters,
    EmailTooLong,
    EmailHasSpaces,
    EmailNotAscii,
    EmailFormat,
    EmailDotOrHyphenPlacement,
    EmailAlreadyUsed,
    PhoneMissingCountryCode,
    PhoneInvalid,
    IdleWarningOutOfRange,
    OrganizationRequired,
    OrganizationNotAllowed,
    UnknownRole,
    RoleNotForKind,
    EndUserNeedsRole,
    SiteTooLong,
    ExternalIdTooLong,
    /// An invisible control character (a NUL, an escape…) in a site or an external ID.
    ControlCharacters,
    UnknownLanguage,
}

impl IssueCode {
    pub fn message(self) -> &'static str {
        match self {
            IssueCode::Required => "This field is required.",
            IssueCode::NameTooLong => "Use at most 150 characters.",
            IssueCode::NameInvalidCharacters => {
                "Use letters only; spaces, hyphens and apostrophes may appear between letters."
            }
            IssueCode::EmailTooLong => "Use at most 64 characters.",
            IssueCode::SiteTooLong | IssueCode::ExternalIdTooLong => "Use at most 100 characters.",
            IssueCode::ControlCharacters => {
                "Remove the invisible control characters (such as a NUL) from this value."
            }
            IssueCode::UnknownLanguage => "Choose one of the offered languages.",
            IssueCode::EmailHasSpaces => "An email address cannot contain spaces.",
            IssueCode::EmailNotAscii => {
                "Use only ASCII characters (no accents or umlauts) in the email address."
            }
            IssueCode::EmailFormat => "Enter an email like name@example.com.",
            IssueCode::EmailDotOrHyphenPlacement => {
                "Dots and hyphens cannot start or end a part of the address or appear twice in a row."
            }
            IssueCode::EmailAlreadyUsed => "This email is already used by another account.",
            IssueCode::PhoneMissingCountryCode => {
                "Start the number with + and its country code, e.g. +1 888 667 8888."
            }
            IssueCode::PhoneInvalid => "This is not a valid phone number for its country.",
            IssueCode::IdleWarningOutOfRange => "Choose between 1 minute and 24 hours.",
            IssueCode::OrganizationRequired => "An end user must belong to an organization.",
            IssueCode::OrganizationNotAllowed => "Technicians do not belong to an organization.",
            IssueCode::UnknownRole => "This role does not exist.",
            IssueCode::RoleNotForKind => "This role cannot be given to this kind of user.",
            IssueCode::EndUserNeedsRole => "Give the end user at least one role.",
        }
    }
}

impl std::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
