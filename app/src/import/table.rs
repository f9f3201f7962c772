use serde::{Deserialize, Serialize};

/// One row as read from the source: its line number as the user sees it in their spreadsheet
/// (1-based, the header row included) and its cells as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub line: u32,
    pub cells: Vec<String>,
}

/// What the source held, as text. The preview edits cells here; the server receives it back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub rows: Vec<SourceRow>,
}

impl Table {
    pub fn width(&self) -> usize {
        self.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0)
    }

    pub(crate) fn is_blank(row: &SourceRow) -> bool {
        row.cells.iter().all(|c| c.trim().is_empty())
    }
}
