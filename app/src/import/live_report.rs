//! The preview's report, kept up to date while the admin edits: only the rows that changed are
//! checked again, with the rows whose duplicate status changes with them (an index of email
//! keys and external IDs → the lines holding them). It always equals a full [`analyze`] of the
//! same table (property-tested in `live_report_tests.rs`), and it is built in slices so that
//! the browser can paint and answer between them.
//!
//! [`analyze`]: super::analyze

use super::analyze::{frame, Columns, ImportContext, ImportReport, RowOutcome};
use super::columns::MAPPING_ROWS;
use super::row_check::{check_row, RoleIndex};
use super::{ImportField, ImportIssue, ImportIssueCode, MappingChoice, Table};
use crate::rules::Email;
use std::collections::{BTreeSet, HashMap};
use std::ops::Deref;

/// What one row is compared with others on: its email as parsed (when valid and not in use by
/// an account) and its external ID.
#[derive(Debug, Clone, Default)]
struct RowKeys {
    email: Option<Box<str>>,
    external_id: Option<Box<str>>,
}

/// Key → the lines holding it, in order.
type Groups = HashMap<String, Vec<u32>>;

#[derive(Debug, Default)]
pub struct LiveReport {
    report: ImportReport,
    /// What the admin chose; the frame is made from it again when rows it reads change.
    choice: MappingChoice,
    /// `None` when no row can be checked (see [`frame`]).
    resolved: Option<Columns>,
    /// Per report row.
    keys: Vec<RowKeys>,
    emails: Groups,
    external_ids: Groups,
    complete: bool,
    valid: usize,
    /// Lines of the rows checked since [`LiveReport::take_fresh_emails`] last took them.
    fresh: Vec<u32>,
}

impl Deref for LiveReport {
    type Target = ImportReport;

    fn deref(&self) -> &ImportReport {
        &self.report
    }
}

impl LiveReport {
    /// The whole report at once.
    pub fn new(table: &Table, choice: &MappingChoice, context: &ImportContext<'_>) -> LiveReport {
        let mut live = LiveReport::start(table, choice, context);
        live.advance(table, context, usize::MAX);
        live
    }

    /// The report's frame (header, columns, problems with the input as a whole); no row is
    /// checked yet: [`LiveReport::advance`] checks them.
    pub fn start(table: &Table, choice: &MappingChoice, context: &ImportContext<'_>) -> LiveReport {
        let (report, columns) = frame(table, choice, context);
        LiveReport {
            choice: choice.clone(),
            complete: columns.is_none(),
            report,
            keys: Vec::new(),
            emails: HashMap::new(),
            external_ids: HashMap::new(),
            resolved: columns,
            valid: 0,
            fresh: Vec::new(),
        }
    }

    /// Checks up to `max_rows` more rows of `table` (the table `start` framed). Duplicates are
    /// marked once the last row is in; returns whether it is.
    pub fn advance(&mut self, table: &Table, context: &ImportContext<'_>, max_rows: usize) -> bool {
        let Some(columns) = self.resolved.filter(|_| !self.complete) else {
            return true;
        };
        if self.report.rows.is_empty() {
            // Room for every row at the first slice: growing the indexes row by row rehashes
            // them again and again (half of the checking time at 500,000 rows in the browser).
            let rows = table.rows.len().saturating_sub(self.first_data_row());
            let room = |column: Option<usize>| if column.is_some() { rows } else { 0 };
            self.report.rows.reserve(rows);
            self.keys.reserve(rows);
            self.emails.reserve(room(columns.email));
            self.external_ids.reserve(room(columns.external_id));
        }
        let roles = RoleIndex::new(context);
        let first = self.first_data_row() + self.report.rows.len();
        let end = first.saturating_add(max_rows).min(table.rows.len());
        for row in first..end {
            let (outcome, keys) = check(table, row, &columns, &roles, context);
            let line = outcome.line;
            if let Some(email) = &keys.email {
                self.fresh.push(line);
                group_add(&mut self.emails, Email::key_of(email), line);
            }
            if let Some(id) = &keys.external_id {
                group_add(&mut self.external_ids, id.to_string(), line);
            }
            self.report.rows.push(outcome);
            self.keys.push(keys);
        }
        if end < table.rows.len() {
            return false;
        }
        // Every row is in: mark the duplicates on their bases.
        let lines: BTreeSet<u32> = [&self.emails, &self.external_ids]
            .into_iter()
            .flat_map(|groups| groups.values().filter(|g| g.len() > 1).flatten().copied())
            .collect();
        for line in lines {
            let index = self.index_of(line);
            let base = std::mem::replace(&mut self.report.rows[index], placeholder(line));
            self.settle(index, base);
        }
        self.valid = self.report.rows.iter().filter(|r| r.user.is_some()).count();
        self.complete = true;
        true
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Data rows checked so far (all of them once complete).
    pub fn checked_rows(&self) -> usize {
        self.report.rows.len()
    }

    /// Counted as rows change, not by reading every row.
    pub fn valid_count(&self) -> usize {
        if self.complete {
            self.valid
        } else {
            self.report.valid_count()
        }
    }

    pub fn invalid_count(&self) -> usize {
        self.report.rows.len() - self.valid_count()
    }

    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    /// Up to `max` valid emails of rows checked since they were last taken (for asking the
    /// server which are already in use), the earliest first.
    pub fn take_fresh_emails(&mut self, max: usize) -> Vec<String> {
        let mut emails = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut taken = 0;
        for line in &self.fresh {
            if emails.len() == max {
                break;
            }
            taken += 1;
            // A row changed twice is listed twice; its email as it is now is taken once.
            if !seen.insert(*line) {
                continue;
            }
            if let Ok(index) = self.report.rows.binary_search_by_key(line, |r| r.line) {
                emails.extend(self.keys[index].email.as_deref().map(str::to_string));
            }
        }
        self.fresh.drain(..taken);
        emails
    }

    /// Re-checks these rows (indexes into `table.rows`) after their cells changed — typed
    /// over, roles assigned — and every row whose duplicate status changes with them.
    ///
    /// While rows are still being checked this costs no more than once the report is complete:
    /// a row not reached yet is checked when it is, a row already checked is checked again on
    /// its own (duplicates are marked for every row once the last one is in).
    pub fn rows_changed(&mut self, table: &Table, context: &ImportContext<'_>, rows: &[usize]) {
        if rows.iter().any(|r| *r < MAPPING_ROWS) && self.reframed(table, context) {
            return;
        }
        let Some(columns) = self.resolved else {
            return;
        };
        let roles = RoleIndex::new(context);
        let first = self.first_data_row();
        if !self.complete {
            let mut unmarked = BTreeSet::new();
            for index in rows.iter().filter_map(|r| r.checked_sub(first)) {
                if index >= self.report.rows.len() {
                    continue;
                }
                let line = self.report.rows[index].line;
                let old = std::mem::take(&mut self.keys[index]);
                self.unindex(line, &old, &mut unmarked);
                let (outcome, keys) = check(table, first + index, &columns, &roles, context);
                self.index(line, &keys, &mut unmarked);
                if keys.email.is_some() {
                    self.fresh.push(line);
                }
                self.keys[index] = keys;
                self.report.rows[index] = outcome;
            }
            return;
        }
        let mut touched = BTreeSet::new();
        let mut bases = HashMap::new();
        for index in rows.iter().filter_map(|r| r.checked_sub(first)) {
            if index >= self.report.rows.len() || bases.contains_key(&index) {
                continue;
            }
            let line = self.report.rows[index].line;
            let old = std::mem::take(&mut self.keys[index]);
            self.unindex(line, &old, &mut touched);
            let (outcome, keys) = check(table, first + index, &columns, &roles, context);
            self.index(line, &keys, &mut touched);
            if keys.email.is_some() {
                self.fresh.push(line);
            }
            self.keys[index] = keys;
            bases.insert(index, outcome);
            touched.insert(line);
        }
        for line in touched {
            let index = self.index_of(line);
            let base = bases
                .remove(&index)
                .unwrap_or_else(|| check(table, first + index, &columns, &roles, context).0);
            self.settle(index, base);
        }
    }

    /// Removes these rows (indexes into `table.rows`) from the table and from the report, and
    /// re-checks the rows they were duplicates of.
    pub fn remove_rows(&mut self, table: &mut Table, context: &ImportContext<'_>, rows: &[usize]) {
        self.finish(table, context);
        let first = self.first_data_row();
        let removed: BTreeSet<usize> = rows
            .iter()
            .filter_map(|r| r.checked_sub(first))
            .filter(|i| *i < self.report.rows.len())
            .collect();
        if removed.is_empty() {
            return;
        }
        let mut touched = BTreeSet::new();
        for &index in &removed {
            let line = self.report.rows[index].line;
            let old = std::mem::take(&mut self.keys[index]);
            self.unindex(line, &old, &mut touched);
            if self.report.rows[index].user.is_some() {
                self.valid -= 1;
            }
        }
        let gone = |i: &usize| removed.contains(i);
        retain_positions(&mut table.rows, |i| i < first || !gone(&(i - first)));
        retain_positions(&mut self.report.rows, |i| !gone(&i));
        retain_positions(&mut self.keys, |i| !gone(&i));
        if self.reframed(table, context) {
            return;
        }
        let Some(columns) = self.resolved else {
            return;
        };
        let roles = RoleIndex::new(context);
        for line in touched {
            if let Ok(index) = self.report.rows.binary_search_by_key(&line, |r| r.line) {
                let base = check(table, first + index, &columns, &roles, context).0;
                self.settle(index, base);
            }
        }
    }

    /// Re-checks the rows holding these email keys after `context.existing_email_keys` gained
    /// them.
    pub fn emails_taken(&mut self, table: &Table, context: &ImportContext<'_>, keys: &[String]) {
        // Rows not checked yet are checked with `context`, which knows these emails.
        let first = self.first_data_row();
        let rows: Vec<usize> = keys
            .iter()
            .filter_map(|key| self.emails.get(key))
            .flatten()
            .map(|line| first + self.index_of(*line))
            .collect();
        self.rows_changed(table, context, &rows);
    }

    /// Makes the frame again (the header, the columns, whether any row is left) and, when it
    /// is not what it was, the whole report with it. Returns whether it did.
    fn reframed(&mut self, table: &Table, context: &ImportContext<'_>) -> bool {
        let (frame, _) = frame(table, &self.choice, context);
        let same = frame.header_row == self.report.header_row
            && frame.columns == self.report.columns
            && frame.file_issues == self.report.file_issues
            && frame.notices == self.report.notices;
        if !same {
            // Still being checked: start again, and the slices go on from the first row.
            let choice = self.choice.clone();
            *self = if self.complete {
                LiveReport::new(table, &choice, context)
            } else {
                LiveReport::start(table, &choice, context)
            };
        }
        !same
    }

    fn finish(&mut self, table: &Table, context: &ImportContext<'_>) {
        if !self.complete {
            self.advance(table, context, usize::MAX);
        }
    }

    fn index_of(&self, line: u32) -> usize {
        self.report
            .rows
            .binary_search_by_key(&line, |r| r.line)
            .expect("every indexed line is a row of the report")
    }

    /// Takes a row's keys out of the index; the rows left in its groups are `touched`.
    fn unindex(&mut self, line: u32, keys: &RowKeys, touched: &mut BTreeSet<u32>) {
        if let Some(email) = &keys.email {
            group_remove(&mut self.emails, &Email::key_of(email), line, touched);
        }
        if let Some(id) = &keys.external_id {
            group_remove(&mut self.external_ids, id, line, touched);
        }
    }

    /// Puts a row's keys into the index; the rows of a group it makes or joins are `touched`.
    fn index(&mut self, line: u32, keys: &RowKeys, touched: &mut BTreeSet<u32>) {
        let groups = [
            keys.email
                .as_deref()
                .map(|email| (&mut self.emails, Email::key_of(email))),
            keys.external_id
                .as_deref()
                .map(|id| (&mut self.external_ids, id.to_string())),
        ];
        for (groups, key) in groups.into_iter().flatten() {
            let group = groups.entry(key).or_default();
            let at = group.partition_point(|l| *l < line);
            group.insert(at, line);
            if group.len() > 1 {
                touched.extend(group.iter().copied());
            }
        }
    }

    /// Stores a row's outcome: its own problems (`base`, from `check`) and its duplicates,
    /// in the order `analyze` finds them.
    fn settle(&mut self, index: usize, mut base: RowOutcome) {
        let duplicates = self.duplicates(index, base.line);
        base.issues.extend(duplicates);
        if !base.issues.is_empty() {
            base.user = None;
        }
        let was_valid = self.report.rows[index].user.is_some();
        let is_valid = base.user.is_some();
        self.report.rows[index] = base;
        if self.complete {
            self.valid = self.valid + usize::from(is_valid) - usize::from(was_valid);
        }
    }

    /// A row's duplicate problems. `analyze` reports a later row when it reaches it (email,
    /// then external ID), and the first row of a group once, when it reaches the second (so
    /// after the first row's own, in the order of those second rows).
    fn duplicates(&self, index: usize, line: u32) -> Vec<ImportIssue> {
        let Some(columns) = self.resolved else {
            return Vec::new();
        };
        let keys = &self.keys[index];
        let email_of = |line: u32| self.keys[self.index_of(line)].email.as_deref();
        let id_of = |line: u32| self.keys[self.index_of(line)].external_id.as_deref();
        let found = [
            keys.email.as_deref().and_then(|email| {
                duplicate(
                    self.emails.get(&Email::key_of(email))?,
                    line,
                    email,
                    email_of,
                    (ImportField::Email, columns.email),
                    |other_line| ImportIssueCode::EmailDuplicateInInput { other_line },
                )
            }),
            keys.external_id.as_deref().and_then(|id| {
                duplicate(
                    self.external_ids.get(id)?,
                    line,
                    id,
                    id_of,
                    (ImportField::ExternalId, columns.external_id),
                    |other_line| ImportIssueCode::ExternalIdDuplicateInInput { other_line },
                )
            }),
        ];
        let (mut firsts, laters): (Vec<_>, Vec<_>) = found
            .into_iter()
            .flatten()
            .partition(|found| found.first_of_group);
        firsts.sort_by_key(|found| found.reported_at);
        laters
            .into_iter()
            .chain(firsts)
            .map(|found| found.issue)
            .collect()
    }
}

/// A duplicate problem of one row, and when `analyze` would report it.
struct Duplicate {
    first_of_group: bool,
    /// The line whose checking reports it.
    reported_at: u32,
    issue: ImportIssue,
}

fn duplicate<'a>(
    group: &[u32],
    line: u32,
    own: &str,
    value_of: impl Fn(u32) -> Option<&'a str>,
    (field, column): (ImportField, Option<usize>),
    code: impl Fn(u32) -> ImportIssueCode,
) -> Option<Duplicate> {
    if group.len() < 2 {
        return None;
    }
    let first_of_group = group[0] == line;
    // The first row is reported with the second's value, every later row with its own.
    let (other_line, reported_at, value) = if first_of_group {
        (group[1], group[1], value_of(group[1])?)
    } else {
        (group[0], line, own)
    };
    Some(Duplicate {
        first_of_group,
        reported_at,
        issue: ImportIssue {
            line: Some(line),
            column,
            field: Some(field),
            code: code(other_line),
            value: value.to_string(),
        },
    })
}

/// One data row checked alone: its own problems and user, and its keys.
fn check(
    table: &Table,
    row: usize,
    columns: &Columns,
    roles: &RoleIndex<'_>,
    context: &ImportContext<'_>,
) -> (RowOutcome, RowKeys) {
    let source = &table.rows[row];
    let mut outcome = placeholder(source.line);
    let checked = check_row(&source.cells, columns, roles, context, &mut outcome);
    outcome.user = checked
        .user
        .filter(|_| outcome.issues.is_empty())
        .map(Box::new);
    let keys = RowKeys {
        email: checked.email.map(|e| e.as_str().into()),
        external_id: checked.external_id.map(String::into_boxed_str),
    };
    (outcome, keys)
}

fn placeholder(line: u32) -> RowOutcome {
    RowOutcome {
        line,
        user: None,
        issues: Vec::new(),
        notices: Vec::new(),
    }
}

fn group_add(groups: &mut Groups, key: String, line: u32) {
    groups.entry(key).or_default().push(line);
}

fn group_remove(groups: &mut Groups, key: &str, line: u32, touched: &mut BTreeSet<u32>) {
    if let Some(group) = groups.get_mut(key) {
        group.retain(|l| *l != line);
        touched.extend(group.iter().copied());
        if group.is_empty() {
            groups.remove(key);
        }
    }
}

/// `Vec::retain` by position.
fn retain_positions<T>(list: &mut Vec<T>, keep: impl Fn(usize) -> bool) {
    let mut position = 0;
    list.retain(|_| {
        let kept = keep(position);
        position += 1;
        kept
    });
}

#[cfg(test)]
#[path = "live_report_tests.rs"]
mod tests;
