use super::ImportField;
use crate::model::UserKind;
use crate::rules::IssueCode;
use serde::{Deserialize, Serialize};

/// Why an input, a row or a cell was refused, or what the engine did that the admin should
/// know (a notice). The human message is made in [`ImportIssueCode::message`] and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportIssueCode {
    // The whole input.
    EmptyInput,
    NoEmailColumn,
    MissingColumn {
        field: ImportField,
    },
    DuplicateColumn {
        field: ImportField,
    },
    InputTooLarge {
        limit_bytes: usize,
    },
    TooManyRows {
        limit: usize,
    },
    TooManyColumns {
        limit: usize,
    },
    RowTooLarge {
        limit_bytes: usize,
    },
    LegacyXls,
    OpenDocument,
    NotASpreadsheet {
        looks_like: Option<FileKind>,
    },
    CorruptWorkbook,
    ZipBomb,
    WorkbookTooLarge {
        limit_bytes: u64,
    },
    SheetNotFound {
        name: String,
    },
    NoSheets,
    Utf16Invalid,
    // Notices on the whole input.
    DecodedAsWindows1252 {
        line: u32,
    },
    UnknownColumn {
        header: String,
    },
    RowsAboveHeader {
        first_line: u32,
        last_line: u32,
    },
    // A cell.
    Field(IssueCode),
    CellTooLong {
        limit: usize,
    },
    EmailDuplicateInInput {
        other_line: u32,
    },
    ExternalIdDuplicateInInput {
        other_line: u32,
    },
    UnknownRole {
        name: String,
    },
    RoleNotForKind {
        name: String,
    },
    InvalidUserType,
    // Notice on a row.
    FullNameSplit,
    // A row, decided by the server against existing accounts.
    ExternalIdTaken,
    NoMatchingUser,
    ExistsAsOtherKind {
        kind: UserKind,
    },
    // A valid row that was not written because the import failed as a whole.
    NotImportedOthersInvalid,
    NotImportedImportFailed,
    /// A row outcome recorded before outcomes were stored as codes: its stored sentence.
    Recorded {
        message: String,
    },
}

impl ImportIssueCode {
    /// Notices are shown, but do not make a row or the input invalid.
    pub fn is_notice(&self) -> bool {
        matches!(
            self,
            ImportIssueCode::DecodedAsWindows1252 { .. }
                | ImportIssueCode::UnknownColumn { .. }
                | ImportIssueCode::RowsAboveHeader { .. }
                | ImportIssueCode::FullNameSplit
        )
    }

    pub fn message(&self) -> String {
        use ImportIssueCode::*;
        match self {
            EmptyInput => "There is nothing to import: the input has no rows.".into(),
            NoEmailColumn => "No email column was found. Add a header row with an Email column, or map a column to Email.".into(),
            MissingColumn { field } => format!("No column is mapped to {}.", field.label()),
            DuplicateColumn { field } => format!("More than one column is mapped to {}; only the first is used.", field.label()),
            InputTooLarge { limit_bytes } => format!("The input is larger than the limit of {}.", bytes(*limit_bytes as u64)),
            TooManyRows { limit } => format!("The input has more than {limit} rows, the most one import may hold."),
            TooManyColumns { limit } => format!("The input has more than {limit} columns, the most one import may hold."),
            RowTooLarge { limit_bytes } => format!("A row is larger than the limit of {}.", bytes(*limit_bytes as u64)),
            LegacyXls => "This is a legacy Excel .xls file (or a password-protected workbook). Save it as .xlsx or CSV and try again.".into(),
            OpenDocument => "OpenDocument spreadsheets (.ods) are not supported. Save it as .xlsx or CSV and try again.".into(),
            NotASpreadsheet { looks_like: Some(kind) } => format!("This file is not a spreadsheet or a text file (it looks like {}). Use .xlsx, .csv, .tsv or .txt.", kind.label()),
            NotASpreadsheet { looks_like: None } => "This file is not a spreadsheet or a text file (it holds binary data). Use .xlsx, .csv, .tsv or .txt.".into(),
            CorruptWorkbook => "This workbook could not be read; it may be damaged. Save it again from Excel, or export it as CSV.".into(),
            ZipBomb => "This workbook's compressed parts unpack far beyond what a spreadsheet holds (a zip bomb), so it was not opened. Save it again from your spreadsheet program, or export it as CSV.".into(),
            WorkbookTooLarge { limit_bytes } => format!("This workbook unpacks to more than {}, the most one import may hold.", bytes(*limit_bytes)),
            SheetNotFound { name } => format!("The workbook has no sheet named \"{name}\"."),
            NoSheets => "The workbook has no sheets with data.".into(),
            Utf16Invalid => "The file says it is UTF-16 text but contains invalid characters.".into(),
            DecodedAsWindows1252 { line } => format!("The file is not valid UTF-8 (first at line {line}); it was read as Windows-1252. Check accented letters."),
            UnknownColumn { header } => format!("The column \"{header}\" is not imported. Map it to a field to use it."),
            RowsAboveHeader { first_line, last_line } if first_line == last_line => format!("Row {first_line} is above the header row and is not imported."),
            RowsAboveHeader { first_line, last_line } => format!("Rows {first_line}–{last_line} are above the header row and are not imported."),
            Field(code) => code.message().into(),
            CellTooLong { limit } => format!("This cell is longer than {limit} characters."),
            EmailDuplicateInInput { other_line } => format!("This email also appears in row {other_line}."),
            ExternalIdDuplicateInInput { other_line } => format!("This external ID also appears in row {other_line}."),
            UnknownRole { name } => format!("There is no role named \"{name}\"."),
            RoleNotForKind { name } => format!("The role \"{name}\" cannot be given to this kind of user."),
            InvalidUserType => "User type must be Standard or Privileged.".into(),
            FullNameSplit => "The full name was split at its last space into first and last name.".into(),
            ExternalIdTaken => "Another user already has this external ID.".into(),
            NoMatchingUser => "No existing user has this email or external ID.".into(),
            ExistsAsOtherKind { kind: UserKind::Technician } => "This user exists but is not a technician.".into(),
            ExistsAsOtherKind { kind: UserKind::EndUser } => "This user exists but is not an end user.".into(),
            NotImportedOthersInvalid => "Not imported: other rows have problems.".into(),
            NotImportedImportFailed => "Not imported: the import failed because of other rows.".into(),
            Recorded { message } => message.clone(),
        }
    }
}

/// What a file that is not a spreadsheet or text appears to be, from its first bytes or, for a
/// zip, its parts; named in the message so the admin knows which file they picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Zip,
    Gzip,
    SevenZip,
    Rar,
    WordDocument,
    Presentation,
    Executable,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "a PDF document",
            FileKind::Png => "a PNG image",
            FileKind::Jpeg => "a JPEG image",
            FileKind::Gif => "a GIF image",
            FileKind::Webp => "a WebP image",
            FileKind::Zip => "a ZIP archive",
            FileKind::Gzip => "a gzip archive",
            FileKind::SevenZip => "a 7-Zip archive",
            FileKind::Rar => "a RAR archive",
            FileKind::WordDocument => "a Word document",
            FileKind::Presentation => "a PowerPoint presentation",
            FileKind::Executable => "a program",
        }
    }
}

fn bytes(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// One problem or notice. `line` is the row number as the user sees it in their spreadsheet;
/// `column` the 0-based source column. File-level issues have neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub line: Option<u32>,
    pub column: Option<usize>,
    pub field: Option<ImportField>,
    pub code: ImportIssueCode,
    pub value: String,
}

/// A row's problems as one sentence per cell ("Email: This email is already used."), for
/// results and downloads.
pub fn describe(issues: &[ImportIssue]) -> String {
    issues
        .iter()
        .map(|i| match i.field {
            Some(field) => format!("{}: {}", field.label(), i.code.message()),
            None => i.code.message(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl ImportIssue {
    /// A problem with one cell of row `line`.
    pub fn cell(
        line: u32,
        column: Option<usize>,
        field: ImportField,
        code: ImportIssueCode,
        value: &str,
    ) -> ImportIssue {
        ImportIssue {
            line: Some(line),
            column,
            field: Some(field),
            code,
            value: value.to_string(),
        }
    }

    /// A problem with row `line` as a whole.
    pub fn row(line: u32, code: ImportIssueCode) -> ImportIssue {
        ImportIssue {
            line: Some(line),
            column: None,
            field: None,
            code,
            value: String::new(),
        }
    }

    pub fn file(code: ImportIssueCode) -> ImportIssue {
        ImportIssue {
            line: None,
            column: None,
            field: None,
            code,
            value: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_reported_with_their_exact_value() {
        assert!(ImportIssueCode::TooManyRows { limit: 500_000 }
            .message()
            .contains("500000"));
        assert!(ImportIssueCode::RowTooLarge {
            limit_bytes: 128 * 1024
        }
        .message()
        .contains("128 KB"));
        assert!(ImportIssueCode::InputTooLarge { limit_bytes: 1000 }
            .message()
            .contains("1000 bytes"));
    }

    #[test]
    fn only_notices_leave_a_row_valid() {
        assert!(ImportIssueCode::FullNameSplit.is_notice());
        assert!(!ImportIssueCode::Field(IssueCode::EmailFormat).is_notice());
    }
}
