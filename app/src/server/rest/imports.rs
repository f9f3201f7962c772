//! `GET /ws/imports/{id}`: an import job's status, counts and progress; once it has ended,
//! the rows that failed or were skipped, with their problems (the first `PROBLEMS_LISTED`;
//! `GET /ws/imports/{id}/rows` pages through all of an import's rows).

use super::{caller, ApiError, ErrorBody};
use crate::import::{ImportIssue, ImportJobSummary, ImportRowResult, JobStatus, RowOutcomeKind};
use crate::server::imports::history;
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An import's body lists at most this many rows with problems (as many as an import the API
/// waits for can have); the rows endpoint pages through the rest.
pub const PROBLEMS_LISTED: i64 = super::bulk_import::WAIT_ROWS as i64;
/// Rows per page of `GET /ws/imports/{id}/rows`.
pub const ROWS_PAGE_SIZE: i64 = 500;

/// An import job's state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Names the values for the OpenAPI document; `JobStatus::as_str` writes them.
pub enum JobStatusName {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    Interrupted,
}

/// What became of one row.
#[derive(Debug, Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum OutcomeName {
    Created,
    Updated,
    Skipped,
    Failed,
}

impl OutcomeName {
    fn kind(self) -> RowOutcomeKind {
        match self {
            OutcomeName::Created => RowOutcomeKind::Created,
            OutcomeName::Updated => RowOutcomeKind::Updated,
            OutcomeName::Skipped => RowOutcomeKind::Skipped,
            OutcomeName::Failed => RowOutcomeKind::Failed,
        }
    }
}

/// An import job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportJobBody {
    pub id: i64,
    /// This import's address in the API.
    pub url: String,
    #[schema(value_type = JobStatusName)]
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
    /// Once it has ended: the rows that failed it (a failed import), or that it skipped, each
    /// with its problems; at most 10,000 (see `problemsTruncated`).
    pub problems: Vec<RowProblems>,
    /// More rows have problems than `problems` lists: page through them at `rowsUrl`.
    pub problems_truncated: bool,
    /// Every row's outcome, paged: add `?outcome=failed` for only the failed ones.
    pub rows_url: String,
}

/// A row and what became of it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowProblems {
    /// The row's line in the source (the header is line 1; in a JSON import, `users[0]` is
    /// row 2).
    pub row: u32,
    #[schema(value_type = OutcomeName)]
    pub outcome: &'static str,
    pub email: String,
    /// The user it created or updated.
    pub user_id: Option<i64>,
    pub problems: Vec<Problem>,
}

/// One problem with a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// The column it is about ("Email", "Phone", ...), if one.
    pub field: Option<&'static str>,
    /// What it is, for a program (`invalidEmail`, `duplicateInFile`, `emailInUse`, ...).
    pub code: String,
    /// What it is, for a person.
    pub message: String,
}

/// `GET /ws/imports/{id}/rows`'s query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RowsQuery {
    /// Only the rows with this outcome.
    outcome: Option<OutcomeName>,
    /// From 0; 500 rows a page.
    page: Option<i64>,
}

/// A page of an import's rows.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowsPage {
    pub rows: Vec<RowProblems>,
    /// How many rows match, on every page.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
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

fn row_body(row: ImportRowResult) -> RowProblems {
    RowProblems {
        row: row.line,
        outcome: row.outcome.as_str(),
        email: row.email,
        user_id: row.user_id,
        problems: row.problems.iter().map(problem).collect(),
    }
}

/// The job's body: its summary, and once ended the rows with problems.
pub async fn body(state: &AppState, job: ImportJobSummary) -> Result<ImportJobBody, ApiError> {
    let ended = !matches!(job.status, JobStatus::Queued | JobStatus::Running);
    let mut problems = Vec::new();
    let mut problems_truncated = false;
    if ended {
        // A failed import lists the rows that failed it (the others were only held back); a
        // completed one the rows it skipped.
        let listed = history::not_imported(job.status == JobStatus::Failed);
        let (rows, total) =
            history::rows_page(state.db.pool(), job.id, listed, 0, PROBLEMS_LISTED).await?;
        problems_truncated = total > rows.len() as i64;
        problems = rows.into_iter().map(row_body).collect();
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
        problems_truncated,
        rows_url: format!("{}/rows", url(job.id)),
    })
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No import has this id.")
}

async fn find_job(state: &AppState, id: &str) -> Result<ImportJobSummary, ApiError> {
    let id: i64 = id.parse().map_err(|_| not_found())?;
    history::job_summary(state.db.pool(), id)
        .await?
        .ok_or_else(not_found)
}

/// An import: its status, counts and progress.
///
/// Once it has ended, the rows that failed it or were skipped, with their problems.
#[utoipa::path(
    get,
    path = "/ws/imports/{id}",
    tag = "imports",
    operation_id = "getImport",
    params(("id" = i64, Path, description = "The import's id, from its `url`.", example = 1)),
    responses(
        (status = 200, description = "The import.", body = ImportJobBody),
        (status = 401, description = "No API token, or not a valid one.", body = ErrorBody),
        (status = 403, description = "The token's maker is no longer a System Administrator.", body = ErrorBody),
        (status = 404, description = "No import has this id.", body = ErrorBody),
        (status = 429, description = "Too many requests with this token: wait `Retry-After` seconds.", body = ErrorBody),
        (status = 500, description = "The server failed (`details.reference` names it in the server's log).", body = ErrorBody),
    ),
    security(("bearerToken" = [])),
)]
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        caller(&state, &headers).await?;
        let job = find_job(&state, &id).await?;
        Ok::<_, ApiError>(axum::Json(body(&state, job).await?))
    };
    match answer.await {
        Ok(json) => json.into_response(),
        Err(error) => error.into_response(),
    }
}

/// An import's rows with their outcomes and problems.
///
/// In source order, 500 a page; `outcome` keeps only the rows with that outcome.
#[utoipa::path(
    get,
    path = "/ws/imports/{id}/rows",
    tag = "imports",
    operation_id = "listImportRows",
    params(("id" = i64, Path, description = "The import's id.", example = 1), RowsQuery),
    responses(
        (status = 200, description = "A page of rows.", body = RowsPage),
        (status = 400, description = "The query string is not valid.", body = ErrorBody),
        (status = 401, description = "No API token, or not a valid one.", body = ErrorBody),
        (status = 403, description = "The token's maker is no longer a System Administrator.", body = ErrorBody),
        (status = 404, description = "No import has this id.", body = ErrorBody),
        (status = 429, description = "Too many requests with this token.", body = ErrorBody),
        (status = 500, description = "The server failed (`details.reference` names it in the server's log).", body = ErrorBody),
    ),
    security(("bearerToken" = [])),
)]
pub async fn rows(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<RowsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let answer = async {
        caller(&state, &headers).await?;
        let Query(query) = query.map_err(|error| super::query_refused(&error))?;
        let job = find_job(&state, &id).await?;
        let page = query.page.unwrap_or(0).clamp(0, crate::model::MAX_PAGE);
        let outcomes: Vec<RowOutcomeKind> =
            query.outcome.map(OutcomeName::kind).into_iter().collect();
        let (rows, total) = history::rows_page(
            state.db.pool(),
            job.id,
            &outcomes,
            page.saturating_mul(ROWS_PAGE_SIZE),
            ROWS_PAGE_SIZE,
        )
        .await?;
        Ok::<_, ApiError>(axum::Json(RowsPage {
            rows: rows.into_iter().map(row_body).collect(),
            total,
            page,
            page_size: ROWS_PAGE_SIZE,
        }))
    };
    match answer.await {
        Ok(json) => json.into_response(),
        Err(error) => error.into_response(),
    }
}
