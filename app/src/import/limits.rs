use serde::{Deserialize, Serialize};

/// Every limit is configurable; each is checked as early as possible and reported with its
/// exact value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLimits {
    pub max_input_bytes: usize,
    pub max_rows: usize,
    pub max_columns: usize,
    pub max_cell_chars: usize,
    pub max_row_bytes: usize,
    /// The sum of an XLSX file's parts once inflated (zip bombs stop here).
    pub max_xlsx_inflated_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_input_bytes: 100 * 1024 * 1024,
            max_rows: 500_000,
            max_columns: 200,
            max_cell_chars: 1_000,
            max_row_bytes: 128 * 1024,
            max_xlsx_inflated_bytes: 400 * 1024 * 1024,
        }
    }
}

/// Emails the preview asks the server about in one request (and the most the server answers).
pub const EMAILS_PER_CHECK: usize = 5_000;
