use super::virtual_rows::{self, Scroll};
use crate::browser;
use crate::import::edits::diff;
use crate::import::{
    edit, read_source, ImportContext, ImportField, ImportIssue, ImportLimits, ImportSource,
    LiveReport, MappingChoice, RowFilter, SourceReader, Table,
};
use crate::import::{HeaderChoice, ImportOptions, ImportResult, ImportUpload};
use crate::model::{RoleInfo, UserKind};
use leptos::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Input,
    Preview,
    /// Uploading, then the server's job: progress, Cancel.
    Running,
    Result,
}

/// Everything the modal knows, as `Copy` signals shared by its parts. The table is the source
/// of truth; the report is checked from it by the same engine the server runs, in slices that
/// leave the browser free between them, and then kept up to date row by row as the admin
/// edits (every change goes through the methods below, which change both).
#[derive(Clone, Copy)]
pub struct ImportState {
    pub kind: UserKind,
    pub organization_id: Option<i64>,
    pub roles: StoredValue<Vec<RoleInfo>>,
    pub step: RwSignal<Step>,
    pub table: RwSignal<Table>,
    pub mapping: RwSignal<MappingChoice>,
    pub source_name: RwSignal<String>,
    pub read_issues: RwSignal<Vec<ImportIssue>>,
    pub sheets: RwSignal<Vec<String>>,
    pub sheet: RwSignal<Option<String>>,
    pub file: StoredValue<Option<Vec<u8>>>,
    /// The pasted text as pasted (sent with the edits, for the server to read itself).
    pub pasted: StoredValue<Option<String>>,
    /// One key per import attempt: a double click or a retried upload imports once.
    pub key: StoredValue<String>,
    /// Bytes sent of the upload, and its size, while it goes out.
    pub sent: RwSignal<Option<(f64, f64)>>,
    /// Rows read so far while a source is read in slices.
    pub reading: RwSignal<Option<usize>>,
    /// The server's job for this import, once the upload is accepted.
    pub job: RwSignal<Option<i64>>,
    /// Why the upload was refused (shown on the preview).
    pub upload_error: RwSignal<Option<crate::error::AppError>>,
    /// Email keys the server said are taken, and those already asked about.
    pub taken: RwSignal<HashSet<String>>,
    pub asked: StoredValue<HashSet<String>>,
    /// Emails of a batch the server did not answer, asked first next time.
    pub unanswered: StoredValue<Vec<String>>,
    pub report: RwSignal<LiveReport>,
    /// Which build of the report the slices being checked belong to (a new source or mapping
    /// starts a new one; the old one's slices stop).
    pub build: StoredValue<u64>,
    /// Which source is arriving (a paste copied in, a workbook read in parts): a newer one
    /// stops it.
    load: StoredValue<u64>,
    /// When the build being checked started.
    checking_since: StoredValue<f64>,
    pub selection: RwSignal<HashSet<usize>>,
    pub options: RwSignal<ImportOptions>,
    pub result: RwSignal<Option<ImportResult>>,
    /// Problems only, and what the admin searched for.
    pub filter: RwSignal<RowFilter>,
    /// The report rows the filter lets through, in order; `None`: every row.
    pub shown: Memo<Option<Vec<usize>>>,
    /// Where the preview's rows are scrolled to (pixels of rows above the viewport, and the
    /// viewport's height under the column headers).
    pub scroll: RwSignal<Scroll>,
    /// The grid's current cell: (position among the rows shown, column).
    pub active: RwSignal<(usize, usize)>,
}

/// The preview's scrolling element.
pub const SCROLLER_ID: &str = "preview-scroll";

/// How long one slice of checking may hold the browser before it paints and answers input.
const SLICE_MS: f64 = 16.0;
/// How often the page shows the rows checked so far while checking goes on.
const SHOW_EVERY_MS: f64 = 250.0;
/// UTF-16 code units of a large paste copied into the page per task (about 5 ms).
const PASTE_UNITS_PER_TASK: u32 = 4_000_000;
/// Rows checked between looks at the clock.
const ROWS_PER_LOOK: usize = 1_000;

impl ImportState {
    pub fn new(kind: UserKind, organization_id: Option<i64>, roles: Vec<RoleInfo>) -> ImportState {
        let roles = StoredValue::new(roles);
        let table = RwSignal::new(Table::default());
        let mapping = RwSignal::new(MappingChoice::default());
        let taken = RwSignal::new(HashSet::new());
        let report = RwSignal::new(LiveReport::default());
        let filter = RwSignal::new(RowFilter::default());
        let shown = Memo::new(move |_| {
            filter.with(|filter| {
                if filter.is_empty() {
                    return None;
                }
                report.with(|report| table.with(|table| filter.rows(report, table)))
            })
        });
        ImportState {
            kind,
            organization_id,
            roles,
            step: RwSignal::new(Step::Input),
            table,
            mapping,
            source_name: RwSignal::new(String::new()),
            read_issues: RwSignal::new(Vec::new()),
            sheets: RwSignal::new(Vec::new()),
            sheet: RwSignal::new(None),
            file: StoredValue::new(None),
            pasted: StoredValue::new(None),
            key: StoredValue::new(String::new()),
            sent: RwSignal::new(None),
            reading: RwSignal::new(None),
            job: RwSignal::new(None),
            upload_error: RwSignal::new(None),
            taken,
            asked: StoredValue::new(HashSet::new()),
            unanswered: StoredValue::new(Vec::new()),
            report,
            build: StoredValue::new(0),
            load: StoredValue::new(0),
            checking_since: StoredValue::new(0.0),
            selection: RwSignal::new(HashSet::new()),
            options: RwSignal::new(ImportOptions::default()),
            result: RwSignal::new(None),
            filter,
            shown,
            scroll: RwSignal::new(Scroll {
                scroll: 0.0,
                viewport: 480.0,
            }),
            active: RwSignal::new((0, 0)),
        }
    }

    /// Loads pasted text and moves to the preview when there are rows. The text is read in
    /// slices (the browser paints between them, showing how many rows are read). It is kept
    /// as pasted for the import (the server reads it itself), beside the reader's own copy.
    pub fn load_pasted(&self, text: String, source_name: String) {
        self.load_text(text, source_name, browser::timer_ms());
    }

    /// A paste too large for the paste box: its text is copied in from the browser a part per
    /// task ("Reading…" shows at once), then loaded as any paste.
    pub fn load_large_paste(&self, paste: browser::LargePaste) {
        let started = browser::timer_ms();
        let load = self.new_load();
        self.reading.set(Some(0));
        let text = String::with_capacity(paste.units());
        self.receive(paste, text, load, started);
    }

    fn receive(&self, mut paste: browser::LargePaste, mut text: String, load: u64, started: f64) {
        if !self.is_latest_load(load) {
            return;
        }
        if !paste.read(&mut text, PASTE_UNITS_PER_TASK) {
            let state = *self;
            browser::soon(move || state.receive(paste, text, load, started));
            return;
        }
        browser::measure_since("import: paste received", started);
        self.load_text(text, "Pasted text".into(), started);
    }

    fn load_text(&self, text: String, source_name: String, started: f64) {
        self.pasted.set_value(Some(text.clone()));
        // Reading starts in a task of its own: a copy of tens of megabytes is enough for one.
        let load = self.new_load();
        let state = *self;
        browser::soon(move || {
            if state.is_latest_load(load) {
                let reader = SourceReader::pasted(text, &ImportLimits::default());
                state.begin(reader, source_name, started);
            }
        });
    }

    /// Loads an uploaded file (a workbook's `sheet`, or its first) as `load_pasted` does text;
    /// a workbook's cells are read in parts of about [`SLICE_MS`] ("Reading… 180,000 rows").
    pub fn load_file(&self, bytes: &[u8], sheet: Option<&str>, source_name: String) {
        let started = browser::timer_ms();
        self.pasted.set_value(None);
        let load = self.new_load();
        let state = *self;
        let (bytes, sheet) = (bytes.to_vec(), sheet.map(str::to_owned));
        leptos::task::spawn_local(async move {
            let part_started = std::cell::Cell::new(browser::timer_ms());
            // Goes on while this is the latest load (not when another source took over, or the
            // modal closed).
            let mut pause = |rows: usize| {
                let due = browser::timer_ms() - part_started.get() > SLICE_MS;
                let part_started = &part_started;
                async move {
                    if due && state.is_latest_load(load) {
                        state.reading.set(Some(rows));
                        browser::next_task().await;
                        part_started.set(browser::timer_ms());
                    }
                    state.is_latest_load(load)
                }
            };
            let limits = ImportLimits::default();
            let read = SourceReader::file_pausing(&bytes, sheet.as_deref(), &limits, &mut pause);
            if let Some(reader) = read.await.filter(|_| state.is_latest_load(load)) {
                state.begin(reader, source_name, started);
            }
        });
    }

    /// A new source starts arriving: it replaces any still arriving, and stops the reading and
    /// checking of the one before. Returns its number, for [`ImportState::is_latest_load`].
    fn new_load(&self) -> u64 {
        self.build.update_value(|b| *b += 1);
        self.load.update_value(|l| *l += 1);
        self.load.get_value()
    }

    /// Whether `load` is still the source arriving: not when another took over or the modal
    /// was closed. A new mapping or header row (`check_all`) does not stop it.
    fn is_latest_load(&self, load: u64) -> bool {
        self.load.try_get_value() == Some(load)
    }

    fn begin(&self, reader: SourceReader<'static>, source_name: String, started: f64) {
        // A new source is a new import: it gets its own idempotency key.
        self.key.set_value(String::new());
        self.source_name.set(source_name);
        self.build.update_value(|b| *b += 1);
        self.read_slice(reader, self.build.get_value(), started);
    }

    /// `started`: when the source arrived (the page's timeline shows how long reading, the
    /// first rows and checking took from there, for the benchmark and the browser's profiler).
    fn read_slice(&self, mut reader: SourceReader<'static>, build: u64, started: f64) {
        if !self.is_current(build) {
            return;
        }
        if !for_one_slice(|| reader.advance(ROWS_PER_LOOK)) {
            self.reading.set(Some(reader.rows_read()));
            let state = *self;
            browser::soon(move || state.read_slice(reader, build, started));
            return;
        }
        browser::measure_since("import: source read", started);
        let finishing = browser::timer_ms();
        self.reading.set(None);
        let read = reader.finish();
        self.selection.set(HashSet::new());
        self.back_to_top();
        self.sheets.set(read.sheets);
        self.sheet.set(read.sheet);
        self.read_issues.set(read.issues);
        let has_rows = !read.table.rows.is_empty();
        self.table.set(read.table);
        self.check_all(MappingChoice::default(), true);
        if has_rows {
            self.step.set(Step::Preview);
        }
        browser::measure_since("import: end of reading", finishing);
        // After the rows are drawn (the page draws in microtasks after this task).
        browser::soon(move || browser::measure_since("import: first rows drawn", started));
    }

    /// Checks the whole table again with `choice` (a new source, header row or mapping):
    /// the frame at once, the rows in slices. End users need a role: with `default_role`,
    /// empty roles cells, or a missing Roles column, get the default end-user role first,
    /// visibly, for the admin to change.
    pub fn check_all(&self, choice: MappingChoice, default_role: bool) {
        let mut choice = choice;
        let default = default_role.then(|| self.default_role()).flatten();
        if let Some(default) = default {
            self.table.update(|table| {
                let frame = self.with_context(|context| LiveReport::start(table, &choice, context));
                edit::fill_default_role(table, &mut choice, &frame, &default);
            });
        }
        let report = self.table.with_untracked(|table| {
            self.with_context(|context| LiveReport::start(table, &choice, context))
        });
        self.mapping.set(choice);
        self.report.set(report);
        self.build.update_value(|b| *b += 1);
        self.checking_since.set_value(browser::timer_ms());
        self.check_slice(self.build.get_value(), None);
    }

    /// Checks rows for about [`SLICE_MS`], then lets the browser paint and answer before the
    /// next slice.
    /// `shown`: when the page last showed the report (`None`: not yet for this build). The
    /// page is told at most every [`SHOW_EVERY_MS`] while rows are checked, and when they are
    /// all in: showing the visible rows again after every slice would cost more than the slice.
    fn check_slice(&self, build: u64, shown: Option<f64>) {
        let state = *self;
        if !self.is_current(build) {
            return;
        }
        let done = self.table.with_untracked(|table| {
            self.with_context(|context| {
                self.report
                    .try_update_untracked(|live| {
                        for_one_slice(|| live.advance(table, context, ROWS_PER_LOOK))
                    })
                    .unwrap_or(true)
            })
        });
        let now = browser::timer_ms();
        let show = done || shown.is_none_or(|at| now - at > SHOW_EVERY_MS);
        if show {
            self.report.notify();
        }
        if done {
            browser::measure_since("import: rows checked", self.checking_since.get_value());
        }
        if !done {
            let shown = if show { Some(now) } else { shown };
            browser::soon(move || state.check_slice(build, shown));
        }
    }

    /// Whether `build` is still the report being made: not when a newer source or mapping took
    /// over, or the modal was closed (its state is gone).
    fn is_current(&self, build: u64) -> bool {
        self.build.try_get_value() == Some(build)
    }

    fn default_role(&self) -> Option<String> {
        if self.kind != UserKind::EndUser {
            return None;
        }
        self.roles.with_value(|r| {
            r.iter()
                .find(|r| r.is_default && r.applies_to == UserKind::EndUser)
                .map(|r| r.name.clone())
        })
    }

    /// What the engine needs from the world: the roles, the emails the server said are taken.
    fn with_context<R>(&self, f: impl FnOnce(&ImportContext<'_>) -> R) -> R {
        let kind = self.kind;
        self.taken.with_untracked(|taken| {
            self.roles.with_value(|roles| {
                f(&ImportContext {
                    kind,
                    known_roles: roles,
                    existing_email_keys: taken,
                    limits: ImportLimits::default(),
                })
            })
        })
    }

    /// One cell typed over (`row` indexes `table.rows`).
    pub fn set_cell(&self, row: usize, column: usize, value: String) {
        self.table.update(|t| edit::set_cell(t, row, column, value));
        self.rows_changed(&[row]);
    }

    fn rows_changed(&self, rows: &[usize]) {
        self.table.with_untracked(|table| {
            self.with_context(|context| {
                self.report
                    .update(|live| live.rows_changed(table, context, rows))
            })
        });
    }

    /// Removes rows (indexes into `table.rows`).
    pub fn remove_rows(&self, rows: &[usize]) {
        self.with_context(|context| {
            self.report.update(|live| {
                self.table
                    .update(|table| live.remove_rows(table, context, rows))
            })
        });
    }

    /// Writes these role names into the rows' roles cells (adding a Roles column when there
    /// is none, which makes the columns new and so the whole report).
    pub fn assign_roles(&self, rows: &[usize], role_names: &[String]) {
        let had_column = self
            .report
            .with_untracked(|r| r.columns.iter().any(|c| c.field == ImportField::Roles));
        let mut mapping = self.mapping.get_untracked();
        self.report.with_untracked(|report| {
            self.table
                .update(|t| edit::assign_roles(t, &mut mapping, report, rows, role_names))
        });
        if had_column {
            self.rows_changed(rows);
        } else {
            self.check_all(mapping, false);
        }
    }

    /// The server did not answer about these emails: they are asked again after the next change.
    pub fn ask_again(&self, emails: Vec<String>) {
        self.unanswered.update_value(|u| u.extend(emails));
    }

    /// The server said these email keys belong to existing accounts.
    pub fn mark_taken(&self, keys: Vec<String>) {
        self.taken
            .update(|taken| taken.extend(keys.iter().cloned()));
        // The answer may come after the modal closed.
        self.table.try_with_untracked(|table| {
            self.with_context(|context| {
                self.report
                    .update(|live| live.emails_taken(table, context, &keys))
            })
        });
    }

    /// What the server needs to import what the preview shows: the source as given (pasted
    /// text, or the file's bytes) and the edits made to it, read again here from the source
    /// so that only the changes travel. `None` when the source is gone.
    pub fn upload(&self) -> Option<(ImportUpload, Vec<u8>)> {
        let limits = ImportLimits::default();
        let sheet = self.sheet.get_untracked();
        let (pasted, bytes) = match self.pasted.get_value() {
            Some(text) => (true, text.into_bytes()),
            None => (false, self.file.get_value()?),
        };
        let original = if pasted {
            read_source(
                ImportSource::Pasted(std::str::from_utf8(&bytes).ok()?),
                &limits,
            )
        } else {
            read_source(
                ImportSource::File {
                    bytes: &bytes,
                    sheet: sheet.as_deref(),
                },
                &limits,
            )
        }
        .table;
        let mut mapping = self.mapping.get_untracked();
        mapping.header = HeaderChoice::keep(self.report.with_untracked(|r| r.header_row));
        let edits = self.table.with_untracked(|edited| diff(&original, edited));
        let upload = ImportUpload {
            kind: self.kind,
            organization_id: self.organization_id,
            source_name: self.source_name.get_untracked(),
            pasted,
            sheet,
            source_rows: original.rows.len() as u32,
            edits,
            mapping,
            options: self.options.get_untracked(),
            idempotency_key: self.key.get_value(),
        };
        Some((upload, bytes))
    }

    /// How many rows the preview shows (all, or those the filter lets through).
    pub fn shown_len(&self) -> usize {
        self.shown.with(|shown| match shown {
            Some(rows) => rows.len(),
            None => self.report.with(|r| r.rows.len()),
        })
    }

    /// The report row at `position` among the rows shown.
    pub fn report_row_at(&self, position: usize) -> Option<usize> {
        self.shown.with(|shown| match shown {
            Some(rows) => rows.get(position).copied(),
            None => (position < self.report.with(|r| r.rows.len())).then_some(position),
        })
    }

    /// Rows above the header, drawn (greyed) above the data when no filter is on.
    pub fn above_header_rows(&self) -> usize {
        if !self.filter.with(RowFilter::is_empty) {
            return 0;
        }
        self.report.with(|r| r.header_row.unwrap_or(0))
    }

    /// Back to the first row and column (a new source, mapping or filter).
    pub fn back_to_top(&self) {
        self.active.set((0, 0));
        self.scroll.update(|s| s.scroll = 0.0);
        browser::set_scroll_top(SCROLLER_ID, 0.0);
    }

    /// Makes (`position` among the rows shown, `column`) the grid's current cell: scrolls it
    /// into view and focuses it once it is drawn.
    pub fn go_to(&self, position: usize, column: usize) {
        let rows = self.shown_len();
        let columns = self.report.with_untracked(|r| r.columns.len());
        if rows == 0 || columns == 0 {
            return;
        }
        let (position, column) = (position.min(rows - 1), column.min(columns - 1));
        self.active.set((position, column));
        let above = self.above_header_rows() as f64 * virtual_rows::ROW_PX;
        let at = self.scroll.get_untracked();
        if let Some(scroll) = virtual_rows::scroll_to_show(rows, position, at) {
            self.scroll.set(Scroll { scroll, ..at });
            browser::set_scroll_top(SCROLLER_ID, scroll + above);
        }
        let Some(row) = self.report_row_at(position) else {
            return;
        };
        focus_when_drawn(format!("cell-{}-{}", self.table_row(row), column), 20);
    }

    /// Index in `table.rows` of the report's `i`th data row.
    pub fn table_row(&self, report_row: usize) -> usize {
        report_row + self.report.with(|r| r.first_data_row())
    }

    /// The next batch of emails to ask the server about: a batch it did not answer, else valid
    /// emails of rows checked or changed since they were last taken, not asked about before
    /// (marked asked now); empty when there are none.
    pub fn next_emails_to_ask(&self) -> Vec<String> {
        let again = self
            .unanswered
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        if !again.is_empty() {
            return again;
        }
        loop {
            let Some(mut batch) = self.report.try_update_untracked(|live| {
                live.take_fresh_emails(crate::import::EMAILS_PER_CHECK)
            }) else {
                return Vec::new();
            };
            if batch.is_empty() {
                return batch;
            }
            self.asked.update_value(|asked| {
                batch.retain(|email| asked.insert(crate::rules::Email::key_of(email)));
            });
            if !batch.is_empty() {
                return batch;
            }
        }
    }
}

/// Focuses the element `id` as soon as it is drawn (a row scrolled to is drawn a moment later).
fn focus_when_drawn(id: String, tries: u8) {
    if browser::focus_if_present(&id) || tries == 0 {
        return;
    }
    set_timeout(
        move || focus_when_drawn(id, tries - 1),
        std::time::Duration::from_millis(16),
    );
}

/// Runs `step` (which answers whether the work is done) until it is done or [`SLICE_MS`] have
/// passed; returns whether it is done.
fn for_one_slice(mut step: impl FnMut() -> bool) -> bool {
    let started = browser::timer_ms();
    loop {
        if step() {
            return true;
        }
        if browser::timer_ms() - started > SLICE_MS {
            return false;
        }
    }
}
