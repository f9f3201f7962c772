use crate::error::AppError;
use crate::import::{ImportJobSummary, ImportRequest, ImportResult};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Import users: the server re-validates everything and commits all rows in one transaction.
#[server(endpoint = "import_users", input = Json)]
pub async fn import_users(request: ImportRequest) -> Result<ImportResult, AppError> {
    use crate::server::{clock, context, imports};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    imports::run(
        &state.db,
        &request,
        &actor,
        &state.config.public_base_url,
        clock::now(),
    )
    .await
}

/// Of the given emails, those an existing account already uses (the preview asks in batches).
#[server(endpoint = "emails_in_use", input = Json)]
pub async fn emails_in_use(emails: Vec<String>) -> Result<Vec<String>, AppError> {
    use crate::server::{context, imports};
    let (state, _) = context::require_admin().await?;
    if emails.len() > crate::import::EMAILS_PER_CHECK {
        return Err(AppError::BadRequest(format!(
            "Ask about at most {} emails at a time.",
            crate::import::EMAILS_PER_CHECK
        )));
    }
    imports::emails_in_use(&state.db, &emails).await
}

#[server(endpoint = "import_history")]
pub async fn import_history() -> Result<Vec<ImportJobSummary>, AppError> {
    use crate::server::{context, imports};
    // Also asked every second while a job runs (the page itself records the visit).
    let (state, _) = context::require_admin_quietly().await?;
    imports::history(state.db.pool()).await
}

/// One import: its summary and, once it has row outcomes, its counts and the first rows it
/// did not import with their problems (`history::PROBLEM_ROWS_SHOWN`); the reports to
/// download (`imports::downloads`) have every row.
#[server(endpoint = "import_job")]
pub async fn import_job(id: i64) -> Result<(ImportJobSummary, ImportResult), AppError> {
    use crate::server::{context, imports};
    let (state, _) = context::require_admin().await?;
    let summary = imports::job_summary(state.db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound("That import".into()))?;
    let result = if summary.has_row_outcomes() {
        imports::load_outcome(state.db.pool(), &summary).await?
    } else {
        crate::import::ImportResult::new(
            Some(id),
            summary.status != crate::import::JobStatus::Completed,
        )
    };
    Ok((summary, result))
}

/// One import's status and progress (the modal and the Imports page ask every second).
#[server(endpoint = "import_progress")]
pub async fn import_progress(id: i64) -> Result<ImportJobSummary, AppError> {
    use crate::server::{context, imports};
    // Asked every 500 ms while a job runs: not the admin's activity.
    let (state, _) = context::require_admin_quietly().await?;
    imports::job_summary(state.db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound("That import".into()))
}

/// Cancel: a queued import at once, a running one before it commits (it rolls back).
#[server(endpoint = "cancel_import")]
pub async fn cancel_import(id: i64) -> Result<crate::import::JobStatus, AppError> {
    use crate::server::{clock, context, imports};
    let (state, _) = context::require_admin().await?;
    imports::queue::cancel(&state.db, id, clock::now()).await
}

/// Run again an interrupted or cancelled import from what was uploaded.
#[server(endpoint = "run_import_again")]
pub async fn run_import_again(id: i64) -> Result<crate::import::JobStatus, AppError> {
    use crate::server::{context, imports};
    let (state, _) = context::require_admin().await?;
    imports::queue::run_again(&state.db, id).await
}
