use super::*;
use crate::import::sample::sample_roles;
use crate::import::SourceRow;
use crate::import::{analyze, edit, ImportLimits};
use crate::model::{RoleInfo, UserKind};
use proptest::prelude::*;
use std::collections::HashSet;

const HEADER: [&str; 6] = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Roles",
    "External ID",
];

/// Few distinct values per column, so that duplicates (and their repair) are common.
fn cell(column: usize) -> impl Strategy<Value = String> {
    let values: &[&str] = match column {
        0 | 1 => &["Ann", "Bob", "B0b", ""],
        2 => &[
            "a@x.io",
            "A@x.io ",
            "b@x.io",
            "c@y.org",
            "taken@x.io",
            "bad",
            "",
        ],
        3 => &["", "+1 888 667 8888", "+44 20 7946 0958", "12"],
        4 => &["Requester", "", "Nope", "approver | Requester"],
        _ => &["", "", "E1", "E2", "e1"],
    };
    proptest::sample::select(values).prop_map(str::to_string)
}

fn data_row() -> impl Strategy<Value = Vec<String>> {
    (0..HEADER.len()).map(cell).collect::<Vec<_>>()
}

/// Up to 120 data rows (past the first 50, which the columns are read from), mostly under a
/// header row (without one, columns are guessed from the cells); lines skip now and then, as
/// blank lines do.
fn table() -> impl Strategy<Value = Table> {
    let rows = proptest::collection::vec((data_row(), 1u32..3), 0..120);
    (rows, proptest::bool::weighted(0.8)).prop_map(|(rows, header)| {
        let mut line = 0;
        let mut table = Table::default();
        if header {
            line = 1;
            table.rows.push(SourceRow {
                line,
                cells: HEADER.iter().map(|h| h.to_string()).collect(),
            });
        }
        for (cells, step) in rows {
            line += step;
            table.rows.push(SourceRow { line, cells });
        }
        table
    })
}

#[derive(Debug, Clone)]
enum Change {
    Cell {
        row: usize,
        column: usize,
        value: String,
    },
    Remove(Vec<usize>),
    AssignRoles(Vec<usize>, String),
    Taken(String),
    Remap {
        column: usize,
        field: ImportField,
    },
}

fn change() -> impl Strategy<Value = Change> {
    let rows = || proptest::collection::vec(0usize..125, 1..6);
    prop_oneof![
        4 => (0usize..125, 0..HEADER.len())
            .prop_flat_map(|(row, column)| (Just(row), Just(column), cell(column)))
            .prop_map(|(row, column, value)| Change::Cell { row, column, value }),
        1 => rows().prop_map(Change::Remove),
        1 => (rows(), proptest::sample::select(vec!["Requester", "Approver"]))
            .prop_map(|(rows, role)| Change::AssignRoles(rows, role.to_string())),
        1 => proptest::sample::select(vec!["a@x.io", "b@x.io", "taken@x.io"])
            .prop_map(|email| Change::Taken(email.to_string())),
        1 => (0..HEADER.len(), proptest::sample::select(ImportField::ALL.to_vec()))
            .prop_map(|(column, field)| Change::Remap { column, field }),
    ]
}

struct World {
    roles: Vec<RoleInfo>,
    taken: HashSet<String>,
}

impl World {
    fn context(&self) -> ImportContext<'_> {
        ImportContext {
            kind: UserKind::EndUser,
            known_roles: &self.roles,
            existing_email_keys: &self.taken,
            limits: ImportLimits::default(),
        }
    }
}

/// Applies one change the way the preview does: through the live report where it can, a new
/// report where the columns' meaning changed.
fn apply(
    change: Change,
    table: &mut Table,
    mapping: &mut MappingChoice,
    live: &mut LiveReport,
    world: &mut World,
) {
    let rows_in = |rows: &[usize], table: &Table| -> Vec<usize> {
        rows.iter()
            .copied()
            .filter(|r| *r < table.rows.len())
            .collect()
    };
    match change {
        Change::Cell { row, column, value } => {
            if row < table.rows.len() {
                edit::set_cell(table, row, column, value);
                live.rows_changed(table, &world.context(), &[row]);
            }
        }
        Change::Remove(rows) => live.remove_rows(table, &world.context(), &rows_in(&rows, table)),
        Change::AssignRoles(rows, role) => {
            let rows = rows_in(&rows, table);
            let had_roles_column = live.columns.iter().any(|c| c.field == ImportField::Roles);
            edit::assign_roles(table, mapping, live.report(), &rows, &[role]);
            if had_roles_column {
                live.rows_changed(table, &world.context(), &rows);
            } else {
                *live = LiveReport::new(table, mapping, &world.context());
            }
        }
        Change::Taken(email) => {
            let key = Email::key_of(&email);
            world.taken.insert(key.clone());
            live.emails_taken(table, &world.context(), &[key]);
        }
        Change::Remap { column, field } => {
            let mut fields: Vec<ImportField> = live.columns.iter().map(|c| c.field).collect();
            if let Some(slot) = fields.get_mut(column) {
                *slot = field;
            }
            mapping.fields = Some(fields);
            *live = LiveReport::new(table, mapping, &world.context());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_live_report_after_any_edits_equals_a_full_analysis(
        start in table(),
        changes in proptest::collection::vec(change(), 0..25),
    ) {
        let mut world = World { roles: sample_roles(), taken: HashSet::new() };
        let mut table = start;
        let mut mapping = MappingChoice::default();
        let mut live = LiveReport::new(&table, &mapping, &world.context());
        for change in changes {
            apply(change.clone(), &mut table, &mut mapping, &mut live, &mut world);
            let full = analyze(&table, &mapping, &world.context());
            prop_assert_eq!(live.report(), &full, "after {:?}", change);
            prop_assert_eq!(live.valid_count(), full.valid_count());
        }
    }

    #[test]
    fn a_report_built_in_slices_equals_a_full_analysis(
        table in table(),
        slice in 1usize..7,
        edit_at in proptest::option::of(
            (0usize..125, 0usize..8).prop_flat_map(|(row, column)| (Just(row), Just(column), cell(column)))
        ),
        taken_at in proptest::option::of(0usize..125),
    ) {
        let mut world = World { roles: sample_roles(), taken: HashSet::new() };
        let mapping = MappingChoice::default();
        let mut live = LiveReport::start(&table, &mapping, &world.context());
        let mut table = table;
        let mut slices = 0;
        while !live.advance(&table, &world.context(), slice) {
            slices += 1;
            prop_assert!(live.checked_rows() <= slices * slice);
            // An edit while it is being built is taken in too, without checking the rest
            // first (which would hold the page at half a million rows).
            if let Some((row, column, value)) = edit_at.clone().filter(|(row, ..)| *row < table.rows.len()) {
                // The preview edits only the columns there are.
                let column = column % table.width().max(1);
                edit::set_cell(&mut table, row, column, value);
                live.rows_changed(&table, &world.context(), &[row]);
                prop_assert!(!live.is_complete() || live.rows.is_empty());
            }
            // So is the server's answer that a row's email is in use.
            let taken = taken_at.and_then(|row| table.rows.get(row)?.cells.get(2).cloned());
            if let Some(email) = taken.filter(|email| !email.trim().is_empty()) {
                let key = Email::key_of(&email);
                world.taken.insert(key.clone());
                live.emails_taken(&table, &world.context(), &[key]);
                prop_assert!(!live.is_complete() || live.rows.is_empty());
            }
        }
        prop_assert_eq!(live.report(), &analyze(&table, &mapping, &world.context()));
    }
}

#[test]
fn fixing_one_duplicate_clears_its_twin() {
    let world = World {
        roles: sample_roles(),
        taken: HashSet::new(),
    };
    let mut table = Table {
        rows: [
            HEADER.to_vec(),
            vec!["Ann", "Lee", "a@x.io", "", "Requester", ""],
            vec!["Bob", "Ray", "b@x.io", "", "Requester", ""],
            vec!["Cy", "Ng", "A@X.io", "", "Requester", ""],
        ]
        .into_iter()
        .enumerate()
        .map(|(i, cells)| SourceRow {
            line: i as u32 + 1,
            cells: cells.into_iter().map(String::from).collect(),
        })
        .collect(),
    };
    let mapping = MappingChoice::default();
    let mut live = LiveReport::new(&table, &mapping, &world.context());
    assert_eq!((live.valid_count(), live.invalid_count()), (1, 2));
    edit::set_cell(&mut table, 3, 2, "cy@x.io".into());
    live.rows_changed(&table, &world.context(), &[3]);
    assert_eq!((live.valid_count(), live.invalid_count()), (3, 0));
    assert_eq!(live.take_fresh_emails(2), ["a@x.io", "b@x.io"]);
    assert_eq!(
        live.take_fresh_emails(5),
        ["cy@x.io"],
        "row 4 as it is now, once"
    );
    assert!(live.take_fresh_emails(5).is_empty());
}
