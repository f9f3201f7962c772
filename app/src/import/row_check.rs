//! One row's cells checked, each by its field's rule: the user when every cell passed, and
//! every problem with its column when not. `analyze` runs this for each row.

use super::analyze::{Columns, ImportContext, ImportUser, RowOutcome};
use super::{ImportField, ImportIssue, ImportIssueCode};
use crate::model::{RoleInfo, UserKind, UserType};
use crate::rules::{
    role_rule, roles_count_rule, Email, IssueCode, PersonName, PhoneE164, DEFAULT_SITE,
};
use std::collections::HashMap;

/// Roles by name, matched case-insensitively (the exact spelling is tried first: it is the
/// common case and needs no allocation).
pub(super) struct RoleIndex<'a> {
    exact: HashMap<&'a str, &'a RoleInfo>,
    folded: HashMap<String, &'a RoleInfo>,
}

impl<'a> RoleIndex<'a> {
    pub(super) fn new(context: &ImportContext<'a>) -> Self {
        RoleIndex {
            exact: context
                .known_roles
                .iter()
                .map(|r| (r.name.trim(), r))
                .collect(),
            folded: context
                .known_roles
                .iter()
                .map(|r| (r.name.trim().to_lowercase(), r))
                .collect(),
        }
    }

    fn get(&self, name: &str) -> Option<&'a RoleInfo> {
        self.exact
            .get(name)
            .or_else(|| self.folded.get(&name.to_lowercase()))
            .copied()
    }
}

/// What one row yielded: the user when every cell passed, and the values duplicates are
/// judged on even when it did not.
pub(super) struct CheckedRow {
    pub(super) user: Option<ImportUser>,
    pub(super) email: Option<Email>,
    pub(super) email_key: Option<String>,
    pub(super) external_id: Option<String>,
}

pub(super) fn check_row(
    cells: &[String],
    columns: &Columns,
    roles: &RoleIndex<'_>,
    context: &ImportContext<'_>,
    outcome: &mut RowOutcome,
) -> CheckedRow {
    let line = outcome.line;
    let limit = context.limits.max_cell_chars;
    // A cell and its column; cells past the row's end are empty.
    let cell = |column: Option<usize>| {
        column
            .and_then(|c| cells.get(c))
            .map(String::as_str)
            .unwrap_or("")
    };
    let fail = |outcome: &mut RowOutcome,
                column: Option<usize>,
                field: ImportField,
                code: ImportIssueCode,
                value: &str| {
        outcome.issues.push(ImportIssue {
            line: Some(line),
            column,
            field: Some(field),
            code,
            value: value.to_string(),
        });
    };
    let mut too_long = false;
    for (column, field) in [
        (columns.first_name, ImportField::FirstName),
        (columns.last_name, ImportField::LastName),
        (columns.full_name, ImportField::FullName),
        (columns.email, ImportField::Email),
        (columns.phone, ImportField::Phone),
        (columns.roles, ImportField::Roles),
        (columns.user_type, ImportField::UserType),
        (columns.site, ImportField::Site),
        (columns.external_id, ImportField::ExternalId),
    ] {
        let value = cell(column);
        if value.len() > limit && value.chars().count() > limit {
            fail(
                outcome,
                column,
                field,
                ImportIssueCode::CellTooLong { limit },
                value,
            );
            too_long = true;
        }
    }
    if too_long {
        return CheckedRow {
            user: None,
            email: None,
            email_key: None,
            external_id: None,
        };
    }

    let (first_raw, first_column, last_raw, last_column) =
        match (columns.first_name, columns.last_name, columns.full_name) {
            (None, None, Some(full)) => {
                let value = cell(Some(full)).trim();
                let (first, last) = value.rsplit_once(' ').unwrap_or((value, ""));
                outcome.notices.push(ImportIssue {
                    line: Some(line),
                    column: Some(full),
                    field: Some(ImportField::FullName),
                    code: ImportIssueCode::FullNameSplit,
                    value: value.to_string(),
                });
                (first, Some(full), last, Some(full))
            }
            (first, last, _) => (cell(first), first, cell(last), last),
        };
    let first_name = PersonName::parse(first_raw)
        .map_err(|code| {
            fail(
                outcome,
                first_column,
                ImportField::FirstName,
                ImportIssueCode::Field(code),
                first_raw,
            )
        })
        .ok();
    let last_name = PersonName::parse(last_raw)
        .map_err(|code| {
            fail(
                outcome,
                last_column,
                ImportField::LastName,
                ImportIssueCode::Field(code),
                last_raw,
            )
        })
        .ok();
    let email_raw = cell(columns.email);
    let parsed_email = Email::parse(email_raw)
        .map_err(|code| {
            fail(
                outcome,
                columns.email,
                ImportField::Email,
                ImportIssueCode::Field(code),
                email_raw,
            )
        })
        .ok();
    let email_key = parsed_email.as_ref().map(Email::key);
    let email = match &parsed_email {
        Some(_)
            if email_key
                .as_ref()
                .is_some_and(|key| context.existing_email_keys.contains(key)) =>
        {
            fail(
                outcome,
                columns.email,
                ImportField::Email,
                ImportIssueCode::Field(IssueCode::EmailAlreadyUsed),
                email_raw,
            );
            None
        }
        other => other.clone(),
    };
    let phone_raw = cell(columns.phone);
    let phone = PhoneE164::parse_optional(phone_raw)
        .map_err(|code| {
            fail(
                outcome,
                columns.phone,
                ImportField::Phone,
                ImportIssueCode::Field(code),
                phone_raw,
            )
        })
        .ok();
    let role_ids = check_roles(
        cell(columns.roles),
        columns.roles,
        roles,
        context.kind,
        outcome,
    );
    let type_raw = cell(columns.user_type).trim();
    let user_type = match type_raw {
        "" => Some(UserType::Standard),
        t if t.eq_ignore_ascii_case("standard") => Some(UserType::Standard),
        t if t.eq_ignore_ascii_case("privileged") => Some(UserType::Privileged),
        _ => {
            fail(
                outcome,
                columns.user_type,
                ImportField::UserType,
                ImportIssueCode::InvalidUserType,
                type_raw,
            );
            None
        }
    };
    let site_raw = cell(columns.site);
    let site = match crate::rules::site_rule(site_raw) {
        Ok(()) if site_raw.trim().is_empty() => Some(DEFAULT_SITE.to_string()),
        Ok(()) => Some(site_raw.trim().to_string()),
        Err(code) => {
            fail(
                outcome,
                columns.site,
                ImportField::Site,
                ImportIssueCode::Field(code),
                site_raw,
            );
            None
        }
    };
    let external_id = Some(cell(columns.external_id).trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let external_id_ok = match external_id.as_deref().map(crate::rules::external_id_rule) {
        Some(Err(code)) => {
            fail(
                outcome,
                columns.external_id,
                ImportField::ExternalId,
                ImportIssueCode::Field(code),
                external_id.as_deref().unwrap_or_default(),
            );
            None
        }
        _ => Some(()),
    };
    let user = (|| {
        Some(ImportUser {
            first_name: first_name?,
            last_name: last_name?,
            email: email?,
            phone: phone?,
            role_ids: role_ids?,
            user_type: user_type?,
            site: site?,
            external_id: {
                external_id_ok?;
                external_id.clone()
            },
        })
    })();
    CheckedRow {
        user,
        email: parsed_email,
        email_key,
        external_id,
    }
}

fn check_roles(
    raw: &str,
    column: Option<usize>,
    roles: &RoleIndex<'_>,
    kind: UserKind,
    outcome: &mut RowOutcome,
) -> Option<Vec<i64>> {
    let line = outcome.line;
    let mut ids = Vec::new();
    let mut ok = true;
    for name in raw
        .split(['|', ','])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let role = roles.get(name);
        let code = match role_rule(role, kind) {
            Ok(()) => {
                let id = role.map(|r| r.id).unwrap_or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
                continue;
            }
            Err(IssueCode::RoleNotForKind) => ImportIssueCode::RoleNotForKind {
                name: name.to_string(),
            },
            Err(_) => ImportIssueCode::UnknownRole {
                name: name.to_string(),
            },
        };
        ok = false;
        outcome.issues.push(ImportIssue {
            line: Some(line),
            column,
            field: Some(ImportField::Roles),
            code,
            value: raw.to_string(),
        });
    }
    if let (true, Err(code)) = (ok, roles_count_rule(kind, ids.len())) {
        ok = false;
        outcome.issues.push(ImportIssue {
            line: Some(line),
            column,
            field: Some(ImportField::Roles),
            code: ImportIssueCode::Field(code),
            value: raw.to_string(),
        });
    }
    ok.then_some(ids)
}
