//! XLSX workbooks through calamine, defensively: the zip's declared sizes are checked before
//! anything is inflated, the sheet's dimensions before any cell is read, and cells are streamed
//! (never a dense range), so a zip bomb or a sparse sheet is refused quickly and cheaply.
//! Cells keep what the user typed: whole numbers stay whole (a phone stored as a number does
//! not become `1.8886678888E10`), dates become dates, Excel's apostrophe text marker is a style
//! and never part of the value.

use super::{ImportIssue, ImportIssueCode, ImportLimits, SourceRow, Table};
use calamine::{DataRef, Reader, Xlsx};
use std::io::Cursor;

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

/// What kind of zip this is, judged by its parts.
pub fn check_zip(bytes: &[u8], limits: &ImportLimits) -> Result<(), ImportIssueCode> {
    let archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ImportIssueCode::CorruptWorkbook)?;
    let names: Vec<&str> = archive.file_names().collect();
    if names
        .iter()
        .any(|n| *n == "mimetype" || *n == "content.xml")
    {
        return Err(ImportIssueCode::OpenDocument);
    }
    if !names.contains(&"xl/workbook.xml") {
        return Err(ImportIssueCode::NotASpreadsheet);
    }
    // The sum of the sizes the central directory declares; none means it does not add up.
    let inflated = archive.decompressed_size().unwrap_or(u128::MAX);
    if inflated > limits.max_xlsx_inflated_bytes as u128 {
        return Err(ImportIssueCode::WorkbookTooLarge {
            limit_bytes: limits.max_xlsx_inflated_bytes,
        });
    }
    Ok(())
}

pub fn read(bytes: &[u8], wanted_sheet: Option<&str>, limits: &ImportLimits) -> WorkbookRead {
    if let Err(code) = check_zip(bytes, limits) {
        return refused(code, Vec::new());
    }
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(_) => return refused(ImportIssueCode::CorruptWorkbook, Vec::new()),
    };
    let sheets: Vec<String> = workbook.sheet_names().to_vec();
    let chosen = match wanted_sheet {
        Some(name) if sheets.iter().any(|s| s == name) => name.to_string(),
        Some(name) => return refused(ImportIssueCode::SheetNotFound { name: name.into() }, sheets),
        None => match sheets.iter().find(|s| sheet_has_cells(&mut workbook, s)) {
            Some(name) => name.clone(),
            None => return refused(ImportIssueCode::NoSheets, sheets),
        },
    };
    match read_sheet(&mut workbook, &chosen, limits) {
        Ok(table) => WorkbookRead {
            table,
            sheets,
            sheet: Some(chosen),
            issues: Vec::new(),
        },
        Err(code) => refused(code, sheets),
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

fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: &ImportLimits,
) -> Result<Table, ImportIssueCode> {
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
    loop {
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
    Ok(Table { rows })
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
    //! Minimal XLSX files written part by part, so each test controls exactly what Excel
    //! would have stored. Used by tests only.
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    pub fn workbook(sheets: &[(&str, &str)]) -> Vec<u8> {
        workbook_with_dimension(sheets, None)
    }

    /// `sheets`: (name, the XML inside `<sheetData>`).
    pub fn workbook_with_dimension(sheets: &[(&str, &str)], dimension: Option<&str>) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut put = |name: &str, body: String| {
            zip.start_file(name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        };
        let overrides: String = (1..=sheets.len())
            .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
            .collect();
        put(
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>"#
            ),
        );
        put("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into());
        let sheet_entries: String = sheets
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                format!(
                    r#"<sheet name="{name}" sheetId="{}" r:id="rId{}"/>"#,
                    i + 1,
                    i + 1
                )
            })
            .collect();
        put(
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheet_entries}</sheets></workbook>"#
            ),
        );
        let rels: String = (1..=sheets.len())
            .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
            .collect();
        put(
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
            ),
        );
        // Style 0: general. Style 1: text with Excel's apostrophe marker. Style 2: a date.
        put("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="49" quotePrefix="1" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.into());
        for (i, (_, data)) in sheets.iter().enumerate() {
            let dimension = dimension
                .map(|d| format!(r#"<dimension ref="{d}"/>"#))
                .unwrap_or_default();
            put(
                &format!("xl/worksheets/sheet{}.xml", i + 1),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{data}</sheetData></worksheet>"#
                ),
            );
        }
        zip.finish().unwrap().into_inner()
    }

    /// An inline-string cell.
    pub fn text(reference: &str, value: &str) -> String {
        format!(r#"<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>"#)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{text, workbook, workbook_with_dimension};
    use super::*;

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
            ImportIssueCode::NotASpreadsheet
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
