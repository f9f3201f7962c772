//! Realistic sample input for the benchmark (native and in the browser): deterministic, about
//! a fifth of the rows with exactly one problem.

const FIRST: &[&str] = &[
    "Maria",
    "John",
    "Aiko",
    "Anne-Marie",
    "José",
    "Sean",
    "Priya",
    "Lars",
    "Fatima",
    "Wei",
];
const LAST: &[&str] = &[
    "García",
    "Smith",
    "Tanaka",
    "Dubois",
    "O'Neil",
    "Müller",
    "Patel",
    "Ærøskøbing",
    "Haddad",
    "Zhang",
];
const PHONES: &[&str] = &[
    "'+1 888 667 8888",
    "+44 20 7946 0958",
    "+49 30 901820",
    "+33 1 42 68 53 00",
    "+81 3-3224-9999",
    "+61 2 9374 4000",
    "+1 (415) 555-2671",
    "+34 912 345 678",
    "+39 06 6988 4857",
    "",
];

pub const SAMPLE_HEADER: &str =
    "First Name\tLast Name\tEmail\tPhone\tRoles\tUser type\tSite\tExternal ID";

/// `rows` data rows after a header, tab-delimited as pasted from Excel, 8 columns.
pub fn sample_paste(rows: usize) -> String {
    sample_paste_with(rows, 5)
}

/// As `sample_paste`, with one problem in every `invalid_every`th row (20: about 5%).
pub fn sample_paste_with(rows: usize, invalid_every: usize) -> String {
    let mut out = String::with_capacity(rows * 90 + 100);
    out.push_str(SAMPLE_HEADER);
    out.push('\n');
    for i in 0..rows {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / 10) % LAST.len()];
        let mut email = format!("{}.{}{}@example.com", ascii(first), ascii(last), i);
        let mut first_name = first.to_string();
        let mut phone = PHONES[(i / 3) % PHONES.len()].to_string();
        let mut role = "Requester";
        // One problem in every fifth row, cycling through the kinds admins make.
        if i % invalid_every == invalid_every - 1 {
            match (i / invalid_every) % 5 {
                0 => email = format!("{}..{}@example.com", ascii(first), i),
                1 => first_name = format!("{first}2"),
                2 => phone = "888 667 8888".to_string(),
                3 => role = "Wizard",
                _ => email = format!("{}.{}{}@example.com", ascii(first), ascii(last), i - 1),
            }
        }
        let user_type = if i % 7 == 0 { "Privileged" } else { "Standard" };
        out.push_str(&format!(
            "{first_name}\t{last}\t{email}\t{phone}\t{role}\t{user_type}\tHQ\tEMP-{i:06}\n"
        ));
    }
    out
}

fn ascii(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Tab-separated rows (as `sample_paste` makes them) as a sheet's `<sheetData>` of inline
/// strings, for [`sample_xlsx`].
pub fn sample_sheet(text: &str) -> String {
    use super::xlsx_fixtures::text as cell;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let cells: String = line
                .split('\t')
                .enumerate()
                .map(|(c, value)| {
                    let column = (b'A' + c as u8) as char;
                    cell(&format!("{column}{}", i + 1), value)
                })
                .collect();
            format!(r#"<row r="{}">{cells}</row>"#, i + 1)
        })
        .collect()
}

/// A workbook of that one sheet, streamed as LibreOffice writes it: the engine benchmark's
/// and the preview benchmark's workbook.
pub fn sample_xlsx(sheet: &str) -> Vec<u8> {
    use super::xlsx_fixtures::{parts, zip_parts};
    zip_parts(&parts(&[("Users", sheet)], None, None), true)
}

/// A short fingerprint of a report: counts, and a hash over every row's line, validity and
/// issues. The browser and the server computing the same digest for the same input shows they
/// ran the same rules.
pub fn digest(report: &super::ImportReport) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for byte in text.bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for row in &report.rows {
        feed(&format!("{}:{}|", row.line, row.user.is_some()));
        for issue in row.issues.iter().chain(&row.notices) {
            feed(&format!(
                "{:?}@{:?}={};",
                issue.code, issue.column, issue.value
            ));
        }
        if let Some(user) = &row.user {
            feed(&format!("{:?}", user));
        }
    }
    for issue in report.file_issues.iter().chain(&report.notices) {
        feed(&format!("{:?}", issue.code));
    }
    format!(
        "rows={} valid={} hash={hash:016x}",
        report.rows.len(),
        report.valid_count()
    )
}

/// What the sample is checked against: the roles its Roles column names and 1,000 existing
/// accounts, as end users.
pub struct SampleWorld {
    roles: Vec<crate::model::RoleInfo>,
    existing: std::collections::HashSet<String>,
}

/// The sample's roles: Requester (the default end-user role) and Approver.
pub fn sample_roles() -> Vec<crate::model::RoleInfo> {
    use crate::model::{RoleInfo, UserKind};
    vec![
        RoleInfo {
            id: 5,
            name: "Requester".into(),
            applies_to: UserKind::EndUser,
            is_default: true,
        },
        RoleInfo {
            id: 6,
            name: "Approver".into(),
            applies_to: UserKind::EndUser,
            is_default: false,
        },
    ]
}

impl Default for SampleWorld {
    fn default() -> Self {
        SampleWorld {
            roles: sample_roles(),
            existing: (0..1000)
                .map(|i| format!("existing{i}@example.com"))
                .collect(),
        }
    }
}

impl SampleWorld {
    pub fn context(&self) -> super::ImportContext<'_> {
        super::ImportContext {
            kind: crate::model::UserKind::EndUser,
            known_roles: &self.roles,
            existing_email_keys: &self.existing,
            limits: super::ImportLimits::default(),
        }
    }
}
