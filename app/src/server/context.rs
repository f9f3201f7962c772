//! What server functions get from the request: the shared state and the signed-in user.

use super::clock;
use super::failure::db_failure;
use super::invitations::Inviter;
use super::sessions::{self, SessionUser};
use super::{Config, Db};
use crate::error::AppError;
use axum::extract::FromRef;
use leptos::prelude::{use_context, LeptosOptions};
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| super::failure::internal("context", "AppState missing"))
}

fn session_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    sessions::token_from_headers(&parts.headers).map(str::to_string)
}

/// The token of the sign-in waiting for its second factor, if the request carries one.
pub fn challenge_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    super::second_factor::token_from_headers(&parts.headers).map(str::to_string)
}

/// The signed-in user, or `None`. `activity` records that the user did something.
pub async fn session_user(
    state: &AppState,
    activity: bool,
) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = session_token() else {
        return Ok(None);
    };
    sessions::lookup(state.db.pool(), &token, clock::now(), activity)
        .await
        .map_err(db_failure("looking up the session"))
}

/// The client's address as the connection shows it (behind a reverse proxy, the proxy's),
/// when the server runs with connection info (the binary does; router tests do not).
pub fn client_address() -> Option<std::net::IpAddr> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Every My profile server function starts here: any signed-in user, administrator or not.
pub async fn require_signed_in() -> Result<(AppState, SessionUser), AppError> {
    let state = state()?;
    match session_user(&state, true).await? {
        None => Err(AppError::Unauthenticated),
        Some(user) => Ok((state, user)),
    }
}

/// Where the request comes from, for a session it starts.
pub fn session_origin() -> sessions::Origin {
    match use_context::<http::request::Parts>() {
        Some(parts) => sessions::Origin::from_request(&parts.headers, client_address()),
        None => sessions::Origin::default(),
    }
}

/// Every administration server function starts here: only a technician with the System
/// Administrator role gets through. The UI hiding a button is not a check; this is.
pub async fn require_admin() -> Result<(AppState, SessionUser), AppError> {
    admin_of_session(true).await
}

/// `require_admin` for a request the page makes on its own (polling a job's progress): it
/// does not count as the admin's activity, so it neither keeps an idle session alive nor
/// writes to the database.
pub async fn require_admin_quietly() -> Result<(AppState, SessionUser), AppError> {
    admin_of_session(false).await
}

/// The signed-in System Administrator, recording the visit as activity when `activity`.
async fn admin_of_session(activity: bool) -> Result<(AppState, SessionUser), AppError> {
    let state = state()?;
    let user = only_an_admin(session_user(&state, activity).await?)?;
    Ok((state, user))
}

/// [`require_admin`] for a plain axum handler (no server function context): the System
/// Administrator whose session cookie these headers carry.
pub async fn require_admin_of(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<SessionUser, AppError> {
    let user = match sessions::token_from_headers(headers) {
        Some(token) => sessions::lookup(state.db.pool(), token, clock::now(), true)
            .await
            .map_err(db_failure("looking up the session"))?,
        None => None,
    };
    only_an_admin(user)
}

fn only_an_admin(user: Option<SessionUser>) -> Result<SessionUser, AppError> {
    match user {
        None => Err(AppError::Unauthenticated),
        Some(user) if !user.is_admin => Err(AppError::Forbidden),
        Some(user) => Ok(user),
    }
}

/// Who is making a change, for the records and emails it writes.
pub struct Actor<'a> {
    pub user_id: i64,
    pub display_name: &'a str,
}

impl<'a> Actor<'a> {
    /// This actor as the sender of links pointing at `public_base_url`.
    pub fn inviter(&self, public_base_url: &'a str, import_job_id: Option<i64>) -> Inviter<'a> {
        Inviter {
            user_id: self.user_id,
            display_name: self.display_name,
            public_base_url,
            import_job_id,
        }
    }
}

impl SessionUser {
    /// The signed-in administrator as the author of a change (and of its emails).
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: self.user_id,
            display_name: &self.display_name,
        }
    }
}
