//! Edits the preview makes to the table: a cell typed over, rows removed, roles assigned to
//! selected rows. The table is the source of truth; the report is recomputed from it.

use super::export::ErrorLine;
use super::{ImportField, ImportReport, MappingChoice, Table};

/// Sets one cell (`row` indexes `table.rows`), growing the row when needed.
pub fn set_cell(table: &mut Table, row: usize, column: usize, value: String) {
    if let Some(cells) = table.rows.get_mut(row).map(|r| &mut r.cells) {
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = value;
    }
}

/// Removes the given rows (indexes into `table.rows`).
pub fn remove_rows(table: &mut Table, rows: &[usize]) {
    let mut index = 0;
    table.rows.retain(|_| {
        let keep = !rows.contains(&index);
        index += 1;
        keep
    });
}

/// Writes `role_names` into the roles cell of the given rows, adding a Roles column first when
/// the table has none (with a header cell when the table has a header row).
pub fn assign_roles(
    table: &mut Table,
    mapping: &mut MappingChoice,
    report: &ImportReport,
    rows: &[usize],
    role_names: &[String],
) {
    let column = match report
        .columns
        .iter()
        .find(|c| c.field == ImportField::Roles)
    {
        Some(c) => c.column,
        None => add_roles_column(table, mapping, report),
    };
    let value = role_names.join(" | ");
    for row in rows {
        set_cell(table, *row, column, value.clone());
    }
}

/// Adds an empty Roles column at the right and returns its index.
pub fn add_roles_column(
    table: &mut Table,
    mapping: &mut MappingChoice,
    report: &ImportReport,
) -> usize {
    let column = table.width();
    if report.header_row {
        set_cell(table, 0, column, "Roles".into());
    }
    if let Some(fields) = &mut mapping.fields {
        fields.resize(column, ImportField::Ignore);
        fields.push(ImportField::Roles);
    } else if !report.header_row {
        // Without a header the mapping was inferred; keep it and name the new column.
        let mut fields: Vec<ImportField> = report.columns.iter().map(|c| c.field).collect();
        fields.resize(column, ImportField::Ignore);
        fields.push(ImportField::Roles);
        mapping.fields = Some(fields);
        mapping.header_row = Some(false);
    }
    column
}

/// Every cell problem of the report, for "Download errors" and "Copy errors".
pub fn error_lines(report: &ImportReport) -> Vec<ErrorLine> {
    let header = |column: Option<usize>| {
        column
            .and_then(|c| report.columns.get(c))
            .map(|c| {
                c.header
                    .clone()
                    .unwrap_or_else(|| c.field.label().to_string())
            })
            .unwrap_or_default()
    };
    report
        .file_issues
        .iter()
        .map(|i| ErrorLine {
            line: 0,
            column: header(i.column),
            value: String::new(),
            problem: i.code.message(),
        })
        .chain(report.rows.iter().flat_map(|row| {
            row.issues.iter().map(move |i| ErrorLine {
                line: row.line,
                column: header(i.column),
                value: i.value.clone(),
                problem: i.code.message(),
            })
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{analyze, read_source, ImportContext, ImportLimits, ImportSource};
    use crate::model::{RoleInfo, UserKind};
    use std::collections::HashSet;

    fn analyze_with(table: &Table, mapping: &MappingChoice) -> ImportReport {
        let roles = vec![RoleInfo {
            id: 5,
            name: "Requester".into(),
            applies_to: UserKind::EndUser,
            is_default: true,
        }];
        let existing = HashSet::new();
        let context = ImportContext {
            kind: UserKind::EndUser,
            known_roles: &roles,
            existing_email_keys: &existing,
            limits: ImportLimits::default(),
        };
        analyze(table, mapping, &context)
    }

    fn table(text: &str) -> Table {
        read_source(ImportSource::Pasted(text), &ImportLimits::default()).table
    }

    #[test]
    fn assigning_roles_adds_a_roles_column_and_fixes_the_rows() {
        let mut t = table("First Name\tLast Name\tEmail\nAnn\tLee\ta@x.io\nBob\tRay\tb@x.io");
        let mut mapping = MappingChoice::default();
        let before = analyze_with(&t, &mapping);
        assert_eq!(before.valid_count(), 0, "end users need a role");
        assign_roles(
            &mut t,
            &mut mapping,
            &before,
            &[1, 2],
            &["Requester".into()],
        );
        let after = analyze_with(&t, &mapping);
        assert_eq!(after.valid_count(), 2);
        assert_eq!(t.rows[0].cells[3], "Roles");
    }

    #[test]
    fn assigning_roles_without_a_header_keeps_the_inferred_mapping() {
        let mut t = table("Ann\tLee\ta@x.io\nBob\tRay\tb@x.io");
        let mut mapping = MappingChoice::default();
        let before = analyze_with(&t, &mapping);
        assign_roles(&mut t, &mut mapping, &before, &[0], &["Requester".into()]);
        let after = analyze_with(&t, &mapping);
        assert!(after.rows[0].user.is_some());
        assert!(after.rows[1].user.is_none());
    }

    #[test]
    fn a_cell_edit_revalidates_and_removed_rows_are_gone() {
        let mut t = table("First Name\tLast Name\tEmail\tRoles\nAnn\tLee\tbad\tRequester\nBob\tRay\tb@x.io\tRequester");
        let mapping = MappingChoice::default();
        assert_eq!(analyze_with(&t, &mapping).valid_count(), 1);
        set_cell(&mut t, 1, 2, "ann@x.io".into());
        assert_eq!(analyze_with(&t, &mapping).valid_count(), 2);
        remove_rows(&mut t, &[2]);
        assert_eq!(analyze_with(&t, &mapping).rows.len(), 1);
        let lines = error_lines(&analyze_with(&table("Email\nbad"), &mapping));
        assert!(lines
            .iter()
            .any(|l| l.line == 2 && l.column == "Email" && l.value == "bad"));
    }
}
