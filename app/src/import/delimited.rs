//! Delimited text: what Excel and Google Sheets put on the clipboard (tabs), CSV (commas) and
//! European Excel's CSV (semicolons). Quoted fields, embedded newlines and quotes, CRLF/LF/CR
//! line endings and trailing blank lines are handled by the `csv` crate's reader.

use super::{ImportIssue, ImportIssueCode, ImportLimits, SourceRow, Table};

const CANDIDATES: [u8; 3] = [b'\t', b';', b','];

/// Picks the delimiter that splits the first lines most consistently (the most lines with the
/// same, non-zero count of it; a title or note line above the header holds none and is not
/// held against it); tabs win ties (a paste from a spreadsheet), then semicolons, then commas.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b'\t', 0usize);
    for candidate in CANDIDATES {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, candidate))
            .collect();
        let consistent = counts
            .iter()
            .filter(|c| **c > 0)
            .map(|c| counts.iter().filter(|other| *other == c).count())
            .max()
            .unwrap_or(0);
        if consistent > best.1 {
            best = (candidate, consistent);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut inside = false;
    line.bytes()
        .filter(|b| {
            if *b == b'"' {
                inside = !inside;
            }
            !inside && *b == delimiter
        })
        .count()
}

/// Lone carriage returns (old Mac line endings) made newlines, when there are any.
pub fn normalize_line_endings(text: &str) -> Option<String> {
    has_lone_carriage_return(text).then(|| text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Delimited text read a slice of records at a time (the preview reads in slices so that the
/// browser stays responsive; the same rows and problems however it is sliced). Rows are
/// numbered as a spreadsheet shows them: blank lines count, a newline inside a quoted cell
/// does not. The text must have no lone carriage returns ([`normalize_line_endings`]).
pub struct DelimitedRows<T: AsRef<[u8]>> {
    reader: csv::Reader<std::io::Cursor<T>>,
    record: csv::StringRecord,
    limits: ImportLimits,
    embedded_newlines: u32,
    newlines_before: u32,
    counted_up_to: usize,
    rows: Vec<SourceRow>,
    refused: Option<ImportIssueCode>,
    done: bool,
}

impl<T: AsRef<[u8]>> DelimitedRows<T> {
    pub fn new(text: T, delimiter: u8, limits: &ImportLimits) -> Self {
        DelimitedRows {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(std::io::Cursor::new(text)),
            record: csv::StringRecord::new(),
            limits: *limits,
            embedded_newlines: 0,
            newlines_before: 0,
            counted_up_to: 0,
            rows: Vec::new(),
            refused: None,
            done: false,
        }
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> usize {
        self.rows.len()
    }

    /// Reads up to `max_records` more records; returns whether the text is read (or refused).
    pub fn advance(&mut self, max_records: usize) -> bool {
        for _ in 0..max_records {
            if self.done {
                break;
            }
            if let Err(code) = self.read_one() {
                self.refused = Some(code);
                self.done = true;
            }
        }
        self.done
    }

    /// The table and its problems; reads whatever is left first.
    pub fn finish(mut self) -> (Table, Vec<ImportIssue>) {
        self.advance(usize::MAX);
        match self.refused {
            Some(code) => (Table::default(), vec![ImportIssue::file(code)]),
            None => (Table { rows: self.rows }, Vec::new()),
        }
    }

    fn read_one(&mut self) -> Result<(), ImportIssueCode> {
        let limits = &self.limits;
        let record = &mut self.record;
        match self.reader.read_record(record) {
            Ok(false) => {
                self.done = true;
                return Ok(());
            }
            Ok(true) => {}
            // The reader only fails on invalid UTF-8, which decoding already ruled out.
            Err(_) => return Err(ImportIssueCode::NotASpreadsheet { looks_like: None }),
        }
        if record.as_slice().len() > limits.max_row_bytes {
            return Err(ImportIssueCode::RowTooLarge {
                limit_bytes: limits.max_row_bytes,
            });
        }
        if record.len() > limits.max_columns {
            return Err(ImportIssueCode::TooManyColumns {
                limit: limits.max_columns,
            });
        }
        let text = self.reader.get_ref().get_ref().as_ref();
        let mut start = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(0)
            .min(text.len());
        // The reader reports a record from where it began looking, before skipped blank lines.
        while matches!(text.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        self.newlines_before += memchr_count(&text[self.counted_up_to.min(start)..start]);
        self.counted_up_to = start;
        let line = (self.newlines_before + 1).saturating_sub(self.embedded_newlines);
        self.embedded_newlines += record.as_slice().bytes().filter(|b| *b == b'\n').count() as u32;
        let row = SourceRow {
            line,
            cells: record.iter().map(str::to_string).collect(),
        };
        if Table::is_blank(&row) {
            return Ok(());
        }
        if self.rows.len() > limits.max_rows {
            return Err(ImportIssueCode::TooManyRows {
                limit: limits.max_rows,
            });
        }
        self.rows.push(row);
        Ok(())
    }
}

fn memchr_count(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|b| **b == b'\n').count() as u32
}

fn has_lone_carriage_return(text: &str) -> bool {
    // A char pattern searches a word at a time (a byte at a time took 0.1 s on 45 MB in wasm).
    text.match_indices('\r')
        .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, delimiter: u8, limits: &ImportLimits) -> (Table, Vec<ImportIssue>) {
        let normalized = normalize_line_endings(text);
        let text = normalized.as_deref().unwrap_or(text);
        DelimitedRows::new(text.as_bytes(), delimiter, limits).finish()
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn the_delimiter_is_detected_from_the_first_lines() {
        let cases = [
            ("Maria\tGarcía\tm@x.io\nJohn\tSmith\tj@x.io", b'\t'),
            ("Maria,García,m@x.io\nJohn,Smith,j@x.io", b','),
            ("Maria;García;m@x.io\nJohn;Smith;j@x.io", b';'),
            ("\"Smith, John\";j@x.io\n\"Doe, Jane\";d@x.io", b';'),
            ("Name\tNote\nMaria\tlikes a, b; c", b'\t'),
            ("m@x.io\nj@x.io", b'\t'),
            (
                "Staff list November 2026\nFirst,Last,Email\nAnn,Lee,a@x.io",
                b',',
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(detect_delimiter(text) as char, expected as char, "{text:?}");
        }
    }

    #[test]
    fn quoted_fields_embedded_newlines_and_every_line_ending_parse() {
        let text = "a,\"b, with comma\",\"say \"\"hi\"\"\"\r\nc,\"two\nlines\",d\re,f,g\n\n\n";
        let (table, issues) = parse(text, b',', &ImportLimits::default());
        assert!(issues.is_empty());
        assert_eq!(
            cells(&table),
            vec![
                vec!["a", "b, with comma", "say \"hi\""],
                vec!["c", "two\nlines", "d"],
                vec!["e", "f", "g"]
            ]
        );
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        let (table, _) = parse("a\n\nb", b',', &ImportLimits::default());
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 3],
            "blank lines count"
        );
    }

    #[test]
    fn too_many_rows_or_columns_or_a_huge_row_refuse_the_input_with_the_limit() {
        let limits = ImportLimits {
            max_rows: 2,
            max_columns: 3,
            max_row_bytes: 20,
            ..ImportLimits::default()
        };
        let (_, issues) = parse("a\nb\nc\nd", b',', &limits);
        assert_eq!(issues[0].code, ImportIssueCode::TooManyRows { limit: 2 });
        let (_, issues) = parse("a,b,c,d", b',', &limits);
        assert_eq!(issues[0].code, ImportIssueCode::TooManyColumns { limit: 3 });
        let (_, issues) = parse(&"x".repeat(21), b',', &limits);
        assert_eq!(
            issues[0].code,
            ImportIssueCode::RowTooLarge { limit_bytes: 20 }
        );
    }
}
