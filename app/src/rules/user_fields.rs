use super::{Email, IssueCode, PersonName, PhoneE164};
use crate::model::{RoleInfo, UserKind, UserSettings, DEFAULT_LANGUAGE, DEFAULT_SITE};
use serde::{Deserialize, Serialize};

pub const IDLE_WARNING_MAX_MINUTES: i64 = 24 * 60;

/// What the Add user and Edit user forms send: raw strings, exactly as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserFieldsInput {
    pub kind: UserKind,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub role_ids: Vec<i64>,
    pub settings: UserSettings,
}

impl Default for UserFieldsInput {
    fn default() -> Self {
        UserFieldsInput {
            kind: UserKind::EndUser,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            organization_id: None,
            role_ids: Vec::new(),
            settings: UserSettings::default(),
        }
    }
}

/// The longest site name and external ID (the database refuses longer ones too).
pub const SITE_MAX_CHARS: usize = 100;
pub const EXTERNAL_ID_MAX_CHARS: usize = 100;

/// The languages a user's pages and emails can be in: (code, name in that language).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
];

/// A site: at most [`SITE_MAX_CHARS`] characters, no invisible control character (empty
/// means the default, HQ).
pub fn site_rule(site: &str) -> Result<(), IssueCode> {
    short_text_rule(site, SITE_MAX_CHARS, IssueCode::SiteTooLong)
}

/// An external ID: at most [`EXTERNAL_ID_MAX_CHARS`] characters, no invisible control
/// character (empty means none).
pub fn external_id_rule(id: &str) -> Result<(), IssueCode> {
    short_text_rule(id, EXTERNAL_ID_MAX_CHARS, IssueCode::ExternalIdTooLong)
}

/// Free text, trimmed: at most `max` characters (else `too_long`), no invisible control
/// character.
fn short_text_rule(text: &str, max: usize, too_long: IssueCode) -> Result<(), IssueCode> {
    let text = text.trim();
    if text.chars().count() > max {
        Err(too_long)
    } else if text.contains(is_invisible_control) {
        Err(IssueCode::ControlCharacters)
    } else {
        Ok(())
    }
}

/// A control character other than a tab or a line break (which a multi-line spreadsheet cell
/// holds, and which sites stored before this rule may hold): a NUL, which PostgreSQL refuses
/// in text, an escape, a backspace…
fn is_invisible_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// A language: one of [`LANGUAGES`] (empty means the default, English).
pub fn language_rule(language: &str) -> Result<(), IssueCode> {
    let code = language.trim();
    if code.is_empty() || LANGUAGES.iter().any(|(known, _)| *known == code) {
        Ok(())
    } else {
        Err(IssueCode::UnknownLanguage)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    FirstName,
    LastName,
    Email,
    Phone,
    Organization,
    Roles,
    IdleWarning,
    Site,
    Language,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub code: IssueCode,
}

/// A user's fields after every rule passed: holding one means it is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidUserFields {
    pub kind: UserKind,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Email,
    pub phone: Option<PhoneE164>,
    pub organization_id: Option<i64>,
    pub role_ids: Vec<i64>,
    /// Site and language trimmed, empty ones replaced by the defaults.
    pub settings: UserSettings,
}

/// Checks every field and reports every problem at once. `known_roles` is what exists; the
/// caller passes it in so this stays pure.
pub fn validate_user_fields(
    input: &UserFieldsInput,
    known_roles: &[RoleInfo],
) -> Result<ValidUserFields, Vec<FieldError>> {
    let phone = PhoneE164::parse_optional(&input.phone);
    validate_user_fields_with_phone(input, known_roles, phone)
}

/// [`validate_user_fields`] with the phone's verdict given: pages pass what the phone rule
/// said so far (its numbering plans arrive in their own wasm chunk), so that checking the
/// other fields never waits for them.
pub fn validate_user_fields_with_phone(
    input: &UserFieldsInput,
    known_roles: &[RoleInfo],
    phone: Result<Option<PhoneE164>, IssueCode>,
) -> Result<ValidUserFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |field: Field, result: Result<(), IssueCode>| {
        if let Err(code) = result {
            errors.push(FieldError { field, code });
        }
    };
    let first_name = PersonName::parse(&input.first_name);
    check(
        Field::FirstName,
        first_name.as_ref().map(|_| ()).map_err(|c| *c),
    );
    let last_name = PersonName::parse(&input.last_name);
    check(
        Field::LastName,
        last_name.as_ref().map(|_| ()).map_err(|c| *c),
    );
    let email = Email::parse(&input.email);
    check(Field::Email, email.as_ref().map(|_| ()).map_err(|c| *c));
    check(Field::Phone, phone.as_ref().map(|_| ()).map_err(|c| *c));
    check(Field::Organization, organization_rule(input));
    check(Field::Roles, roles_rule(input, known_roles));
    let settings = &input.settings;
    check(Field::Site, site_rule(&settings.site));
    check(Field::Language, language_rule(&settings.language));
    let idle_ok = (1..=IDLE_WARNING_MAX_MINUTES).contains(&settings.idle_warning_minutes);
    check(
        Field::IdleWarning,
        if idle_ok {
            Ok(())
        } else {
            Err(IssueCode::IdleWarningOutOfRange)
        },
    );

    match (first_name, last_name, email, phone) {
        (Ok(first_name), Ok(last_name), Ok(email), Ok(phone)) if errors.is_empty() => {
            let mut role_ids = input.role_ids.clone();
            role_ids.sort_unstable();
            role_ids.dedup();
            Ok(ValidUserFields {
                kind: input.kind,
                first_name,
                last_name,
                email,
                phone,
                organization_id: input.organization_id,
                role_ids,
                settings: UserSettings {
                    site: non_empty_or(&settings.site, DEFAULT_SITE),
                    language: non_empty_or(&settings.language, DEFAULT_LANGUAGE),
                    ..settings.clone()
                },
            })
        }
        _ => Err(errors),
    }
}

fn organization_rule(input: &UserFieldsInput) -> Result<(), IssueCode> {
    match (input.kind, input.organization_id) {
        (UserKind::EndUser, None) => Err(IssueCode::OrganizationRequired),
        (UserKind::Technician, Some(_)) => Err(IssueCode::OrganizationNotAllowed),
        _ => Ok(()),
    }
}

fn roles_rule(input: &UserFieldsInput, known_roles: &[RoleInfo]) -> Result<(), IssueCode> {
    for id in &input.role_ids {
        role_rule(known_roles.iter().find(|r| r.id == *id), input.kind)?;
    }
    roles_count_rule(input.kind, input.role_ids.len())
}

/// A role (None: no such role) may be given to a user of `kind` when it applies to that
/// kind. The form, the import engine and the server all ask here.
pub fn role_rule(role: Option<&RoleInfo>, kind: UserKind) -> Result<(), IssueCode> {
    match role {
        None => Err(IssueCode::UnknownRole),
        Some(role) if role.applies_to != kind => Err(IssueCode::RoleNotForKind),
        Some(_) => Ok(()),
    }
}

/// An end user needs at least one role; a technician may have none.
pub fn roles_count_rule(kind: UserKind, count: usize) -> Result<(), IssueCode> {
    if kind == UserKind::EndUser && count == 0 {
        Err(IssueCode::EndUserNeedsRole)
    } else {
        Ok(())
    }
}

fn non_empty_or(value: &str, default: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        default.to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Vec<RoleInfo> {
        vec![
            RoleInfo {
                id: 1,
                name: "System Administrator".into(),
                applies_to: UserKind::Technician,
                is_default: false,
            },
            RoleInfo {
                id: 5,
                name: "Requester".into(),
                applies_to: UserKind::EndUser,
                is_default: true,
            },
        ]
    }

    fn valid_end_user() -> UserFieldsInput {
        UserFieldsInput {
            first_name: "Maria".into(),
            last_name: "García".into(),
            email: "maria@example.com".into(),
            phone: "'+1 888 667 8888".into(),
            organization_id: Some(3),
            role_ids: vec![5, 5],
            ..UserFieldsInput::default()
        }
    }

    #[test]
    fn a_site_past_100_characters_or_an_unknown_language_is_refused() {
        let input = UserFieldsInput {
            settings: UserSettings {
                site: "s".repeat(1_000_000),
                language: "klingon".into(),
                ..UserSettings::default()
            },
            ..valid_end_user()
        };
        let errors = validate_user_fields(&input, &roles()).unwrap_err();
        let fields: Vec<(Field, IssueCode)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            vec![
                (Field::Site, IssueCode::SiteTooLong),
                (Field::Language, IssueCode::UnknownLanguage)
            ]
        );
        let controlled = UserFieldsInput {
            settings: UserSettings {
                site: "Ber\0lin".into(),
                ..UserSettings::default()
            },
            ..valid_end_user()
        };
        let errors = validate_user_fields(&controlled, &roles()).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
            vec![(Field::Site, IssueCode::ControlCharacters)]
        );
        // A multi-line cell's line break or a tab is not refused (sites stored before the
        // rule may hold one).
        let multi_line = UserFieldsInput {
            settings: UserSettings {
                site: "Berlin\r\nMitte\tWest".into(),
                ..UserSettings::default()
            },
            ..valid_end_user()
        };
        assert!(validate_user_fields(&multi_line, &roles()).is_ok());
        let fine = UserFieldsInput {
            settings: UserSettings {
                site: "é".repeat(100),
                language: "de".into(),
                ..UserSettings::default()
            },
            ..valid_end_user()
        };
        assert!(validate_user_fields(&fine, &roles()).is_ok());
    }

    #[test]
    fn a_valid_end_user_becomes_typed_fields() {
        let valid = validate_user_fields(&valid_end_user(), &roles()).unwrap();
        assert_eq!(valid.phone.unwrap().as_str(), "+18886678888");
        assert_eq!(valid.role_ids, vec![5]);
        assert_eq!(valid.settings.site, "HQ");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = UserFieldsInput {
            first_name: "J0hn".into(),
            last_name: String::new(),
            email: "nope".into(),
            phone: "555 1234".into(),
            organization_id: None,
            role_ids: vec![],
            settings: UserSettings {
                idle_warning_minutes: 24 * 60 + 1,
                ..UserSettings::default()
            },
            ..UserFieldsInput::default()
        };
        let errors = validate_user_fields(&input, &roles()).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::FirstName,
                Field::LastName,
                Field::Email,
                Field::Phone,
                Field::Organization,
                Field::Roles,
                Field::IdleWarning
            ]
        );
    }

    #[test]
    fn roles_must_exist_and_suit_the_kind() {
        let mut input = valid_end_user();
        input.role_ids = vec![1];
        let errors = validate_user_fields(&input, &roles()).unwrap_err();
        assert_eq!(errors[0].code, IssueCode::RoleNotForKind);
        input.role_ids = vec![99];
        let errors = validate_user_fields(&input, &roles()).unwrap_err();
        assert_eq!(errors[0].code, IssueCode::UnknownRole);
    }

    #[test]
    fn a_technician_needs_no_role_and_no_organization() {
        let input = UserFieldsInput {
            kind: UserKind::Technician,
            organization_id: None,
            role_ids: vec![],
            ..valid_end_user()
        };
        assert!(validate_user_fields(&input, &roles()).is_ok());
        let with_org = UserFieldsInput {
            organization_id: Some(1),
            ..input
        };
        let errors = validate_user_fields(&with_org, &roles()).unwrap_err();
        assert_eq!(errors[0].code, IssueCode::OrganizationNotAllowed);
    }
}
