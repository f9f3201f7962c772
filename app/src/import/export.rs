//! Results and errors as CSV (for download) and tab-separated text (for the clipboard, to
//! fix in Excel and paste back). Every cell that a spreadsheet could run as a formula is
//! neutralised: formula injection is a real attack on administrators.

use crate::model::ImportRowResult;

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
            r.message.clone(),
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

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorLine {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub problem: String,
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
