//! An import job end to end on the server, as the modal's upload makes it: a pasted source of
//! N end users × 8 columns (about 5% with a problem), skip mode, invitations on, queued,
//! claimed and run by the runner: read + validate, then check the database + write + commit
//! in one transaction. Prints each phase and the peak memory (VmHWM) of a process of its own
//! per database, on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
//! `IMPORT_JOB_BENCH_HEAP=1` also prints the heap and resident memory every half second.
//!
//! Run: `cargo bench -p app --features ssr --bench import_job` (100,000 rows);
//! full size: `IMPORT_JOB_BENCH_ROWS=500000 cargo bench -p app --features ssr --bench import_job`.

use app::import::edits::TableEdits;
use app::import::sample::sample_paste_with;
use app::import::{ImportMode, ImportOptions, ImportUpload, InvalidRows, JobPhase, MappingChoice};
use app::model::UserKind;
use app::server::config::{SmtpConfig, SmtpTls};
use app::server::delivery::{self, Transport};
use app::server::imports::{queue, runner};
use app::server::{organizations, Db};
use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server's allocator (mimalloc, `server/src/main.rs`), so the peak printed is the one the
/// server would have. With `IMPORT_JOB_BENCH_HEAP=1`, counts the bytes the process has allocated and not freed,
/// and prints them with the resident memory every half second while a job runs (off by default:
/// the count costs two atomic operations per allocation).
#[global_allocator]
static HEAP: CountingHeap = CountingHeap;

static HEAP_COUNTING: AtomicBool = AtomicBool::new(false);
static HEAP_LIVE: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);

struct CountingHeap;

impl CountingHeap {
    fn grew(by: usize) {
        let live = HEAP_LIVE.fetch_add(by, Ordering::Relaxed) + by;
        HEAP_PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for CountingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() && HEAP_COUNTING.load(Ordering::Relaxed) {
            CountingHeap::grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if HEAP_COUNTING.load(Ordering::Relaxed) {
            HEAP_LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        unsafe { MiMalloc.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { MiMalloc.realloc(p, layout, new_size) };
        if !q.is_null() && HEAP_COUNTING.load(Ordering::Relaxed) {
            HEAP_LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            CountingHeap::grew(new_size);
        }
        q
    }
}

#[tokio::main]
async fn main() {
    // Counted from the start, so a free never meets an allocation it did not count.
    let heap = std::env::var("IMPORT_JOB_BENCH_HEAP").is_ok_and(|v| v == "1");
    HEAP_COUNTING.store(heap, Ordering::Relaxed);
    // The write's steps (users, invitations, row outcomes, commit) come from the job's log.
    tracing_subscriber::fmt()
        .with_env_filter("app::server::imports::commit=info")
        .with_target(false)
        .with_ansi(false)
        .without_time()
        .init();
    let rows: usize = std::env::var("IMPORT_JOB_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    // Each database runs in a process of its own, so that one's peak memory (and what the
    // allocator kept of it) is not counted in the other's.
    let only = std::env::var("IMPORT_JOB_BENCH_DATABASE").ok();
    let Some(only) = only else {
        for database in ["sqlite", "postgres"] {
            let status = std::process::Command::new(std::env::current_exe().expect("this program"))
                .args(std::env::args_os().skip(1))
                .env("IMPORT_JOB_BENCH_DATABASE", database)
                .status()
                .expect("run the benchmark for one database");
            assert!(status.success(), "the {database} benchmark failed");
        }
        return;
    };
    if only == "sqlite" {
        let dir =
            std::env::temp_dir().join(format!("bulk-import-job-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        measure(
            "SQLite",
            &format!("sqlite://{}/bench.db", dir.display()),
            rows,
        )
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("bulkimport_jobbench_{}", std::process::id());
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(admin.pool())
                .await
                .expect("create database");
            let root = admin_url
                .rsplit_once('/')
                .map(|(r, _)| r)
                .unwrap_or(&admin_url);
            measure("PostgreSQL", &format!("{root}/{name}"), rows).await;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(admin.pool())
                .await
                .expect("drop database");
        }
        _ => println!("PostgreSQL: skipped (TEST_DATABASE_URL is not set)"),
    }
}

async fn measure(label: &str, url: &str, rows: usize) {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    app::server::cli::create_admin(
        &db,
        "bench@example.com",
        "Bench",
        "Admin",
        Some("bench-password-123".into()),
    )
    .await
    .expect("admin");
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let org = organizations::find_or_create(db.pool(), "Bench Org", 0)
        .await
        .unwrap();
    let paste = sample_paste_with(rows, 20);
    println!(
        "{label}: made the paste; VmHWM {}, resident {}",
        peak_memory(),
        status_line("VmRSS:").unwrap_or_default()
    );
    let upload = ImportUpload {
        kind: UserKind::EndUser,
        organization_id: Some(org),
        source_name: "Pasted text".into(),
        pasted: true,
        sheet: None,
        source_rows: rows as u32 + 1,
        edits: TableEdits::default(),
        mapping: MappingChoice::default(),
        options: ImportOptions {
            mode: ImportMode::CreateOnly,
            invalid_rows: InvalidRows::SkipInvalid,
            send_invitations: true,
        },
        idempotency_key: "bench".into(),
    };
    let bytes = paste.len();
    let started = Instant::now();
    let job = queue::enqueue(&db, &upload, paste.into_bytes(), admin_id, 0)
        .await
        .expect("enqueue");
    let queued = started.elapsed();
    let claimed = queue::claim(&db, "bench", app::server::clock::now())
        .await
        .expect("claim");
    assert_eq!(claimed, Some(job));
    let settings = runner::RunnerSettings {
        at_once: 1,
        poll: Duration::from_millis(100),
        stale_after: Duration::from_secs(300),
        upload_retention: Duration::from_secs(3600),
        public_base_url: "http://bench".into(),
    };
    println!(
        "{label}: queued; VmHWM {}, resident {}",
        peak_memory(),
        status_line("VmRSS:").unwrap_or_default()
    );
    let run_started = Instant::now();
    let sampler = HEAP_COUNTING
        .load(Ordering::Relaxed)
        .then(|| tokio::spawn(sample_memory(label.to_string(), run_started)));
    let times = runner::run_job(&db, job, "bench", &settings).await;
    let ran = run_started.elapsed();
    if let Some(sampler) = sampler {
        sampler.abort();
        println!(
            "{label}: heap peak {} MB",
            HEAP_PEAK.load(Ordering::Relaxed) / 1_000_000
        );
    }
    println!(
        "{label}: peak memory of the benchmark process (VmHWM): {}",
        peak_memory()
    );
    let summary = app::server::imports::job_summary(db.pool(), job)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        summary.status,
        app::import::JobStatus::Completed,
        "{:?}",
        summary.failure
    );
    let step = |name: &str| {
        times
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0.0, |(_, d)| d.as_secs_f64())
    };
    let (read, check, write) = (
        step(JobPhase::Checking.as_str()),
        step(runner::STEP_DATABASE_CHECK),
        step(JobPhase::Writing.as_str()),
    );
    println!(
        "{label}: {rows} rows ({:.1} MB pasted): upload stored {:.2} s; job {:.2} s = read + validate {read:.2} s, \
         check the database + write + commit {:.2} s (check {check:.2} s, write + commit {write:.2} s); \
         {} created, {} skipped",
        bytes as f64 / 1e6,
        queued.as_secs_f64(),
        ran.as_secs_f64(),
        check + write,
        summary.created,
        summary.failed + summary.skipped,
    );
    deliver(label, &db, Transport::LocalMailbox, "the local mailbox").await;
    if let Some(smtp) = SmtpSink::start() {
        deliver(label, &db, smtp.transport(), "aiosmtpd on loopback").await;
    } else {
        println!("{label}: SMTP delivery skipped (SMTP_TEST_PYTHON is not set)");
    }
    db.close().await;
}

/// Emails delivered per measurement: enough for a steady rate, few enough to take seconds.
const DELIVERED_PER_MEASURE: usize = 10_000;

/// Delivers the next queued invitations as the running sender does (batch after batch) and
/// prints the rate.
async fn deliver(label: &str, db: &Db, transport: Transport, into: &str) {
    let started = Instant::now();
    let mut sent = 0;
    while sent < DELIVERED_PER_MEASURE {
        let report = delivery::deliver_due(db, &transport, app::server::clock::now())
            .await
            .expect("deliver");
        assert_eq!(report.failed + report.retrying, 0, "{report:?}");
        if report.sent == 0 {
            break;
        }
        sent += report.sent;
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "{label}: {sent} invitation emails delivered into {into} in {took:.2} s ({:.0} a second)",
        sent as f64 / took
    );
}

/// aiosmtpd on loopback, discarding what it receives (the `Sink` handler).
struct SmtpSink {
    child: std::process::Child,
    port: u16,
}

impl SmtpSink {
    fn start() -> Option<SmtpSink> {
        let python = std::env::var("SMTP_TEST_PYTHON")
            .ok()
            .filter(|p| !p.is_empty())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let mut child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Sink"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(SmtpSink { child, port });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start listening on {port}");
    }

    fn transport(&self) -> Transport {
        Transport::from_config(Some(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "Help desk <helpdesk@bench.example>".into(),
        }))
        .expect("transport")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prints the heap's live bytes and the resident memory every half second.
async fn sample_memory(label: String, started: Instant) {
    HEAP_PEAK.store(HEAP_LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let resident = status_line("VmRSS:").unwrap_or_default();
        let file = status_line("RssFile:").unwrap_or_default();
        // SAFETY: mallinfo2 reads glibc's counters (SQLite's allocations; Rust's are mimalloc's).
        let info = unsafe { libc::mallinfo2() };
        println!(
            "{label}: {:>5.1} s heap {:>5} MB, resident {resident} (file pages {file}); glibc malloc (SQLite): in use {} MB, free {} MB, mmapped {} MB",
            started.elapsed().as_secs_f64(),
            HEAP_LIVE.load(Ordering::Relaxed) / 1_000_000,
            info.uordblks / 1_000_000,
            info.fordblks / 1_000_000,
            info.hblkhd / 1_000_000,
        );
    }
}

fn status_line(name: &str) -> Option<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(name))
        .map(|l| l.trim_start_matches(name).trim().to_string())
}

fn peak_memory() -> String {
    status_line("VmHWM:").unwrap_or_else(|| "unknown".into())
}
