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

/// Where an import's report of every row's outcome downloads (CSV; administrators only).
pub const RESULTS_CSV_PATH: &str = "/admin/imports/{id}/results.csv";
/// Where an import's report of its problems downloads: one line per problem of each row it
/// did not import.
pub const ERRORS_CSV_PATH: &str = "/admin/imports/{id}/errors.csv";

/// The link to one of an import's reports ([`RESULTS_CSV_PATH`], [`ERRORS_CSV_PATH`]).
pub fn report_url(path: &str, job_id: i64) -> String {
    path.replace("{id}", &job_id.to_string())
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
        self.tally(row.outcome);
        self.rows.push(row);
    }

    /// Counts a row's outcome without keeping the row.
    pub fn tally(&mut self, outcome: RowOutcomeKind) {
        match outcome {
            RowOutcomeKind::Created => self.created += 1,
            RowOutcomeKind::Updated => self.updated += 1,
            RowOutcomeKind::Skipped => self.skipped += 1,
            RowOutcomeKind::Failed => self.failed_rows += 1,
        }
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
    pub status: JobStatus,
    pub total_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    /// While it runs: what it is doing, and how many of how many rows that step has done.
    pub phase: Option<JobPhase>,
    pub progress_done: i64,
    pub progress_total: i64,
    /// Why a job failed as a whole, was cancelled or interrupted, in the admin's words.
    pub failure: Option<String>,
    pub cancel_requested: bool,
}

/// Where an import job is. Only `Completed` wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    /// Refused as a whole (rows with problems, the file, a conflict): nothing was written.
    Failed,
    Cancelled,
    /// Its server stopped while it ran: nothing was written; it can run again.
    Interrupted,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
        JobStatus::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "Queued",
            JobStatus::Running => "Running",
            JobStatus::Completed => "Completed",
            JobStatus::Failed => "Failed",
            JobStatus::Cancelled => "Cancelled — nothing was imported",
            JobStatus::Interrupted => "Interrupted — nothing was imported",
        }
    }

    /// Still to finish: queued or running.
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }

    /// Ended with every row's outcome recorded (written, or refused with reasons).
    pub fn has_rows(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }
}

/// What a running import is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobPhase {
    /// Reading the uploaded source and checking every row with the engine.
    Checking,
    /// Checking the database and writing everything in one transaction.
    Writing,
}

impl JobPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            JobPhase::Checking => "checking",
            JobPhase::Writing => "writing",
        }
    }

    pub fn parse(text: &str) -> Option<JobPhase> {
        [JobPhase::Checking, JobPhase::Writing]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

impl ImportJobSummary {
    /// Whether every row's outcome was recorded: completed, or refused because of its rows.
    /// A job refused as a whole (the upload, the file, an error) has only its `failure`.
    pub fn has_row_outcomes(&self) -> bool {
        match self.status {
            JobStatus::Completed => true,
            JobStatus::Failed => self.failure.is_none(),
            _ => false,
        }
    }

    /// The job's progress in words: "312,000 of 500,000 rows checked".
    pub fn progress_text(&self) -> String {
        match (self.status, self.phase) {
            (JobStatus::Queued, _) => "Waiting for another import to finish".into(),
            (JobStatus::Running, Some(JobPhase::Checking)) => format!(
                "{} of {} rows checked",
                thousands(self.progress_done),
                thousands(self.progress_total)
            ),
            (JobStatus::Running, Some(JobPhase::Writing)) => format!(
                "Saving {} rows in one transaction",
                thousands(self.progress_total)
            ),
            (JobStatus::Running, None) => "Starting".into(),
            (status, _) => status.label().into(),
        }
    }

    /// How far the job is, 0.0 to 1.0: checking is the first half, writing the second.
    pub fn fraction(&self) -> f64 {
        let part = if self.progress_total > 0 {
            (self.progress_done as f64 / self.progress_total as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        match (self.status, self.phase) {
            (JobStatus::Running, Some(JobPhase::Checking)) => part * 0.5,
            (JobStatus::Running, Some(JobPhase::Writing)) => 0.5 + part * 0.5,
            (status, _) if status.is_active() => 0.0,
            _ => 1.0,
        }
    }
}

/// 312000 → "312,000".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(312_000), "312,000");
        assert_eq!(thousands(500_000), "500,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn every_job_status_reads_back_from_its_stored_name() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("done"), None);
    }
}
