//! An import's two reports as CSV files, for the Download buttons of its page and of the
//! modal: every row's outcome (`results.csv`) and one line per problem of the rows it did not
//! import (`errors.csv`). Written from the stored row outcomes a part at a time as the file
//! goes out, so a report of 500,000 rows never sits whole in memory, on the server or in the
//! browser. Plain links (they work before the wasm has loaded); administrators only.

use super::history::{self, rows_after};
use crate::error::AppError;
use crate::import::export::{
    errors_csv_lines, results_csv_lines, row_error_lines, ERRORS_CSV_HEADER, RESULTS_CSV_HEADER,
};
use crate::import::{ImportRowResult, JobStatus};
use crate::server::refusals::error_response;
use crate::server::{context, AppState};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::HeaderMap;

pub use crate::import::{ERRORS_CSV_PATH as ERRORS_PATH, RESULTS_CSV_PATH as RESULTS_PATH};

/// Rows read per query while a report is written.
const ROWS_PER_PART: i64 = 5_000;

#[derive(Clone, Copy)]
enum Report {
    Results,
    Errors,
}

pub async fn results(state: State<AppState>, id: Path<i64>, headers: HeaderMap) -> Response {
    report(state, id, headers, Report::Results).await
}

pub async fn errors(state: State<AppState>, id: Path<i64>, headers: HeaderMap) -> Response {
    report(state, id, headers, Report::Errors).await
}

async fn report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    report: Report,
) -> Response {
    let path = match report {
        Report::Results => RESULTS_PATH,
        Report::Errors => ERRORS_PATH,
    };
    match start(&state, id, &headers, report).await {
        Ok(response) => response,
        Err(error) => error_response(path, &error),
    }
}

async fn start(
    state: &AppState,
    id: i64,
    headers: &HeaderMap,
    report: Report,
) -> Result<Response, AppError> {
    // The admin pages' guard has already checked; a report of who was imported is checked
    // again here, as the upload is.
    context::require_admin_of(state, headers).await?;
    let job = history::job_summary(state.db.pool(), id)
        .await?
        .filter(|job| job.has_row_outcomes())
        .ok_or_else(|| AppError::NotFound("That import's report".into()))?;
    let (header, outcomes, name) = match report {
        Report::Results => (RESULTS_CSV_HEADER, &[][..], "results"),
        Report::Errors => (
            ERRORS_CSV_HEADER,
            history::not_imported(job.status == JobStatus::Failed),
            "errors",
        ),
    };
    let pool = state.db.pool().clone();
    // The header, then the rows a part at a time, each part read after the one before it
    // has gone out.
    let parts = futures::stream::try_unfold(Some(0i64), move |after| {
        let pool = pool.clone();
        async move {
            let Some(after) = after else {
                return Ok::<_, AppError>(None);
            };
            let rows = rows_after(&pool, id, outcomes, after, ROWS_PER_PART).await?;
            let next = match rows.last() {
                Some(last) if rows.len() as i64 == ROWS_PER_PART => Some(i64::from(last.line)),
                _ => None,
            };
            Ok(Some((Bytes::from(lines(report, &rows)), next)))
        }
    });
    let first = Ok::<_, std::io::Error>(Bytes::from_static(header.as_bytes()));
    let body = futures::stream::once(async move { first }).chain(parts.map(|part| {
        part.map_err(|error| {
            // The file is cut short: the browser reports the download as failed.
            tracing::error!(?error, "writing an import's report failed part way");
            std::io::Error::other("the report could not be read")
        })
    }));
    Ok((
        [
            (
                http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"import-{id}-{name}.csv\""),
            ),
            (http::header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

fn lines(report: Report, rows: &[ImportRowResult]) -> String {
    match report {
        Report::Results => results_csv_lines(rows),
        Report::Errors => {
            let lines: Vec<_> = rows.iter().flat_map(row_error_lines).collect();
            errors_csv_lines(&lines)
        }
    }
}
