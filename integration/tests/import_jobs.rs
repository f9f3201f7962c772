//! Imports as jobs, against real databases: the modal's multipart upload through the real
//! router, the queue (claimed once, cancelled, interrupted, run again), and the job's one
//! transaction — all or nothing.

mod support;

use app::import::edits::{diff, CellWrite, TableEdits};
use app::import::{
    read_source, ImportLimits, ImportOptions, ImportSource, ImportUpload, InvalidRows, JobStatus,
    MappingChoice, GZIPPED_SOURCE_NAME, UPLOAD_PATH,
};
use app::model::UserKind;
use app::server::imports::{self, queue, runner};
use app::server::{router, sessions, AppState, Config, Db};
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tower::ServiceExt;

const NOW: i64 = 1_700_000_000;
const BASE: &str = "http://app.example";

on_both_databases! {
    a_pasted_source_with_the_admins_fixes_is_uploaded_queued_run_and_committed_as_the_preview_showed => uploaded_paste_is_imported;
    an_upload_with_edits_pointing_outside_its_source_fails_with_a_message_and_writes_nothing => edits_outside_refused;
    an_upload_sent_twice_with_one_key_queues_one_job => upload_idempotent;
    an_upload_over_the_limit_or_without_an_admin_is_refused_with_its_status => upload_refusals;
    a_gzipped_source_is_inflated_within_the_limit_and_imported_and_bad_gzip_is_refused => gzipped_upload;
    a_queued_job_is_claimed_by_exactly_one_of_two_runners => claimed_once;
    a_cancelled_job_queued_or_running_writes_nothing => cancelled_jobs;
    a_cancel_during_the_write_rolls_everything_back => cancel_during_write;
    a_job_whose_server_stopped_is_interrupted_and_run_again_completes_it => interrupted_then_run_again;
    the_runner_claims_and_finishes_a_queued_job_and_emails_the_admin => runner_loop;
    a_job_naming_emails_already_in_use_reads_its_source_again_with_the_edits_and_skips_exactly_those_rows => taken_emails_read_again;
    an_imports_reports_download_every_row_a_part_at_a_time_and_its_page_lists_only_the_first_problems => reports_download;
    a_nul_or_other_control_character_from_a_client_fails_its_cell_or_is_refused_never_a_server_error => control_characters;
}

fn config(max_upload_bytes: usize) -> Config {
    Config {
        database_url: String::new(),
        bind_addr: None,
        public_base_url: BASE.into(),
        max_body_bytes: 1024 * 1024,
        smtp: None,
        mail_poll_seconds: 1,
        limits: Default::default(),
        import_jobs: app::server::config::ImportJobSettings {
            max_upload_bytes,
            ..Default::default()
        },
        api_requests_per_minute: 60,
    }
}

fn app(db: Db, max_upload_bytes: usize) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("bulk-import")
        .site_root("target/site")
        .build();
    router::build(AppState {
        leptos_options,
        db,
        config: Arc::new(config(max_upload_bytes)),
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

fn paste(rows: usize, domain: &str) -> String {
    let mut text = String::from("First Name\tLast Name\tEmail\tPhone\tRoles\n");
    for i in 0..rows {
        text.push_str(&format!(
            "Ann\tLee\tann{i}@{domain}\t'+1 888 667 8888\tRequester\n"
        ));
    }
    text
}

fn upload_of(text: &str, org: i64, key: &str, edits: TableEdits) -> ImportUpload {
    let rows = read_source(ImportSource::Pasted(text), &ImportLimits::default())
        .table
        .rows
        .len();
    ImportUpload {
        kind: UserKind::EndUser,
        organization_id: Some(org),
        source_name: "Pasted text".into(),
        pasted: true,
        sheet: None,
        source_rows: rows as u32,
        edits,
        mapping: MappingChoice::default(),
        options: ImportOptions {
            invalid_rows: InvalidRows::SkipInvalid,
            ..ImportOptions::default()
        },
        idempotency_key: key.into(),
    }
}

/// The multipart body the modal's XMLHttpRequest sends.
fn multipart(upload: &ImportUpload, source_file: &str, source: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----bulkimportboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    let part = |body: &mut Vec<u8>, name: &str, file: &str, bytes: &[u8]| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part(
        &mut body,
        "request",
        "request",
        &serde_json::to_vec(upload).unwrap(),
    );
    part(&mut body, "source", source_file, source);
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_upload(
    app: &Router,
    cookie: Option<&str>,
    upload: &ImportUpload,
    source: &[u8],
) -> (StatusCode, String) {
    post_upload_as(app, cookie, upload, "source", source).await
}

/// Posts the upload with the source part under `source_file` (the browser names a gzipped
/// source `source.gz`).
async fn post_upload_as(
    app: &Router,
    cookie: Option<&str>,
    upload: &ImportUpload,
    source_file: &str,
    source: &[u8],
) -> (StatusCode, String) {
    let (content_type, body) = multipart(upload, source_file, source);
    let mut request = Request::post(UPLOAD_PATH)
        .header(header::CONTENT_TYPE, content_type)
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("session={cookie}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A session for this user, started now; its token.
async fn session_for(db: &Db, user_id: i64) -> String {
    sessions::create(
        db.pool(),
        user_id,
        &Default::default(),
        app::server::clock::now(),
    )
    .await
    .unwrap()
}

/// An admin with a session, an organization; returns (admin id, session token, org id).
async fn setup(db: &Db) -> (i64, String, i64) {
    let admin_id = admin(db, "boss@example.com", "correct horse battery").await;
    let token = session_for(db, admin_id).await;
    let org = organization(db, "Acme").await;
    (admin_id, token, org)
}

async fn job_status(db: &Db, id: i64) -> (JobStatus, Option<String>) {
    let summary = imports::job_summary(db.pool(), id).await.unwrap().unwrap();
    (summary.status, summary.failure)
}

async fn users_at(db: &Db, domain: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key LIKE $1")
        .bind(format!("%@{domain}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn users_with_email(db: &Db, email_key: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key = $1")
        .bind(email_key)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// Claims the next job as a runner would and runs it to its end.
async fn run_next(db: &Db) -> i64 {
    let id = queue::claim(db, "test-runner", app::server::clock::now())
        .await
        .unwrap()
        .expect("a queued job");
    runner::run_job(db, id, "test-runner", &settings()).await;
    id
}

async fn uploaded_paste_is_imported(db: Db) {
    let (_, token, org) = setup(&db).await;
    let text = paste(3, "paste.example").replace("ann1@paste.example", "ann1@paste");
    let original = read_source(ImportSource::Pasted(&text), &ImportLimits::default()).table;
    let mut edited = original.clone();
    // The admin fixes the bad email in the preview, and gives everyone a second role.
    app::import::edit::set_cell(&mut edited, 2, 2, "ann1@paste.example".into());
    for row in 1..4 {
        app::import::edit::set_cell(&mut edited, row, 4, "Requester | Approver".into());
    }
    let upload = upload_of(&text, org, "k1", diff(&original, &edited));
    let app = app(db.clone(), 1024 * 1024);
    let (status, body) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let accepted: app::import::UploadAccepted = serde_json::from_str(&body).unwrap();
    assert_eq!(job_status(&db, accepted.job_id).await.0, JobStatus::Queued);
    assert_eq!(
        users_at(&db, "paste.example").await,
        0,
        "nothing before the job runs"
    );

    assert_eq!(run_next(&db).await, accepted.job_id);
    let summary = imports::job_summary(db.pool(), accepted.job_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        summary.status,
        JobStatus::Completed,
        "{:?}",
        summary.failure
    );
    assert_eq!((summary.created, summary.failed), (3, 0));
    assert_eq!(users_at(&db, "paste.example").await, 3);
    assert_eq!(
        users_with_email(&db, "ann1@paste.example").await,
        1,
        "the admin's fix is what was imported"
    );
    let approvers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = 'Approver'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(
        approvers, 3,
        "the roles the admin assigned came with the edits"
    );
    assert_eq!(count(&db, "invitations").await, 3);
    let note: String = sqlx::query_scalar(
        "SELECT subject FROM email_outbox WHERE to_address = 'boss@example.com'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(
        note,
        "Your import of 3 end users finished: 3 created, 0 updated, 0 skipped"
    );
    // A user added by hand meanwhile is invited at once, not behind the import's invitations.
    let added = insert_user(
        &db,
        end_user(
            "late.comer@elsewhere.example",
            org,
            vec![role_id(&db, "Requester").await],
        ),
        None,
    )
    .await;
    let mut tx = db.begin_write().await.unwrap();
    let actor = app::server::context::Actor {
        user_id: 1,
        display_name: "Boss",
    };
    app::server::invitations::issue(
        &mut tx,
        &actor.inviter(BASE, None),
        &[app::server::invitations::Invitee::named(
            added,
            "late.comer@elsewhere.example",
            "Late",
            "Comer",
        )],
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // The admin's email and the hand-made invitation go out before the invitations the import
    // queued, however many they are.
    let delivered = deliver_locally(&db, app::server::clock::now() + 60).await;
    assert_eq!(delivered.len(), 5);
    assert_eq!(delivered[0].0, "boss@example.com");
    assert_eq!(delivered[1].0, "late.comer@elsewhere.example");
    assert!(delivered[0]
        .1
        .contains(&format!("{BASE}/admin/imports/{}", accepted.job_id)));
}

async fn taken_emails_read_again(db: Db) {
    let (_, token, org) = setup(&db).await;
    let requester = role_id(&db, "Requester").await;
    insert_user(
        &db,
        end_user("ann2@taken.example", org, vec![requester]),
        None,
    )
    .await;
    let text = paste(4, "taken.example").replace("ann0@taken.example", "ann0@taken");
    let original = read_source(ImportSource::Pasted(&text), &ImportLimits::default()).table;
    let mut edited = original.clone();
    // The admin's fix must hold in the engine's second run, on the source read again.
    app::import::edit::set_cell(&mut edited, 1, 2, "ann0@taken.example".into());
    let upload = upload_of(&text, org, "taken", diff(&original, &edited));
    let app = app(db.clone(), 1024 * 1024);
    let (status, body) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let job = run_next(&db).await;
    let summary = imports::job_summary(db.pool(), job).await.unwrap().unwrap();
    assert_eq!(
        summary.status,
        JobStatus::Completed,
        "{:?}",
        summary.failure
    );
    assert_eq!(summary.created, 3);
    let result = imports::history::load_result(db.pool(), job, true)
        .await
        .unwrap();
    let skipped: Vec<_> = result
        .rows
        .iter()
        .filter(|row| !row.problems.is_empty())
        .map(|row| (row.email.as_str(), row.problems[0].code.clone()))
        .collect();
    assert_eq!(
        skipped,
        [(
            "ann2@taken.example",
            app::import::ImportIssueCode::Field(app::rules::IssueCode::EmailAlreadyUsed)
        )]
    );
    assert_eq!(
        users_with_email(&db, "ann0@taken.example").await,
        1,
        "the admin's fix was imported"
    );
}

async fn edits_outside_refused(db: Db) {
    let (_, token, org) = setup(&db).await;
    let text = paste(3, "outside.example");
    let edits = TableEdits {
        removed: Vec::new(),
        cells: vec![CellWrite {
            column: 0,
            value: "Mallory".into(),
            rows: vec![[2, 40]],
        }],
    };
    let app = app(db.clone(), 1024 * 1024);
    let (status, _) = post_upload(
        &app,
        Some(&token),
        &upload_of(&text, org, "k2", edits),
        text.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = run_next(&db).await;
    let (status, why) = job_status(&db, id).await;
    assert_eq!(status, JobStatus::Failed);
    assert!(why
        .unwrap()
        .contains("name row 40 but the source has 4 rows"));
    assert_eq!(users_at(&db, "outside.example").await, 0);

    // A source that does not read as the preview did is refused too.
    let mut lying = upload_of(&text, org, "k3", TableEdits::default());
    lying.source_rows = 500;
    post_upload(&app, Some(&token), &lying, text.as_bytes()).await;
    let id = run_next(&db).await;
    assert!(job_status(&db, id)
        .await
        .1
        .unwrap()
        .contains("does not match the preview"));
    assert_eq!(users_at(&db, "outside.example").await, 0);
}

async fn upload_idempotent(db: Db) {
    let (_, token, org) = setup(&db).await;
    let text = paste(2, "twice.example");
    let upload = upload_of(&text, org, "same-key", TableEdits::default());
    let app = app(db.clone(), 1024 * 1024);
    let (_, first) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    let (status, second) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(first, second);
    assert_eq!(count(&db, "import_jobs").await, 1);
    assert_eq!(count(&db, "import_uploads").await, 1);
}

async fn upload_refusals(db: Db) {
    let (_, token, org) = setup(&db).await;
    let text = paste(50, "limits.example");
    let upload = upload_of(&text, org, "k", TableEdits::default());
    let small = app(db.clone(), 1000);
    let (status, body) = post_upload(&small, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("1000"), "the answer names the limit: {body}");
    let (status, _) = post_upload(&small, None, &upload, b"x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = post_upload(&small, Some(&token), &upload, b"").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let request = Request::post(UPLOAD_PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, format!("session={token}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("{}"))
        .unwrap();
    let response = small.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(&db, "import_jobs").await, 1);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

async fn gzipped_upload(db: Db) {
    let (_, token, org) = setup(&db).await;
    let text = paste(500, "gzip.example");
    let gzipped = gzip(text.as_bytes());
    assert!(gzipped.len() * 5 < text.len(), "the paste compresses well");
    let upload = upload_of(&text, org, "gz", TableEdits::default());
    // The limit counts the source as the admin gave it, not as it travelled.
    let tight = app(db.clone(), text.len() - 1);
    let (status, body) =
        post_upload_as(&tight, Some(&token), &upload, GZIPPED_SOURCE_NAME, &gzipped).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (status, body) = post_upload_as(
        &tight,
        Some(&token),
        &upload,
        GZIPPED_SOURCE_NAME,
        b"not gzip",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("not valid gzip"), "{body}");
    // A bomb (8 MB of one letter, a few KB gzipped) stops at the limit as it inflates.
    let bomb = gzip(&vec![b'a'; 8 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    let (status, body) =
        post_upload_as(&tight, Some(&token), &upload, GZIPPED_SOURCE_NAME, &bomb).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(count(&db, "import_jobs").await, 0);
    let exact = app(db.clone(), text.len());
    let (status, body) =
        post_upload_as(&exact, Some(&token), &upload, GZIPPED_SOURCE_NAME, &gzipped).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = run_next(&db).await;
    assert_eq!(job_status(&db, id).await.0, JobStatus::Completed);
    assert_eq!(users_at(&db, "gzip.example").await, 500);
}

async fn claimed_once(db: Db) {
    let (admin_id, _, org) = setup(&db).await;
    for i in 0..10 {
        let text = paste(1, "claims.example");
        let upload = upload_of(&text, org, &format!("k{i}"), TableEdits::default());
        queue::enqueue(&db, &upload, text.into_bytes(), admin_id, NOW)
            .await
            .unwrap();
    }
    let claim_all = |name: &'static str| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                match queue::claim(&db, name, NOW).await {
                    Ok(Some(id)) => mine.push(id),
                    Ok(None) => return mine,
                    // SQLite: a writer busy past its timeout; try again.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        })
    };
    let (a, b) = (claim_all("a"), claim_all("b"));
    let (mut a, b) = (a.await.unwrap(), b.await.unwrap());
    let total = a.len() + b.len();
    a.extend(b);
    a.sort();
    a.dedup();
    assert_eq!((total, a.len()), (10, 10), "every job claimed, none twice");
}

async fn cancelled_jobs(db: Db) {
    let (admin_id, _, org) = setup(&db).await;
    let text = paste(20, "cancel.example");
    let queued = queue::enqueue(
        &db,
        &upload_of(&text, org, "q", TableEdits::default()),
        text.clone().into_bytes(),
        admin_id,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        queue::cancel(&db, queued, NOW).await.unwrap(),
        JobStatus::Cancelled
    );
    assert!(
        queue::claim(&db, "r", NOW).await.unwrap().is_none(),
        "a cancelled job is not run"
    );

    let running = queue::enqueue(
        &db,
        &upload_of(&text, org, "r", TableEdits::default()),
        text.into_bytes(),
        admin_id,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(queue::claim(&db, "r", NOW).await.unwrap(), Some(running));
    assert_eq!(
        queue::cancel(&db, running, NOW).await.unwrap(),
        JobStatus::Running
    );
    runner::run_job(&db, running, "r", &settings()).await;
    let (status, why) = job_status(&db, running).await;
    assert_eq!(status, JobStatus::Cancelled);
    assert!(why.unwrap().contains("Nothing was imported"));
    assert_eq!(users_at(&db, "cancel.example").await, 0);
}

async fn cancel_during_write(db: Db) {
    let (admin_id, _, org) = setup(&db).await;
    // Over 5,000 rows into a near-empty database: on SQLite the write drops the indexes of
    // the tables it fills, to build them after its rows; the rollback must bring them back.
    let text = paste(6_000, "rollback.example");
    let indexes = index_definitions(&db).await;
    let upload = upload_of(&text, org, "w", TableEdits::default());
    let request = upload
        .read(text.as_bytes(), &ImportLimits::default())
        .unwrap()
        .request;
    let prepared = imports::prepare(&db, &request).await.unwrap();
    let actor = app::server::context::Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let control = imports::JobControl::default();
    // The cancel arrives while the transaction writes: the users are inserted, then it stops.
    control.cancel();
    let context = imports::CommitContext {
        record: imports::JobRecord::New,
        actor: &actor,
        public_base_url: BASE,
        now: NOW,
        control: &control,
    };
    let outcome = imports::commit(&db, &request, prepared, &context).await;
    assert!(outcome.is_err());
    assert_eq!(users_at(&db, "rollback.example").await, 0);
    assert_eq!(count(&db, "invitations").await, 0);
    assert_eq!(count(&db, "email_outbox").await, 0);
    assert_eq!(count(&db, "import_jobs").await, 0);
    assert_eq!(index_definitions(&db).await, indexes, "every index is back");
}

async fn interrupted_then_run_again(db: Db) {
    let (admin_id, _, org) = setup(&db).await;
    let text = paste(30, "again.example");
    let id = queue::enqueue(
        &db,
        &upload_of(&text, org, "i", TableEdits::default()),
        text.into_bytes(),
        admin_id,
        NOW,
    )
    .await
    .unwrap();
    // Its server claimed it, then stopped reporting (killed mid-job).
    assert_eq!(queue::claim(&db, "dead", NOW).await.unwrap(), Some(id));
    let retention = 7 * 24 * 3600;
    assert_eq!(
        queue::sweep(&db, NOW + 10, NOW, retention).await.unwrap(),
        0,
        "not stale yet"
    );
    assert_eq!(
        queue::sweep(&db, NOW + 60, NOW + 30, retention)
            .await
            .unwrap(),
        1
    );
    let (status, why) = job_status(&db, id).await;
    assert_eq!(status, JobStatus::Interrupted);
    assert_eq!(why.as_deref(), Some(queue::INTERRUPTED));
    assert_eq!(users_at(&db, "again.example").await, 0);
    // Its old runner, were it only slow, no longer owns it: its reports and its ending are
    // refused, and the job stays as the sweep left it.
    let control = imports::JobControl::default();
    assert!(!queue::report(&db, id, "dead", &control, NOW + 61)
        .await
        .unwrap());
    queue::end(
        &db,
        id,
        "dead",
        JobStatus::Failed,
        "late",
        NOW + 61,
        retention,
    )
    .await
    .unwrap();
    assert_eq!(job_status(&db, id).await.0, JobStatus::Interrupted);

    assert_eq!(queue::run_again(&db, id).await.unwrap(), JobStatus::Queued);
    assert_eq!(run_next(&db).await, id);
    let summary = imports::job_summary(db.pool(), id).await.unwrap().unwrap();
    assert_eq!(summary.status, JobStatus::Completed);
    assert_eq!(summary.created, 30, "{summary:?}");
    assert_eq!(users_at(&db, "again.example").await, 30);
    assert!(
        queue::run_again(&db, id).await.is_err(),
        "a completed job does not run again"
    );

    // Past the retention period its upload is removed.
    queue::sweep(&db, NOW + 2 * retention + 1_000_000_000, 0, retention)
        .await
        .unwrap();
    assert_eq!(count(&db, "import_uploads").await, 0);
}

async fn runner_loop(db: Db) {
    let (admin_id, _, org) = setup(&db).await;
    let text = paste(40, "loop.example");
    let id = queue::enqueue(
        &db,
        &upload_of(&text, org, "l", TableEdits::default()),
        text.into_bytes(),
        admin_id,
        NOW,
    )
    .await
    .unwrap();
    let running = runner::spawn(db.clone(), settings());
    let mut status = JobStatus::Queued;
    for _ in 0..200 {
        status = job_status(&db, id).await.0;
        if !status.is_active() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    assert_eq!(status, JobStatus::Completed);
    assert_eq!(users_at(&db, "loop.example").await, 40);
}

/// Two app servers (two pools, each with its runner) share one PostgreSQL database, as a
/// team running several servers does: every job runs exactly once, whichever server takes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pg_tests),
    ignore = "set TEST_DATABASE_URL to run the PostgreSQL variant"
)]
async fn two_app_servers_on_one_postgresql_database_run_each_job_exactly_once() {
    let test_db = TestDb::postgres().await;
    let db = test_db.db.clone();
    let other_server = Db::connect(&test_db.url).await.unwrap();
    let (admin_id, _, org) = setup(&db).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let text = paste(30, &format!("server{i}.example"));
        let upload = upload_of(&text, org, &format!("two-{i}"), TableEdits::default());
        ids.push(
            queue::enqueue(&db, &upload, text.into_bytes(), admin_id, NOW)
                .await
                .unwrap(),
        );
    }
    let (a, b) = (
        runner::spawn(db.clone(), settings()),
        runner::spawn(other_server.clone(), settings()),
    );
    for _ in 0..400 {
        let mut active = false;
        for id in &ids {
            active |= job_status(&db, *id).await.0.is_active();
        }
        if !active {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.stop().await;
    b.stop().await;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(job_status(&db, *id).await.0, JobStatus::Completed);
        assert_eq!(users_at(&db, &format!("server{i}.example")).await, 30);
    }
    assert_eq!(count(&db, "import_job_rows").await, 8 * 30);
    // One "your import finished" email per job: no job ran twice.
    let finished_emails: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM email_outbox WHERE invitation_id IS NULL")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(finished_emails, 8);
    let runners: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT runner FROM import_jobs WHERE runner IS NOT NULL")
            .fetch_all(db.pool())
            .await
            .unwrap();
    println!("jobs were run by {} server(s): {runners:?}", runners.len());
    other_server.close().await;
    test_db.finish().await;
}

/// GET `path` with the session cookie (if any): status, headers, body.
async fn get(
    app: &Router,
    cookie: Option<&str>,
    path: &str,
) -> (StatusCode, http::HeaderMap, String) {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("session={cookie}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The source line numbers a report's lines name (its first column), in file order.
fn report_lines(csv: &str) -> Vec<u32> {
    csv.lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .next()
                .unwrap()
                .trim_matches('"')
                .parse()
                .unwrap()
        })
        .collect()
}

async fn reports_download(db: Db) {
    let (_, token, org) = setup(&db).await;
    // 10,000 rows, every other one with a bad email: both reports span two full parts of
    // 5,000 rows (then one read that finds nothing), the errors one through its outcome
    // filter; 5,000 not imported (skip mode), more than the page lists.
    let mut text = String::from("First Name\tLast Name\tEmail\tRoles\n");
    for i in 0..10_000 {
        let at = if i % 2 == 1 { "@@" } else { "@" };
        text.push_str(&format!("Ann\tLee\tann{i}{at}reports.example\tRequester\n"));
    }
    let mut upload = upload_of(&text, org, "reports", TableEdits::default());
    upload.options.send_invitations = false;
    let app = app(db.clone(), 4 * 1024 * 1024);
    let (status, body) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = run_next(&db).await;
    let summary = imports::job_summary(db.pool(), id).await.unwrap().unwrap();
    assert_eq!(
        (summary.created, summary.failed),
        (5_000, 5_000),
        "{summary:?}"
    );

    // The page and the modal get the counts and the first rows not imported, not every row.
    let outcome = imports::load_outcome(db.pool(), &summary).await.unwrap();
    assert_eq!((outcome.created, outcome.failed_rows), (5_000, 5_000));
    assert_eq!(outcome.rows.len(), 500);
    assert_eq!(
        outcome.rows[0].line, 3,
        "source line 3 holds the second row"
    );
    assert!(outcome.rows.iter().all(|r| !r.problems.is_empty()));

    let results = format!("/admin/imports/{id}/results.csv");
    let (status, headers, csv) = get(&app, Some(&token), &results).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"import-{id}-results.csv\"").as_str()
    );
    assert!(csv.starts_with("\"Row\",\"Email\",\"Outcome\",\"Reason\"\r\n"));
    assert_eq!(
        report_lines(&csv),
        (2..10_002).collect::<Vec<u32>>(),
        "every row once, in source order"
    );
    assert!(
        csv.contains("\"2\",\"ann0@reports.example\",\"created\""),
        "{}",
        &csv[..300]
    );

    let (status, _, csv) = get(
        &app,
        Some(&token),
        &format!("/admin/imports/{id}/errors.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("\"Row\",\"Column\",\"Value\",\"Problem\"\r\n"));
    assert_eq!(
        report_lines(&csv),
        (0..5_000).map(|n| 3 + 2 * n).collect::<Vec<u32>>(),
        "one line per problem of each row not imported"
    );
    assert!(csv.contains("\"Email\",\"ann9999@@reports.example\""));

    // A technician who is not an administrator: refused by the admin pages' guard.
    let tech = insert_user(&db, technician("tech@example.com", vec![]), Some("pw")).await;
    let tech_session = session_for(&db, tech).await;
    let (status, _, csv) = get(&app, Some(&tech_session), &results).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!csv.contains("reports.example"));
    // Signed out: to sign-in, nothing of the report; an import that is not there: 404.
    let (status, headers, csv) = get(&app, None, &results).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
    assert!(!csv.contains("reports.example"));
    let (status, _, _) = get(
        &app,
        Some(&token),
        &format!("/admin/imports/{}/results.csv", id + 1),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// PostgreSQL refuses a NUL in any text, so such text used to end an import (or a check) with
/// a server error there; a browser never sends one, a hostile client or a generated file may.
async fn control_characters(db: Db) {
    let (admin_id, token, org) = setup(&db).await;
    let mut text = String::from("First Name\tLast Name\tEmail\tSite\tExternal ID\tRoles\n");
    for i in 0..5 {
        text.push_str(&format!(
            "Ann\tLee\tann{i}@nul.example\tHQ\tE{i}\tRequester\n"
        ));
    }
    let original = read_source(ImportSource::Pasted(&text), &ImportLimits::default()).table;
    let mut edited = original.clone();
    app::import::edit::set_cell(&mut edited, 2, 2, "ann1\0@nul.example".into());
    app::import::edit::set_cell(&mut edited, 3, 3, "Ber\0lin".into());
    app::import::edit::set_cell(&mut edited, 4, 4, "E3\0".into());
    app::import::edit::set_cell(&mut edited, 5, 4, "E\u{1b}4".into());
    let mut upload = upload_of(&text, org, "k-ctl", diff(&original, &edited));
    upload.source_name = "Pasted\0text\u{7}".into();
    let app = app(db.clone(), 1024 * 1024);

    let mut keyed = upload.clone();
    keyed.idempotency_key = "k\0".into();
    let (status, body) = post_upload(&app, Some(&token), &keyed, text.as_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("idempotency key cannot hold a NUL"), "{body}");
    let mut sheeted = upload.clone();
    sheeted.sheet = Some("Sheet1\0".into());
    let (status, body) = post_upload(&app, Some(&token), &sheeted, text.as_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("sheet name cannot hold a NUL"), "{body}");
    // The small-import path (one request, no job) refuses such a key too.
    let mut request = keyed
        .clone()
        .read(text.as_bytes(), &ImportLimits::default())
        .unwrap()
        .request;
    request.idempotency_key = "k\0".into();
    let actor = app::server::context::Actor {
        user_id: admin_id,
        display_name: "Boss",
    };
    let refused = imports::run(&db, &request, &actor, BASE, NOW).await;
    assert!(
        matches!(refused, Err(app::error::AppError::BadRequest(_))),
        "{refused:?}"
    );

    let (status, body) = post_upload(&app, Some(&token), &upload, text.as_bytes()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = run_next(&db).await;
    assert_eq!(job_status(&db, id).await.0, JobStatus::Completed);
    assert_eq!(users_at(&db, "nul.example").await, 1, "only the clean row");
    let source: String = sqlx::query_scalar("SELECT source FROM import_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(source, "Pasted\u{FFFD}text\u{FFFD}");
    let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT row_number, outcome, email, problems FROM import_job_rows WHERE job_id = $1 ORDER BY row_number",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[1].2, "ann1\u{FFFD}@nul.example",
        "the email cell as it was"
    );
    for (row, field) in [(2, "Site"), (3, "ExternalId"), (4, "ExternalId")] {
        let problems: serde_json::Value =
            serde_json::from_str(rows[row].3.as_deref().unwrap_or("null")).unwrap();
        assert_eq!(
            (
                problems[0]["field"].as_str(),
                problems[0]["code"]["Field"].as_str(),
                problems.as_array().map(Vec::len)
            ),
            (Some(field), Some("ControlCharacters"), Some(1)),
            "row {row}: {problems}"
        );
    }

    // The preview's and the Add user form's checks of emails in use.
    let taken = imports::emails_in_use(
        &db,
        &["boss\0@example.com".into(), "boss@example.com".into()],
    )
    .await
    .unwrap();
    assert_eq!(taken, vec!["boss@example.com".to_string()]);
    assert!(
        !app::server::users::email_in_use(db.pool(), "boss@example.com\0", None)
            .await
            .unwrap()
    );
}
