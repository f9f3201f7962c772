//! The first step: whatever was pasted or uploaded, as a table of text. The format is judged
//! from the content, never from the file name.

use super::{delimited, text, xlsx, ImportIssue, ImportIssueCode, ImportLimits, Table};
use serde::{Deserialize, Serialize};

pub enum ImportSource<'a> {
    Pasted(&'a str),
    /// `sheet`: which sheet of a workbook; `None` takes the first with data.
    File {
        bytes: &'a [u8],
        sheet: Option<&'a str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFormat {
    DelimitedText,
    Xlsx,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRead {
    pub table: Table,
    pub format: Option<SourceFormat>,
    pub delimiter: Option<char>,
    /// A workbook's sheets, so the caller can offer a choice, and the one read.
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub issues: Vec<ImportIssue>,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub fn read_source(source: ImportSource<'_>, limits: &ImportLimits) -> SourceRead {
    let size = match &source {
        ImportSource::Pasted(text) => text.len(),
        ImportSource::File { bytes, .. } => bytes.len(),
    };
    if size > limits.max_input_bytes {
        return refused(ImportIssueCode::InputTooLarge {
            limit_bytes: limits.max_input_bytes,
        });
    }
    match source {
        ImportSource::Pasted(text) => read_text(
            text.strip_prefix('\u{FEFF}').unwrap_or(text),
            Vec::new(),
            limits,
        ),
        ImportSource::File { bytes, sheet } => {
            if bytes.starts_with(ZIP_MAGIC) {
                let workbook = xlsx::read(bytes, sheet, limits);
                SourceRead {
                    table: workbook.table,
                    format: Some(SourceFormat::Xlsx),
                    delimiter: None,
                    sheets: workbook.sheets,
                    sheet: workbook.sheet,
                    issues: workbook.issues,
                }
            } else if bytes.starts_with(OLE_MAGIC) {
                refused(ImportIssueCode::LegacyXls)
            } else if looks_binary(bytes) {
                refused(ImportIssueCode::NotASpreadsheet)
            } else {
                let decoded = text::decode(bytes);
                read_text(&decoded.text, decoded.issues, limits)
            }
        }
    }
}

fn read_text(text: &str, mut issues: Vec<ImportIssue>, limits: &ImportLimits) -> SourceRead {
    let delimiter = delimited::detect_delimiter(text);
    let (table, parse_issues) = delimited::parse(text, delimiter, limits);
    issues.extend(parse_issues);
    if table.rows.is_empty() && issues.iter().all(|i| i.code.is_notice()) {
        issues.push(ImportIssue::file(ImportIssueCode::EmptyInput));
    }
    SourceRead {
        table,
        format: Some(SourceFormat::DelimitedText),
        delimiter: Some(delimiter as char),
        sheets: Vec::new(),
        sheet: None,
        issues,
    }
}

fn refused(code: ImportIssueCode) -> SourceRead {
    SourceRead {
        issues: vec![ImportIssue::file(code)],
        ..SourceRead::default()
    }
}

/// Text files have no NUL bytes (unless UTF-16, which announces itself with a byte-order
/// mark) and few control characters.
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.starts_with(b"%PDF") || head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    controls * 100 > head.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> SourceRead {
        read_source(
            ImportSource::File { bytes, sheet: None },
            &ImportLimits::default(),
        )
    }

    #[test]
    fn a_csv_with_a_bom_and_semicolons_is_read_whatever_its_name() {
        let read =
            file("\u{FEFF}Vorname;Nachname;E-Mail\r\nJürgen;Groß;jg@example.de\r\n".as_bytes());
        assert_eq!(read.delimiter, Some(';'));
        assert_eq!(read.table.rows[0].cells[0], "Vorname");
        assert_eq!(read.table.rows[1].cells[1], "Groß");
        assert!(read.issues.is_empty());
    }

    #[test]
    fn legacy_xls_and_binary_files_are_refused_with_a_clear_message() {
        let mut xls = OLE_MAGIC.to_vec();
        xls.extend([0u8; 100]);
        assert_eq!(file(&xls).issues[0].code, ImportIssueCode::LegacyXls);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(file(png).issues[0].code, ImportIssueCode::NotASpreadsheet);
        assert_eq!(
            file(b"%PDF-1.7 ...").issues[0].code,
            ImportIssueCode::NotASpreadsheet
        );
        assert_eq!(
            file(b"PK\x03\x04 not really a zip").issues[0].code,
            ImportIssueCode::CorruptWorkbook
        );
    }

    #[test]
    fn empty_input_is_reported() {
        for text in ["", "\n\n  \n", "\u{FEFF}"] {
            let read = read_source(ImportSource::Pasted(text), &ImportLimits::default());
            assert_eq!(read.issues[0].code, ImportIssueCode::EmptyInput, "{text:?}");
        }
    }

    #[test]
    fn input_over_the_size_limit_is_refused_before_reading() {
        let limits = ImportLimits {
            max_input_bytes: 10,
            ..ImportLimits::default()
        };
        let read = read_source(ImportSource::Pasted("a,b,c,d,e,f,g"), &limits);
        assert_eq!(
            read.issues[0].code,
            ImportIssueCode::InputTooLarge { limit_bytes: 10 }
        );
    }
}
