//! The second step: a table of text becomes typed users and every problem, row by row and
//! cell by cell. The same function runs in the browser (the preview) and on the server (the
//! authority).

use super::columns::map_columns;
use super::row_check::{check_row, RoleIndex};
use super::{
    ColumnMapping, ImportField, ImportIssue, ImportIssueCode, ImportLimits, MappedBy,
    MappingChoice, SourceRow, Table,
};
use crate::model::{RoleInfo, UserKind, UserType};
use crate::rules::{Email, PersonName, PhoneE164};
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
    /// `Some` exactly when `issues` is empty. Boxed, so that the rows of a large import are a
    /// small array (64 bytes a row, not ~250) and a valid user moves into its plan as a pointer.
    pub user: Option<Box<ImportUser>>,
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

/// `Email::key` of every data row's email that is a valid address, whatever else is wrong
/// with its row: what the server looks up among existing accounts.
pub fn email_keys(table: &Table, report: &ImportReport) -> Vec<String> {
    let Some(column) = report
        .columns
        .iter()
        .find(|c| c.field == ImportField::Email)
        .map(|c| c.column)
    else {
        return Vec::new();
    };
    let data = table
        .rows
        .get(report.first_data_row()..)
        .unwrap_or_default();
    data.iter()
        .filter_map(|row| Email::parse(row.cells.get(column)?).ok())
        .map(|email| email.key())
        .collect()
}

/// Source columns of each field (the first one wins when several map to the same field).
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    pub(super) first_name: Option<usize>,
    pub(super) last_name: Option<usize>,
    pub(super) full_name: Option<usize>,
    pub(super) email: Option<usize>,
    pub(super) phone: Option<usize>,
    pub(super) roles: Option<usize>,
    pub(super) user_type: Option<usize>,
    pub(super) site: Option<usize>,
    pub(super) external_id: Option<usize>,
}

pub fn analyze(table: &Table, choice: &MappingChoice, context: &ImportContext<'_>) -> ImportReport {
    analyze_observed(table, choice, context, &mut |_| true)
}

/// How often (in rows) `analyze_observed` reports its progress.
pub const PROGRESS_EVERY_ROWS: usize = 4096;

/// `analyze`, telling `progress` how many data rows are checked every
/// [`PROGRESS_EVERY_ROWS`] rows; when `progress` answers `false` it stops there (a cancelled
/// job), and the report covers only the rows checked so far.
pub fn analyze_observed(
    table: &Table,
    choice: &MappingChoice,
    context: &ImportContext<'_>,
    progress: &mut dyn FnMut(usize) -> bool,
) -> ImportReport {
    let (mut report, columns) = frame(table, choice, context);
    if let Some(columns) = columns {
        let data = &table.rows[report.first_data_row()..];
        check_rows(&mut report, &columns, data.iter(), context, progress, None);
    }
    report
}

/// [`analyze_observed`] for a table the caller no longer needs, answering the report and the
/// [`email_keys`]: each row's cells are dropped once it is checked, so the table and the
/// report are never both whole in memory (at 500,000 rows each is a few hundred megabytes).
pub fn analyze_owned(
    table: Table,
    choice: &MappingChoice,
    context: &ImportContext<'_>,
    progress: &mut dyn FnMut(usize) -> bool,
) -> (ImportReport, Vec<String>) {
    let (mut report, columns) = frame(&table, choice, context);
    let mut keys = Vec::new();
    if let Some(columns) = columns {
        let data = table.rows.into_iter().skip(report.first_data_row());
        keys.reserve(data.len());
        check_rows(
            &mut report,
            &columns,
            data,
            context,
            progress,
            Some(&mut keys),
        );
    }
    (report, keys)
}

/// Checks the data rows into `report.rows`, and gathers the [`email_keys`] into `keys` when
/// given; stops when `progress` answers `false`.
fn check_rows<R: std::borrow::Borrow<SourceRow>>(
    report: &mut ImportReport,
    columns: &Columns,
    data: impl ExactSizeIterator<Item = R>,
    context: &ImportContext<'_>,
    progress: &mut dyn FnMut(usize) -> bool,
    mut keys: Option<&mut Vec<String>>,
) {
    let rows = data.len();
    let roles = RoleIndex::new(context);
    let mut seen_emails: HashMap<String, usize> = HashMap::with_capacity(rows);
    // Sized at once: growing a map of 500,000 keys holds the old table beside the new one.
    let mut seen_external_ids: HashMap<String, usize> =
        HashMap::with_capacity(if columns.external_id.is_some() {
            rows
        } else {
            0
        });
    report.rows.reserve(rows);
    for (done, row) in data.enumerate() {
        if done % PROGRESS_EVERY_ROWS == 0 && done > 0 && !progress(done) {
            return;
        }
        let row = row.borrow();
        let mut outcome = RowOutcome {
            line: row.line,
            user: None,
            issues: Vec::new(),
            notices: Vec::new(),
        };
        let checked = check_row(&row.cells, columns, &roles, context, &mut outcome);
        if let Some(keys) = keys.as_deref_mut() {
            // A row refused before its email was read (a cell too long) still names it.
            let key = checked.email_key.clone().or_else(|| {
                let cell = row.cells.get(columns.email?)?;
                Email::parse(cell).ok().map(|email| email.key())
            });
            keys.extend(key);
        }
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
        outcome.user = checked
            .user
            .filter(|_| outcome.issues.is_empty())
            .map(Box::new);
        report.rows.push(outcome);
    }
    progress(rows);
}

/// The report before any row is checked: the header, the columns and the problems with the
/// input as a whole. `None` columns when no row can be checked (nothing to check, too many
/// rows or columns); otherwise the data rows start at `report.first_data_row()`.
pub(super) fn frame(
    table: &Table,
    choice: &MappingChoice,
    context: &ImportContext<'_>,
) -> (ImportReport, Option<Columns>) {
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
        return (report, None);
    }
    if data.len() > context.limits.max_rows {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::TooManyRows {
                limit: context.limits.max_rows,
            }));
        return (report, None);
    }
    if report.columns.len() > context.limits.max_columns {
        report
            .file_issues
            .push(ImportIssue::file(ImportIssueCode::TooManyColumns {
                limit: context.limits.max_columns,
            }));
        return (report, None);
    }
    let columns = resolve_columns(&mut report);
    (report, Some(columns))
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

#[cfg(test)]
#[path = "analyze_tests.rs"]
mod tests;
