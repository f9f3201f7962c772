//! The import engine: turns what an administrator pastes or uploads into typed user rows and a
//! complete list of problems.
//!
//! Pure by design: no I/O, no clock, no randomness, no leptos, no sqlx, no web-sys. It compiles
//! into the wasm bundle (instant preview) and into the server (the authority), which runs
//! exactly this code again on whatever the browser sends. What it needs from the world — the
//! kind of user, known roles, existing emails, limits — arrives in an [`ImportContext`].
//!
//! It never fails and never stops at the first problem: [`read_source`] always returns a table
//! (possibly empty) and file-level issues; [`analyze`] always returns every row with its typed
//! user (when valid), its issues and its notices.
//!
//! ```text
//! bytes / pasted text ──read_source──▶ Table (strings, spreadsheet line numbers)
//!                                        │   (the preview edits cells here)
//!                                        ▼
//!                         analyze(table, mapping choice, context) ──▶ ImportReport
//! ```

mod analyze;
mod columns;
mod delimited;
pub mod edit;
pub mod edits;
pub mod export;
mod issue;
mod job;
mod limits;
mod live_report;
mod row_check;
mod row_filter;
pub mod sample;
mod source;
mod table;
pub mod template;
mod text;
mod upload;
mod xlsx;
pub mod xlsx_writer;

pub use analyze::{
    analyze, analyze_observed, analyze_owned, email_keys, ImportContext, ImportReport, ImportUser,
    RowOutcome, PROGRESS_EVERY_ROWS,
};
pub use columns::{
    detect_header, ColumnMapping, HeaderChoice, ImportField, MappedBy, MappingChoice,
    HEADER_SEARCH_ROWS,
};
pub use issue::{describe, FileKind, ImportIssue, ImportIssueCode};
pub use job::{
    report_url, thousands, ImportJobSummary, ImportMode, ImportOptions, ImportRequest,
    ImportResult, ImportRowResult, InvalidRows, JobPhase, JobStatus, RowOutcomeKind,
    ERRORS_CSV_PATH, RESULTS_CSV_PATH,
};
pub use limits::{ImportLimits, EMAILS_PER_CHECK};
pub use live_report::LiveReport;
pub use row_filter::RowFilter;
pub use source::{read_source, ImportSource, SourceFormat, SourceRead, SourceReader};
pub use table::{SourceRow, Table};
pub use upload::{
    worth_gzipping, ImportUpload, ReadUpload, UploadAccepted, UploadRefused, GZIPPED_SOURCE_NAME,
    UPLOAD_PATH,
};
#[doc(hidden)]
pub use xlsx::check_zip as check_workbook_zip;
#[doc(hidden)]
pub use xlsx::fixtures as xlsx_fixtures;
