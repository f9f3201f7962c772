//! The REST API through the real router, with a runner taking the jobs: API tokens (made,
//! revoked, expired, of an admin who is no longer one), `POST /ws/appuser/bulk-import` as CSV
//! and as JSON, its refusals with their statuses and one JSON error shape, idempotency, and
//! `GET /ws/imports/{id}`. Runs on SQLite and, when configured, PostgreSQL.

mod support;

use app::server::imports::runner;
use app::server::{api_tokens, clock, router, AppState, Config, Db};
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tower::ServiceExt;

const BASE: &str = "http://app.example";
const IMPORT: &str = "/ws/appuser/bulk-import";

on_both_databases! {
    a_token_imports_a_csv_file_and_its_job_shows_in_the_history_with_the_tokens_name => csv_import;
    the_json_form_imports_the_same_users_with_their_roles => json_import;
    rows_with_problems_fail_the_import_with_every_rows_problems_or_are_skipped => rows_with_problems;
    unknown_revoked_expired_and_demoted_tokens_and_cookies_are_refused => token_refusals;
    wrong_content_types_options_and_sizes_are_refused_in_one_json_shape => request_refusals;
    one_idempotency_key_imports_once_and_refuses_a_different_body => idempotency;
    a_large_or_unwaited_import_is_accepted_with_the_url_to_follow => accepted_then_followed;
    a_token_past_its_requests_a_minute_waits_with_retry_after => rate_limited;
    an_import_larger_than_the_routes_body_limit_is_read_within_the_imports_own_limit => large_body;
    the_user_list_finds_by_exact_email_and_status_and_resend_answers_as_the_dashboard_does => users_and_resend;
}

fn app(db: Db, max_upload_bytes: usize) -> Router {
    app_with(db, max_upload_bytes, 60)
}

fn app_with(db: Db, max_upload_bytes: usize, api_requests_per_minute: u32) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("bulk-import")
        .site_root("target/site")
        .build();
    router::build(AppState {
        leptos_options,
        db,
        config: Arc::new(Config {
            database_url: String::new(),
            bind_addr: None,
            public_base_url: BASE.into(),
            max_body_bytes: 64 * 1024,
            smtp: None,
            mail_poll_seconds: 1,
            limits: Default::default(),
            import_jobs: app::server::config::ImportJobSettings {
                max_upload_bytes,
                ..Default::default()
            },
            api_requests_per_minute,
        }),
    })
}

fn settings() -> runner::RunnerSettings {
    runner::RunnerSettings {
        at_once: 1,
        poll: Duration::from_millis(20),
        stale_after: Duration::from_secs(30),
        upload_retention: Duration::from_secs(7 * 24 * 3600),
        public_base_url: BASE.into(),
    }
}

/// An admin and a token of theirs.
async fn token(db: &Db) -> (i64, String) {
    let admin = admin(db, "boss@example.com", "a long enough password").await;
    let made = api_tokens::create(db, admin, "Nightly HR sync", None, clock::now())
        .await
        .unwrap();
    (admin, made.secret)
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<Body>,
    extra: &[(&str, &str)],
) -> (StatusCode, http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(&bytes) }));
    (status, headers, json)
}

fn csv(rows: usize, domain: &str) -> String {
    let mut text = String::from("First name,Last name,Email,Phone\n");
    for i in 0..rows {
        text.push_str(&format!(
            "Ann,Person,ann{i}@{domain},'+1 888 667 {:04}\n",
            1000 + i
        ));
    }
    text
}

async fn users_at(db: &Db, domain: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key LIKE $1")
        .bind(format!("%@{domain}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn csv_import(db: Db) {
    let (_, secret) = token(&db).await;
    let acme = organization(&db, "Acme").await;
    let app = app(db.clone(), 1024 * 1024);
    let running = runner::spawn(db.clone(), settings());
    let path = format!("{IMPORT}?kind=endUser&organizationId={acme}&sendInvitations=false");
    let (status, _, body) = call(
        &app,
        "POST",
        &path,
        Some(&secret),
        Some("text/csv"),
        csv(25, "csv.example"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "completed");
    assert_eq!(
        (body["created"].as_i64(), body["totalRows"].as_i64()),
        (Some(25), Some(25))
    );
    assert_eq!(users_at(&db, "csv.example").await, 25);
    // The same job, followed by its URL; and in the history, by the token's name.
    let url = body["url"].as_str().unwrap().to_string();
    let (status, _, followed) =
        call(&app, "GET", &url, Some(&secret), None, Body::empty(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(followed["created"], 25);
    let history = app::server::imports::history::history(db.pool())
        .await
        .unwrap();
    assert_eq!(history[0].source, "API token “Nightly HR sync”");
    // The phone written as Excel users type it was read as the modal reads it.
    let phone: Option<String> =
        sqlx::query_scalar("SELECT phone FROM users WHERE email_key = 'ann0@csv.example'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(phone.as_deref(), Some("+18886671000"));
    // Tab-separated text is read the same way.
    let tsv = csv(3, "tsv.example").replace(',', "\t");
    let (status, _, body) = call(
        &app,
        "POST",
        &path,
        Some(&secret),
        Some("text/tab-separated-values"),
        tsv,
        &[],
    )
    .await;
    assert_eq!(
        (status, body["created"].as_i64()),
        (StatusCode::OK, Some(3)),
        "{body}"
    );
    running.stop().await;
}

async fn json_import(db: Db) {
    let (_, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let running = runner::spawn(db.clone(), settings());
    let request = json!({
        "kind": "technician",
        "sendInvitations": false,
        "users": [
            {"firstName": "Tia", "lastName": "Tech", "email": "tia@json.example", "roles": ["Help Desk Technician", "Help Desk Manager"]},
            {"firstName": "Tom", "lastName": "Tech", "email": "tom@json.example", "phone": "+44 20 7946 0958", "externalId": "E-2"}
        ]
    });
    let (status, _, body) = call(
        &app,
        "POST",
        IMPORT,
        Some(&secret),
        Some("application/json"),
        request.to_string(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 2);
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id \
         WHERE u.email_key = 'tia@json.example' ORDER BY r.name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(roles, ["Help Desk Manager", "Help Desk Technician"]);
    // A field the API does not know is refused, not ignored.
    let unknown =
        json!({"kind": "technician", "users": [{"email": "x@json.example", "nickname": "X"}]});
    let (status, _, body) = call(
        &app,
        "POST",
        IMPORT,
        Some(&secret),
        Some("application/json"),
        unknown.to_string(),
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    running.stop().await;
}

async fn rows_with_problems(db: Db) {
    let (_, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let running = runner::spawn(db.clone(), settings());
    let mut text = csv(3, "bad.example");
    text.push_str("Bo,Bad,not-an-email,\n");
    let path = "/ws/appuser/bulk-import?kind=technician&sendInvitations=false";
    let (status, _, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        text.clone(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    let problems = &body["error"]["details"]["problems"];
    assert_eq!(problems.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(problems[0]["row"], 5);
    assert_eq!(problems[0]["problems"][0]["field"], "Email");
    assert!(!problems[0]["problems"][0]["message"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(users_at(&db, "bad.example").await, 0, "all or nothing");
    let (status, _, body) = call(
        &app,
        "POST",
        &format!("{path}&invalidRows=skip"),
        Some(&secret),
        Some("text/csv"),
        text,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The invalid row is left out (counted as failed, as the modal's result counts it) and the
    // rest are imported.
    assert_eq!(
        (body["created"].as_i64(), body["failed"].as_i64()),
        (Some(3), Some(1)),
        "{body}"
    );
    assert_eq!(body["problems"].as_array().unwrap().len(), 1);
    assert_eq!(body["problems"][0]["row"], 5);
    assert_eq!(users_at(&db, "bad.example").await, 3);
    running.stop().await;
}

async fn token_refusals(db: Db) {
    let (admin, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let path = "/ws/imports/1";
    let refused = |status: StatusCode, body: &Value, code: &str| {
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        status
    };
    let (status, headers, body) = call(&app, "GET", path, None, None, Body::empty(), &[]).await;
    assert_eq!(
        refused(status, &body, "unauthenticated"),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let (status, _, body) = call(
        &app,
        "GET",
        path,
        Some("bit_not-a-real-token"),
        None,
        Body::empty(),
        &[],
    )
    .await;
    assert_eq!(
        refused(status, &body, "unauthenticated"),
        StatusCode::UNAUTHORIZED
    );
    // A session cookie is not a token here.
    let (status, _, _) = call(
        &app,
        "GET",
        path,
        None,
        None,
        Body::empty(),
        &[("cookie", "session=anything")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The token works (the job is not there: 404) until it is revoked; then at once it does not.
    let (status, _, body) = call(&app, "GET", path, Some(&secret), None, Body::empty(), &[]).await;
    assert_eq!(refused(status, &body, "not_found"), StatusCode::NOT_FOUND);
    // Its use is recorded in the background, without holding the request.
    let mut listed = api_tokens::list(&db).await.unwrap();
    for _ in 0..100 {
        if listed[0].last_used_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        listed = api_tokens::list(&db).await.unwrap();
    }
    assert!(listed[0].last_used_at.is_some());
    api_tokens::revoke(&db, listed[0].id, clock::now())
        .await
        .unwrap();
    let (status, _, _) = call(&app, "GET", path, Some(&secret), None, Body::empty(), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // An expired token.
    let old = api_tokens::create(&db, admin, "Old", Some(1), clock::now() - 2 * 24 * 3600)
        .await
        .unwrap();
    let (status, _, _) = call(
        &app,
        "GET",
        path,
        Some(&old.secret),
        None,
        Body::empty(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A token of an admin who is no longer one.
    let current = api_tokens::create(&db, admin, "Current", Some(30), clock::now())
        .await
        .unwrap();
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(admin)
        .execute(db.pool())
        .await
        .unwrap();
    let (status, _, body) = call(
        &app,
        "GET",
        path,
        Some(&current.secret),
        None,
        Body::empty(),
        &[],
    )
    .await;
    assert_eq!(refused(status, &body, "forbidden"), StatusCode::FORBIDDEN);
}

async fn request_refusals(db: Db) {
    let (_, secret) = token(&db).await;
    let acme = organization(&db, "Acme").await;
    let app = app(db.clone(), 2_000);
    let path = format!("{IMPORT}?kind=endUser&organizationId={acme}");
    let (status, _, body) = call(
        &app,
        "POST",
        &path,
        Some(&secret),
        Some("application/xml"),
        "<users/>",
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        )
    );
    let (status, _, body) = call(
        &app,
        "POST",
        &format!("{IMPORT}?kind=robot"),
        Some(&secret),
        Some("text/csv"),
        csv(1, "x.example"),
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (status, _, body) = call(
        &app,
        "POST",
        &format!("{IMPORT}?kind=endUser&colour=red"),
        Some(&secret),
        Some("text/csv"),
        csv(1, "x.example"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // End users need their organization.
    let (status, _, body) = call(
        &app,
        "POST",
        &format!("{IMPORT}?kind=endUser"),
        Some(&secret),
        Some("text/csv"),
        csv(1, "x.example"),
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    // Over the import's limit (2,000 bytes here), with the limit said.
    let (status, _, body) = call(
        &app,
        "POST",
        &path,
        Some(&secret),
        Some("text/csv"),
        csv(100, "x.example"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["details"]["limitBytes"], 2_000);
    // An empty file cannot be imported at all.
    let (status, _, body) = call(
        &app,
        "POST",
        &path,
        Some(&secret),
        Some("text/csv"),
        "",
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable_source")),
        "{body}"
    );
    assert_eq!(users_at(&db, "x.example").await, 0);
    assert_eq!(count(&db, "import_jobs").await, 0);
}

async fn idempotency(db: Db) {
    let (_, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let running = runner::spawn(db.clone(), settings());
    let path = "/ws/appuser/bulk-import?kind=technician&sendInvitations=false";
    let key = [("idempotency-key", "nightly-2026-11-30")];
    let (status, _, first) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        csv(4, "once.example"),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, _, again) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        csv(4, "once.example"),
        &key,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(first["id"], again["id"]);
    assert_eq!(users_at(&db, "once.example").await, 4);
    assert_eq!(count(&db, "import_jobs").await, 1);
    let (status, _, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        csv(5, "once.example"),
        &key,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
    // The same file with other options is another request too.
    let (status, _, body) = call(
        &app,
        "POST",
        &format!("{path}&mode=createAndUpdate"),
        Some(&secret),
        Some("text/csv"),
        csv(4, "once.example"),
        &key,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
    running.stop().await;
}

async fn accepted_then_followed(db: Db) {
    let (_, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let path = "/ws/appuser/bulk-import?kind=technician&sendInvitations=false&wait=false";
    let (status, headers, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        csv(6, "later.example"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued");
    let url = headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(url, body["url"].as_str().unwrap());
    let running = runner::spawn(db.clone(), settings());
    let mut followed = Value::Null;
    for _ in 0..200 {
        followed = call(&app, "GET", &url, Some(&secret), None, Body::empty(), &[])
            .await
            .2;
        if followed["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    assert_eq!(
        (followed["status"].as_str(), followed["created"].as_i64()),
        (Some("completed"), Some(6)),
        "{followed}"
    );
    assert_eq!(followed["problemsTruncated"], false);
    // Every row's outcome, paged, at the job's rows URL; filtered by outcome.
    let rows_url = followed["rowsUrl"].as_str().unwrap().to_string();
    assert_eq!(rows_url, format!("{url}/rows"));
    let get = |path: String| {
        let app = app.clone();
        let secret = secret.clone();
        async move { call(&app, "GET", &path, Some(&secret), None, Body::empty(), &[]).await }
    };
    let (status, _, rows) = get(rows_url.clone()).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(
        (rows["total"].as_i64(), rows["page"].as_i64()),
        (Some(6), Some(0))
    );
    let lines: Vec<i64> = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    assert_eq!(rows["rows"][0]["outcome"], "created");
    assert!(rows["rows"][0]["userId"].as_i64().is_some(), "{rows}");
    let (_, _, failed) = get(format!("{rows_url}?outcome=failed")).await;
    assert_eq!(
        (
            failed["total"].as_i64(),
            failed["rows"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let (_, _, beyond) = get(format!("{rows_url}?page=1")).await;
    assert_eq!(
        (
            beyond["total"].as_i64(),
            beyond["rows"].as_array().map(Vec::len)
        ),
        (Some(6), Some(0))
    );
    let (status, _, body) = get(format!("{rows_url}?outcome=lost")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    assert_eq!(
        get("/ws/imports/999999/rows".into()).await.0,
        StatusCode::NOT_FOUND
    );
    // The OpenAPI document needs no token.
    let (status, _, document) = call(
        &app,
        "GET",
        "/ws/openapi.json",
        None,
        None,
        Body::empty(),
        &[],
    )
    .await;
    assert_eq!(
        (status, document["openapi"].as_str()),
        (StatusCode::OK, Some("3.1.0"))
    );
}

async fn rate_limited(db: Db) {
    let (_, secret) = token(&db).await;
    let app = app_with(db.clone(), 1024 * 1024, 3);
    for _ in 0..3 {
        let (status, _, _) = call(
            &app,
            "GET",
            "/ws/imports/1",
            Some(&secret),
            None,
            Body::empty(),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, headers, body) = call(
        &app,
        "GET",
        "/ws/imports/1",
        Some(&secret),
        None,
        Body::empty(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    let wait: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
}

async fn users_and_resend(db: Db) {
    let (boss, secret) = token(&db).await;
    let app = app(db.clone(), 1024 * 1024);
    let pat = insert_user(&db, technician("pat@list.example", vec![]), None).await;
    insert_user(&db, technician("pat@list.example.org", vec![]), None).await;
    let get = |path: String| {
        let app = app.clone();
        let secret = secret.clone();
        async move { call(&app, "GET", &path, Some(&secret), None, Body::empty(), &[]).await }
    };
    // Exactly that address, in any case; a search would find both.
    let (status, _, body) = get("/ws/appuser?email=PAT@list.example".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(body["users"][0]["id"], pat);
    assert_eq!(body["users"][0]["invitationStatus"], "notInvited");
    assert_eq!(body["users"][0]["kind"], "technician");
    assert_eq!(
        get("/ws/appuser?search=pat@list".into()).await.2["total"],
        2
    );
    // A search holding a NUL or another control character matches no one (no stored name or
    // email holds one); it used to reach the database, which refused it with a 500.
    for search in ["%00", "pat%00", "%C2%A2%00%C3%9F%02w", "pat%09list"] {
        let (status, _, body) = get(format!("/ws/appuser?search={search}")).await;
        assert_eq!(
            (status, body["total"].as_i64()),
            (StatusCode::OK, Some(0)),
            "{search}"
        );
    }
    assert_eq!(
        get("/ws/appuser?status=notInvited".into()).await.2["total"],
        2
    );
    assert_eq!(
        get("/ws/appuser?status=registered".into()).await.2["users"][0]["id"],
        boss
    );
    let (status, _, body) = get("/ws/appuser?status=lost".into()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );

    let resend = |id: i64| {
        let app = app.clone();
        let secret = secret.clone();
        async move {
            call(
                &app,
                "POST",
                &format!("/ws/appuser/{id}/invitation"),
                Some(&secret),
                None,
                Body::empty(),
                &[],
            )
            .await
        }
    };
    let (status, _, body) = resend(pat).await;
    assert_eq!(
        (status, body["sent"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    assert_eq!(
        get("/ws/appuser?email=pat@list.example".into()).await.2["users"][0]["invitationStatus"],
        "pending"
    );
    let (status, headers, body) = resend(pat).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert_eq!(headers[header::RETRY_AFTER], "60");
    let (status, _, body) = resend(boss).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
    assert_eq!(resend(999_999).await.0, StatusCode::NOT_FOUND);
}

async fn large_body(db: Db) {
    let (_, secret) = token(&db).await;
    // Other routes take 64 KiB here; an import's own limit is 1 MiB.
    let app = app(db.clone(), 1024 * 1024);
    let running = runner::spawn(db.clone(), settings());
    let text = csv(2_000, "big.example");
    assert!(text.len() > 64 * 1024);
    let path = "/ws/appuser/bulk-import?kind=technician&sendInvitations=false";
    let (status, _, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("text/csv"),
        text,
        &[],
    )
    .await;
    assert_eq!(
        (status, body["created"].as_i64()),
        (StatusCode::OK, Some(2_000)),
        "{body}"
    );
    // A JSON body's options may come in the query string too, but not twice differently.
    let json = json!({"kind": "endUser", "users": []}).to_string();
    let (status, _, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("application/json"),
        json,
        &[],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request")),
        "{body}"
    );
    let json = json!({"kind": "technician", "users": [
        {"firstName": "Quinn", "lastName": "Query", "email": "quinn@query.example"}
    ]})
    .to_string();
    let (status, _, body) = call(
        &app,
        "POST",
        path,
        Some(&secret),
        Some("application/json"),
        json,
        &[],
    )
    .await;
    assert_eq!(
        (status, body["created"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    running.stop().await;
}
