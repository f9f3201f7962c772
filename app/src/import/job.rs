//! What an import job asks (the rows after the admin's edits, the mapping, the options) and
//! what it did (each row's outcome), as sent between the modal and the server.

use super::{ImportIssue, MappingChoice, Table};
use crate::model::UserKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ImportMode {
    /// New users only; an email that exists is a row error.
    #[default]
    CreateOnly,
    /// Existing users only (matched by external ID when given, else by email).
    UpdateOnly,
    CreateAndUpdate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum InvalidRows {
    /// Any invalid row fails the whole import (the default, as the products we follow do).
    #[default]
    FailImport,
    SkipInvalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    pub mode: ImportMode,
    pub invalid_rows: InvalidRows,
    pub send_invitations: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mode: ImportMode::CreateOnly,
            invalid_rows: InvalidRows::FailImport,
            send_invitations: true,
        }
    }
}

/// Everything the import modal sends: the rows after the admin's edits, how columns map, and
/// the options. The server re-runs the engine on it; nothing from the browser is trusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub kind: UserKind,
    pub organization_id: Option<i64>,
    /// "Pasted text" or the uploaded file's name.
    pub source_name: String,
    pub table: Table,
    pub mapping: MappingChoice,
    pub options: ImportOptions,
    /// The same key twice imports once (a double click, a retried request).
    pub idempotency_key: String,
}

/// What happened to a row. A row with problems is `Failed` whichever way the import went; a
/// valid row that was not written (the import failed as a whole) is `Skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcomeKind {
    Created,
    Updated,
    Skipped,
    Failed,
}

impl RowOutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcomeKind::Created => "created",
            RowOutcomeKind::Updated => "updated",
            RowOutcomeKind::Skipped => "skipped",
            RowOutcomeKind::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<RowOutcomeKind> {
        [
            RowOutcomeKind::Created,
            RowOutcomeKind::Updated,
            RowOutcomeKind::Skipped,
            RowOutcomeKind::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRowResult {
    pub line: u32,
    pub outcome: RowOutcomeKind,
    pub email: String,
    pub user_id: Option<i64>,
    /// Why a row failed or was skipped, each with its column; empty for created and updated
    /// rows.
    pub problems: Vec<ImportIssue>,
}

impl ImportRowResult {
    /// The problems as one sentence per cell ("Email: ...").
    pub fn reason(&self) -> String {
        super::describe(&self.problems)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportResult {
    pub job_id: Option<i64>,
    /// True when the import was refused as a whole; then nothing was written.
    pub failed: bool,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed_rows: i64,
    pub problems: Vec<ImportIssue>,
    pub rows: Vec<ImportRowResult>,
}

impl ImportResult {
    pub fn new(job_id: Option<i64>, failed: bool) -> ImportResult {
        ImportResult {
            job_id,
            failed,
            created: 0,
            updated: 0,
            skipped: 0,
            failed_rows: 0,
            problems: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Adds a row and counts it under its outcome.
    pub fn push(&mut self, row: ImportRowResult) {
        match row.outcome {
            RowOutcomeKind::Created => self.created += 1,
            RowOutcomeKind::Updated => self.updated += 1,
            RowOutcomeKind::Skipped => self.skipped += 1,
            RowOutcomeKind::Failed => self.failed_rows += 1,
        }
        self.rows.push(row);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJobSummary {
    pub id: i64,
    pub created_at: i64,
    pub created_by: String,
    pub kind: UserKind,
    pub organization: Option<String>,
    pub source: String,
    pub mode: ImportMode,
    pub status: String,
    pub total_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
}
