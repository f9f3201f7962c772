//! `POST /api/import-uploads`: the Import users modal's upload, as `multipart/form-data` with
//! two parts — `request` (the `ImportUpload` JSON: edits, mapping, options) and `source` (the
//! pasted text or the file's bytes). The body is read as it streams in, each part within its
//! own limit (a clear 413 naming it, after the rest of the body is read so that the browser
//! sees the answer), and the job is queued with the source kept in the database. Answers
//! `202 Accepted` with `{"jobId": …}`. Not a server function: those take whole bodies of at
//! most the router's limit, and the browser could not show upload progress.

use super::queue;
use crate::error::AppError;
use crate::import::{ImportUpload, GZIPPED_SOURCE_NAME};
use crate::server::refusals::error_response;
use crate::server::{clock, context, AppState};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

pub const PATH: &str = crate::import::UPLOAD_PATH;

/// The `request` part (edits, mapping, options) is small; this bounds it.
pub const MAX_REQUEST_PART_BYTES: usize = 16 * 1024 * 1024;

/// What is read of a body after a part went over its limit, so the client reads the 413.
const MAX_DRAINED_BYTES: usize = 256 * 1024 * 1024;

pub async fn receive(State(state): State<AppState>, request: Request) -> Response {
    match receive_upload(&state, request).await {
        Ok(job_id) => (
            StatusCode::ACCEPTED,
            [(http::header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&crate::import::UploadAccepted { job_id }).unwrap_or_default(),
        )
            .into_response(),
        Err(error) => error_response(PATH, &error),
    }
}

async fn receive_upload(state: &AppState, request: Request) -> Result<i64, AppError> {
    let now = clock::now();
    let user = context::require_admin_of(state, request.headers()).await?;
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        AppError::BadRequest(
            "Send the import as multipart/form-data with a `request` part and a `source` part."
                .into(),
        )
    })?;
    let mut multipart = multer::Multipart::new(request.into_body().into_data_stream(), boundary);
    let unreadable = |_| AppError::BadRequest("The upload could not be read.".into());
    let mut upload: Option<ImportUpload> = None;
    let mut source: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let limit = match name.as_str() {
            "request" => MAX_REQUEST_PART_BYTES,
            "source" => state.config.import_jobs.max_upload_bytes,
            other => {
                return Err(AppError::BadRequest(format!(
                    "Unexpected part {other:?}: send `request` and `source`."
                )))
            }
        };
        // A gzipped source (the browser compresses pasted text and CSV) is inflated as it
        // arrives; the limit counts the inflated bytes, the source as the admin gave it.
        let gzipped = name == "source" && field.file_name() == Some(GZIPPED_SOURCE_NAME);
        let mut bytes = PartBytes::new(gzipped, limit);
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if let Err(error) = bytes.push(&chunk) {
                drop(field);
                drain(&mut multipart).await;
                return Err(error);
            }
        }
        let bytes = bytes.finish()?;
        match name.as_str() {
            "request" => {
                upload = Some(serde_json::from_slice(&bytes).map_err(|error| {
                    AppError::BadRequest(format!("The import's description is not valid: {error}."))
                })?)
            }
            _ => source = Some(bytes),
        }
    }
    let (Some(upload), Some(source)) = (upload, source) else {
        return Err(AppError::BadRequest(
            "The upload needs a `request` part and a `source` part.".into(),
        ));
    };
    super::check_organization(&state.db, upload.kind, upload.organization_id).await?;
    queue::enqueue(&state.db, &upload, source, user.user_id, now).await
}

/// One part's bytes as they arrive, inflated when gzipped, within `limit` bytes.
enum PartBytes {
    Plain(Vec<u8>, usize),
    Gzipped(Box<flate2::write::GzDecoder<Capped>>),
}

/// Inflated bytes up to a limit: a write past it fails (so a small chunk of a gzip bomb never
/// grows memory past the limit) and remembers why.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            self.over = true;
            return Err(std::io::Error::other("over the upload limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl PartBytes {
    fn new(gzipped: bool, limit: usize) -> PartBytes {
        if gzipped {
            PartBytes::Gzipped(Box::new(flate2::write::GzDecoder::new(Capped {
                bytes: Vec::new(),
                limit,
                over: false,
            })))
        } else {
            PartBytes::Plain(Vec::new(), limit)
        }
    }

    fn push(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        use std::io::Write;
        match self {
            PartBytes::Plain(bytes, limit) => {
                if bytes.len() + chunk.len() > *limit {
                    return Err(too_large(*limit));
                }
                bytes.extend_from_slice(chunk);
                Ok(())
            }
            PartBytes::Gzipped(decoder) => decoder
                .write_all(chunk)
                .map_err(|_| inflate_failure(decoder.get_ref())),
        }
    }

    fn finish(self) -> Result<Vec<u8>, AppError> {
        match self {
            PartBytes::Plain(bytes, _) => Ok(bytes),
            PartBytes::Gzipped(mut decoder) => {
                // The decoder keeps up to 32 KB back until it is finished.
                if decoder.try_finish().is_err() {
                    return Err(inflate_failure(decoder.get_ref()));
                }
                Ok(std::mem::take(&mut decoder.get_mut().bytes))
            }
        }
    }
}

/// Why inflating stopped: over the limit, or not gzip at all.
fn inflate_failure(capped: &Capped) -> AppError {
    if capped.over {
        too_large(capped.limit)
    } else {
        not_gzip()
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::TooLarge {
        limit_bytes: limit as u64,
    }
}

fn not_gzip() -> AppError {
    AppError::BadRequest(format!(
        "The source named {GZIPPED_SOURCE_NAME} is not valid gzip data."
    ))
}

/// Reads what is left of the body (up to a bound), so that the answer is read by a client
/// still sending rather than lost to a reset connection.
async fn drain(multipart: &mut multer::Multipart<'_>) {
    let mut drained = 0;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len();
            if drained > MAX_DRAINED_BYTES {
                return;
            }
        }
    }
}
