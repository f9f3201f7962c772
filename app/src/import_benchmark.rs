//! The import benchmark, callable from the browser console or a test as
//! `await (await import(jsUrl)).import_engine_benchmark(100000)` (`jsUrl`: the page's
//! `/pkg/bulk-import*.js`): it runs the same
//! engine on the same sample input as `cargo bench -p app --bench import` and returns its
//! timings and the report's digest as JSON. The preview benchmark also takes its sample
//! input and the page's wasm memory from here. Each export that uses the engine is async: the
//! engine is in its own wasm chunk (`benchmark_engine`), fetched on first use.

use crate::import::sample::{digest, sample_paste, sample_paste_with, SampleWorld};
use crate::import::{analyze, read_source, ImportSource, MappingChoice};
use leptos::wasm_split::wasm_split;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub async fn import_engine_benchmark(rows: u32) -> String {
    // The numbering plans' data, as the modal fetches it before the engine runs.
    if let Err(error) = crate::components::load_phone_plans().await {
        return serde_json::json!({ "error": error }).to_string();
    }
    engine_benchmark(rows).await
}

/// The benchmark's sample input (`rows` data rows under a header, 8 columns, one in
/// `invalid_every` of them with one problem — a fifth when not given), for the preview and
/// import benchmarks to paste.
#[wasm_bindgen]
pub async fn import_sample_paste(rows: u32, invalid_every: Option<u32>) -> String {
    sample_text(rows, invalid_every.unwrap_or(5)).await
}

/// The same sample as a workbook (inline strings, streamed as LibreOffice writes it), for the
/// preview benchmark to choose as a file.
#[wasm_bindgen]
pub async fn import_sample_xlsx(rows: u32) -> Vec<u8> {
    sample_workbook(rows).await
}

#[wasm_split(benchmark_engine, wasm_split_path = ::leptos::wasm_split)]
fn sample_text(rows: u32, invalid_every: u32) -> String {
    sample_paste_with(rows as usize, invalid_every.max(1) as usize)
}

#[wasm_split(benchmark_engine, wasm_split_path = ::leptos::wasm_split)]
fn sample_workbook(rows: u32) -> Vec<u8> {
    use crate::import::sample::{sample_sheet, sample_xlsx};
    sample_xlsx(&sample_sheet(&sample_paste(rows as usize)))
}

#[wasm_split(benchmark_engine, wasm_split_path = ::leptos::wasm_split)]
fn engine_benchmark(rows: u32) -> String {
    let now = || js_sys::Date::now();
    let started = now();
    let _ = crate::rules::PhoneE164::parse_optional("+1 888 667 8888");
    let phone_first_use_ms = now() - started;
    let text = sample_paste(rows as usize);
    let world = SampleWorld::default();
    let context = world.context();
    let mut best = (f64::MAX, 0.0, 0.0);
    let mut report_digest = String::new();
    for _ in 0..3 {
        let started = now();
        let read = read_source(ImportSource::Pasted(&text), &context.limits);
        let parsed = now();
        let report = analyze(&read.table, &MappingChoice::default(), &context);
        let done = now();
        if done - started < best.0 {
            best = (done - started, parsed - started, done - parsed);
        }
        report_digest = digest(&report);
    }
    format!(
        r#"{{"rows":{rows},"total_ms":{:.1},"parse_ms":{:.1},"validate_ms":{:.1},"rows_per_second":{:.0},"phone_first_use_ms":{:.1},"digest":"{report_digest}"}}"#,
        best.0,
        best.1,
        best.2,
        rows as f64 / (best.0 / 1000.0),
        phone_first_use_ms
    )
}

/// Bytes of wasm memory the page holds (the preview benchmark prints it).
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as f64
        })
        .unwrap_or(0.0)
}
