//! Administration → API tokens.

use crate::error::AppError;
use crate::model::{ApiReference, ApiTokenView, NewApiToken};
use leptos::prelude::*;

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    use crate::server::{api_tokens, context};
    let (state, _) = context::require_admin().await?;
    api_tokens::list(&state.db).await
}

/// Makes a token acting as the signed-in admin; `days` None never expires.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String, days: Option<u32>) -> Result<NewApiToken, AppError> {
    use crate::server::{api_tokens, clock, context};
    let (state, admin) = context::require_admin().await?;
    api_tokens::create(&state.db, admin.user_id, &name, days, clock::now()).await
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<ApiTokenView, AppError> {
    use crate::server::{api_tokens, clock, context};
    let (state, _) = context::require_admin().await?;
    api_tokens::revoke(&state.db, id, clock::now()).await
}

/// The REST API's reference, read from its OpenAPI document.
#[server(endpoint = "read_api_reference")]
pub async fn read_api_reference() -> Result<ApiReference, AppError> {
    use crate::server::{context, rest};
    context::require_admin().await?;
    Ok(rest::openapi::reference())
}
