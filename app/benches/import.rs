//! Parses and validates 100,000 pasted rows × 8 columns (about a fifth with a problem) and
//! prints rows per second. Run: `cargo bench -p app --bench import`.

use app::import::sample::{digest, sample_paste, SampleWorld};
use app::import::{analyze, read_source, ImportSource, MappingChoice};
use std::time::Instant;

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let text = sample_paste(rows);
    let world = SampleWorld::default();
    let context = world.context();

    // The first phone check pays for loading the phone metadata; time it on its own.
    let started = Instant::now();
    let _ = app::rules::PhoneE164::parse_optional("+1 888 667 8888");
    println!(
        "phone metadata first use: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );

    if std::env::var("BREAKDOWN").is_ok() {
        let time = |label: &str, f: &dyn Fn()| {
            let started = Instant::now();
            f();
            println!(
                "  {label}: {:.0} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        };
        let read = read_source(ImportSource::Pasted(&text), &context.limits);
        let rows = &read.table.rows[1..];
        time("names", &|| {
            for r in rows {
                let _ = app::rules::PersonName::parse(&r.cells[0]);
                let _ = app::rules::PersonName::parse(&r.cells[1]);
            }
        });
        time("emails", &|| {
            for r in rows {
                let _ = app::rules::Email::parse(&r.cells[2]);
            }
        });
        time("phones", &|| {
            for r in rows {
                let _ = app::rules::PhoneE164::parse_optional(&r.cells[3]);
            }
        });
    }
    let mut best = f64::MAX;
    let mut valid = 0;
    let mut report_digest = String::new();
    for _ in 0..5 {
        let started = Instant::now();
        let read = read_source(ImportSource::Pasted(&text), &context.limits);
        let parsed = started.elapsed().as_secs_f64();
        let report = analyze(&read.table, &MappingChoice::default(), &context);
        let total = started.elapsed().as_secs_f64();
        valid = report.valid_count();
        report_digest = digest(&report);
        println!(
            "  parse {:.0} ms, validate {:.0} ms",
            parsed * 1000.0,
            (total - parsed) * 1000.0
        );
        best = best.min(total);
    }
    println!(
        "{rows} rows × 8 columns ({} valid, {} with problems): best {:.0} ms, {:.0} rows/s native",
        valid,
        rows - valid,
        best * 1000.0,
        rows as f64 / best
    );
    println!("digest: {report_digest}");
    live_report(&text, &context);
    xlsx_guard(&text, &context.limits);
    // For the browser test, which checks that the wasm build computes the same report.
    if let Ok(path) = std::env::var("IMPORT_DIGEST_FILE") {
        let json = format!(
            r#"{{"rows":{rows},"digest":"{report_digest}","rows_per_second":{:.0}}}"#,
            rows as f64 / best
        );
        if let Err(error) = std::fs::write(&path, json) {
            eprintln!("could not write {path}: {error}");
            std::process::exit(1);
        }
    }
}

/// The preview's report kept up to date: built once, then one email cell edited 20 times,
/// making a duplicate of the first row's email and clearing it again (the median printed).
fn live_report(text: &str, context: &app::import::ImportContext<'_>) {
    use app::import::{edit, LiveReport};
    let mut table = read_source(ImportSource::Pasted(text), &context.limits).table;
    let started = Instant::now();
    let mut live = LiveReport::new(&table, &MappingChoice::default(), context);
    let built = started.elapsed().as_secs_f64();
    let first = table.rows[1].cells[2].clone();
    let mut edits = Vec::new();
    for row in 2..12 {
        let own = table.rows[row].cells[2].clone();
        for value in [first.clone(), own] {
            let started = Instant::now();
            edit::set_cell(&mut table, row, 2, value);
            live.rows_changed(&table, context, &[row]);
            let _ = (live.valid_count(), live.invalid_count());
            edits.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    edits.sort_by(f64::total_cmp);
    assert_eq!(
        live.report(),
        &analyze(&table, &MappingChoice::default(), context),
        "the live report after the edits is a full analysis"
    );
    println!(
        "live report: built in {:.0} ms; one cell edit re-checked in {:.1} µs (median of 20, max {:.1} µs)",
        built * 1000.0,
        (edits[9] + edits[10]) / 2.0,
        edits[19]
    );
}

/// The same rows as a streamed XLSX (data descriptors, as LibreOffice writes): what the
/// zip-bomb guard (which inflates every part once, counting) costs next to reading the sheet.
fn xlsx_guard(text: &str, limits: &app::import::ImportLimits) {
    let sheet = app::import::sample::sample_sheet(text);
    let bytes = app::import::sample::sample_xlsx(&sheet);
    let started = Instant::now();
    let guard = app::import::check_workbook_zip(&bytes, limits);
    let guarded = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let read = read_source(
        ImportSource::File {
            bytes: &bytes,
            sheet: None,
        },
        limits,
    );
    let total = started.elapsed().as_secs_f64();
    assert!(
        guard.is_ok() && read.issues.is_empty(),
        "{guard:?} {:?}",
        read.issues
    );
    println!(
        "xlsx ({:.1} MB zipped, {:.1} MB inflated): zip-bomb guard {:.0} ms of {:.0} ms reading",
        bytes.len() as f64 / 1e6,
        sheet.len() as f64 / 1e6,
        guarded * 1000.0,
        total * 1000.0
    );
}
