use crate::import::edits::diff;
use crate::import::{
    analyze, read_source, ImportContext, ImportIssue, ImportLimits, ImportReport, ImportSource,
    MappingChoice, Table,
};
use crate::import::{HeaderChoice, ImportOptions, ImportResult, ImportUpload};
use crate::model::{RoleInfo, UserKind};
use crate::rules::Email;
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
/// of truth; the report is recomputed from it by the same engine the server runs.
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
    /// The server's job for this import, once the upload is accepted.
    pub job: RwSignal<Option<i64>>,
    /// Why the upload was refused (shown on the preview).
    pub upload_error: RwSignal<Option<crate::error::AppError>>,
    /// Email keys the server said are taken, and those already asked about.
    pub taken: RwSignal<HashSet<String>>,
    pub asked: StoredValue<HashSet<String>>,
    pub report: Memo<ImportReport>,
    pub selection: RwSignal<HashSet<usize>>,
    pub options: RwSignal<ImportOptions>,
    pub result: RwSignal<Option<ImportResult>>,
    pub problems_only: RwSignal<bool>,
    pub page: RwSignal<usize>,
    /// The report row "Next problem" went to last.
    pub problem_cursor: StoredValue<Option<usize>>,
}

pub const PAGE_SIZE: usize = 100;

impl ImportState {
    pub fn new(kind: UserKind, organization_id: Option<i64>, roles: Vec<RoleInfo>) -> ImportState {
        let roles = StoredValue::new(roles);
        let table = RwSignal::new(Table::default());
        let mapping = RwSignal::new(MappingChoice::default());
        let taken = RwSignal::new(HashSet::new());
        let report = Memo::new(move |_| {
            let table = table.read();
            let mapping = mapping.read();
            let taken = taken.read();
            roles.with_value(|known| {
                let context = ImportContext {
                    kind,
                    known_roles: known,
                    existing_email_keys: &taken,
                    limits: ImportLimits::default(),
                };
                analyze(&table, &mapping, &context)
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
            job: RwSignal::new(None),
            upload_error: RwSignal::new(None),
            taken,
            asked: StoredValue::new(HashSet::new()),
            report,
            selection: RwSignal::new(HashSet::new()),
            options: RwSignal::new(ImportOptions::default()),
            result: RwSignal::new(None),
            problems_only: RwSignal::new(false),
            page: RwSignal::new(0),
            problem_cursor: StoredValue::new(None),
        }
    }

    /// Loads what was pasted or uploaded and moves to the preview when there are rows.
    pub fn load(&self, source: ImportSource<'_>, source_name: String) {
        // A new source is a new import: it gets its own idempotency key.
        self.key.set_value(String::new());
        self.pasted.set_value(match &source {
            ImportSource::Pasted(text) => Some(text.to_string()),
            ImportSource::File { .. } => None,
        });
        let read = read_source(source, &ImportLimits::default());
        self.mapping.set(MappingChoice::default());
        self.selection.set(HashSet::new());
        self.page.set(0);
        self.sheets.set(read.sheets);
        self.sheet.set(read.sheet);
        self.source_name.set(source_name);
        self.read_issues.set(read.issues);
        let has_rows = !read.table.rows.is_empty();
        self.table.set(read.table);
        if has_rows {
            self.preselect_default_role();
            self.step.set(Step::Preview);
        }
    }

    /// End users need a role: empty roles cells, or a missing Roles column, get the default
    /// end-user role, visibly, for the admin to change.
    pub fn preselect_default_role(&self) {
        if self.kind != UserKind::EndUser {
            return;
        }
        let Some(default) = self.roles.with_value(|r| {
            r.iter()
                .find(|r| r.is_default && r.applies_to == UserKind::EndUser)
                .map(|r| r.name.clone())
        }) else {
            return;
        };
        let report = self.report.get_untracked();
        let mut table = self.table.get_untracked();
        let mut mapping = self.mapping.get_untracked();
        if crate::import::edit::fill_default_role(&mut table, &mut mapping, &report, &default) > 0 {
            self.mapping.set(mapping);
            self.table.set(table);
        }
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

    /// Index in `table.rows` of the report's `i`th data row.
    pub fn table_row(&self, report_row: usize) -> usize {
        report_row + self.report.with(|r| r.first_data_row())
    }

    /// Emails in the table that pass the rules and were not yet asked about.
    pub fn emails_to_ask(&self) -> Vec<String> {
        let report = self.report.get_untracked();
        let Some(column) = report
            .columns
            .iter()
            .find(|c| c.field == crate::import::ImportField::Email)
            .map(|c| c.column)
        else {
            return Vec::new();
        };
        let offset = report.first_data_row();
        self.table.with_untracked(|t| {
            self.asked.with_value(|asked| {
                t.rows
                    .iter()
                    .skip(offset)
                    .filter_map(|r| r.cells.get(column))
                    .filter(|e| Email::parse(e).is_ok() && !asked.contains(&Email::key_of(e)))
                    .take(crate::import::EMAILS_PER_CHECK)
                    .cloned()
                    .collect()
            })
        })
    }
}
