//! `POST /ws/appuser/bulk-import`: the Import users modal's import, for scripts. The body is
//! the source as the admin would upload it — `text/csv`, `text/tab-separated-values` or an
//! `.xlsx` workbook, options in the query string — or JSON (`{"kind", "users": [...]}`), which
//! is written out as CSV with the engine's own headers. Either way the same engine reads and
//! checks it and the same import job writes it in one transaction; nothing differs from the
//! modal but who asked. An import of at most `WAIT_ROWS` rows is waited for (up to
//! `WAIT_LIMIT`) and answered with its outcome; a larger one is answered `202 Accepted` with
//! the job's URL to follow.

use super::imports::{body as job_body, url, ImportJobBody};
use super::json_form::BulkImportJson;
use super::json_form::{self, JsonRefused};
use super::{bad_request, caller, query_refused, ApiError, ErrorBody};
use crate::error::AppError;
use crate::import::edit::fill_default_role;
use crate::import::edits::{diff, TableEdits};
use crate::import::{
    analyze, read_source, ImportContext, ImportLimits, ImportMode, ImportOptions, ImportSource,
    ImportUpload, InvalidRows, JobStatus, MappingChoice,
};
use crate::model::UserKind;
use crate::server::imports::{check_organization, history, queue};
use crate::server::refusals::{is_length_limit, is_timeout};
use crate::server::{clock, roles, tokens, AppState};
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

pub const PATH: &str = "/ws/appuser/bulk-import";

/// Imports up to this many rows are answered with their outcome.
pub const WAIT_ROWS: usize = 10_000;
/// How long such an import is waited for before the answer is `202 Accepted`.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// The options, in the query string (a JSON import may give them in its body instead).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct Options {
    /// Which kind of user the rows are (required with a file).
    #[param(value_type = Option<super::KindName>)]
    kind: Option<String>,
    /// End users: the organization they belong to.
    organization_id: Option<i64>,
    #[param(value_type = Option<ModeName>)]
    mode: Option<String>,
    #[param(value_type = Option<InvalidRowsName>)]
    invalid_rows: Option<String>,
    /// Email each new user an invitation (default true).
    send_invitations: Option<bool>,
    /// `false`: answer `202 Accepted` at once, whatever the size.
    wait: Option<bool>,
}

/// An `.xlsx` workbook's bytes (the first sheet is read, as in the modal).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Names the body for the OpenAPI document; the handler reads raw bytes.
pub struct Workbook(Vec<u8>);

/// `create` (default): add new users, refuse rows whose email is in use; `update`: change
/// the users the emails name; `createAndUpdate`: both.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Names the values for the OpenAPI document; `options` reads them.
pub enum ModeName {
    Create,
    Update,
    CreateAndUpdate,
}

/// `fail` (default): any invalid row fails the whole import, nothing is written; `skip`:
/// import the valid rows and report the others.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Names the values for the OpenAPI document; `options` reads them.
pub enum InvalidRowsName {
    Fail,
    Skip,
}

fn kind(value: Option<&str>) -> Result<UserKind, ApiError> {
    match value {
        Some(text) => super::kind_param(text),
        None => Err(bad_request(
            "Say which kind of user the rows are: kind=technician or kind=endUser.",
        )),
    }
}

fn options(
    mode: Option<&str>,
    invalid_rows: Option<&str>,
    send_invitations: Option<bool>,
) -> Result<ImportOptions, ApiError> {
    let mode = match mode {
        None | Some("create") => ImportMode::CreateOnly,
        Some("update") => ImportMode::UpdateOnly,
        Some("createAndUpdate") => ImportMode::CreateAndUpdate,
        Some(other) => {
            return Err(bad_request(format!(
                "mode {other:?} is not one of create, update, createAndUpdate."
            )))
        }
    };
    let invalid_rows = match invalid_rows {
        None | Some("fail") => InvalidRows::FailImport,
        Some("skip") => InvalidRows::SkipInvalid,
        Some(other) => {
            return Err(bad_request(format!(
                "invalidRows {other:?} is not one of fail, skip."
            )))
        }
    };
    Ok(ImportOptions {
        mode,
        invalid_rows,
        send_invitations: send_invitations.unwrap_or(true),
    })
}

/// Imports users, all or nothing, as the Import users modal does.
///
/// The same reading, checks and single transaction as the modal. Send a file (`text/csv`,
/// `text/tab-separated-values`, `text/plain` or an `.xlsx` workbook, options in the query
/// string) or JSON (options in the body or the query string). Up to 10,000 rows are
/// waited for (at most a minute) and answered with the outcome; larger imports are answered
/// `202 Accepted` with the import to follow. The same `Idempotency-Key` with the same request
/// answers the first import again, without importing twice.
#[utoipa::path(
    post,
    path = "/ws/appuser/bulk-import",
    tag = "imports",
    operation_id = "bulkImportUsers",
    params(
        Options,
        ("Idempotency-Key" = Option<String>, Header, description = "Any text up to 200 characters: a retry with the same key and request answers the first import; with another request, 422."),
    ),
    request_body(
        description = "The users: a file with a header row (the modal's column names and synonyms), or JSON.",
        content(
            (BulkImportJson = "application/json"),
            (String = "text/csv", example = "First name,Last name,Email,Phone\nAda,Lovelace,ada@example.com,'+44 20 7946 0958\n"),
            (String = "text/tab-separated-values", example = "First name\tLast name\tEmail\nGrace\tHopper\tgrace@example.com\n"),
            (String = "text/plain"),
            (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
    ),
    responses(
        (status = 200, description = "The import ended and wrote its rows (with `invalidRows=skip`, the skipped rows are listed).", body = ImportJobBody),
        (status = 202, description = "The import is queued or running: follow it at `Location`.", body = ImportJobBody,
            headers(("Location" = String, description = "The import's URL."))),
        (status = 400, description = "The options or the body are not valid.", body = ErrorBody),
        (status = 401, description = "No API token, or not a valid one.", body = ErrorBody),
        (status = 403, description = "The token's maker is no longer a System Administrator.", body = ErrorBody),
        (status = 404, description = "No organization has this id.", body = ErrorBody),
        (status = 408, description = "The body stopped arriving.", body = ErrorBody),
        (status = 409, description = "The import was cancelled or interrupted: nothing was imported.", body = ErrorBody),
        (status = 413, description = "Larger than the upload limit (`details.limitBytes`) or the row limit.", body = ErrorBody),
        (status = 415, description = "Not one of the content types above.", body = ErrorBody),
        (status = 422, description = "Not imported: the file is unreadable, a row is invalid (`details` is the import, every row's problems listed), or the Idempotency-Key was used for another request.", body = ErrorBody),
        (status = 429, description = "Too many requests with this token: wait `Retry-After` seconds.", body = ErrorBody),
        (status = 500, description = "The server failed (`details.reference` names it in the server's log); nothing was imported.", body = ErrorBody),
    ),
    security(("bearerToken" = [])),
)]
pub async fn receive(State(state): State<AppState>, request: Request) -> Response {
    match import(&state, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn import(state: &AppState, request: Request) -> Result<Response, ApiError> {
    let caller = caller(state, request.headers()).await?;
    let query: Options = Query::try_from_uri(request.uri())
        .map(|Query(options)| options)
        .map_err(|error| query_refused(&error))?;
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let json = match content_type.as_str() {
        "application/json" => true,
        "text/csv"
        | "text/tab-separated-values"
        | "text/plain"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => false,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "Send the users as text/csv, text/tab-separated-values, an .xlsx workbook \
                     or application/json (this request says {:?}).",
                    other
                ),
            ))
        }
    };
    let limit = state.config.import_jobs.max_upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("The import is larger than the limit of {limit} bytes."),
        )
        .with_details(json!({ "limitBytes": limit }))
    };
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|error| {
            if is_length_limit(&error) {
                too_large()
            } else if is_timeout(&error) {
                ApiError::from(AppError::BodyTimedOut {
                    idle_seconds: state.config.limits.body_timeout.as_secs().max(1),
                })
            } else {
                bad_request("The request body could not be read.")
            }
        })?;
    let limits = ImportLimits {
        max_input_bytes: limit,
        ..ImportLimits::default()
    };
    // What was asked, as sent: the same Idempotency-Key with another request is refused.
    let request_hash = {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(content_type.as_bytes());
        hasher.update([0]);
        hasher.update(
            format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}",
                query.kind,
                query.organization_id,
                query.mode,
                query.invalid_rows,
                query.send_invitations
            )
            .as_bytes(),
        );
        hasher.update([0]);
        hasher.update(&body);
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (kind, organization_id, options, source) = if json {
        let parsed = json_form::read(&body, &limits).map_err(|refused| match refused {
            JsonRefused::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "An import holds at most {} users and {limit} bytes.",
                    limits.max_rows
                ),
            )
            .with_details(json!({ "limitBytes": limit, "maxRows": limits.max_rows })),
            JsonRefused::Invalid(error) => {
                bad_request(format!("The JSON body is not valid: {error}."))
            }
        })?;
        // An option may come in the body or the query string, not both with two values.
        fn either<T: PartialEq>(
            name: &str,
            body: Option<T>,
            query: Option<T>,
        ) -> Result<Option<T>, ApiError> {
            match (body, query) {
                (Some(a), Some(b)) if a != b => Err(bad_request(format!(
                    "{name} is given twice, differently: in the body and in the query string."
                ))),
                (body, query) => Ok(body.or(query)),
            }
        }
        let kind = either("kind", parsed.kind, query.kind)?;
        let mode = either("mode", parsed.mode, query.mode)?;
        let invalid_rows = either("invalidRows", parsed.invalid_rows, query.invalid_rows)?;
        (
            self::kind(kind.as_deref())?,
            either(
                "organizationId",
                parsed.organization_id,
                query.organization_id,
            )?,
            options(
                mode.as_deref(),
                invalid_rows.as_deref(),
                either(
                    "sendInvitations",
                    parsed.send_invitations,
                    query.send_invitations,
                )?,
            )?,
            parsed.csv,
        )
    } else {
        (
            self::kind(query.kind.as_deref())?,
            query.organization_id,
            options(
                query.mode.as_deref(),
                query.invalid_rows.as_deref(),
                query.send_invitations,
            )?,
            body.to_vec(),
        )
    };
    check_organization(&state.db, kind, organization_id).await?;
    // Read as the runner will (and as the modal's preview did), to know its rows and to refuse
    // at once what cannot be imported at all (an empty or unreadable file).
    // End users need a role: as the modal does, rows without one get the default end-user
    // role (sent as edits, as the modal's are).
    let known_roles = roles::list(state.db.pool()).await?;
    let default_role = match kind {
        UserKind::EndUser => known_roles
            .iter()
            .find(|r| r.is_default && r.applies_to == UserKind::EndUser)
            .map(|r| r.name.clone()),
        UserKind::Technician => None,
    };
    let (source, read, mapping, edits) = tokio::task::spawn_blocking(move || {
        let read = read_source(
            ImportSource::File {
                bytes: &source,
                sheet: None,
            },
            &limits,
        );
        let mut mapping = MappingChoice::default();
        let mut edits = TableEdits::default();
        if let Some(role) = default_role {
            let existing = HashSet::new();
            let context = ImportContext {
                kind,
                known_roles: &known_roles,
                existing_email_keys: &existing,
                limits,
            };
            let report = analyze(&read.table, &mapping, &context);
            let mut table = read.table.clone();
            if fill_default_role(&mut table, &mut mapping, &report, &role) > 0 {
                edits = diff(&read.table, &table);
            }
        }
        (source, read, mapping, edits)
    })
    .await
    .map_err(|_| bad_request("The import could not be read."))?;
    let refusals: Vec<String> = read
        .issues
        .iter()
        .filter(|issue| issue.line.is_none() && !issue.code.is_notice())
        .map(|issue| issue.code.message())
        .collect();
    if !refusals.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_source",
            refusals.join(" "),
        )
        .with_details(json!({ "problems": refusals })));
    }
    let rows = read.table.rows.len();
    let idempotency_key = match &key {
        Some(key) => format!(
            "api:{}:{}",
            caller.token_id,
            key.chars().take(200).collect::<String>()
        ),
        None => format!("api:{}", tokens::new_token()),
    };
    let upload = ImportUpload {
        kind,
        organization_id,
        source_name: format!("API token “{}”", caller.token_name),
        pasted: false,
        sheet: read.sheet,
        source_rows: rows as u32,
        edits,
        mapping,
        options,
        idempotency_key,
    };
    let now = clock::now();
    let job_id = queue::enqueue_request(
        &state.db,
        &upload,
        source,
        caller.user_id,
        now,
        Some(&request_hash),
    )
    .await?;
    if key.is_some()
        && queue::request_hash(&state.db, job_id).await?.as_deref() != Some(request_hash.as_str())
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different import.",
        ));
    }
    let waits = query.wait != Some(false) && rows <= WAIT_ROWS;
    let started = tokio::time::Instant::now();
    loop {
        let job = history::job_summary(state.db.pool(), job_id)
            .await?
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "The import is gone.")
            })?;
        let ended = !matches!(job.status, JobStatus::Queued | JobStatus::Running);
        if ended || !waits || started.elapsed() >= WAIT_LIMIT {
            let status = job.status;
            let body = job_body(state, job).await?;
            // An import that ended without writing: its body rides in the error's details.
            let refused = |status, code, fallback: &str| {
                let message = body.failure.clone().unwrap_or_else(|| fallback.into());
                ApiError::new(status, code, message)
                    .with_details(serde_json::to_value(&body).unwrap_or_default())
                    .into_response()
            };
            return Ok(match status {
                JobStatus::Failed => refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "The import failed: nothing was imported.",
                ),
                JobStatus::Cancelled | JobStatus::Interrupted => refused(
                    StatusCode::CONFLICT,
                    "import_not_finished",
                    "The import stopped: nothing was imported.",
                ),
                _ if ended => (StatusCode::OK, axum::Json(body)).into_response(),
                _ => (
                    StatusCode::ACCEPTED,
                    [(LOCATION, url(job_id))],
                    axum::Json(body),
                )
                    .into_response(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
