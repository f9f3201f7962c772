//! A queued import as the modal sends it: the source as the admin gave it (pasted text or the
//! file's bytes) and, beside it, this small description — the edits, the mapping and the
//! options — instead of every cell as JSON. The server reads the source with the same engine,
//! checks that it reads the rows the preview read, and applies the edits.

use super::edits::{apply, EditsRefused, TableEdits};
use super::{
    read_source, ImportIssue, ImportLimits, ImportOptions, ImportRequest, ImportSource,
    MappingChoice,
};
use crate::model::UserKind;
use serde::{Deserialize, Serialize};

/// Where the modal sends an upload (multipart: `request`, then `source`).
pub const UPLOAD_PATH: &str = "/api/import-uploads";

/// The `source` part's file name when the browser gzipped it (the server inflates it, and
/// its limit counts the inflated bytes: the source as the admin gave it).
pub const GZIPPED_SOURCE_NAME: &str = "source.gz";

/// Sources smaller than this go as they are (compressing would save less than it costs).
pub const GZIP_FROM_BYTES: usize = 64 * 1024;

/// Whether a source is worth gzipping before it is sent: text of some size, not a file that
/// is compressed already (an XLSX is a zip).
pub fn worth_gzipping(source: &[u8]) -> bool {
    source.len() >= GZIP_FROM_BYTES && !source.starts_with(b"PK\x03\x04")
}

/// The server's answer to an accepted upload (`202 Accepted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadAccepted {
    pub job_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportUpload {
    pub kind: UserKind,
    pub organization_id: Option<i64>,
    /// "Pasted text" or the uploaded file's name.
    pub source_name: String,
    /// True when the source is pasted text (UTF-8), false for a file's bytes.
    pub pasted: bool,
    /// For a workbook: the sheet the preview showed.
    #[serde(default)]
    pub sheet: Option<String>,
    /// How many rows the preview read from the source; the server's reading must agree.
    pub source_rows: u32,
    #[serde(default)]
    pub edits: TableEdits,
    pub mapping: MappingChoice,
    pub options: ImportOptions,
    /// The same key twice imports once, across retried uploads too.
    pub idempotency_key: String,
}

/// Why an upload cannot be imported as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefused {
    NotUtf8,
    /// The source does not read as the rows the preview showed.
    DoesNotMatch {
        preview_rows: u32,
        source_rows: usize,
    },
    Edits(EditsRefused),
}

impl std::fmt::Display for UploadRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadRefused::NotUtf8 => f.write_str("The pasted text did not arrive as UTF-8 text."),
            UploadRefused::DoesNotMatch {
                preview_rows,
                source_rows,
            } => write!(
                f,
                "The file that arrived does not match the preview: the preview read {preview_rows} \
                 rows, the file has {source_rows}. Open the file again and import it."
            ),
            UploadRefused::Edits(refused) => refused.fmt(f),
        }
    }
}

/// What the server makes of an upload: the request the engine re-validates, and the problems
/// reading the source found (a blocking one refuses the import).
pub struct ReadUpload {
    pub request: ImportRequest,
    pub read_issues: Vec<ImportIssue>,
}

impl ImportUpload {
    /// Reads `source` as the preview did and applies the admin's edits.
    pub fn read(self, source: &[u8], limits: &ImportLimits) -> Result<ReadUpload, UploadRefused> {
        let read = if self.pasted {
            let text = std::str::from_utf8(source).map_err(|_| UploadRefused::NotUtf8)?;
            read_source(ImportSource::Pasted(text), limits)
        } else {
            read_source(
                ImportSource::File {
                    bytes: source,
                    sheet: self.sheet.as_deref(),
                },
                limits,
            )
        };
        if read.table.rows.len() != self.source_rows as usize {
            return Err(UploadRefused::DoesNotMatch {
                preview_rows: self.source_rows,
                source_rows: read.table.rows.len(),
            });
        }
        let table = apply(read.table, &self.edits, limits).map_err(UploadRefused::Edits)?;
        let read_issues = read
            .issues
            .into_iter()
            .filter(|i| !i.code.is_notice())
            .collect();
        Ok(ReadUpload {
            request: ImportRequest {
                kind: self.kind,
                organization_id: self.organization_id,
                source_name: self.source_name,
                table,
                mapping: self.mapping,
                options: self.options,
                idempotency_key: self.idempotency_key,
            },
            read_issues,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::edits::diff;
    use super::*;

    fn upload(source_rows: u32, edits: TableEdits) -> ImportUpload {
        ImportUpload {
            kind: UserKind::Technician,
            organization_id: None,
            source_name: "Pasted text".into(),
            pasted: true,
            sheet: None,
            source_rows,
            edits,
            mapping: MappingChoice::default(),
            options: ImportOptions::default(),
            idempotency_key: "k".into(),
        }
    }

    const PASTE: &str =
        "First\tLast\tEmail\nAda\tLovelace\tada@example\nAlan\tTuring\talan@example.com\n";

    #[test]
    fn the_server_reads_the_paste_and_applies_the_admins_fix() {
        let limits = ImportLimits::default();
        let original = read_source(ImportSource::Pasted(PASTE), &limits).table;
        let mut edited = original.clone();
        super::super::edit::set_cell(&mut edited, 1, 2, "ada@example.com".into());
        let read = upload(3, diff(&original, &edited))
            .read(PASTE.as_bytes(), &limits)
            .unwrap();
        assert_eq!(read.request.table, edited);
        assert!(read.read_issues.is_empty());
    }

    #[test]
    fn a_source_that_does_not_read_as_the_preview_did_is_refused() {
        let limits = ImportLimits::default();
        let refused = upload(5, TableEdits::default())
            .read(PASTE.as_bytes(), &limits)
            .err()
            .unwrap();
        assert_eq!(
            refused,
            UploadRefused::DoesNotMatch {
                preview_rows: 5,
                source_rows: 3
            }
        );
        assert!(refused
            .to_string()
            .contains("the preview read 5 rows, the file has 3"));
        assert_eq!(
            upload(3, TableEdits::default())
                .read(&[0xff, 0xfe, 0x00], &limits)
                .err(),
            Some(UploadRefused::NotUtf8)
        );
    }
}
