//! The first step: whatever was pasted or uploaded, as a table of text. The format is judged
//! from the content, never from the file name.

use super::{delimited, text, xlsx, FileKind, ImportIssue, ImportIssueCode, ImportLimits, Table};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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
    SourceReader::new(source, limits).finish()
}

/// A source read a slice of rows at a time, so the browser can paint between slices: delimited
/// text in slices, a workbook (or a refused input) at once. [`read_source`] is this, read to
/// the end in one go.
pub struct SourceReader<'a> {
    state: Reading<'a>,
}

enum Reading<'a> {
    Text {
        rows: Box<delimited::DelimitedRows<Cow<'a, [u8]>>>,
        delimiter: u8,
        issues: Vec<ImportIssue>,
    },
    Read(SourceRead),
}

impl<'a> SourceReader<'a> {
    pub fn new(source: ImportSource<'a>, limits: &ImportLimits) -> SourceReader<'a> {
        match source {
            ImportSource::Pasted(text) if text.len() > limits.max_input_bytes => {
                SourceReader::too_large(limits)
            }
            ImportSource::Pasted(text) => SourceReader::text(
                Cow::Borrowed(text.strip_prefix('\u{FEFF}').unwrap_or(text)),
                Vec::new(),
                limits,
            ),
            ImportSource::File { bytes, sheet } => SourceReader::file(bytes, sheet, limits),
        }
    }

    fn too_large(limits: &ImportLimits) -> SourceReader<'static> {
        SourceReader::read(refused(ImportIssueCode::InputTooLarge {
            limit_bytes: limits.max_input_bytes,
        }))
    }

    fn read(read: SourceRead) -> SourceReader<'static> {
        SourceReader {
            state: Reading::Read(read),
        }
    }

    /// A file: a workbook is read at once, text is decoded into a copy the reader keeps.
    pub fn file(bytes: &[u8], sheet: Option<&str>, limits: &ImportLimits) -> SourceReader<'static> {
        let read = SourceReader::read;
        if bytes.len() > limits.max_input_bytes {
            return SourceReader::too_large(limits);
        }
        if bytes.starts_with(ZIP_MAGIC) {
            SourceReader::workbook(xlsx::read(bytes, sheet, limits))
        } else if bytes.starts_with(OLE_MAGIC) {
            read(refused(ImportIssueCode::LegacyXls))
        } else if let Some(looks_like) = sniff_binary(bytes) {
            read(refused(ImportIssueCode::NotASpreadsheet { looks_like }))
        } else {
            let decoded = text::decode(bytes);
            SourceReader::text(Cow::Owned(decoded.text), decoded.issues, limits)
        }
    }

    /// A file as [`SourceReader::file`] reads it, but a workbook's cells in parts, awaiting
    /// `pause(rows read so far)` between them, which answers whether to go on (`None`: told to
    /// stop; see `xlsx::read_pausing`).
    pub async fn file_pausing<P, F>(
        bytes: &[u8],
        sheet: Option<&str>,
        limits: &ImportLimits,
        pause: &mut P,
    ) -> Option<SourceReader<'static>>
    where
        P: FnMut(usize) -> F,
        F: std::future::Future<Output = bool>,
    {
        if bytes.len() <= limits.max_input_bytes && bytes.starts_with(ZIP_MAGIC) {
            let workbook = xlsx::read_pausing(bytes, sheet, limits, pause).await?;
            Some(SourceReader::workbook(workbook))
        } else {
            Some(SourceReader::file(bytes, sheet, limits))
        }
    }

    fn workbook(workbook: xlsx::WorkbookRead) -> SourceReader<'static> {
        SourceReader::read(SourceRead {
            table: workbook.table,
            format: Some(SourceFormat::Xlsx),
            delimiter: None,
            sheets: workbook.sheets,
            sheet: workbook.sheet,
            issues: workbook.issues,
        })
    }

    /// Pasted text the reader keeps (the preview reads it across several turns).
    pub fn pasted(mut text: String, limits: &ImportLimits) -> SourceReader<'static> {
        if text.len() > limits.max_input_bytes {
            return SourceReader::too_large(limits);
        }
        if text.starts_with('\u{FEFF}') {
            text.drain(..'\u{FEFF}'.len_utf8());
        }
        SourceReader::text(Cow::Owned(text), Vec::new(), limits)
    }

    fn text(
        text: Cow<'a, str>,
        issues: Vec<ImportIssue>,
        limits: &ImportLimits,
    ) -> SourceReader<'a> {
        let delimiter = delimited::detect_delimiter(&text);
        let text = match delimited::normalize_line_endings(&text) {
            Some(normalized) => Cow::Owned(normalized),
            None => text,
        };
        let bytes = match text {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        };
        SourceReader {
            state: Reading::Text {
                rows: Box::new(delimited::DelimitedRows::new(bytes, delimiter, limits)),
                delimiter,
                issues,
            },
        }
    }

    /// Reads up to `max_rows` more records; returns whether the source is read.
    pub fn advance(&mut self, max_rows: usize) -> bool {
        match &mut self.state {
            Reading::Text { rows, .. } => rows.advance(max_rows),
            Reading::Read(_) => true,
        }
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> usize {
        match &self.state {
            Reading::Text { rows, .. } => rows.rows_read(),
            Reading::Read(read) => read.table.rows.len(),
        }
    }

    /// What the source held; reads whatever is left first.
    pub fn finish(self) -> SourceRead {
        match self.state {
            Reading::Read(read) => read,
            Reading::Text {
                rows,
                delimiter,
                mut issues,
            } => {
                let (table, parse_issues) = rows.finish();
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
        }
    }
}

fn refused(code: ImportIssueCode) -> SourceRead {
    SourceRead {
        issues: vec![ImportIssue::file(code)],
        ..SourceRead::default()
    }
}

/// Known file signatures, checked before any text decoding.
const MAGIC: &[(&[u8], FileKind)] = &[
    (b"%PDF", FileKind::Pdf),
    (b"\x89PNG\r\n\x1a\n", FileKind::Png),
    (&[0xFF, 0xD8, 0xFF], FileKind::Jpeg),
    (b"GIF87a", FileKind::Gif),
    (b"GIF89a", FileKind::Gif),
    (&[0x1F, 0x8B], FileKind::Gzip),
    (b"7z\xBC\xAF\x27\x1C", FileKind::SevenZip),
    (b"Rar!\x1A\x07", FileKind::Rar),
    (b"MZ", FileKind::Executable),
    (b"\x7FELF", FileKind::Executable),
    // An empty or spanned zip has no local file header first.
    (b"PK\x05\x06", FileKind::Zip),
    (b"PK\x07\x08", FileKind::Zip),
];

/// `Some` when the bytes are not text: `Some(Some(kind))` when a signature says what they are.
/// Text has no NUL bytes (unless UTF-16, which announces itself with a byte-order mark) and few
/// control characters; "MZ" and the like only count when the rest is binary too, so a CSV
/// whose first name is "MZ…" is still text.
fn sniff_binary(bytes: &[u8]) -> Option<Option<FileKind>> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let kind = MAGIC
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind);
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(Some(FileKind::Webp));
    }
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    let binary = head.contains(&0) || controls * 100 > head.len().max(1);
    match kind {
        Some(FileKind::Pdf) => Some(kind),
        Some(_) if binary || head.len() < 16 => Some(kind),
        _ if binary => Some(None),
        _ => None,
    }
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
    fn pasted_text_read_in_slices_is_read_the_same_as_at_once() {
        let limits = ImportLimits::default();
        let tight = ImportLimits {
            max_rows: 3,
            ..limits
        };
        let texts = [
            "\u{FEFF}First,Last,Email\r\nAnn,\"Lee\nJr\",a@x.io\r\n\r\nBob,Ray,b@x.io\r\n",
            "Name\tEmail\rAnn\ta@x.io\r\rBob\tb@x.io",
            "a;b\n\n\nc;d\ne;f\ng;h\ni;j\n",
            "",
            "   \n\t\n",
        ];
        for text in texts {
            for limits in [limits, tight] {
                let whole = read_source(ImportSource::Pasted(text), &limits);
                for slice in [1, 2, 5] {
                    let mut reader = SourceReader::pasted(text.to_string(), &limits);
                    let mut turns = 0;
                    while !reader.advance(slice) {
                        turns += 1;
                        assert!(reader.rows_read() <= turns * slice);
                    }
                    assert_eq!(reader.finish(), whole, "{text:?} in slices of {slice}");
                }
            }
        }
        let too_large = ImportLimits {
            max_input_bytes: 4,
            ..limits
        };
        assert_eq!(
            SourceReader::pasted("a,b,c".into(), &too_large).finish(),
            read_source(ImportSource::Pasted("a,b,c"), &too_large)
        );
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
        assert_eq!(
            file(png).issues[0].code,
            ImportIssueCode::NotASpreadsheet {
                looks_like: Some(FileKind::Png)
            }
        );
        assert_eq!(
            file(b"%PDF-1.7 ...").issues[0].code,
            ImportIssueCode::NotASpreadsheet {
                looks_like: Some(FileKind::Pdf)
            }
        );
        assert_eq!(
            file(b"PK\x03\x04 not really a zip").issues[0].code,
            ImportIssueCode::CorruptWorkbook
        );
    }

    #[test]
    fn files_that_are_neither_text_nor_a_spreadsheet_say_what_they_look_like() {
        let not = |looks_like| ImportIssueCode::NotASpreadsheet { looks_like };
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpeg.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let mut gzip = vec![0x1F, 0x8B, 0x08, 0x00];
        gzip.extend([0u8; 20]);
        let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0".to_vec();
        exe.extend([0xFFu8; 20]);
        let mut webp = b"RIFF\x24\0\0\0WEBPVP8 ".to_vec();
        webp.extend([0u8; 20]);
        // Pseudo-random bytes (a linear congruential sequence): what a damaged file holds.
        let mut seed = 12345u32;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 16) as u8
            })
            .collect();
        for (bytes, expected) in [
            (jpeg, Some(FileKind::Jpeg)),
            (gzip, Some(FileKind::Gzip)),
            (exe, Some(FileKind::Executable)),
            (webp, Some(FileKind::Webp)),
            (
                b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
                Some(FileKind::Zip),
            ),
            (random, None),
        ] {
            let read = file(&bytes);
            assert_eq!(
                read.issues,
                vec![ImportIssue::file(not(expected))],
                "{expected:?}"
            );
            assert!(read.issues[0]
                .code
                .message()
                .contains("not a spreadsheet or a text file"));
        }
        assert!(not(Some(FileKind::Pdf))
            .message()
            .contains("(it looks like a PDF document)"));
    }

    #[test]
    fn text_that_starts_like_a_signature_is_still_text() {
        let read = file(b"MZ Name,Email\nMZ Ann,ann@example.com\n");
        assert!(read.issues.is_empty(), "{:?}", read.issues);
        assert_eq!(read.table.rows.len(), 2);
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
