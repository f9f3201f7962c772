//! Edits the preview makes to the table: a cell typed over, rows removed, roles assigned to
//! selected rows. The table is the source of truth; the report is recomputed from it.

use super::{HeaderChoice, ImportField, ImportReport, MappingChoice, Table};

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
    if let Some(header) = report.header_row {
        set_cell(table, header, column, "Roles".into());
    }
    if let Some(fields) = &mut mapping.fields {
        fields.resize(column, ImportField::Ignore);
        fields.push(ImportField::Roles);
    } else if report.header_row.is_none() {
        // Without a header the mapping was inferred; keep it and name the new column.
        let mut fields: Vec<ImportField> = report.columns.iter().map(|c| c.field).collect();
        fields.resize(column, ImportField::Ignore);
        fields.push(ImportField::Roles);
        mapping.fields = Some(fields);
        mapping.header = HeaderChoice::NoHeader;
    }
    column
}

/// End users need a role: every data row whose roles cell is empty (or that has no Roles
/// column at all) gets `role_name`, written into the table so the admin sees it and can
/// change it. A Roles column left empty thus reads like a missing one. Returns how many rows
/// were filled.
pub fn fill_default_role(
    table: &mut Table,
    mapping: &mut MappingChoice,
    report: &ImportReport,
    role_name: &str,
) -> usize {
    let first = report.first_data_row();
    if first >= table.rows.len() {
        return 0;
    }
    let column = match report
        .columns
        .iter()
        .find(|c| c.field == ImportField::Roles)
    {
        Some(c) => c.column,
        None => add_roles_column(table, mapping, report),
    };
    let mut filled = 0;
    for row in &mut table.rows[first..] {
        if row.cells.get(column).is_none_or(|c| c.trim().is_empty()) {
            if row.cells.len() <= column {
                row.cells.resize(column + 1, String::new());
            }
            row.cells[column] = role_name.to_string();
            filled += 1;
        }
    }
    filled
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
    fn an_empty_roles_column_gets_the_default_role_like_a_missing_one() {
        for text in [
            "First Name,Last Name,Email,Roles\nAnn,Lee,a@x.io,\nBob,Ray,b@x.io,",
            "First Name,Last Name,Email\nAnn,Lee,a@x.io\nBob,Ray,b@x.io",
            "Staff list\nFirst Name,Last Name,Email,Roles\nAnn,Lee,a@x.io,\nBob,Ray,b@x.io,",
        ] {
            let mut t = table(text);
            let mut mapping = MappingChoice::default();
            let before = analyze_with(&t, &mapping);
            assert_eq!(before.valid_count(), 0, "end users need a role: {text:?}");
            let filled = fill_default_role(&mut t, &mut mapping, &before, "Requester");
            assert_eq!(filled, 2);
            let after = analyze_with(&t, &mapping);
            assert_eq!(after.valid_count(), 2, "{text:?}: {:?}", after.rows);
            let header = after.header_row.unwrap();
            let roles = after
                .columns
                .iter()
                .find(|c| c.field == ImportField::Roles)
                .unwrap()
                .column;
            assert_eq!(t.rows[header].cells[roles], "Roles", "{text:?}");
            assert_eq!(t.rows[header + 1].cells[roles], "Requester");
        }
    }

    #[test]
    fn roles_the_file_gives_are_kept_and_only_empty_cells_are_filled() {
        let mut t =
            table("First Name,Last Name,Email,Roles\nAnn,Lee,a@x.io,Approver\nBob,Ray,b@x.io, ");
        let mut mapping = MappingChoice::default();
        let before = analyze_with(&t, &mapping);
        assert_eq!(
            fill_default_role(&mut t, &mut mapping, &before, "Requester"),
            1
        );
        assert_eq!(t.rows[1].cells[3], "Approver");
        assert_eq!(t.rows[2].cells[3], "Requester");
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
        let lines =
            super::super::export::report_error_lines(&analyze_with(&table("Email\nbad"), &mapping));
        assert!(lines
            .iter()
            .any(|l| l.line == 2 && l.column == "Email" && l.value == "bad"));
    }
}
