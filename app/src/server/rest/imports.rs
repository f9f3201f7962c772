//! `GET /ws/imports/{id}`: an import job's status, counts and progress; once it has ended,
//! every row that failed or was skipped, with its problems.

use super::{caller, ApiError};
use crate::import::{ImportIssue, ImportJobSummary, JobStatus, RowOutcomeKind};
use crate::server::imports::history;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

/// An import job as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportJobBody {
    pub id: i64,
    pub url: String,
    pub status: &'static str,
    pub source: String,
    pub total_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    /// While it runs: "checking" or "writing", and how many of how many rows that step did.
    pub phase: Option<&'static str>,
    pub progress_done: i64,
    pub progress_total: i64,
    /// Why the job failed as a whole, was cancelled or interrupted.
    pub failure: Option<String>,
    /// Once it has ended: the rows that failed it, or that it skipped, each with its problems.
    pub problems: Vec<RowProblems>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowProblems {
    /// The row's line in the source (the header is line 1).
    pub row: u32,
    pub outcome: &'static str,
    pub email: String,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub field: Option<&'static str>,
    pub code: String,
    pub message: String,
}

pub fn url(id: i64) -> String {
    format!("/ws/imports/{id}")
}

fn problem(issue: &ImportIssue) -> Problem {
    // The code's name: a unit variant serialises as its name, one with data as a map keyed by it.
    let code = match serde_json::to_value(&issue.code) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(serde_json::Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    Problem {
        field: issue.field.map(|f| f.label()),
        code,
        message: issue.code.message(),
    }
}

/// The job's body: its summary, and once ended the rows with problems.
pub async fn body(state: &AppState, job: ImportJobSummary) -> Result<ImportJobBody, ApiError> {
    let ended = !matches!(job.status, JobStatus::Queued | JobStatus::Running);
    let mut problems = Vec::new();
    if ended {
        let result =
            history::load_result(state.db.pool(), job.id, job.status != JobStatus::Completed)
                .await?;
        // A failed import lists the rows that failed it (the others were only held back); a
        // completed one the rows it skipped.
        let listed = |outcome| match job.status {
            JobStatus::Failed => outcome == RowOutcomeKind::Failed,
            _ => matches!(outcome, RowOutcomeKind::Failed | RowOutcomeKind::Skipped),
        };
        for row in result.rows {
            if listed(row.outcome) {
                problems.push(RowProblems {
                    row: row.line,
                    outcome: row.outcome.as_str(),
                    email: row.email,
                    problems: row.problems.iter().map(problem).collect(),
                });
            }
        }
    }
    Ok(ImportJobBody {
        id: job.id,
        url: url(job.id),
        status: job.status.as_str(),
        source: job.source,
        total_rows: job.total_rows,
        created: job.created,
        updated: job.updated,
        skipped: job.skipped,
        failed: job.failed,
        phase: job.phase.map(|p| p.as_str()),
        progress_done: job.progress_done,
        progress_total: job.progress_total,
        failure: job.failure,
        problems,
    })
}

pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        caller(&state, &headers).await?;
        let not_found =
            || ApiError::new(StatusCode::NOT_FOUND, "not_found", "No import has this id.");
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let job = history::job_summary(state.db.pool(), id)
            .await?
            .ok_or_else(not_found)?;
        Ok::<_, ApiError>(axum::Json(body(&state, job).await?))
    };
    match answer.await {
        Ok(json) => json.into_response(),
        Err(error) => error.into_response(),
    }
}
