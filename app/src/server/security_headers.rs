//! Security headers on every response: a Content-Security-Policy, no framing, no MIME
//! sniffing, and a referrer policy. Pages get a strict policy carrying the nonce Leptos put on
//! its inline hydration scripts (leptos_axum makes a fresh one per render); everything else
//! (server function answers, static files, health) gets a policy that allows nothing, unless a
//! handler set its own. Set with tower-http's `SetResponseHeaderLayer`.

use http::header::{
    HeaderName, HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// A page's policy: scripts only from this origin or carrying this render's nonce, wasm
/// compilation allowed (`wasm-unsafe-eval`, not `unsafe-eval`), no inline scripts or styles,
/// no plugins, no framing, forms and requests only to this origin.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For responses that are not pages: nothing may load or run, and nothing may frame it.
pub const NOT_A_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Called while the page shell renders: sends the page policy with this render's nonce.
pub fn send_page_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The layers, outermost last. Each sets its header only where a handler did not (invitation
/// pages send `Referrer-Policy: no-referrer`; pages send their own policy).
pub fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        header(CONTENT_SECURITY_POLICY, NOT_A_PAGE_POLICY),
        header(X_FRAME_OPTIONS, "DENY"),
        header(X_CONTENT_TYPE_OPTIONS, "nosniff"),
        header(REFERRER_POLICY, "same-origin"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_nonced_inline_scripts_and_no_framing() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("'unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("object-src 'none'"));
    }
}
