//! A minimal XLSX writer: the download templates, and the test fixtures that need to control
//! exactly which parts a workbook holds and how its zip is written (seeking back, as Excel
//! does, or streamed with data descriptors, as LibreOffice and Java's ZipOutputStream do).

use std::io::Write;
use zip::write::SimpleFileOptions;

/// A workbook with these sheets: (name, the XML inside `<sheetData>`).
pub fn workbook(sheets: &[(&str, &str)]) -> Vec<u8> {
    workbook_with_dimension(sheets, None)
}

/// `sheets`: (name, the XML inside `<sheetData>`).
pub fn workbook_with_dimension(sheets: &[(&str, &str)], dimension: Option<&str>) -> Vec<u8> {
    zip_parts(&parts(sheets, dimension, None), false)
}

/// The parts zipped (deflated), seeking back to write each size in its local header as Excel
/// does, or `streamed` with sizes in data descriptors after the data.
pub fn zip_parts(parts: &[(String, String)], streamed: bool) -> Vec<u8> {
    if streamed {
        let mut zip = zip::ZipWriter::new_stream(Vec::new());
        add_parts(&mut zip, parts);
        zip.finish()
            .expect("finishing a zip in memory")
            .into_inner()
    } else {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        add_parts(&mut zip, parts);
        zip.finish()
            .expect("finishing a zip in memory")
            .into_inner()
    }
}

fn add_parts<W: Write + std::io::Seek>(zip: &mut zip::ZipWriter<W>, parts: &[(String, String)]) {
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        zip.start_file(name.as_str(), options)
            .expect("a zip entry in memory");
        zip.write_all(body.as_bytes()).expect("writing to memory");
    }
}

/// The parts of a workbook, in the order Excel writes them.
pub fn parts(
    sheets: &[(&str, &str)],
    dimension: Option<&str>,
    shared_strings: Option<&[&str]>,
) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let mut put = |name: &str, body: String| parts.push((name.to_string(), body));
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    let shared_override = if shared_strings.is_some() {
        r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
    } else {
        ""
    };
    put(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{shared_override}{overrides}</Types>"#
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
    let shared_rel = if shared_strings.is_some() {
        r#"<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
    } else {
        ""
    };
    put(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>{shared_rel}</Relationships>"#
        ),
    );
    // Style 0: general. Style 1: text with Excel's apostrophe marker. Style 2: a date.
    put("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="49" quotePrefix="1" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.into());
    if let Some(strings) = shared_strings {
        let items: String = strings
            .iter()
            .map(|s| format!("<si><t>{s}</t></si>"))
            .collect();
        put(
            "xl/sharedStrings.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{items}</sst>"#,
                strings.len()
            ),
        );
    }
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
    parts
}

/// An inline-string cell; the value is XML-escaped.
pub fn text(reference: &str, value: &str) -> String {
    let value = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>"#)
}
