//! The real router over HTTP: sign-in, authorization of server functions, page guards, CSRF and
//! health. Runs on SQLite and, when configured, PostgreSQL.

mod support;

use app::server::{router, AppState, Config, Db};
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use support::*;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

on_both_databases! {
    an_admin_signs_in_with_the_right_password_and_gets_a_session_cookie => sign_in_works;
    a_wrong_password_or_unknown_email_gets_the_same_refusal_and_no_cookie => sign_in_refused;
    server_functions_refuse_callers_without_a_session_or_without_the_admin_role => server_fns_check_the_caller;
    admin_pages_redirect_to_sign_in_and_render_for_an_admin => page_guard;
    a_cross_site_form_post_is_refused => cross_site_refused;
    signing_out_ends_the_session => sign_out_works;
    the_health_endpoint_checks_the_database => health;
}

fn app(db: Db) -> Router {
    app_with(db, test_config())
}

fn test_config() -> Config {
    Config {
        database_url: String::new(),
        bind_addr: None,
        public_base_url: "http://app.example".into(),
        max_body_bytes: 1024 * 1024,
        smtp: None,
        mail_poll_seconds: 1,
        limits: Default::default(),
        import_jobs: Default::default(),
        api_requests_per_minute: 60,
    }
}

fn app_with(db: Db, config: Config) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("bulk-import")
        .site_root("target/site")
        .build();
    router::build(AppState {
        leptos_options,
        db,
        config: Arc::new(config),
    })
}

fn post(path: &str, body: &str) -> http::request::Builder {
    let _ = body;
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .expect("body");
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Posts the sign-in form from a Firefox on Linux; the answer's headers.
async fn sign_in_headers(app: &Router, email: &str, password: &str) -> http::HeaderMap {
    let body = format!("email={email}&password={}", password.replace(' ', "+"));
    let (_, headers, _) = send(
        app,
        post("/api/sign_in", &body)
            .header(
                header::USER_AGENT,
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            )
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    headers
}

async fn sign_in(app: &Router, email: &str, password: &str) -> Option<String> {
    let headers = sign_in_headers(app, email, password).await;
    let cookie = headers.get(header::SET_COOKIE)?.to_str().ok()?;
    cookie.split(';').next().map(str::to_string)
}

async fn sign_in_works(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let body = format!(
        "email=BOSS@example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (status, headers, _) = send(
        &app,
        post("/api/sign_in", &body)
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(count(&db, "sessions").await, 1);
}

async fn sign_in_refused(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    for (email, password) in [
        ("boss@example.com", "wrong password here"),
        ("nobody@example.com", PASSWORD),
        // A NUL (which PostgreSQL refuses in text) is an unknown email, not a server error.
        ("boss%00@example.com", PASSWORD),
        ("%00", PASSWORD),
    ] {
        let body = format!("email={email}&password={}", password.replace(' ', "+"));
        let (_, headers, text) = send(
            &app,
            post("/api/sign_in", &body)
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
        assert!(headers.get(header::SET_COOKIE).is_none());
        assert!(text.contains("BadCredentials"), "{text}");
    }
    assert_eq!(count(&db, "sessions").await, 0);
}

async fn server_fns_check_the_caller(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let helper = role_id(&db, "Help Desk Technician").await;
    insert_user(
        &db,
        technician("helper@example.com", vec![helper]),
        Some(PASSWORD),
    )
    .await;
    let app = app(db.clone());
    let call = |cookie: Option<String>| {
        let mut request = post("/api/list_users", "filter[page]=0");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from("filter[page]=0")).unwrap()
    };
    let (_, _, text) = send(&app, call(None)).await;
    assert!(text.contains("Unauthenticated"), "{text}");
    let helper_cookie = sign_in(&app, "helper@example.com", PASSWORD)
        .await
        .expect("helper signs in");
    let (_, _, text) = send(&app, call(Some(helper_cookie))).await;
    assert!(text.contains("Forbidden"), "{text}");
    let admin_cookie = sign_in(&app, "boss@example.com", PASSWORD)
        .await
        .expect("admin signs in");
    let (status, _, text) = send(&app, call(Some(admin_cookie))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("helper@example.com"), "{text}");
}

async fn page_guard(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let (status, headers, _) = send(
        &app,
        Request::get("/admin/users?page=1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/login?next=/admin/users%3Fpage%3D1"
    );
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let request = Request::get("/admin/users")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, html) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("All users") && html.contains("boss@example.com"),
        "{html}"
    );
}

async fn cross_site_refused(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let body = format!(
        "email=boss@example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let request = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "app.example")
        .body(Body::from(body))
        .unwrap();
    let (status, headers, _) = send(&app, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert_eq!(count(&db, "sessions").await, 0);
}

async fn sign_out_works(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let request = post("/api/sign_out", "")
        .header(header::COOKIE, cookie.clone())
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, request).await;
    assert!(headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let request = Request::get("/admin/users")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(&app, request).await;
    assert!(status.is_redirection());
}

async fn health(db: Db) {
    let app = app(db.clone());
    let (status, _, text) = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "ok"));
    db.close().await;
    let (status, _, _) = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

on_both_databases! {
    the_clone_form_works_as_a_plain_form_post_and_refuses_bad_rows_sent_around_it => clone_form_post;
}

async fn clone_form_post(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let org = organization(&db, "Acme").await;
    let requester = role_id(&db, "Requester").await;
    let source = insert_user(
        &db,
        end_user("maria@acme.example", org, vec![requester]),
        None,
    )
    .await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let form = |email: &str| {
        format!(
            "source_id={source}&first_name=Nina&last_name=New&email={email}&phone=&kind=end_user&organization_id={org}\
             &role_ids%5B%5D={requester}&user_type=standard&site=HQ&language=en&idle_warning_minutes=60\
             &notify_by_email=on&mfa_method=none&send_invitation=on"
        )
    };
    let post = |body: String| {
        Request::post("/api/clone_user")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(
                header::REFERER,
                format!("http://app.example/admin/users/{source}/clone"),
            )
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie.clone())
            .body(Body::from(body))
            .unwrap()
    };
    let (status, headers, _) = send(&app, post(form("nina@acme.example"))).await;
    assert!(status.is_redirection(), "{status}");
    let location = headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("/admin/users/")
            && location.ends_with(&format!("?cloned_from={source}")),
        "{location}"
    );
    let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.email = 'nina@acme.example'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(roles, 1);
    // Bad values posted straight to the server get the same field errors, and nothing is written.
    let users_before = count(&db, "users").await;
    let (status, headers, _) = send(&app, post(form("not-an-email"))).await;
    assert!(status.is_redirection());
    let back = headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert!(back.contains("/clone") && back.contains("__err="), "{back}");
    assert_eq!(count(&db, "users").await, users_before);
}

on_both_databases! {
    rows_posted_straight_to_the_import_function_get_the_same_row_errors => import_around_the_browser;
}

async fn import_around_the_browser(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let org = organization(&db, "Acme").await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let body = format!(
        r#"{{"request":{{"kind":"EndUser","organization_id":{org},"source_name":"curl","idempotency_key":"raw-1",
            "table":{{"rows":[{{"line":1,"cells":["First Name","Last Name","Email","Roles"]}},
                              {{"line":2,"cells":["<img src=x onerror=alert(1)>","Lee","ann@acme.example","Requester"]}},
                              {{"line":3,"cells":["Bob","Ray","bob@acme.example","Requester"]}}]}},
            "mapping":{{"header":"Detect","fields":null}},
            "options":{{"mode":"CreateOnly","invalid_rows":"FailImport","send_invitations":true}}}}}}"#
    );
    let request = Request::post("/api/import_users")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    let (status, _, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let result: app::import::ImportResult = serde_json::from_str(&text).unwrap();
    assert!(result.failed);
    assert_eq!(result.rows[0].outcome, app::import::RowOutcomeKind::Failed);
    let reason = result.rows[0].reason();
    assert!(
        reason.starts_with("First name:") && reason.contains("letters only"),
        "{reason}"
    );
    assert_eq!(count(&db, "users").await, 1);
}

on_both_databases! {
    a_source_name_with_markup_is_escaped_in_the_page_title => title_is_escaped;
    every_response_carries_security_headers_and_pages_a_nonced_policy => security_headers;
}

async fn title_is_escaped(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let org = organization(&db, "Acme").await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let hostile = "</title><img src=x onerror=alert(document.domain)>";
    let body = serde_json::json!({"request": {
        "kind": "EndUser", "organization_id": org, "source_name": hostile, "idempotency_key": "xss-1",
        "table": {"rows": [
            {"line": 1, "cells": ["First Name", "Last Name", "Email", "Roles"]},
            {"line": 2, "cells": ["Ann", "Lee", "ann@acme.example", "Requester"]}]},
        "mapping": {"header": "Detect", "fields": null},
        "options": {"mode": "CreateOnly", "invalid_rows": "FailImport", "send_invitations": false}}});
    let request = Request::post("/api/import_users")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie.clone())
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let job: i64 = sqlx::query_scalar("SELECT MAX(id) FROM import_jobs")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let request = Request::get(format!("/admin/imports/{job}"))
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, html) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    let title = &html[html.find("<title>").unwrap()..html.find("</head>").unwrap()];
    assert!(
        title.starts_with("<title>Import of &lt;/title&gt;&lt;img src=x onerror=alert(document.domain)&gt; · Help desk admin</title>"),
        "{title}"
    );
    assert!(!html.contains("<img src=x"), "{html}");
}

async fn security_headers(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let (status, headers, html) =
        send(&app, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a page policy")
        .to_str()
        .unwrap()
        .to_string();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    // Every inline script carries the nonce.
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}>");
    }
    // A second render gets a fresh nonce.
    let (_, again, _) = send(&app, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_ne!(
        again.get(header::CONTENT_SECURITY_POLICY).unwrap(),
        policy.as_str()
    );
    for (path, request) in [
        (
            "/login",
            Request::get("/login").body(Body::empty()).unwrap(),
        ),
        (
            "/health",
            Request::get("/health").body(Body::empty()).unwrap(),
        ),
        (
            "/api/sign_in",
            post("/api/sign_in", "")
                .body(Body::from("email=a&password=b"))
                .unwrap(),
        ),
    ] {
        let (_, headers, _) = send(&app, request).await;
        assert_eq!(
            headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            headers.get(header::X_FRAME_OPTIONS).unwrap(),
            "DENY",
            "{path}"
        );
        assert!(headers.get(header::REFERRER_POLICY).is_some(), "{path}");
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
    let (_, headers, _) = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(
        headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
        "default-src 'none'; frame-ancestors 'none'"
    );
}

on_both_databases! {
    refusals_answer_with_their_own_status_and_a_readable_body => refusal_statuses;
    one_body_limit_applies_to_every_route_whether_or_not_the_length_is_declared => body_limit;
    a_page_number_past_any_list_is_clamped_not_overflowed => huge_page_numbers;
}

async fn refusal_statuses(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let helper = role_id(&db, "Help Desk Technician").await;
    insert_user(
        &db,
        technician("helper@example.com", vec![helper]),
        Some(PASSWORD),
    )
    .await;
    let app = app(db.clone());
    let call = |path: &str, body: &str, cookie: Option<&str>| {
        let mut request = post(path, body);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body.to_string())).unwrap()
    };
    let (status, _, text) = send(&app, call("/api/list_users", "filter[page]=0", None)).await;
    assert_eq!(
        (status, text.contains("Unauthenticated")),
        (StatusCode::UNAUTHORIZED, true),
        "{text}"
    );
    let helper_cookie = sign_in(&app, "helper@example.com", PASSWORD).await.unwrap();
    let (status, _, _) = send(
        &app,
        call("/api/list_users", "filter[page]=0", Some(&helper_cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let wrong = "email=boss@example.com&password=wrong+password+here";
    let (status, _, text) = send(&app, call("/api/sign_in", wrong, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let (status, _, _) = send(&app, call("/api/get_user", "id=999999", Some(&cookie))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A malformed body: 400, a plain message, never the deserialiser's words.
    let request = Request::post("/api/import_users")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie.clone())
        .body(Body::from(r#"{"request": {"kind": 12"#))
        .unwrap();
    let (status, _, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("The request could not be read"), "{text}");
    assert!(
        !text.contains("line 1") && !text.contains("expected"),
        "{text}"
    );
    // Validation failures are 422 with every field error.
    let body = serde_json::json!({"input": {
        "kind": "Technician", "first_name": "Ann", "last_name": "L3e", "email": "not-an-email",
        "phone": "", "organization_id": null, "role_ids": [], "settings": {"user_type": "Standard",
        "site": "HQ", "language": "en", "idle_warning_minutes": 60, "notify_by_email": true,
        "notify_by_sms": false, "mfa_method": "None"}}, "send_invitation": false});
    let request = Request::post("/api/create_user")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie.clone())
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let error: app::error::AppError = serde_json::from_str(&text).unwrap();
    assert!(error.field_errors().len() >= 2, "{text}");
}

async fn body_limit(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    let big = "x".repeat(1024 * 1024 + 1);
    // Declared length over the limit.
    let request = post("/api/emails_in_use", "")
        .header(header::COOKIE, cookie.clone())
        .body(Body::from(big.clone()))
        .unwrap();
    let (status, headers, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    let error: app::error::AppError = serde_json::from_str(&text).unwrap();
    assert_eq!(
        error.to_string(),
        "This request is larger than the limit of 1 MB."
    );
    assert!(headers.get("serverfnerror").is_some());
    // Chunked: no length declared, the stream runs past the limit.
    let chunks = futures_chunks(big);
    let request = Request::post("/api/emails_in_use")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie.clone())
        .body(chunks)
        .unwrap();
    let (status, _, text) = send(&app, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    // Between axum's old 2 MiB default and the limit is fine when the limit is larger.
    let app_3mb = {
        let mut config = test_config();
        config.max_body_bytes = 3 * 1024 * 1024;
        app_with(db.clone(), config)
    };
    let emails: Vec<String> = (0..5_000)
        .map(|i| {
            format!(
                "someone.with.a.long.address.{i:05}.{}@example.com",
                "z".repeat(400)
            )
        })
        .collect();
    let body = serde_json::json!({ "emails": emails }).to_string();
    assert!(body.len() > 2 * 1024 * 1024, "{}", body.len());
    let request = Request::post("/api/emails_in_use")
        .header(header::CONTENT_TYPE, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    let (status, _, text) = send(&app_3mb, request).await;
    assert_ne!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
}

/// A body sent in chunks, without a Content-Length.
fn futures_chunks(text: String) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    Body::from_stream(tokio_stream_iter(chunks))
}

fn tokio_stream_iter(
    items: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::iter(items)
}

async fn huge_page_numbers(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let cookie = sign_in(&app, "boss@example.com", PASSWORD).await.unwrap();
    for page in ["9223372036854775807", "-9223372036854775808"] {
        let body = format!("filter[page]={page}");
        let request = post("/api/list_users", &body)
            .header(header::COOKIE, cookie.clone())
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, _, text) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{page}: {text}");
        let request = Request::get(format!("/admin/invitations?page={page}"))
            .header(header::COOKIE, cookie.clone())
            .body(Body::empty())
            .unwrap();
        let (status, _, _) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
}

on_both_databases! {
    after_five_failures_sign_in_waits_a_growing_delay_for_known_and_unknown_emails_alike => throttled_sign_in;
    a_burst_of_sign_ins_is_answered_without_a_server_error => sign_in_burst;
}

async fn sign_in_status(
    app: &Router,
    email: &str,
    password: &str,
) -> (StatusCode, http::HeaderMap) {
    let body = format!("email={email}&password={}", password.replace(' ', "+"));
    let (status, headers, _) = send(
        app,
        post("/api/sign_in", &body)
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    (status, headers)
}

async fn throttled_sign_in(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    for email in ["boss@example.com", "nobody@example.com"] {
        for _ in 0..5 {
            let (status, _) = sign_in_status(&app, email, "wrong password here").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{email}");
        }
        // The sixth attempt waits, even with the right password, and says how long.
        let (status, headers) = sign_in_status(&app, email, PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = headers
            .get(header::RETRY_AFTER)
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
    }
    // Once the wait is over the right password works and clears the account's failures.
    sqlx::query("UPDATE sign_in_failures SET failed_at = failed_at - 60 * 14")
        .execute(db.pool())
        .await
        .unwrap();
    let (status, headers) = sign_in_status(&app, "boss@example.com", PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert!(headers.get(header::SET_COOKIE).is_some());
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sign_in_failures WHERE subject = 'account:boss@example.com'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(left, 0);
}

async fn sign_in_burst(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let app = app(db.clone());
    let attempts: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                sign_in_status(
                    &app,
                    &format!("stranger{i}@example.com"),
                    "wrong password here",
                )
                .await
                .0
            })
        })
        .collect();
    for attempt in attempts {
        let status = attempt.await.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
}

// The listener: the same router served over real TCP connections on loopback, with short
// limits so the timeouts show in well under a second.

mod listener {
    use super::*;
    use app::server::listener::{serve, ConnectionLimits};
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    struct Listening {
        addr: SocketAddr,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        server: tokio::task::JoinHandle<()>,
        test_db: TestDb,
    }

    impl Listening {
        async fn start(limits: ConnectionLimits) -> Listening {
            let test_db = TestDb::sqlite().await;
            let mut config = test_config();
            config.limits = limits;
            let app = app_with(test_db.db.clone(), config);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(serve(listener, app, limits, async {
                let _ = stopped.await;
            }));
            Listening {
                addr,
                stop: Some(stop),
                server,
                test_db,
            }
        }

        async fn connect(&self) -> TcpStream {
            TcpStream::connect(self.addr).await.unwrap()
        }

        async fn finish(mut self) {
            let _ = self.stop.take().unwrap().send(());
            tokio::time::timeout(Duration::from_secs(10), self.server)
                .await
                .expect("the server stops once asked")
                .unwrap();
            self.test_db.finish().await;
        }
    }

    fn limits(header_ms: u64, body_ms: u64, max_connections: usize) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_millis(header_ms),
            body_timeout: Duration::from_millis(body_ms),
            max_connections,
        }
    }

    const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    /// Reads until the server closes the connection (or `within` passes: None).
    async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
        let mut seen = Vec::new();
        let read = tokio::time::timeout(within, async {
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        read.ok()
            .map(|_| String::from_utf8_lossy(&seen).into_owned())
    }

    /// Reads one response to /health (its body is "ok").
    async fn health_response(stream: &mut TcpStream, within: Duration) -> Option<String> {
        let mut seen = Vec::new();
        tokio::time::timeout(within, async {
            let mut buf = [0u8; 4096];
            while !seen.ends_with(b"\r\n\r\nok") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await
        .ok()
        .map(|_| String::from_utf8_lossy(&seen).into_owned())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connection_that_sends_half_a_header_is_closed_after_the_header_timeout() {
        let server = Listening::start(limits(400, 10_000, 16)).await;
        let mut stream = server.connect().await;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        let started = Instant::now();
        let answer = until_closed(&mut stream, Duration::from_secs(5))
            .await
            .expect("closed within 5 s");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
            "closed after {waited:?}"
        );
        assert!(!answer.contains("200 OK"), "{answer}");
        server.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
        let server = Listening::start(limits(400, 10_000, 16)).await;
        let mut stream = server.connect().await;
        // Two requests on one connection: keep-alive works...
        for _ in 0..2 {
            stream.write_all(HEALTH).await.unwrap();
            let answer = health_response(&mut stream, Duration::from_secs(5))
                .await
                .expect("an answer");
            assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        }
        // ...and then the idle connection is closed.
        let started = Instant::now();
        until_closed(&mut stream, Duration::from_secs(5))
            .await
            .expect("the idle connection is closed within 5 s");
        assert!(started.elapsed() >= Duration::from_millis(300));
        server.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stalled_upload_is_answered_408_and_its_connection_closed() {
        let server = Listening::start(limits(10_000, 400, 16)).await;
        let mut stream = server.connect().await;
        stream
            .write_all(
                b"POST /api/sign_in HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\n\
                  Content-Length: 100\r\n\r\nemail=someone",
            )
            .await
            .unwrap();
        let started = Instant::now();
        let answer = until_closed(&mut stream, Duration::from_secs(5))
            .await
            .expect("answered and closed within 5 s");
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "a 408 after {:?}: {answer}",
            started.elapsed()
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let refusal: app::error::AppError = serde_json::from_str(body).expect("an AppError");
        assert_eq!(
            refusal.to_string(),
            "The upload stopped: nothing arrived for 1 s. Check the connection and try again."
        );
        server.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_connection_cap_a_new_connection_waits_until_one_closes() {
        let server = Listening::start(limits(10_000, 10_000, 2)).await;
        let first = server.connect().await;
        let mut second = server.connect().await;
        // Both slots are taken (the second answers, so it was accepted).
        second.write_all(HEALTH).await.unwrap();
        assert!(health_response(&mut second, Duration::from_secs(5))
            .await
            .is_some_and(|a| a.contains("200 OK")));
        let mut third = server.connect().await;
        third.write_all(HEALTH).await.unwrap();
        let early = health_response(&mut third, Duration::from_millis(700)).await;
        assert!(early.is_none(), "served past the cap: {early:?}");
        drop(first);
        let answer = health_response(&mut third, Duration::from_secs(5))
            .await
            .expect("served once a slot is free");
        assert!(answer.contains("200 OK"), "{answer}");
        server.finish().await;
    }
}

on_both_databases! {
    the_wasm_goes_out_precompressed_kept_by_its_hash_and_pages_compressed_on_the_fly => compressed_and_cached;
}

async fn compressed_and_cached(db: Db) {
    // A site folder as `cargo leptos build --release --precompress` leaves it.
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let site = std::env::temp_dir().join(format!("bulk-import-site-{unique}"));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("app.wasm"), vec![b'w'; 4096]).unwrap();
    std::fs::write(pkg.join("app.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("app.wasm.gz"), b"gzip bytes").unwrap();
    // A file named after the hash of its content (base64url of its MD5), as `hash-files`
    // names the build's files, and one whose name's hash is not its content's (cargo-leptos
    // patches the main JS and wasm after naming them).
    let hashed = "chunk_4.q_n2MKTCjaExuB6OXDzrNw.wasm";
    std::fs::write(pkg.join(hashed), vec![b'h'; 1024]).unwrap();
    std::fs::write(pkg.join(format!("{hashed}.br")), b"hashed brotli").unwrap();
    let patched = "bulk-import.1B2M2Y8AsgTpgAmY7PhCfg.wasm";
    std::fs::write(pkg.join(patched), vec![b'p'; 1024]).unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("bulk-import")
        .site_root(site.to_string_lossy().as_ref())
        .build();
    let app_db = db.clone();
    let app = router::build(AppState {
        leptos_options,
        db,
        config: Arc::new(test_config()),
    });
    let get = |path: &str, encoding: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        request.body(Body::empty()).unwrap()
    };
    let (status, headers, body) = send(&app, get("/pkg/app.wasm", Some("gzip, deflate, br"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, "brotli bytes");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(headers[header::VARY], "accept-encoding");
    // Named by its content: kept for a year, never asked for again.
    let (status, headers, body) = send(&app, get(&format!("/pkg/{hashed}"), Some("br"))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "hashed brotli"));
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // A file that is not there is not kept.
    let (status, headers, _) = send(
        &app,
        get("/pkg/bulk-import.AAAAAAAAAAAAAAAAAAAAAA.wasm", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let (_, headers, body) = send(&app, get("/pkg/app.wasm", Some("gzip"))).await;
    assert_eq!(
        (
            headers[header::CONTENT_ENCODING].to_str().unwrap(),
            body.as_str()
        ),
        ("gzip", "gzip bytes")
    );
    let (_, headers, body) = send(&app, get("/pkg/app.wasm", None)).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body.len(), 4096);
    // A second visit revalidates and downloads nothing.
    let modified = headers[header::LAST_MODIFIED].clone();
    let request = Request::get("/pkg/app.wasm")
        .header(header::IF_MODIFIED_SINCE, modified)
        .header(header::ACCEPT_ENCODING, "br")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&app, request).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
    // The numbering plans for the browser's phone checks: named by their hash, kept for good,
    // compressed on the way out, and what the server itself judges numbers by.
    let path = app::rules::PHONE_PLANS_PATH;
    assert!(
        path.starts_with("/assets/phone-plans.") && path.ends_with(".json"),
        "{path}"
    );
    let response = app.clone().oneshot(get(path, Some("br"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, headers, body) = send(&app, get(path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(body, app::rules::PHONE_PLANS_JSON);
    let plans: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        plans["1"][0]["types"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "+1 has a plan"
    );
    // The name is the content's hash (what makes `immutable` true).
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(body.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(path, format!("/assets/phone-plans.{hash}.json"));
    // Pages are compressed as they go out.
    let response = app
        .clone()
        .oneshot(get("/login", Some("gzip")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    // A newer build without compressed copies: the stale copies are no longer sent.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(pkg.join("app.wasm"), vec![b'n'; 2048]).unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("bulk-import")
        .site_root(site.to_string_lossy().as_ref())
        .build();
    let rebuilt = router::build(AppState {
        leptos_options,
        db: app_db,
        config: Arc::new(test_config()),
    });
    let (_, _, body) = send(&rebuilt, get("/pkg/app.wasm", Some("br"))).await;
    assert_ne!(body, "brotli bytes", "the stale compressed copy was sent");
    let (_, _, body) = send(&rebuilt, get("/pkg/app.wasm", None)).await;
    assert_eq!(body, "n".repeat(2048));
    let _ = std::fs::remove_dir_all(&site);
}

on_both_databases! {
    an_email_code_user_gets_no_session_until_the_emailed_code_is_right => email_code_sign_in;
    an_emailed_code_takes_five_wrong_tries_expires_works_once_and_can_be_sent_again => email_code_limits;
}

/// A technician admin whose sign-in security is Email code.
async fn email_code_admin(db: &Db) {
    admin(db, "boss@example.com", PASSWORD).await;
    sqlx::query("UPDATE users SET mfa_method = 'email' WHERE email_key = 'boss@example.com'")
        .execute(db.pool())
        .await
        .unwrap();
}

/// Signs in with the password: the challenge cookie (no session) and where it sends the
/// browser.
async fn first_step(app: &Router) -> (String, String) {
    let body = format!(
        "email=boss@example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (status, headers, _) = send(
        app,
        post("/api/sign_in", &body)
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let cookies: Vec<&str> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("sign_in_challenge="), "{cookies:?}");
    assert!(cookies[0].contains("HttpOnly"), "{cookies:?}");
    let location = headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (cookies[0].split(';').next().unwrap().to_string(), location)
}

/// The code in the latest sign-in email.
async fn latest_code(db: &Db) -> String {
    let subject: String =
        sqlx::query_scalar("SELECT subject FROM email_outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(db.pool())
            .await
            .unwrap();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{subject}");
    code
}

async fn enter_code(
    app: &Router,
    cookie: &str,
    code: &str,
) -> (StatusCode, http::HeaderMap, String) {
    let body = format!("code={code}&next=%2Fadmin%2Forganizations");
    send(
        app,
        post("/api/verify_sign_in_code", &body)
            .header(header::COOKIE, cookie)
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await
}

async fn email_code_sign_in(db: Db) {
    email_code_admin(&db).await;
    let app = app(db.clone());
    let (challenge, location) = first_step(&app).await;
    assert_eq!(location, "/login/code?next=%2Fadmin%2Fusers");
    assert_eq!(count(&db, "sessions").await, 0);
    // The half-way state reaches no page and no server function.
    let (status, headers, _) = send(
        &app,
        Request::get("/admin/users")
            .header(header::COOKIE, &challenge)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let code = latest_code(&db).await;
    let to: String =
        sqlx::query_scalar("SELECT to_address FROM email_outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(to, "boss@example.com");
    // Only the hash is kept.
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_challenges WHERE code_hash LIKE $1")
            .bind(format!("%{code}%"))
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(stored, 0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, headers, text) = enter_code(&app, &challenge, wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert_eq!(count(&db, "sessions").await, 0);
    // Spaces are forgiven ("123 456" as some mail apps show it).
    let spaced = format!("{}+{}", &code[..3], &code[3..]);
    let (status, headers, text) = enter_code(&app, &challenge, &spaced).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {text}"
    );
    let cookies: Vec<&str> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("session=")),
        "{cookies:?}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("sign_in_challenge=;")),
        "{cookies:?}"
    );
    assert_eq!(headers[header::LOCATION], "/admin/organizations");
    assert_eq!(count(&db, "sessions").await, 1);
    // Spent: the same code again is refused.
    let (status, _, text) = enter_code(&app, &challenge, &code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert_eq!(count(&db, "sessions").await, 1);
}

async fn email_code_limits(db: Db) {
    email_code_admin(&db).await;
    let app = app(db.clone());
    let (challenge, _) = first_step(&app).await;
    let code = latest_code(&db).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in 1..=5 {
        let (status, _, text) = enter_code(&app, &challenge, wrong).await;
        let expected = if attempt < 5 {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::CONFLICT
        };
        assert_eq!(status, expected, "attempt {attempt}: {text}");
    }
    // The wrong codes counted toward the account's throttle: signing in again waits, and so
    // does another code.
    let body = format!(
        "email=boss@example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (status, _, _) = send(
        &app,
        post("/api/sign_in", &body)
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        enter_code(&app, &challenge, &code).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    sqlx::query("DELETE FROM sign_in_failures")
        .execute(db.pool())
        .await
        .unwrap();
    // The fifth wrong code spent the challenge: the right one no longer works.
    let (status, _, text) = enter_code(&app, &challenge, &code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert_eq!(count(&db, "sessions").await, 0);

    // Signing in again within a minute of the last code keeps that code: no second email.
    sqlx::query("DELETE FROM sign_in_challenges")
        .execute(db.pool())
        .await
        .unwrap();
    let emails = count(&db, "email_outbox").await;
    let (_, _) = first_step(&app).await;
    let code = latest_code(&db).await;
    let (again, _) = first_step(&app).await;
    assert_eq!(count(&db, "email_outbox").await, emails + 1);
    let (status, _, text) = enter_code(&app, &again, &code).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {text}"
    );
    sqlx::query("DELETE FROM sessions")
        .execute(db.pool())
        .await
        .unwrap();

    // Past its 5 minutes a challenge is refused.
    let (challenge, _) = first_step(&app).await;
    let code = latest_code(&db).await;
    sqlx::query("UPDATE sign_in_challenges SET expires_at = expires_at - 301")
        .execute(db.pool())
        .await
        .unwrap();
    let (status, _, text) = enter_code(&app, &challenge, &code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");

    // A new code: not within a minute of the last, then it replaces it.
    let (challenge, _) = first_step(&app).await;
    let first = latest_code(&db).await;
    let resend = || {
        send(
            &app,
            post("/api/resend_sign_in_code", "")
                .header(header::COOKIE, &challenge)
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(resend().await.0, StatusCode::TOO_MANY_REQUESTS);
    sqlx::query("UPDATE sign_in_challenges SET code_sent_at = code_sent_at - 61")
        .execute(db.pool())
        .await
        .unwrap();
    let (status, _, text) = resend().await;
    assert!(status.is_success(), "{status} {text}");
    let second = latest_code(&db).await;
    if first != second {
        let (status, _, _) = enter_code(&app, &challenge, &first).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _, text) = enter_code(&app, &challenge, &second).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {text}"
    );
    assert_eq!(count(&db, "sessions").await, 1);
}

on_both_databases! {
    my_profile_is_for_anyone_signed_in_and_a_technician_who_is_not_an_admin_lands_there => profile_landing;
    a_user_who_must_set_up_an_authenticator_lands_on_my_profile_after_the_emailed_code => authenticator_setup_landing;
}

/// The session cookie and where signing in sends the browser.
async fn sign_in_to(app: &Router, email: &str) -> (String, String) {
    let headers = sign_in_headers(app, email, PASSWORD).await;
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    let location = headers.get(header::LOCATION).unwrap().to_str().unwrap();
    (
        cookie.split(';').next().unwrap().to_string(),
        location.to_string(),
    )
}

async fn profile_landing(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    let helper = role_id(&db, "Help Desk Technician").await;
    insert_user(
        &db,
        technician("helper@example.com", vec![helper]),
        Some(PASSWORD),
    )
    .await;
    let app = app(db.clone());
    let (status, headers, _) =
        send(&app, Request::get("/profile").body(Body::empty()).unwrap()).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/login?next=/profile"
    );

    let (helper_cookie, location) = sign_in_to(&app, "helper@example.com").await;
    assert_eq!(location, "/profile");
    let (admin_cookie, location) = sign_in_to(&app, "boss@example.com").await;
    assert_eq!(location, "/admin/users");
    for cookie in [helper_cookie.clone(), admin_cookie] {
        let request = Request::get("/profile")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let (status, _, html) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("My profile") && html.contains("Firefox on Linux"),
            "{html}"
        );
    }
    // The profile's server functions serve a non-admin; the admin ones still do not.
    let call = |path: &'static str, cookie: String| {
        let app = app.clone();
        async move {
            let body = "filter[page]=0";
            let request = post(path, body)
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap();
            send(&app, request).await.0
        }
    };
    assert_eq!(
        call("/api/read_profile", helper_cookie.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        call("/api/list_users", helper_cookie).await,
        StatusCode::FORBIDDEN
    );
}

async fn authenticator_setup_landing(db: Db) {
    admin(&db, "boss@example.com", PASSWORD).await;
    sqlx::query(
        "UPDATE users SET mfa_method = 'authenticator' WHERE email_key = 'boss@example.com'",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let app = app(db.clone());
    let (challenge, location) = first_step(&app).await;
    assert_eq!(location, "/login/code?next=%2Fadmin%2Fusers");
    // Without an authenticator yet, the code was emailed.
    let code = latest_code(&db).await;
    let (_, headers, _) = enter_code(&app, &challenge, &code).await;
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/profile");
}
