//! Results and errors as CSV (for download) and tab-separated text (for the clipboard, to
//! fix in Excel and paste back). Every cell that a spreadsheet could run as a formula is
//! neutralised: formula injection is a real attack on administrators.

use super::{ImportReport, ImportResult, ImportRowResult, RowOutcomeKind};

/// A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// apostrophe, so spreadsheets show it as text.
pub fn neutralize(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn csv_cell(cell: &str) -> String {
    let cell = neutralize(cell);
    // Quoted always: the apostrophe and any separators inside stay part of the cell.
    format!("\"{}\"", cell.replace('"', "\"\""))
}

fn csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The first line of the results file: every row with its outcome.
pub const RESULTS_CSV_HEADER: &str = "\"Row\",\"Email\",\"Outcome\",\"Reason\"\r\n";

/// The results file's lines for these rows (it is written a part at a time).
pub fn results_csv_lines(rows: &[ImportRowResult]) -> String {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.line.to_string(),
                r.email.clone(),
                r.outcome.as_str().into(),
                r.reason(),
            ]
        })
        .collect();
    csv(&table)
}

/// One line per problem: row, column, value, problem.
pub fn errors_csv(errors: &[ErrorLine]) -> String {
    let mut out = ERRORS_CSV_HEADER.to_string();
    out.push_str(&errors_csv_lines(errors));
    out
}

/// The first line of [`errors_csv`].
pub const ERRORS_CSV_HEADER: &str = "\"Row\",\"Column\",\"Value\",\"Problem\"\r\n";

/// [`errors_csv`] without its header: for a file written a part at a time.
pub fn errors_csv_lines(errors: &[ErrorLine]) -> String {
    let table: Vec<Vec<String>> = errors
        .iter()
        .map(|e| {
            vec![
                e.line.to_string(),
                e.column.clone(),
                e.value.clone(),
                e.problem.clone(),
            ]
        })
        .collect();
    csv(&table)
}

/// The same lines as tab-separated text, as Excel pastes it.
pub fn errors_tsv(errors: &[ErrorLine]) -> String {
    let clean = |s: &str| neutralize(s).replace(['\t', '\r', '\n'], " ");
    let mut out = String::from("Row\tColumn\tValue\tProblem\n");
    for e in errors {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            e.line,
            clean(&e.column),
            clean(&e.value),
            clean(&e.problem)
        ));
    }
    out
}

/// One problem, as the error downloads list it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorLine {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub problem: String,
}

/// Every cell problem of the report, for "Download errors" and "Copy errors".
pub fn report_error_lines(report: &ImportReport) -> Vec<ErrorLine> {
    let header = |column: Option<usize>| {
        column
            .and_then(|c| report.columns.get(c))
            .map(|c| {
                c.header
                    .clone()
                    .unwrap_or_else(|| c.field.label().to_string())
            })
            .unwrap_or_default()
    };
    report
        .file_issues
        .iter()
        .map(|i| ErrorLine {
            line: 0,
            column: header(i.column),
            value: String::new(),
            problem: i.code.message(),
        })
        .chain(report.rows.iter().flat_map(|row| {
            row.issues.iter().map(move |i| ErrorLine {
                line: row.line,
                column: header(i.column),
                value: i.value.clone(),
                problem: i.code.message(),
            })
        }))
        .collect()
}

/// Every problem of an import's result: each row that failed or was not imported, one line
/// per problem under the column it is about, then problems with the input as a whole.
pub fn result_error_lines(result: &ImportResult) -> Vec<ErrorLine> {
    result
        .rows
        .iter()
        .flat_map(row_error_lines)
        .chain(result.problems.iter().map(|p| ErrorLine {
            line: 0,
            column: String::new(),
            value: String::new(),
            problem: p.code.message(),
        }))
        .collect()
}

/// A row's problems as error lines, when the row was not imported (failed or skipped).
pub fn row_error_lines(row: &ImportRowResult) -> impl Iterator<Item = ErrorLine> + '_ {
    let listed = matches!(
        row.outcome,
        RowOutcomeKind::Failed | RowOutcomeKind::Skipped
    );
    row.problems
        .iter()
        .filter(move |_| listed)
        .map(move |p| ErrorLine {
            line: row.line,
            column: p.field.map(|f| f.label().to_string()).unwrap_or_default(),
            value: if p.value.is_empty() && p.field.is_none() {
                row.email.clone()
            } else {
                p.value.clone()
            },
            problem: p.code.message(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_looking_cells_are_neutralised() {
        for bad in [
            "=HYPERLINK(\"http://evil\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(neutralize(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralize("maria@example.com"), "maria@example.com");
    }

    #[test]
    fn error_exports_quote_and_neutralise_every_cell() {
        let errors = vec![ErrorLine {
            line: 3,
            column: "Email".into(),
            value: "=cmd|' /C calc'!A0".into(),
            problem: "Enter an email, \"please\"".into(),
        }];
        let csv = errors_csv(&errors);
        assert!(csv.contains("\"'=cmd|' /C calc'!A0\""), "{csv}");
        assert!(csv.contains("\"Enter an email, \"\"please\"\"\""));
        let tsv = errors_tsv(&errors);
        assert!(tsv.lines().nth(1).unwrap().starts_with("3\tEmail\t'=cmd"));
    }

    #[test]
    fn the_headers_of_files_written_in_parts_are_quoted_like_their_lines() {
        let cells = |names: &[&str]| csv(&[names.iter().map(|n| n.to_string()).collect()]);
        assert_eq!(
            RESULTS_CSV_HEADER,
            cells(&["Row", "Email", "Outcome", "Reason"])
        );
        assert_eq!(
            ERRORS_CSV_HEADER,
            cells(&["Row", "Column", "Value", "Problem"])
        );
    }
}
