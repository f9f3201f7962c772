//! Cross-site request forgery protection for every state-changing request (server functions,
//! form posts, uploads). Leptos does none by itself.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` on every modern browser, `Origin`
//! on every cross-origin POST. A write is refused when either says another site sent it. A
//! request with neither header did not come from a browser page, so it cannot carry a
//! victim's cookies by accident.

use super::Config;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode};
use std::sync::Arc;

pub fn is_cross_site_write(method: &Method, headers: &HeaderMap, public_base_url: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        let host = headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        return origin != public_base_url && origin_host != host;
    }
    false
}

pub async fn refuse_cross_site(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    // The REST API takes no cookies, only bearer tokens a page cannot borrow: nothing to forge.
    let api = request.uri().path().starts_with(super::rest::PREFIX);
    if !api && is_cross_site_write(request.method(), request.headers(), &config.public_base_url) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site write");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    const BASE: &str = "http://127.0.0.1:3000";

    #[test]
    fn a_cross_site_post_is_refused() {
        let cases = [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:3000"),
            ]),
        ];
        for h in cases {
            assert!(is_cross_site_write(&Method::POST, &h, BASE), "{h:?}");
        }
    }

    #[test]
    fn same_origin_posts_reads_and_non_browser_clients_pass() {
        assert!(!is_cross_site_write(
            &Method::POST,
            &headers(&[("sec-fetch-site", "same-origin")]),
            BASE
        ));
        assert!(!is_cross_site_write(
            &Method::POST,
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            BASE
        ));
        assert!(!is_cross_site_write(
            &Method::POST,
            &headers(&[("origin", "http://127.0.0.1:3000")]),
            BASE
        ));
        assert!(!is_cross_site_write(
            &Method::GET,
            &headers(&[("sec-fetch-site", "cross-site")]),
            BASE
        ));
        assert!(!is_cross_site_write(&Method::POST, &HeaderMap::new(), BASE));
    }
}
