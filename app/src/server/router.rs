//! The axum router: pages, server functions, static files, health, and the layers that guard
//! them. `server/src/main.rs` and the integration tests build the same router.

use super::{clock, csrf, refusals, security_headers, sessions, AppState};
use crate::{shell, App};
use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use http::StatusCode;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::trace::TraceLayer;

pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let [policy, frames, sniffing, referrer] = security_headers::layers();
    let pkg_dir = std::path::Path::new(state.leptos_options.site_root.as_ref())
        .join(state.leptos_options.site_pkg_dir.as_ref());
    Router::new()
        .route("/health", get(health))
        // The import upload reads its own body within its own limits (`imports::upload`).
        .route(
            super::imports::upload::PATH,
            axum::routing::post(super::imports::upload::receive),
        )
        // An import's reports, written as they download (`imports::downloads`).
        .route(
            super::imports::downloads::RESULTS_PATH,
            get(super::imports::downloads::results),
        )
        .route(
            super::imports::downloads::ERRORS_PATH,
            get(super::imports::downloads::errors),
        )
        // The REST API for scripts: bearer tokens, no cookies (`rest`).
        .merge(super::rest::routes())
        .nest_service("/pkg", static_files(&pkg_dir))
        .route(crate::rules::PHONE_PLANS_PATH, get(phone_plans))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(state.clone(), admin_pages_need_an_admin))
        .layer(axum::middleware::from_fn(invitation_pages_are_private))
        .layer(from_fn_with_state(
            state.config.clone(),
            csrf::refuse_cross_site,
        ))
        .layer(axum::middleware::from_fn(refusals::refusals_have_their_status))
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn_with_state(
            refusals::BodyLimits {
                max_bytes: state.config.max_body_bytes,
                idle_timeout: state.config.limits.body_timeout,
            },
            refusals::bodies_within_the_limit,
        ))
        // Pages and server function answers are compressed as they go out; the wasm and JS
        // were compressed at build time (already encoded, so left alone here).
        .layer(CompressionLayer::new())
        .layer(policy)
        .layer(frames)
        .layer(sniffing)
        .layer(referrer)
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::info_span!("request", method = %request.method(), path = %redacted_path(request.uri().path()))
        }))
        .with_state(state)
}

/// The wasm, JS and CSS: the brotli or gzip file made at build time (`cargo leptos build
/// --release --precompress`) when the browser accepts it, the original otherwise. A file whose
/// name carries the hash of its content (`hash-files`: the split chunks, the stylesheet) never
/// changes under that name, so browsers keep it for a year without asking again
/// ([`IMMUTABLE`]); any other file is revalidated (`no-cache`, answered `304 Not Modified` from
/// `Last-Modified`). cargo-leptos names the main JS and wasm before it writes the chunk
/// loader's name into them, so their names do not always follow their content: only names
/// checked against the content when the server starts count as hashed. Compressed copies
/// older than their original (left by an earlier build, e.g. before `cargo leptos watch`) would
/// pair an old wasm with a new server, so then none are used.
fn static_files(dir: &std::path::Path) -> Router {
    let files = if precompressed_copies_are_current(dir) {
        ServeDir::new(dir).precompressed_br().precompressed_gzip()
    } else {
        tracing::warn!(dir = %dir.display(), "compressed copies are older than the files; serving the files");
        ServeDir::new(dir)
    };
    // The answer depends on Accept-Encoding: caches on the way must keep the versions apart.
    let varied = SetResponseHeader::appending(
        files,
        http::header::VARY,
        http::HeaderValue::from_static("accept-encoding"),
    );
    let lasting = std::sync::Arc::new(named_by_content(dir));
    Router::new()
        .fallback_service(varied)
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let lasting = lasting.clone();
                async move {
                    let name = request.uri().path().trim_start_matches('/').to_string();
                    let mut response = next.run(request).await;
                    let kept = lasting.contains(&name)
                        && (response.status().is_success()
                            || response.status() == StatusCode::NOT_MODIFIED);
                    let policy = if kept { IMMUTABLE } else { "no-cache" };
                    response.headers_mut().insert(
                        http::header::CACHE_CONTROL,
                        http::HeaderValue::from_static(policy),
                    );
                    response
                }
            },
        ))
}

/// The numbering plans' JSON for the browser's phone checks, built into the server; its path
/// holds its hash, so browsers keep it for good. Compressed on the way out like the pages.
async fn phone_plans() -> Response {
    (
        [
            (http::header::CONTENT_TYPE, "application/json"),
            (http::header::CACHE_CONTROL, IMMUTABLE),
        ],
        crate::rules::PHONE_PLANS_JSON,
    )
        .into_response()
}

/// `Cache-Control` for a file that never changes under its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The files in `dir` whose name holds the hash of their content, as cargo-leptos hashes
/// (`bulk-import.<base64url(md5)>.css`).
fn named_by_content(dir: &std::path::Path) -> std::collections::HashSet<String> {
    use base64::Engine;
    use md5::Digest;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Default::default();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            // A compressed copy is judged by its original's name (the request's path).
            if name.ends_with(".br") || name.ends_with(".gz") {
                return None;
            }
            let hash = name.split('.').find(|part| part.len() == 22)?.to_string();
            let bytes = std::fs::read(entry.path()).ok()?;
            let digest = md5::Md5::digest(&bytes);
            let actual = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
            (actual == hash).then_some(name)
        })
        .collect()
}

/// Whether every `.br` / `.gz` file in `dir` is at least as new as the file it compresses.
fn precompressed_copies_are_current(dir: &std::path::Path) -> bool {
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().all(|entry| {
        let path = entry.path();
        let compressed = matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz"));
        if !compressed {
            return true;
        }
        match (modified(&path), modified(&path.with_extension(""))) {
            (Some(copy), Some(original)) => copy >= original,
            _ => true,
        }
    })
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(state.db.pool())
        .await
    {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Whether a path (with or without its query) is an administration page: only a System
/// Administrator may open it.
pub fn is_admin_page(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    path == "/" || path == "/admin" || path.starts_with("/admin/")
}

/// Administration pages redirect to sign-in before rendering anything when nobody (or a
/// non-administrator) is signed in; My profile, when nobody is. Server functions check again
/// on their own.
async fn admin_pages_need_an_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let for_admins = is_admin_page(path);
    if !(for_admins || path == "/profile") {
        return next.run(request).await;
    }
    let token = sessions::token_from_headers(request.headers()).map(str::to_string);
    let user = match token {
        Some(token) => sessions::lookup(state.db.pool(), &token, clock::now(), true).await,
        None => Ok(None),
    };
    match user {
        Ok(Some(user)) if user.is_admin || !for_admins => next.run(request).await,
        Ok(Some(_)) => (
            StatusCode::FORBIDDEN,
            axum::response::Html(
                "<!DOCTYPE html><title>Not allowed</title><p>Only a System Administrator may open \
                 these pages.</p><p><a href=\"/profile\">My profile</a> · \
                 <a href=\"/login\">Sign in as someone else</a></p>",
            ),
        )
            .into_response(),
        Ok(None) => {
            let next_path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            Redirect::to(&format!("/login?next={}", encode_query_value(next_path))).into_response()
        }
        Err(error) => {
            super::failure::internal("checking the session for a page", error).into_response_html()
        }
    }
}

/// Pages whose path carries a link's secret token.
fn is_link_page(path: &str) -> bool {
    path.starts_with("/invite/") || path.starts_with("/reset-password/")
}

/// Invitation and reset links carry a secret: the page is never cached and never sent as a
/// referrer.
async fn invitation_pages_are_private(request: Request, next: Next) -> Response {
    let private = is_link_page(request.uri().path());
    let mut response = next.run(request).await;
    if private {
        let headers = response.headers_mut();
        headers.insert(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Paths as logged: a link's token never reaches the logs.
fn redacted_path(path: &str) -> &str {
    if path.starts_with("/invite/") {
        "/invite/[token]"
    } else if path.starts_with("/reset-password/") {
        "/reset-password/[token]"
    } else {
        path
    }
}

fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl crate::error::AppError {
    fn into_response_html(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_root_and_everything_under_admin_are_administration_pages() {
        for path in ["/", "/admin", "/admin/users?page=2", "/?x=1"] {
            assert!(super::is_admin_page(path), "{path}");
        }
        for path in ["/profile", "/login", "/administrator", "/invite/x"] {
            assert!(!super::is_admin_page(path), "{path}");
        }
    }

    use super::encode_query_value;

    #[test]
    fn invitation_tokens_are_redacted_from_logged_paths() {
        assert_eq!(super::redacted_path("/invite/abc123"), "/invite/[token]");
        assert_eq!(
            super::redacted_path("/reset-password/abc123"),
            "/reset-password/[token]"
        );
        assert_eq!(super::redacted_path("/admin/users"), "/admin/users");
    }

    #[test]
    fn a_next_path_is_encoded_for_the_query_string() {
        assert_eq!(
            encode_query_value("/admin/users?page=2"),
            "/admin/users%3Fpage%3D2"
        );
    }
}
