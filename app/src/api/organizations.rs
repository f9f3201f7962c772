use crate::error::AppError;
use crate::model::{OrganizationDetail, OrganizationSummary};
use leptos::prelude::*;

#[server(endpoint = "list_organizations")]
pub async fn list_organizations() -> Result<Vec<OrganizationSummary>, AppError> {
    use crate::server::{context, organizations};
    let (state, _) = context::require_admin().await?;
    organizations::list(state.db.pool()).await
}

/// An organization with (the first page of) its end users.
#[server(endpoint = "get_organization")]
pub async fn get_organization(id: i64, page: i64) -> Result<OrganizationDetail, AppError> {
    use crate::server::{clock, context, organizations, users};
    let (state, _) = context::require_admin().await?;
    let name = organizations::name_of(state.db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound("That organization".into()))?;
    let filter = crate::model::UserFilter {
        organization_id: Some(id),
        page,
        ..crate::model::UserFilter::default()
    };
    let (end_users, _) = users::list(&state.db, &filter, clock::now()).await?;
    Ok(OrganizationDetail {
        id,
        name,
        end_users,
    })
}
