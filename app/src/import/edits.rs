//! The preview's changes to a source, as few bytes as they take: which rows were removed and
//! which cells were typed over, the same value written into many rows sent once. The browser
//! sends these with the source itself; the server reads the source with the engine and applies
//! them, so the server — not the browser — is the authority on what the file said.
//!
//! `diff(original, edited)` and `apply(original, &edits)` are inverse: applying the edits to
//! the table read from the source gives the table the admin saw (rows compared by their cells,
//! a missing cell reading as an empty one).

use super::{SourceRow, Table};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Rows `start..end` of the table as read from the source (indexes, not spreadsheet lines).
pub type RowRange = [u32; 2];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEdits {
    /// Rows the admin removed.
    #[serde(default)]
    pub removed: Vec<RowRange>,
    /// Cells typed over: one value written into one column of many rows.
    #[serde(default)]
    pub cells: Vec<CellWrite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellWrite {
    pub column: u32,
    pub value: String,
    pub rows: Vec<RowRange>,
}

/// Why edits do not fit the source they came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditsRefused {
    /// An edit names a row past the end of the source (it has `rows` rows).
    RowOutside { row: u32, rows: usize },
    /// An edit names a column past the engine's limit.
    ColumnOutside { column: u32, max_columns: usize },
    /// A written value is longer than a cell may be.
    ValueTooLong { max_cell_chars: usize },
    /// The edits write more cells than the table has (ranges repeated or overlapping).
    TooManyCells,
}

impl std::fmt::Display for EditsRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditsRefused::RowOutside { row, rows } => write!(
                f,
                "The changes sent with this import name row {} but the source has {rows} rows. \
                 Open the file again and repeat your changes.",
                row + 1
            ),
            EditsRefused::ColumnOutside {
                column,
                max_columns,
            } => write!(
                f,
                "The changes sent with this import name column {} but an import has at most \
                 {max_columns} columns.",
                column + 1
            ),
            EditsRefused::ValueTooLong { max_cell_chars } => write!(
                f,
                "A value in the changes sent with this import is longer than {max_cell_chars} characters."
            ),
            EditsRefused::TooManyCells => f.write_str(
                "The changes sent with this import write more cells than the source has.",
            ),
        }
    }
}

impl TableEdits {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.cells.is_empty()
    }

    /// How many cells the edits write (each row of each write counted).
    pub fn cells_written(&self) -> u64 {
        self.cells
            .iter()
            .flat_map(|w| &w.rows)
            .map(|[start, end]| u64::from(end.saturating_sub(*start)))
            .sum()
    }
}

/// What changed from `original` (as read from the source) to `edited` (as the preview shows
/// it). Rows are matched by their spreadsheet line; the preview only removes rows and sets
/// cells, so every edited row's line is in the original.
pub fn diff(original: &Table, edited: &Table) -> TableEdits {
    let index_of: HashMap<u32, usize> = original
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.line, i))
        .collect();
    let mut kept = vec![false; original.rows.len()];
    // (column, value) → the rows it is written into, in row order; first-seen order kept.
    let mut writes: Vec<(u32, String, Vec<u32>)> = Vec::new();
    let mut write_index: HashMap<(u32, String), usize> = HashMap::new();
    for row in &edited.rows {
        let Some(&i) = index_of.get(&row.line) else {
            continue;
        };
        kept[i] = true;
        let before = &original.rows[i].cells;
        let width = before.len().max(row.cells.len());
        for column in 0..width {
            let old = before.get(column).map_or("", String::as_str);
            let new = row.cells.get(column).map_or("", String::as_str);
            if old == new {
                continue;
            }
            let key = (column as u32, new.to_string());
            let slot = *write_index.entry(key).or_insert_with(|| {
                writes.push((column as u32, new.to_string(), Vec::new()));
                writes.len() - 1
            });
            writes[slot].2.push(i as u32);
        }
    }
    let removed: Vec<u32> = (0..original.rows.len() as u32)
        .filter(|i| !kept[*i as usize])
        .collect();
    TableEdits {
        removed: ranges(&removed),
        cells: writes
            .into_iter()
            .map(|(column, value, rows)| CellWrite {
                column,
                value,
                rows: ranges(&rows),
            })
            .collect(),
    }
}

/// Ascending indexes as half-open ranges.
fn ranges(indexes: &[u32]) -> Vec<RowRange> {
    let mut out: Vec<RowRange> = Vec::new();
    for &i in indexes {
        match out.last_mut() {
            Some(last) if last[1] == i => last[1] = i + 1,
            _ => out.push([i, i + 1]),
        }
    }
    out
}

/// The table the admin saw: `original` with the cells written and the rows removed. Edits
/// are bounded by the engine's limits before anything is applied: no value longer than a
/// cell, no column past the last, no more cells written than the table can hold.
pub fn apply(
    mut original: Table,
    edits: &TableEdits,
    limits: &super::ImportLimits,
) -> Result<Table, EditsRefused> {
    let max_columns = limits.max_columns;
    let rows = original.rows.len();
    if edits.cells_written() > (rows as u64) * (max_columns as u64) {
        return Err(EditsRefused::TooManyCells);
    }
    if edits
        .cells
        .iter()
        .any(|w| w.value.chars().count() > limits.max_cell_chars)
    {
        return Err(EditsRefused::ValueTooLong {
            max_cell_chars: limits.max_cell_chars,
        });
    }
    let check = |range: &RowRange| {
        let [start, end] = *range;
        if start >= end || end as usize > rows {
            Err(EditsRefused::RowOutside {
                row: end.max(start + 1) - 1,
                rows,
            })
        } else {
            Ok(start as usize..end as usize)
        }
    };
    for write in &edits.cells {
        if write.column as usize >= max_columns {
            return Err(EditsRefused::ColumnOutside {
                column: write.column,
                max_columns,
            });
        }
        let column = write.column as usize;
        for range in &write.rows {
            for row in &mut original.rows[check(range)?] {
                set(row, column, &write.value);
            }
        }
    }
    let mut keep = vec![true; rows];
    for range in &edits.removed {
        keep[check(range)?].fill(false);
    }
    let mut index = 0;
    original.rows.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    Ok(original)
}

fn set(row: &mut SourceRow, column: usize, value: &str) {
    if row.cells.len() <= column {
        if value.is_empty() {
            return;
        }
        row.cells.resize(column + 1, String::new());
    }
    value.clone_into(&mut row.cells[column]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| SourceRow {
                    line: i as u32 + 1,
                    cells: cells.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        }
    }

    /// Rows compared as the engine reads them: trailing empty cells do not count.
    fn trimmed(table: &Table) -> Vec<(u32, Vec<String>)> {
        table
            .rows
            .iter()
            .map(|r| {
                let mut cells = r.cells.clone();
                while cells.last().is_some_and(|c| c.is_empty()) {
                    cells.pop();
                }
                (r.line, cells)
            })
            .collect()
    }

    fn limits() -> crate::import::ImportLimits {
        crate::import::ImportLimits::default()
    }

    #[test]
    fn applying_the_diff_gives_back_the_table_the_admin_edited() {
        let original = table(&[
            &["First", "Last", "Email"],
            &["Ada", "Lovelace", "ada@example"],
            &["Alan", "Turing", "alan@example.com"],
            &["Grace", "Hopper", "grace@example.com"],
            &["Bad", "Row", "x"],
        ]);
        let mut edited = original.clone();
        super::super::edit::set_cell(&mut edited, 1, 2, "ada@example.com".into());
        super::super::edit::set_cell(&mut edited, 0, 3, "Roles".into());
        for row in 1..5 {
            super::super::edit::set_cell(&mut edited, row, 3, "End User".into());
        }
        super::super::edit::remove_rows(&mut edited, &[4]);
        let edits = diff(&original, &edited);
        assert_eq!(edits.removed, vec![[4, 5]]);
        let roles = edits.cells.iter().find(|w| w.value == "End User").unwrap();
        assert_eq!(
            roles.rows,
            vec![[1, 4]],
            "one value into many rows is sent once"
        );
        let rebuilt = apply(original, &edits, &limits()).unwrap();
        assert_eq!(trimmed(&rebuilt), trimmed(&edited));
    }

    #[test]
    fn a_role_written_into_half_a_million_rows_takes_a_few_bytes() {
        let mut original = Table::default();
        for line in 1..=500_000 {
            original.rows.push(SourceRow {
                line,
                cells: vec!["A".into(), "B".into(), format!("u{line}@example.com")],
            });
        }
        let mut edited = original.clone();
        for row in &mut edited.rows {
            row.cells.push("End User".into());
        }
        let edits = diff(&original, &edited);
        let json = serde_json::to_string(&edits).unwrap();
        assert!(json.len() < 100, "{json}");
        assert_eq!(edits.cells_written(), 500_000);
    }

    #[test]
    fn an_unchanged_table_has_no_edits() {
        let original = table(&[&["a", "b"], &["c", "d"]]);
        assert!(diff(&original, &original.clone()).is_empty());
    }

    #[test]
    fn edits_pointing_outside_the_source_are_refused() {
        let original = table(&[&["a"], &["b"]]);
        let past_the_end = TableEdits {
            removed: vec![[1, 3]],
            cells: Vec::new(),
        };
        assert_eq!(
            apply(original.clone(), &past_the_end, &limits()),
            Err(EditsRefused::RowOutside { row: 2, rows: 2 })
        );
        let empty_range = TableEdits {
            removed: vec![[1, 1]],
            cells: Vec::new(),
        };
        assert!(apply(original.clone(), &empty_range, &limits()).is_err());
        let wide = TableEdits {
            removed: Vec::new(),
            cells: vec![CellWrite {
                column: 200,
                value: "x".into(),
                rows: vec![[0, 1]],
            }],
        };
        assert_eq!(
            apply(original.clone(), &wide, &limits()),
            Err(EditsRefused::ColumnOutside {
                column: 200,
                max_columns: 200
            })
        );
        assert!(EditsRefused::RowOutside { row: 2, rows: 2 }
            .to_string()
            .contains("row 3 but the source has 2 rows"));
        let huge = TableEdits {
            removed: Vec::new(),
            cells: vec![CellWrite {
                column: 0,
                value: "x".repeat(1_001),
                rows: vec![[0, 1]],
            }],
        };
        assert_eq!(
            apply(original.clone(), &huge, &limits()),
            Err(EditsRefused::ValueTooLong {
                max_cell_chars: 1_000
            })
        );
        let repeated = TableEdits {
            removed: Vec::new(),
            cells: vec![CellWrite {
                column: 0,
                value: "x".into(),
                rows: vec![[0, 2]; 500],
            }],
        };
        assert_eq!(
            apply(original, &repeated, &limits()),
            Err(EditsRefused::TooManyCells)
        );
    }
}
