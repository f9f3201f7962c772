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
        // The REST API for scripts: bearer tokens, no cookies (`rest`).
        .merge(super::rest::routes())
        .nest_service("/pkg", static_files(&pkg_dir))
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
/// name carries a hash of its content (`hash-files`: `bulk-import.<hash>.wasm`, the split
/// chunks) never changes, so browsers keep it for a year without asking again
/// ([`IMMUTABLE`]); any other file must be revalidated (`no-cache`, answered `304 Not
/// Modified` from `Last-Modified`). Compressed copies older than their original (left by an
/// earlier build, e.g. before `cargo leptos watch`) would pair an old wasm with a new server,
/// so then none are used.
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
    Router::new()
        .fallback_service(varied)
        .layer(axum::middleware::from_fn(cache_policy))
}

/// `Cache-Control` for a file that never changes under its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn cache_policy(request: Request, next: Next) -> Response {
    let lasting = is_named_by_content(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if lasting && response.status().is_success() {
        IMMUTABLE
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static(policy),
    );
    response
}

/// Whether a file's name holds a hash of its content: a dot-separated part of 22 base64url
/// characters (cargo-leptos's MD5), as in `bulk-import.1B2M2Y8AsgTpgAmY7PhCfg.wasm`.
fn is_named_by_content(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').any(|part| {
        part.len() == 22
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
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
    fn only_files_named_by_their_content_are_kept_for_a_year() {
        for path in [
            "/pkg/bulk-import.1B2M2Y8AsgTpgAmY7PhCfg.wasm",
            "/pkg/bulk-import.1B2M2Y8AsgTpgAmY7PhCfg.js",
            "/pkg/__wasm_split.Zm9vYmFyYmF6cXV4cXV1eA.js",
        ] {
            assert!(super::is_named_by_content(path), "{path}");
        }
        for path in [
            "/pkg/bulk-import.wasm",
            "/pkg/bulk-import.css",
            "/pkg/snippets/app-0123456789abcdef/inline0.js",
            "/pkg/a.1B2M2Y8AsgTpgAmY7PhC.wasm",
        ] {
            assert!(!super::is_named_by_content(path), "{path}");
        }
    }

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
