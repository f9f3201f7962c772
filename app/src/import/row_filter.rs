//! Which of a report's rows the preview shows: all of them, only those with a problem, and/or
//! those whose name or email contains what the admin searched for.

use super::{ImportField, ImportReport, Table};

/// What the preview is filtered by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFilter {
    pub problems_only: bool,
    /// Matched, ignoring case, against the cells mapped to a name or the email.
    pub search: String,
}

impl RowFilter {
    pub fn is_empty(&self) -> bool {
        !self.problems_only && self.search.trim().is_empty()
    }

    /// The report rows (indexes into `report.rows`) this filter lets through, in order; `None`
    /// when it lets every row through (the caller then needs no list of half a million
    /// numbers).
    pub fn rows(&self, report: &ImportReport, table: &Table) -> Option<Vec<usize>> {
        if self.is_empty() {
            return None;
        }
        let needle = self.search.trim().to_lowercase();
        let searched: Vec<usize> = report
            .columns
            .iter()
            .filter(|c| {
                matches!(
                    c.field,
                    ImportField::FirstName
                        | ImportField::LastName
                        | ImportField::FullName
                        | ImportField::Email
                )
            })
            .map(|c| c.column)
            .collect();
        let first = report.first_data_row();
        let matches = |index: usize| {
            if needle.is_empty() {
                return true;
            }
            let Some(row) = table.rows.get(first + index) else {
                return false;
            };
            searched.iter().any(|c| {
                row.cells
                    .get(*c)
                    .is_some_and(|cell| contains_ignoring_case(cell, &needle))
            })
        };
        Some(
            (0..report.rows.len())
                .filter(|i| !self.problems_only || !report.rows[*i].issues.is_empty())
                .filter(|i| matches(*i))
                .collect(),
        )
    }
}

/// Whether `haystack` contains `needle` (already lowercase), ignoring case; ASCII text (most
/// cells) is compared without allocating.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.len() <= h.len() && h.windows(n.len().max(1)).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{analyze, ImportContext, ImportLimits, MappingChoice};
    use crate::model::UserKind;
    use std::collections::HashSet;

    fn report_of(text: &str) -> (ImportReport, Table) {
        let table = crate::import::read_source(
            crate::import::ImportSource::Pasted(text),
            &ImportLimits::default(),
        )
        .table;
        let taken = HashSet::new();
        let context = ImportContext {
            kind: UserKind::Technician,
            known_roles: &[],
            existing_email_keys: &taken,
            limits: ImportLimits::default(),
        };
        (analyze(&table, &MappingChoice::default(), &context), table)
    }

    const PEOPLE: &str = "First name\tLast name\tEmail\tNotes\n\
        Ana\tÖzil\tana@example.com\t\n\
        Ben\tStone\tnot-an-email\t\n\
        Cleo\tBenson\tcleo@example.com\tBen 123\n";

    #[test]
    fn an_empty_filter_lets_every_row_through_without_a_list() {
        let (report, table) = report_of(PEOPLE);
        assert_eq!(RowFilter::default().rows(&report, &table), None);
        let blank = RowFilter {
            problems_only: false,
            search: "   ".into(),
        };
        assert_eq!(blank.rows(&report, &table), None);
    }

    #[test]
    fn problems_only_keeps_the_rows_with_a_problem_in_order() {
        let (report, table) = report_of(PEOPLE);
        let filter = RowFilter {
            problems_only: true,
            search: String::new(),
        };
        assert_eq!(filter.rows(&report, &table), Some(vec![1]));
    }

    #[test]
    fn search_matches_names_and_email_ignoring_case_but_not_other_columns() {
        let (report, table) = report_of(PEOPLE);
        let search = |text: &str| RowFilter {
            problems_only: false,
            search: text.into(),
        };
        // "ben" is Ben's first name and Cleo's last; Cleo's notes, "Ben 123", are not searched.
        assert_eq!(search("BEN").rows(&report, &table), Some(vec![1, 2]));
        assert_eq!(search(" cleo@EX ").rows(&report, &table), Some(vec![2]));
        assert_eq!(search("özil").rows(&report, &table), Some(vec![0]));
        assert_eq!(search("ÖZIL").rows(&report, &table), Some(vec![0]));
        assert_eq!(search("123").rows(&report, &table), Some(vec![]));
    }

    #[test]
    fn search_and_problems_only_together_keep_rows_that_pass_both() {
        let (report, table) = report_of(PEOPLE);
        let filter = RowFilter {
            problems_only: true,
            search: "ben".into(),
        };
        assert_eq!(filter.rows(&report, &table), Some(vec![1]));
    }
}
