//! The second step: a table of text becomes typed users and every problem, row by row and
//! cell by cell. The same function runs in the browser (the preview) and on the server (the
//! authority).

use super::columns::map_columns;
use super::{
    ColumnMapping, ImportField, ImportIssue, ImportIssueCode, ImportLimits, MappedBy,
    MappingChoice, Table,
};
use crate::model::{RoleInfo, UserKind, UserType};
use crate::rules::{Email, IssueCode, PersonName, PhoneE164};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What the engine needs from the world, passed in so it stays pure.
pub struct ImportContext<'a> {
    pub kind: UserKind,
    pub known_roles: &'a [RoleInfo],
    /// `Email::key` of every existing account, technicians and end users alike.
    pub existing_email_keys: &'a HashSet<String>,
    pub limits: ImportLimits,
}

/// A row that passed every rule: it can only hold valid values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportUser {
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Email,
    pub phone: Option<PhoneE164>,
    pub role_ids: Vec<i64>,
    pub user_type: UserType,
    pub site: String,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowOutcome {
    pub line: u32,
    /// `Some` exactly when `issues` is empty.
    pub user: Option<ImportUser>,
    pub issues: Vec<ImportIssue>,
    pub notices: Vec<ImportIssue>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The header's index in `Table::rows`; rows above it are not data.
    pub header_row: Option<usize>,
    pub columns: Vec<ColumnMapping>,
    pub rows: Vec<RowOutcome>,
    /// Problems with the input as a whole; any of them blocks the import.
    pub file_issues: Vec<ImportIssue>,
    pub notices: Vec<ImportIssue>,
}

impl ImportReport {
    pub fn valid_count(&self) -> usize {
        self.rows.iter().filter(|r| r.user.is_some()).count()
    }

    pub fn invalid_count(&self) -> usize {
        self.rows.len() - self.valid_count()
    }

    pub fn is_blocked(&self) -> bool {
        !self.file_issues.is_empty()
    }

    /// The index in `Table::rows` of the first data row (report row 0).
    pub fn first_data_row(&self) -> usize {
        self.header_row.map_or(0, |h| h + 1)
    }
}

/// Source columns of each field (the first one wins when several map to the same field).
struct Columns {
    first_name: Option<usize>,
    last_name: Option<usize>,
    full_name: Option<usize>,
    email: Option<usize>,
    phone: Option<usize>,
    roles: Option<usize>,
    user_type: Option<usize>,
    site: Option<usize>,
    external_id: Option<usize>,
}

pub fn analyze(table: &Table, choice: &MappingChoice, context: &ImportContext<'_>) -> ImportReport {
    let (header_row, columns) = map_columns(table, choice);
    let mut report = ImportReport {
        header_row,
        columns,
        ..ImportReport::default()
    };
    if let Some(header) = header_row.filter(|h| *h > 0) {
        // Blank rows are not in the table; the range covers them too, as the admin sees it.
        report
            .notices
            .push(ImportIssue::file(ImportIssueCode::RowsAboveHeader {
                first_line: table.rows[0].line,
                last_line: table.rows[header].line.saturating_sub(1),
            }));
    }
    let data = &table.rows[report.first_data_row().min(table.rows.len())..];
    if data.is_empty() {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::EmptyInput));
        return report;
    }
    if data.len() > context.limits.max_rows {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::TooManyRows {
                limit: context.limits.max_rows,
            }));
        return report;
    }
    if report.columns.len() > context.limits.max_columns {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::TooManyColumns {
                limit: context.limits.max_columns,
            }));
        return report;
    }
    let columns = resolve_columns(&mut report);
    let roles = RoleIndex::new(context);
    let mut seen_emails: HashMap<String, usize> = HashMap::with_capacity(data.len());
    let mut seen_external_ids: HashMap<String, usize> = HashMap::new();
    for row in data {
        let mut outcome = RowOutcome {
            line: row.line,
            user: None,
            issues: Vec::new(),
            notices: Vec::new(),
        };
        let checked = check_row(&row.cells, &columns, &roles, context, &mut outcome);
        // Duplicates are found whatever else is wrong with either row.
        let index = report.rows.len();
        if let (Some(email), Some(key)) = (&checked.email, checked.email_key) {
            if let Some(&first) = seen_emails.get(&key) {
                flag_duplicate(
                    &mut report.rows,
                    first,
                    &mut outcome,
                    (ImportField::Email, columns.email),
                    email.as_str(),
                    |other_line| ImportIssueCode::EmailDuplicateInInput { other_line },
                );
            } else {
                seen_emails.insert(key, index);
            }
        }
        if let Some(id) = &checked.external_id {
            if let Some(&first) = seen_external_ids.get(id) {
                flag_duplicate(
                    &mut report.rows,
                    first,
                    &mut outcome,
                    (ImportField::ExternalId, columns.external_id),
                    id,
                    |other_line| ImportIssueCode::ExternalIdDuplicateInInput { other_line },
                );
            } else {
                seen_external_ids.insert(id.clone(), index);
            }
        }
        outcome.user = checked.user.filter(|_| outcome.issues.is_empty());
        report.rows.push(outcome);
    }
    report
}

/// Reports a duplicate on both rows (the earlier row once, however many repeats follow); the
/// earlier row loses its user too.
fn flag_duplicate(
    rows: &mut [RowOutcome],
    first: usize,
    current: &mut RowOutcome,
    (field, column): (ImportField, Option<usize>),
    value: &str,
    code: impl Fn(u32) -> ImportIssueCode,
) {
    let earlier = &mut rows[first];
    let issue = |line: u32, other_line: u32| ImportIssue {
        line: Some(line),
        column,
        field: Some(field),
        code: code(other_line),
        value: value.to_string(),
    };
    current.issues.push(issue(current.line, earlier.line));
    let same_kind = std::mem::discriminant(&code(0));
    if !earlier
        .issues
        .iter()
        .any(|i| std::mem::discriminant(&i.code) == same_kind)
    {
        earlier.issues.push(issue(earlier.line, current.line));
    }
    earlier.user = None;
}

fn resolve_columns(report: &mut ImportReport) -> Columns {
    let mut first: HashMap<ImportField, usize> = HashMap::new();
    for mapping in &report.columns {
        if mapping.field == ImportField::Ignore {
            if mapping.mapped_by == MappedBy::Unknown {
                let header = mapping
                    .header
                    .clone()
                    .unwrap_or_else(|| format!("Column {}", mapping.column + 1));
                report.notices.push(ImportIssue {
                    column: Some(mapping.column),
                    ..ImportIssue::file(ImportIssueCode::UnknownColumn { header })
                });
            }
            continue;
        }
        match first.entry(mapping.field) {
            std::collections::hash_map::Entry::Occupied(_) => {
                report.file_issues.push(ImportIssue {
                    column: Some(mapping.column),
                    ..ImportIssue::file(ImportIssueCode::DuplicateColumn {
                        field: mapping.field,
                    })
                });
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(mapping.column);
            }
        }
    }
    let get = |field| first.get(&field).copied();
    let columns = Columns {
        first_name: get(ImportField::FirstName),
        last_name: get(ImportField::LastName),
        full_name: get(ImportField::FullName),
        email: get(ImportField::Email),
        phone: get(ImportField::Phone),
        roles: get(ImportField::Roles),
        user_type: get(ImportField::UserType),
        site: get(ImportField::Site),
        external_id: get(ImportField::ExternalId),
    };
    if columns.email.is_none() {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::NoEmailColumn));
    }
    if columns.full_name.is_none() {
        for (field, column) in [
            (ImportField::FirstName, columns.first_name),
            (ImportField::LastName, columns.last_name),
        ] {
            if column.is_none() {
                report
                    .file_issues
                    .push(ImportIssue::file(ImportIssueCode::MissingColumn { field }));
            }
        }
    }
    columns
}

/// Roles by name, matched case-insensitively (the exact spelling is tried first: it is the
/// common case and needs no allocation).
struct RoleIndex<'a> {
    exact: HashMap<&'a str, &'a RoleInfo>,
    folded: HashMap<String, &'a RoleInfo>,
}

impl<'a> RoleIndex<'a> {
    fn new(context: &ImportContext<'a>) -> Self {
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
struct CheckedRow {
    user: Option<ImportUser>,
    email: Option<Email>,
    email_key: Option<String>,
    external_id: Option<String>,
}

fn check_row(
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
        Ok(()) if site_raw.trim().is_empty() => Some("HQ".to_string()),
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
    let external_id_ok = match &external_id {
        Some(id) if id.chars().count() > crate::rules::EXTERNAL_ID_MAX_CHARS => {
            fail(
                outcome,
                columns.external_id,
                ImportField::ExternalId,
                ImportIssueCode::Field(IssueCode::ExternalIdTooLong),
                id,
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
        let code = match roles.get(name) {
            Some(role) if role.applies_to == kind => {
                if !ids.contains(&role.id) {
                    ids.push(role.id);
                }
                continue;
            }
            Some(_) => ImportIssueCode::RoleNotForKind {
                name: name.to_string(),
            },
            None => ImportIssueCode::UnknownRole {
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
    if ok && ids.is_empty() && kind == UserKind::EndUser {
        ok = false;
        outcome.issues.push(ImportIssue {
            line: Some(line),
            column,
            field: Some(ImportField::Roles),
            code: ImportIssueCode::Field(IssueCode::EndUserNeedsRole),
            value: raw.to_string(),
        });
    }
    ok.then_some(ids)
}

#[cfg(test)]
#[path = "analyze_tests.rs"]
mod tests;
