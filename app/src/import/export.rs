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

/// Every row with its outcome.
pub fn results_csv(rows: &[ImportRowResult]) -> String {
    let mut table = vec![vec![
        "Row".into(),
        "Email".into(),
        "Outcome".into(),
        "Reason".into(),
    ]];
    table.extend(rows.iter().map(|r| {
        vec![
            r.line.to_string(),
            r.email.clone(),
            r.outcome.as_str().into(),
            r.reason(),
        ]
    }));
    csv(&table)
}

/// One line per problem: row, column, value, problem.
pub fn errors_csv(errors: &[ErrorLine]) -> String {
    let mut table = vec![vec![
        "Row".into(),
        "Column".into(),
        "Value".into(),
        "Problem".into(),
    ]];
    table.extend(errors.iter().map(|e| {
        vec![
            e.line.to_string(),
            e.column.clone(),
            e.value.clone(),
            e.problem.clone(),
        ]
    }));
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
        .filter(|r| matches!(r.outcome, RowOutcomeKind::Failed | RowOutcomeKind::Skipped))
        .flat_map(|r| {
            r.problems.iter().map(move |p| ErrorLine {
                line: r.line,
                column: p.field.map(|f| f.label().to_string()).unwrap_or_default(),
                value: if p.value.is_empty() && p.field.is_none() {
                    r.email.clone()
                } else {
                    p.value.clone()
                },
                problem: p.code.message(),
            })
        })
        .chain(result.problems.iter().map(|p| ErrorLine {
            line: 0,
            column: String::new(),
            value: String::new(),
            problem: p.code.message(),
        }))
        .collect()
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
}
