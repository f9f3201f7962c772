//! `GET /ws/appuser` (a page of users with their invitation status, filtered as All users
//! filters) and `POST /ws/appuser/{id}/invitation` (resend, as the Invitations dashboard does,
//! with its once-a-minute limit per user).

use super::{bad_request, caller, query_refused, ApiError, ErrorBody};
use crate::model::{InvitationStatus, UserFilter, UserKind, UserSummary};
use crate::server::context::Actor;
use crate::server::invitation_actions::{self, ALREADY_REGISTERED};
use crate::server::invitations::RESEND_INTERVAL_SECONDS;
use crate::server::{clock, users, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// `GET /ws/appuser`'s query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Exactly this email (any case).
    email: Option<String>,
    /// Any part of a name (either order) or an email.
    search: Option<String>,
    /// Only users whose invitation is in this state.
    #[param(value_type = Option<InvitationStatusName>)]
    status: Option<String>,
    #[param(value_type = Option<super::KindName>)]
    kind: Option<String>,
    /// Only the end users of this organization.
    organization_id: Option<i64>,
    /// From 0; 50 users a page.
    page: Option<i64>,
}

/// Where a user's invitation stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Names the values for the OpenAPI document; `status_name` writes them.
pub enum InvitationStatusName {
    NotInvited,
    Pending,
    Expired,
    Registered,
    SendFailed,
}

/// A user and their invitation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    id: i64,
    first_name: String,
    last_name: String,
    email: String,
    #[schema(value_type = super::KindName)]
    kind: &'static str,
    /// An end user's organization.
    organization: Option<String>,
    roles: Vec<String>,
    #[schema(value_type = InvitationStatusName)]
    invitation_status: &'static str,
    /// When the latest invitation was sent (seconds since 1970).
    invited_at: Option<i64>,
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    users: Vec<UserBody>,
    /// How many users match, on every page.
    total: i64,
    page: i64,
    page_size: i64,
}

/// An invitation sent again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResendBody {
    sent: bool,
    user_id: i64,
}

fn status_name(status: InvitationStatus) -> &'static str {
    match status {
        InvitationStatus::NotInvited => "notInvited",
        InvitationStatus::Pending => "pending",
        InvitationStatus::Expired => "expired",
        InvitationStatus::Registered => "registered",
        InvitationStatus::SendFailed => "sendFailed",
    }
}

fn user_body(user: UserSummary) -> UserBody {
    UserBody {
        id: user.id,
        first_name: user.first_name,
        last_name: user.last_name,
        email: user.email,
        kind: match user.kind {
            UserKind::Technician => "technician",
            UserKind::EndUser => "endUser",
        },
        organization: user.organization,
        roles: user.roles,
        invitation_status: status_name(user.invitation),
        invited_at: user.invited_at,
    }
}

/// A page of users with their invitation status.
///
/// Narrowed as All users narrows: an exact email, a search, a status, a kind, an
/// organization; 50 a page.
#[utoipa::path(
    get,
    path = "/ws/appuser",
    tag = "users",
    operation_id = "listUsers",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of users.", body = UserPage),
        (status = 400, description = "The query string is not valid.", body = ErrorBody),
        (status = 401, description = "No API token, or not a valid one.", body = ErrorBody),
        (status = 403, description = "The token's maker is no longer a System Administrator.", body = ErrorBody),
        (status = 429, description = "Too many requests with this token.", body = ErrorBody),
        (status = 500, description = "The server failed (`details.reference` names it in the server's log).", body = ErrorBody),
    ),
    security(("bearerToken" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let answer = async {
        caller(&state, &headers).await?;
        let Query(query) = query.map_err(|error| query_refused(&error))?;
        let status = match query.status.as_deref() {
            None => None,
            Some(text) => Some(
                InvitationStatus::ALL
                    .iter()
                    .copied()
                    .find(|s| status_name(*s) == text)
                    .ok_or_else(|| {
                        bad_request(format!(
                            "status {text:?} is not one of notInvited, pending, expired, registered, sendFailed."
                        ))
                    })?,
            ),
        };
        let kind = query.kind.as_deref().map(super::kind_param).transpose()?;
        let exact = query.email.as_ref().map(|e| e.trim().to_lowercase());
        let filter = UserFilter {
            status,
            kind,
            organization_id: query.organization_id,
            // An exact email is found by searching for it, then keeping only that address.
            search: exact
                .clone()
                .or(query.search.clone())
                .unwrap_or_default()
                .chars()
                .take(crate::model::SEARCH_MAX_CHARS)
                .collect(),
            page: if exact.is_some() {
                0
            } else {
                query.page.unwrap_or(0).clamp(0, crate::model::MAX_PAGE)
            },
            ..UserFilter::default()
        };
        let (found, total) = users::list(&state.db, &filter, clock::now()).await?;
        let (found, total) = match &exact {
            Some(email) => {
                let found: Vec<_> = found
                    .into_iter()
                    .filter(|u| u.email.to_lowercase() == *email)
                    .collect();
                let total = found.len() as i64;
                (found, total)
            }
            None => (found, total),
        };
        Ok::<_, ApiError>(axum::Json(UserPage {
            users: found.into_iter().map(user_body).collect(),
            total,
            page: filter.page,
            page_size: users::PAGE_SIZE,
        }))
    };
    match answer.await {
        Ok(json) => json.into_response(),
        Err(error) => error.into_response(),
    }
}

/// Sends a user's invitation again.
///
/// At most once a minute per user, as the Invitations dashboard does.
#[utoipa::path(
    post,
    path = "/ws/appuser/{id}/invitation",
    tag = "users",
    operation_id = "resendInvitation",
    params(("id" = i64, Path, description = "The user's id.", example = 2)),
    responses(
        (status = 200, description = "The invitation was sent again.", body = ResendBody),
        (status = 401, description = "No API token, or not a valid one.", body = ErrorBody),
        (status = 403, description = "The token's maker is no longer a System Administrator.", body = ErrorBody),
        (status = 404, description = "No user has this id.", body = ErrorBody),
        (status = 409, description = "The user has registered.", body = ErrorBody),
        (status = 400, description = "The request body could not be read (this operation takes none).", body = ErrorBody),
        (status = 408, description = "The body stopped arriving.", body = ErrorBody),
        (status = 413, description = "A body over the server's limit (this operation takes none).", body = ErrorBody),
        (status = 429, description = "Sent less than a minute ago, or too many requests with this token.", body = ErrorBody),
        (status = 500, description = "The server failed (`details.reference` names it in the server's log).", body = ErrorBody),
    ),
    security(("bearerToken" = [])),
)]
pub async fn resend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let caller = caller(&state, &headers).await?;
        let not_found =
            || ApiError::new(StatusCode::NOT_FOUND, "not_found", "No user has this id.");
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let actor = Actor {
            user_id: caller.user_id,
            display_name: &caller.display_name,
        };
        let result = invitation_actions::resend(
            &state.db,
            &actor,
            &state.config.public_base_url,
            &[id],
            clock::now(),
        )
        .await?;
        if result.done == 1 {
            return Ok(ResendBody {
                sent: true,
                user_id: id,
            });
        }
        match result.skipped.first() {
            None => Err(not_found()),
            Some(skipped) if skipped.reason == ALREADY_REGISTERED => Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_registered",
                "This user has registered: they sign in with their password.",
            )),
            Some(skipped) => Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Not sent: {}.", skipped.reason),
            )
            .with_details(json!({ "retryAfterSeconds": RESEND_INTERVAL_SECONDS }))),
        }
    };
    match answer.await {
        Ok(json) => axum::Json(json).into_response(),
        Err(error) => error.into_response(),
    }
}
