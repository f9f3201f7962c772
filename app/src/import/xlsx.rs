//! XLSX workbooks through calamine, defensively: every part is inflated once into a counting
//! sink under a total and a per-part ratio limit before calamine sees it (see [`check_zip`]),
//! the sheet's dimensions are checked before any cell is read, and cells are streamed
//! (never a dense range), so a zip bomb or a sparse sheet is refused quickly and cheaply.
//! Cells keep what the user typed: whole numbers stay whole (a phone stored as a number does
//! not become `1.8886678888E10`), dates become dates, Excel's apostrophe text marker is a style
//! and never part of the value.

use super::{FileKind, ImportIssue, ImportIssueCode, ImportLimits, SourceRow, Table};
use calamine::{DataRef, Reader, Xlsx};
use std::future::Future;
use std::io::Cursor;
use std::task::{Context, Poll, Waker};

pub struct WorkbookRead {
    pub table: Table,
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub issues: Vec<ImportIssue>,
}

fn refused(code: ImportIssueCode, sheets: Vec<String>) -> WorkbookRead {
    WorkbookRead {
        table: Table::default(),
        sheets,
        sheet: None,
        issues: vec![ImportIssue::file(code)],
    }
}

/// No workbook an office program writes has this many parts (a typical one has ten to fifty;
/// images and charts add a few each).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most a part may inflate per compressed byte read so far, once past
/// [`RATIO_GRACE_BYTES`]: Apache POI's default (its `ZipSecureFile` minimum inflate ratio of
/// 0.01), so every workbook the Java world's reader opens opens here too. Deflate's ceiling is
/// about 1,030; repetitive sheet XML compresses 10–50 times.
pub const MAX_PART_RATIO: u64 = 100;
/// Small parts may compress as well as they like.
pub const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

/// What kind of zip this is, judged by its parts, and whether it is safe to inflate.
///
/// Declared sizes are a hint, never trusted: entries written with data descriptors (LibreOffice,
/// Java's `ZipOutputStream` and other streaming writers set general-purpose flag bit 3) carry
/// no sizes in their local headers, and a hostile file can declare anything. So every part is
/// inflated here once into a fixed buffer, counting bytes in and out as they stream, and
/// inflating stops at the first limit: the total, or a part's compression ratio so far. Nothing
/// is kept, so a zip bomb is refused after about a megabyte of work and no allocation beyond
/// the buffers. An honest workbook is inflated twice (here and by calamine), which costs little:
/// 26 ms of 650 ms reading 100,000 rows (3.5 MB zipped, 49 MB of XML, a ratio of 14) natively,
/// printed by the import benchmark.
pub fn check_zip(bytes: &[u8], limits: &ImportLimits) -> Result<(), ImportIssueCode> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ImportIssueCode::CorruptWorkbook)?;
    let names: Vec<&str> = archive.file_names().collect();
    if names
        .iter()
        .any(|n| *n == "mimetype" || *n == "content.xml")
    {
        return Err(ImportIssueCode::OpenDocument);
    }
    if !names.contains(&"xl/workbook.xml") {
        let looks_like = if names.contains(&"[Content_Types].xml") {
            // An Office file of another kind (a Word document, a presentation).
            names.iter().find_map(|n| office_kind(n))
        } else {
            Some(FileKind::Zip)
        };
        return Err(ImportIssueCode::NotASpreadsheet { looks_like });
    }
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ImportIssueCode::ZipBomb);
    }
    let limit = limits.max_xlsx_inflated_bytes;
    // The central directory's sizes (present even with data descriptors) refuse an honestly
    // huge file at once; the inflating below catches a dishonest one.
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| ImportIssueCode::CorruptWorkbook)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limit {
        return Err(ImportIssueCode::WorkbookTooLarge { limit_bytes: limit });
    }
    let mut budget = InflateBudget {
        buffer: vec![0u8; 64 * 1024],
        remaining: limit,
        limit,
    };
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|_| ImportIssueCode::CorruptWorkbook)?;
        match entry.compression() {
            zip::CompressionMethod::Stored => budget.inflate(CountingReader::new(entry), None)?,
            zip::CompressionMethod::Deflated => budget.inflate(
                flate2::read::DeflateDecoder::new(CountingReader::new(entry)),
                Some(|inflater| inflater.get_ref().read),
            )?,
            _ => return Err(ImportIssueCode::CorruptWorkbook),
        }
    }
    Ok(())
}

/// The inflated bytes a workbook may still produce, and the one buffer they pass through.
struct InflateBudget {
    buffer: Vec<u8>,
    remaining: u64,
    limit: u64,
}

impl InflateBudget {
    /// Reads `part` to its end; `compressed_read` tells how many compressed bytes it has
    /// consumed so far (none for a stored part, whose ratio is 1).
    fn inflate<R: std::io::Read>(
        &mut self,
        mut part: R,
        compressed_read: Option<fn(&R) -> u64>,
    ) -> Result<(), ImportIssueCode> {
        let mut inflated: u64 = 0;
        loop {
            let read = match part.read(&mut self.buffer) {
                Ok(0) => return Ok(()),
                Ok(read) => read as u64,
                Err(_) => return Err(ImportIssueCode::CorruptWorkbook),
            };
            inflated += read;
            self.remaining = match self.remaining.checked_sub(read) {
                Some(remaining) => remaining,
                None => {
                    return Err(ImportIssueCode::WorkbookTooLarge {
                        limit_bytes: self.limit,
                    })
                }
            };
            if let Some(compressed_read) = compressed_read {
                let compressed = compressed_read(&part).max(1);
                if inflated > RATIO_GRACE_BYTES && inflated / compressed >= MAX_PART_RATIO {
                    return Err(ImportIssueCode::ZipBomb);
                }
            }
        }
    }
}

/// Counts the compressed bytes an inflater has taken.
struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        CountingReader { inner, read: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.read += read as u64;
        Ok(read)
    }
}

/// What an Office Open XML package holds when it is not a workbook, by its main part.
fn office_kind(part: &str) -> Option<FileKind> {
    match part {
        "word/document.xml" => Some(FileKind::WordDocument),
        "ppt/presentation.xml" => Some(FileKind::Presentation),
        _ => None,
    }
}

/// Reads a workbook at once (the server, and the tests).
pub fn read(bytes: &[u8], wanted_sheet: Option<&str>, limits: &ImportLimits) -> WorkbookRead {
    let mut go_on = |_rows: usize| std::future::ready(true);
    let reading = std::pin::pin!(read_pausing(bytes, wanted_sheet, limits, &mut go_on));
    match reading.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Some(read)) => read,
        _ => unreachable!("a pause that is always ready to go on neither waits nor stops"),
    }
}

/// Reads a workbook, awaiting `pause(rows read so far)` every [`CELLS_PER_PAUSE`] cells,
/// which answers whether to go on (`None`: told to stop). The browser's pause lets the page
/// paint and answer between parts once a part has taken long enough (the zip check and
/// calamine's opening of the workbook, with its shared strings, still come in one part), and
/// stops a read that another source has replaced.
pub async fn read_pausing<P, F>(
    bytes: &[u8],
    wanted_sheet: Option<&str>,
    limits: &ImportLimits,
    pause: &mut P,
) -> Option<WorkbookRead>
where
    P: FnMut(usize) -> F,
    F: Future<Output = bool>,
{
    if let Err(code) = check_zip(bytes, limits) {
        return Some(refused(code, Vec::new()));
    }
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(_) => return Some(refused(ImportIssueCode::CorruptWorkbook, Vec::new())),
    };
    let sheets: Vec<String> = workbook.sheet_names().to_vec();
    let chosen = match wanted_sheet {
        Some(name) if sheets.iter().any(|s| s == name) => name.to_string(),
        Some(name) => {
            return Some(refused(
                ImportIssueCode::SheetNotFound { name: name.into() },
                sheets,
            ))
        }
        None => match sheets.iter().find(|s| sheet_has_cells(&mut workbook, s)) {
            Some(name) => name.clone(),
            None => return Some(refused(ImportIssueCode::NoSheets, sheets)),
        },
    };
    match read_sheet(&mut workbook, &chosen, limits, pause).await {
        Ok(Some(table)) => Some(WorkbookRead {
            table,
            sheets,
            sheet: Some(chosen),
            issues: Vec::new(),
        }),
        Ok(None) => None,
        Err(code) => Some(refused(code, sheets)),
    }
}

fn sheet_has_cells(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> bool {
    let Ok(mut reader) = workbook.worksheet_cells_reader(name) else {
        return false;
    };
    while let Ok(Some(cell)) = reader.next_cell() {
        if !cell_text(cell.get_value()).trim().is_empty() {
            return true;
        }
    }
    false
}

/// Cells read between two calls of the pause (a few milliseconds in the browser).
pub const CELLS_PER_PAUSE: usize = 4_000;

async fn read_sheet<P, F>(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: &ImportLimits,
    pause: &mut P,
) -> Result<Option<Table>, ImportIssueCode>
where
    P: FnMut(usize) -> F,
    F: Future<Output = bool>,
{
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|_| ImportIssueCode::CorruptWorkbook)?;
    let dimensions = reader.dimensions();
    let (height, width) = (
        dimensions.end.0.saturating_sub(dimensions.start.0) as usize + 1,
        dimensions.end.1 as usize + 1,
    );
    let too_many_rows = ImportIssueCode::TooManyRows {
        limit: limits.max_rows,
    };
    let too_many_columns = ImportIssueCode::TooManyColumns {
        limit: limits.max_columns,
    };
    // A header row may come on top of max_rows data rows.
    if height > limits.max_rows + 1 {
        return Err(too_many_rows);
    }
    if width > limits.max_columns {
        return Err(too_many_columns);
    }
    let mut rows: Vec<SourceRow> = Vec::new();
    let mut row_bytes = 0usize;
    for cells in 1usize.. {
        if cells % CELLS_PER_PAUSE == 0 && !pause(rows.len()).await {
            return Ok(None);
        }
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(_) => return Err(ImportIssueCode::CorruptWorkbook),
        };
        let (row, column) = cell.get_position();
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        // The declared dimensions can lie; the cells cannot.
        if column as usize >= limits.max_columns {
            return Err(too_many_columns);
        }
        let line = row + 1;
        if rows.last().map(|r| r.line) != Some(line) {
            if rows.len() > limits.max_rows {
                return Err(too_many_rows);
            }
            rows.push(SourceRow {
                line,
                cells: Vec::new(),
            });
            row_bytes = 0;
        }
        row_bytes += text.len();
        if row_bytes > limits.max_row_bytes {
            return Err(ImportIssueCode::RowTooLarge {
                limit_bytes: limits.max_row_bytes,
            });
        }
        if let Some(current) = rows.last_mut() {
            if current.cells.len() <= column as usize {
                current.cells.resize(column as usize + 1, String::new());
            }
            current.cells[column as usize] = text;
        }
    }
    Ok(Some(Table { rows }))
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// Whole numbers are written whole, never in exponent form.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[doc(hidden)]
pub mod fixtures {
    //! Workbooks for tests (the engine's, the browser tests' and the benchmark's): the writer's
    //! files, and what a test needs to look inside a zip.
    pub use crate::import::xlsx_writer::*;

    /// Written as LibreOffice and Java's `ZipOutputStream` write: without seeking back, so
    /// every entry has general-purpose flag bit 3 set and its sizes in a data descriptor after
    /// the data (the local header holds zeros). With a shared-strings part when given.
    pub fn workbook_streamed(sheets: &[(&str, &str)], shared_strings: &[&str]) -> Vec<u8> {
        zip_parts(&parts(sheets, None, Some(shared_strings)), true)
    }

    /// Whether every entry of the central directory has the data-descriptor flag (bit 3).
    pub fn every_entry_uses_a_data_descriptor(bytes: &[u8]) -> bool {
        let entries: Vec<u16> = central_directory_entries(bytes)
            .map(|at| u16::from_le_bytes([bytes[at + 8], bytes[at + 9]]))
            .collect();
        !entries.is_empty() && entries.iter().all(|flags| flags & 0x08 != 0)
    }

    /// Offsets of the central directory's file headers.
    pub fn central_directory_entries(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
        (0..bytes.len().saturating_sub(46)).filter(|at| bytes[*at..].starts_with(b"PK\x01\x02"))
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{
        central_directory_entries, every_entry_uses_a_data_descriptor, parts, text, workbook,
        workbook_streamed, workbook_with_dimension, zip_parts,
    };
    use super::*;

    const LIBREOFFICE_STAFF_LIST: &[u8] =
        include_bytes!("../../tests/fixtures/libreoffice-staff-list.xlsx");

    /// Rewrites every size a zip declares for its entries (central directory and data
    /// descriptors) to `size`, as a hostile file would.
    fn lie_about_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
        let lie = size.to_le_bytes();
        let headers: Vec<usize> = central_directory_entries(&bytes).collect();
        for at in headers {
            bytes[at + 24..at + 28].copy_from_slice(&lie);
        }
        let descriptors: Vec<usize> = (0..bytes.len().saturating_sub(16))
            .filter(|at| bytes[*at..].starts_with(b"PK\x07\x08"))
            .collect();
        for at in descriptors {
            bytes[at + 12..at + 16].copy_from_slice(&lie);
        }
        bytes
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn cells_keep_what_the_user_typed() {
        let data = format!(
            r#"<row r="1">{}{}{}</row><row r="2">{}<c r="B2"><v>18886678888</v></c><c r="C2" s="1" t="inlineStr"><is><t>+1 888 667 8888</t></is></c><c r="D2" s="2"><v>45292</v></c><c r="E2"><v>2.5</v></c></row>"#,
            text("A1", "Name"),
            text("B1", "Phone"),
            text("C1", "Mobile"),
            text("A2", "Zoë")
        );
        let read = read(
            &workbook(&[("Users", &data)]),
            None,
            &ImportLimits::default(),
        );
        assert!(read.issues.is_empty(), "{:?}", read.issues);
        assert_eq!(
            cells(&read.table)[1],
            vec!["Zoë", "18886678888", "+1 888 667 8888", "2024-01-01", "2.5"]
        );
        assert_eq!(read.table.rows[1].line, 2);
    }

    /// A pause that leaves the read pending once, as the browser's does until its next task,
    /// then goes on.
    struct NextTask(bool);

    impl Future for NextTask {
        type Output = bool;
        fn poll(mut self: std::pin::Pin<&mut Self>, context: &mut Context<'_>) -> Poll<bool> {
            if std::mem::replace(&mut self.0, true) {
                Poll::Ready(true)
            } else {
                context.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    #[test]
    fn a_workbook_read_in_parts_pauses_between_them_and_reads_the_same_table() {
        let data: String = (1..=3_000)
            .map(|row| {
                format!(
                    r#"<row r="{row}">{}{}{}</row>"#,
                    text(&format!("A{row}"), "Ann"),
                    text(&format!("B{row}"), &format!("Row{row}")),
                    text(&format!("C{row}"), &format!("row{row}@example.com"))
                )
            })
            .collect();
        let bytes = workbook(&[("Users", &data)]);
        let limits = ImportLimits::default();
        let mut pauses = Vec::new();
        let mut pause = |rows: usize| {
            pauses.push(rows);
            NextTask(false)
        };
        let mut polls = 0;
        let read = {
            let reading = read_pausing(&bytes, None, &limits, &mut pause);
            let mut reading = std::pin::pin!(async { reading.await.expect("never told to stop") });
            loop {
                polls += 1;
                let context = &mut Context::from_waker(Waker::noop());
                if let Poll::Ready(read) = reading.as_mut().poll(context) {
                    break read;
                }
            }
        };
        // 9,000 cells: two pauses, each left pending once, before the 4,000th and 8,000th cell
        // (1,333 rows of three cells read, then 2,666 and one cell of the next).
        assert_eq!(pauses, vec![1_333, 2_667]);
        assert_eq!(polls, 3);
        assert_eq!(
            cells(&read.table),
            cells(&super::read(&bytes, None, &limits).table)
        );
        assert_eq!(read.table.rows.len(), 3_000);
    }

    #[test]
    fn a_read_told_to_stop_at_a_pause_ends_there_without_a_table() {
        let data: String = (1..=3_000)
            .map(|row| {
                format!(
                    r#"<row r="{row}">{}{}</row>"#,
                    text(&format!("A{row}"), "Ann"),
                    text(&format!("B{row}"), "Lee")
                )
            })
            .collect();
        let bytes = workbook(&[("Users", &data)]);
        let mut asked = 0;
        let mut stop = |_rows: usize| {
            asked += 1;
            std::future::ready(false)
        };
        let limits = ImportLimits::default();
        let read = {
            let reading = std::pin::pin!(read_pausing(&bytes, None, &limits, &mut stop));
            let Poll::Ready(read) = reading.poll(&mut Context::from_waker(Waker::noop())) else {
                panic!("a pause that answers at once never leaves the read pending");
            };
            read
        };
        assert!(read.is_none());
        assert_eq!(asked, 1);
    }

    #[test]
    fn the_first_non_empty_sheet_is_the_default_and_the_caller_may_choose() {
        let bytes = workbook(&[
            ("Empty", ""),
            (
                "People",
                &format!(r#"<row r="3">{}</row>"#, text("A3", "a@b.co")),
            ),
            (
                "Other",
                &format!(r#"<row r="1">{}</row>"#, text("A1", "x@y.co")),
            ),
        ]);
        let read_default = read(&bytes, None, &ImportLimits::default());
        assert_eq!(read_default.sheets, vec!["Empty", "People", "Other"]);
        assert_eq!(read_default.sheet.as_deref(), Some("People"));
        assert_eq!(read_default.table.rows[0].line, 3);
        let chosen = read(&bytes, Some("Other"), &ImportLimits::default());
        assert_eq!(cells(&chosen.table), vec![vec!["x@y.co"]]);
        let missing = read(&bytes, Some("Nope"), &ImportLimits::default());
        assert_eq!(
            missing.issues[0].code,
            ImportIssueCode::SheetNotFound {
                name: "Nope".into()
            }
        );
    }

    #[test]
    fn a_sparse_sheet_is_refused_by_its_dimensions_before_reading_cells() {
        let data = format!(
            r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
            text("A1", "a"),
            text("XFD1048576", "z")
        );
        let bytes = workbook_with_dimension(&[("S", &data)], Some("A1:XFD1048576"));
        let started = std::time::Instant::now();
        let read = read(&bytes, None, &ImportLimits::default());
        assert!(started.elapsed().as_secs() < 2);
        assert!(matches!(
            read.issues[0].code,
            ImportIssueCode::TooManyRows { .. } | ImportIssueCode::TooManyColumns { .. }
        ));
        // Without a dimension tag, the cells themselves give it away.
        let bytes = workbook(&[("S", &data)]);
        let read = super::read(&bytes, None, &ImportLimits::default());
        assert_eq!(
            read.issues[0].code,
            ImportIssueCode::TooManyColumns { limit: 200 }
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_declared_sizes() {
        let filler = "<row r=\"1\"></row>".repeat(200_000);
        let bytes = workbook(&[("Bomb", &filler)]);
        assert!(
            bytes.len() < 200_000,
            "the fixture should compress well, got {}",
            bytes.len()
        );
        let limits = ImportLimits {
            max_xlsx_inflated_bytes: 1_000_000,
            ..ImportLimits::default()
        };
        let read = read(&bytes, None, &limits);
        assert_eq!(
            read.issues[0].code,
            ImportIssueCode::WorkbookTooLarge {
                limit_bytes: 1_000_000
            }
        );
    }

    #[test]
    fn a_streamed_workbook_with_data_descriptors_is_read_like_excels() {
        // Shared strings, inline strings, a number, and formula cells whose cached value is
        // what gets imported (text and number).
        let data = format!(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row><row r="2">{}<c r="B2" t="s"><v>4</v></c><c r="C2" t="str"><f>LOWER("ANN.LEE@EXAMPLE.COM")</f><v>ann.lee@example.com</v></c><c r="D2"><v>18886678888</v></c></row><row r="3">{}{}{}<c r="D3"><f>D2+1</f><v>18886678889</v></c></row>"#,
            text("A2", "Ann"),
            text("A3", "Bob"),
            text("B3", "Ray"),
            text("C3", "bob@example.com"),
        );
        let bytes = workbook_streamed(
            &[("Users", &data)],
            &["First name", "Last name", "Email", "Phone", "Lee"],
        );
        assert!(every_entry_uses_a_data_descriptor(&bytes));
        let read = read(&bytes, None, &ImportLimits::default());
        assert!(read.issues.is_empty(), "{:?}", read.issues);
        assert_eq!(
            cells(&read.table),
            vec![
                vec!["First name", "Last name", "Email", "Phone"],
                vec!["Ann", "Lee", "ann.lee@example.com", "18886678888"],
                vec!["Bob", "Ray", "bob@example.com", "18886678889"],
            ]
        );
    }

    #[test]
    fn a_workbook_saved_by_libreoffice_calc_is_read() {
        // Saved by LibreOffice Calc 7 from tests/fixtures/libreoffice-staff-list.fods: a title
        // row, a blank row, the header, formulas with cached values, a phone stored as a number.
        assert!(every_entry_uses_a_data_descriptor(LIBREOFFICE_STAFF_LIST));
        let read = read(LIBREOFFICE_STAFF_LIST, None, &ImportLimits::default());
        assert!(read.issues.is_empty(), "{:?}", read.issues);
        let table = cells(&read.table);
        assert_eq!(table[0], vec!["Staff list November 2026"]);
        assert_eq!(read.table.rows[1].line, 3);
        assert_eq!(
            table[1],
            vec!["First name", "Last name", "Email", "Phone", "Roles"]
        );
        assert_eq!(
            table[2],
            vec!["Ann", "Lee", "ann.lee@example.com", "18886678888"]
        );
        assert_eq!(table[4][2], "chloe.durand@example.fr");
        assert_eq!(table.len(), 6);
    }

    #[test]
    fn a_zip_bomb_whose_entries_use_data_descriptors_and_lie_about_their_sizes_is_refused_quickly()
    {
        // 40 MB of one repeated row, declared as 1,000 bytes everywhere the zip states a size.
        let filler = "<row r=\"1\"></row>".repeat(2_500_000);
        let bytes = lie_about_sizes(
            zip_parts(&parts(&[("Bomb", &filler)], None, None), true),
            1_000,
        );
        assert!(every_entry_uses_a_data_descriptor(&bytes));
        assert!(bytes.len() < 400_000, "got {}", bytes.len());
        let started = std::time::Instant::now();
        let read = read(&bytes, None, &ImportLimits::default());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(read.issues[0].code, ImportIssueCode::ZipBomb);
    }

    #[test]
    fn the_inflated_limit_is_counted_while_inflating_not_read_from_the_zip() {
        // Varied rows (a modest ratio) that inflate past the limit while declaring 1,000 bytes.
        let rows: String = (0..40_000)
            .map(|i| {
                format!(
                    r#"<row r="{i}">{}</row>"#,
                    text(&format!("A{i}"), &format!("user{}", i * 7919 % 100_003))
                )
            })
            .collect();
        let bytes = lie_about_sizes(
            zip_parts(&parts(&[("Big", &rows)], None, None), true),
            1_000,
        );
        let limits = ImportLimits {
            max_xlsx_inflated_bytes: 1_000_000,
            ..ImportLimits::default()
        };
        assert_eq!(
            check_zip(&bytes, &limits),
            Err(ImportIssueCode::WorkbookTooLarge {
                limit_bytes: 1_000_000
            })
        );
        // The same workbook honestly sized, under a limit it fits, is fine.
        let honest = zip_parts(&parts(&[("Big", &rows)], None, None), true);
        assert_eq!(check_zip(&honest, &ImportLimits::default()), Ok(()));
    }

    #[test]
    fn a_zip_with_more_parts_than_any_workbook_is_refused() {
        let mut many = parts(&[("S", "")], None, None);
        many.extend((0..=MAX_ZIP_ENTRIES).map(|i| (format!("xl/media/x{i}.bin"), String::new())));
        let bytes = zip_parts(&many, false);
        assert_eq!(
            check_zip(&bytes, &ImportLimits::default()),
            Err(ImportIssueCode::ZipBomb)
        );
    }

    #[test]
    fn a_zip_that_is_not_a_workbook_is_refused_by_name() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let docx = zip.finish().unwrap().into_inner();
        assert_eq!(
            read(&docx, None, &ImportLimits::default()).issues[0].code,
            ImportIssueCode::NotASpreadsheet {
                looks_like: Some(FileKind::Zip)
            }
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for name in ["[Content_Types].xml", "word/document.xml"] {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let docx = zip.finish().unwrap().into_inner();
        assert_eq!(
            read(&docx, None, &ImportLimits::default()).issues[0].code,
            ImportIssueCode::NotASpreadsheet {
                looks_like: Some(FileKind::WordDocument)
            }
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("mimetype", zip::write::SimpleFileOptions::default())
            .unwrap();
        let ods = zip.finish().unwrap().into_inner();
        assert_eq!(
            read(&ods, None, &ImportLimits::default()).issues[0].code,
            ImportIssueCode::OpenDocument
        );
    }

    #[test]
    fn whole_numbers_never_use_exponents() {
        assert_eq!(number_text(18886678888.0), "18886678888");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(f64::NAN), "NaN");
    }
}
