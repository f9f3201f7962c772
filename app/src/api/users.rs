use crate::error::AppError;
use crate::model::{
    BulkOutcome, BulkTarget, BulkUserAction, RoleInfo, UserDetail, UserFilter, UserSummary,
};
use crate::rules::UserFieldsInput;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// One page of All users: those the filter matches, in its order.
#[server(endpoint = "list_users")]
pub async fn list_users(filter: UserFilter) -> Result<UserPage, AppError> {
    use crate::server::{clock, context, users};
    let (state, _) = context::require_admin().await?;
    let filter = UserFilter {
        page: crate::model::clamp_page(filter.page),
        ..filter
    };
    let (list, total) = users::list(&state.db, &filter, clock::now()).await?;
    Ok(UserPage {
        users: list,
        total,
        page: filter.page,
        page_size: users::PAGE_SIZE,
    })
}

/// A bulk action from All users, on the selected users or on everyone the filter matches.
#[server(endpoint = "bulk_user_action", input = Json)]
pub async fn run_bulk_user_action(
    target: BulkTarget,
    action: BulkUserAction,
    /// How many users the admin was told the action touches.
    confirmed: usize,
) -> Result<BulkOutcome, AppError> {
    use crate::server::{bulk_user_actions, clock, context};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    let base = &state.config.public_base_url;
    bulk_user_actions::run(
        &state.db,
        &actor,
        base,
        &target,
        action,
        confirmed,
        clock::now(),
    )
    .await
}

#[server(endpoint = "get_user")]
pub async fn get_user(id: i64) -> Result<UserDetail, AppError> {
    use crate::server::{clock, context, users};
    let (state, _) = context::require_admin().await?;
    users::get(state.db.pool(), id, clock::now())
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleInfo>, AppError> {
    use crate::server::{context, roles};
    let (state, _) = context::require_admin().await?;
    roles::list(state.db.pool()).await
}

/// Adds one technician or end user; returns the new user's id.
#[server(endpoint = "create_user", input = Json)]
pub async fn create_user(input: UserFieldsInput, send_invitation: bool) -> Result<i64, AppError> {
    use crate::server::{clock, context, users};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    users::create(
        &state.db,
        &input,
        send_invitation,
        &actor,
        &state.config.public_base_url,
        clock::now(),
    )
    .await
}

#[server(endpoint = "update_user", input = Json)]
pub async fn update_user(id: i64, input: UserFieldsInput) -> Result<(), AppError> {
    use crate::server::{clock, context, users};
    let (state, admin) = context::require_admin().await?;
    let actor = admin.actor();
    users::update(
        &state.db,
        id,
        &input,
        &actor,
        &state.config.public_base_url,
        clock::now(),
    )
    .await
}

/// Whether an email is free, for the live check beside the field (the unique index still has
/// the last word when saving).
#[server(endpoint = "email_in_use")]
pub async fn email_in_use(email: String) -> Result<bool, AppError> {
    use crate::server::{context, users};
    let (state, _) = context::require_admin().await?;
    users::email_in_use(state.db.pool(), &email, None).await
}

/// A user with the roles and organizations their form offers (the user page and Clone user).
pub async fn user_and_choices(
    id: i64,
) -> Result<
    (
        UserDetail,
        Vec<RoleInfo>,
        Vec<crate::model::OrganizationSummary>,
    ),
    AppError,
> {
    Ok((
        get_user(id).await?,
        list_roles().await?,
        crate::api::organizations::list_organizations().await?,
    ))
}

/// Resets a user's authenticator app (a lost phone): they sign in with an emailed code until
/// they set one up again, and every session of theirs ends.
#[server(endpoint = "reset_authenticator")]
pub async fn reset_authenticator(user_id: i64) -> Result<(), AppError> {
    use crate::server::{authenticator, context};
    let (state, admin) = context::require_admin().await?;
    authenticator::reset(&state.db, user_id, admin.user_id).await
}
