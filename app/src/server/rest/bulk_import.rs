//! `POST /ws/appuser/bulk-import`: the Import users modal's import, for scripts. The body is
//! the source as the admin would upload it — `text/csv`, `text/tab-separated-values` or an
//! `.xlsx` workbook, options in the query string — or JSON (`{"kind", "users": [...]}`), which
//! is written out as CSV with the engine's own headers. Either way the same engine reads and
//! checks it and the same import job writes it in one transaction; nothing differs from the
//! modal but who asked. An import of at most `WAIT_ROWS` rows is waited for (up to
//! `WAIT_LIMIT`) and answered with its outcome; a larger one is answered `202 Accepted` with
//! the job's URL to follow.

use super::imports::{body as job_body, url};
use super::{caller, ApiError};
use crate::import::edit::fill_default_role;
use crate::import::edits::{diff, TableEdits};
use crate::import::{
    analyze, read_source, ImportContext, ImportLimits, ImportMode, ImportOptions, ImportSource,
    ImportUpload, InvalidRows, JobStatus, MappingChoice,
};
use crate::model::UserKind;
use crate::server::imports::{check_organization, history, queue};
use crate::server::{clock, roles, tokens, AppState};
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

pub const PATH: &str = "/ws/appuser/bulk-import";

/// Imports up to this many rows are answered with their outcome.
pub const WAIT_ROWS: usize = 10_000;
/// How long such an import is waited for before the answer is `202 Accepted`.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// The options, in the query string (or in the JSON body).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    kind: Option<String>,
    organization_id: Option<i64>,
    mode: Option<String>,
    invalid_rows: Option<String>,
    send_invitations: Option<bool>,
    /// `false`: answer `202 Accepted` at once, whatever the size.
    wait: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonImport {
    kind: Option<String>,
    organization_id: Option<i64>,
    mode: Option<String>,
    invalid_rows: Option<String>,
    send_invitations: Option<bool>,
    users: Vec<JsonUser>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonUser {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    user_type: Option<String>,
    site: Option<String>,
    external_id: Option<String>,
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn kind(value: Option<&str>) -> Result<UserKind, ApiError> {
    match value {
        Some("technician") => Ok(UserKind::Technician),
        Some("endUser" | "end_user") => Ok(UserKind::EndUser),
        Some(other) => Err(bad_request(format!(
            "kind {other:?} is not one of technician, endUser."
        ))),
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

/// The JSON form's users as CSV under the engine's own header names.
fn users_as_csv(users: &[JsonUser]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "First name",
        "Last name",
        "Email",
        "Phone",
        "Roles",
        "User type",
        "Site",
        "External ID",
    ];
    let failed = |_| bad_request("The users could not be read.");
    writer.write_record(header).map_err(failed)?;
    for user in users {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        writer
            .write_record([
                text(&user.first_name),
                text(&user.last_name),
                text(&user.email),
                text(&user.phone),
                user.roles.join(" | "),
                text(&user.user_type),
                text(&user.site),
                text(&user.external_id),
            ])
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|_| bad_request("The users could not be read."))
}

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
        .map_err(|error| {
            bad_request(format!(
                "The query string is not valid: {}.",
                error.body_text()
            ))
        })?;
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
    let body = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The import is larger than the limit of {limit} bytes."),
            )
            .with_details(json!({ "limitBytes": limit }))
        })?;
    let (kind, organization_id, options, source) = if json {
        let parsed: JsonImport = serde_json::from_slice(&body)
            .map_err(|error| bad_request(format!("The JSON body is not valid: {error}.")))?;
        (
            self::kind(parsed.kind.as_deref())?,
            parsed.organization_id,
            options(
                parsed.mode.as_deref(),
                parsed.invalid_rows.as_deref(),
                parsed.send_invitations,
            )?,
            users_as_csv(&parsed.users)?,
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
    let limits = ImportLimits {
        max_input_bytes: limit,
        ..ImportLimits::default()
    };
    // End users need a role: as the modal does, rows without one get the default end-user
    // role (sent as edits, as the modal's are).
    let default_role = match kind {
        UserKind::EndUser => roles::list(state.db.pool())
            .await?
            .into_iter()
            .find(|r| r.is_default && r.applies_to == UserKind::EndUser)
            .map(|r| r.name),
        UserKind::Technician => None,
    };
    let known_roles = roles::list(state.db.pool()).await?;
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
    let job_id = queue::enqueue(&state.db, &upload, source.clone(), caller.user_id, now).await?;
    if key.is_some() && !same_request(state, job_id, &upload, &source).await? {
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
            return Ok(match status {
                JobStatus::Failed => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    body.failure
                        .clone()
                        .unwrap_or_else(|| "The import failed: nothing was imported.".into()),
                )
                .with_details(serde_json::to_value(&body).unwrap_or_default())
                .into_response(),
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

/// Whether the job queued under this request's idempotency key was queued for this same
/// request (the same options and source): the same key for another import is refused.
async fn same_request(
    state: &AppState,
    job_id: i64,
    upload: &ImportUpload,
    source: &[u8],
) -> Result<bool, ApiError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT request, source FROM import_uploads WHERE job_id = $1")
        .bind(job_id)
        .fetch_optional(state.db.pool())
        .await
        .map_err(crate::server::failure::db_failure(
            "checking an idempotency key",
        ))?;
    let Some(row) = row else {
        // The upload is no longer kept (its retention passed): the key names that import.
        return Ok(true);
    };
    let stored: String = row
        .try_get("request")
        .map_err(crate::server::failure::db_failure(
            "checking an idempotency key",
        ))?;
    let stored_source: Vec<u8> =
        row.try_get("source")
            .map_err(crate::server::failure::db_failure(
                "checking an idempotency key",
            ))?;
    let stored: Option<ImportUpload> = serde_json::from_str(&stored).ok();
    Ok(stored.as_ref() == Some(upload) && stored_source == source)
}
