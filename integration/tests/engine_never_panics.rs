//! Property tests: no input may make the engine panic. Inputs come from a seeded generator
//! (so a failure is reproducible from the printed seed): random bytes, mutated CSV, mutated
//! XLSX, and phone-shaped strings, which the phonenumber crate has panicked on before.

use app::import::{
    analyze, read_source, HeaderChoice, ImportContext, ImportLimits, ImportSource, MappingChoice,
};
use app::model::{RoleInfo, UserKind};
use app::rules::PhoneE164;
use std::collections::HashSet;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn run_engine(bytes: &[u8], limits: ImportLimits) {
    let roles = vec![RoleInfo {
        id: 1,
        name: "Requester".into(),
        applies_to: UserKind::EndUser,
        is_default: true,
    }];
    let existing: HashSet<String> = ["taken@example.com".to_string()].into();
    let context = ImportContext {
        kind: UserKind::EndUser,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits,
    };
    let read = read_source(ImportSource::File { bytes, sheet: None }, &limits);
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    // Every row is either valid or says why not.
    for row in &report.rows {
        assert_eq!(row.user.is_some(), row.issues.is_empty());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let read = read_source(ImportSource::Pasted(text), &limits);
        analyze(
            &read.table,
            &MappingChoice {
                header: HeaderChoice::NoHeader,
                fields: None,
            },
            &context,
        );
    }
}

const PIECES: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "@",
    ".",
    "..",
    "-",
    "'",
    "+",
    "+1 888 667 8888",
    "'+44 20 7946 0958",
    "First Name",
    "Email",
    "Roles",
    "Full name",
    "maria@example.com",
    "José",
    "Ærø",
    "\u{301}",
    "\u{FEFF}",
    "\0",
    "é",
    "💥",
    "Requester|Approver",
    "Privileged",
    "0",
    "99999999999999999999",
    " ",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

#[test]
fn random_text_never_panics() {
    let seed = 0x5eed_0001;
    let mut rng = Rng(seed);
    let limits = ImportLimits {
        max_rows: 50,
        max_columns: 12,
        max_cell_chars: 40,
        max_row_bytes: 400,
        ..ImportLimits::default()
    };
    for case in 0..3000 {
        let mut text = String::new();
        for _ in 0..rng.below(60) {
            text.push_str(rng.pick(PIECES));
        }
        let result = std::panic::catch_unwind(|| run_engine(text.as_bytes(), limits));
        assert!(result.is_ok(), "seed {seed:#x}, case {case}: {text:?}");
    }
}

#[test]
fn random_bytes_never_panic() {
    let seed = 0x5eed_0002;
    let mut rng = Rng(seed);
    for case in 0..2000 {
        let len = rng.below(300);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let prefix: &[u8] = match case % 4 {
            0 => b"PK\x03\x04",
            1 => &[0xFF, 0xFE],
            2 => &[0xEF, 0xBB, 0xBF],
            _ => &[],
        };
        bytes.splice(0..0, prefix.iter().copied());
        let result = std::panic::catch_unwind(|| run_engine(&bytes, ImportLimits::default()));
        assert!(result.is_ok(), "seed {seed:#x}, case {case}: {bytes:?}");
    }
}

#[test]
fn mutated_workbooks_never_panic() {
    let seed = 0x5eed_0003;
    let mut rng = Rng(seed);
    use app::import::xlsx_fixtures::{text, workbook};
    let first = format!(
        r#"<row r="1">{}{}</row><row r="2">{}<c r="B2"><v>18886678888</v></c></row>"#,
        text("A1", "Email"),
        text("B1", "Phone"),
        text("A2", "a@b.co")
    );
    let workbook = workbook(&[
        ("One", &first),
        (
            "Two",
            &format!(r#"<row r="1">{}</row>"#, text("A1", "x@y.co")),
        ),
    ]);
    for case in 0..400 {
        let mut bytes = workbook.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        if case % 7 == 0 {
            bytes.truncate(rng.below(bytes.len()));
        }
        let result = std::panic::catch_unwind(|| run_engine(&bytes, ImportLimits::default()));
        assert!(result.is_ok(), "seed {seed:#x}, case {case}");
    }
}

#[test]
fn phone_shaped_strings_never_panic() {
    let seed = 0x5eed_0004;
    let mut rng = Rng(seed);
    let alphabet = [
        '+', '\'', ' ', '-', '(', ')', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x',
        '#', '*', '١',
    ];
    for case in 0..20_000 {
        let phone: String = (0..rng.below(24)).map(|_| rng.pick(&alphabet)).collect();
        let result = std::panic::catch_unwind(|| PhoneE164::parse_optional(&phone));
        assert!(result.is_ok(), "seed {seed:#x}, case {case}: {phone:?}");
        if let Ok(Ok(Some(stored))) = result {
            assert!(
                stored.as_str().starts_with('+')
                    && stored.as_str()[1..].bytes().all(|b| b.is_ascii_digit())
            );
        }
    }
}

/// A header under any title, notes and blank lines (up to nine rows of them, none naming an
/// Email and a name column) is found, and exactly the rows below it are data.
#[test]
fn a_header_under_any_title_is_found_and_only_the_rows_below_it_are_data() {
    let seed = 0x5eed_0010;
    let mut rng = Rng(seed);
    let above = [
        "Staff list November 2026",
        "",
        "Exported by HR;2026-11-01",
        "Confidential",
        "Name",
        "Site,HQ",
        "Phone numbers with country codes please",
    ];
    let headers = [
        "First name,Last name,Email",
        "Vorname;Nachname;E-Mail;Telefon",
        "Full name\tEmail address\tRoles",
    ];
    let roles = vec![RoleInfo {
        id: 1,
        name: "Requester".into(),
        applies_to: UserKind::EndUser,
        is_default: true,
    }];
    let existing = HashSet::new();
    let context = ImportContext {
        kind: UserKind::EndUser,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits: ImportLimits::default(),
    };
    for case in 0..500 {
        let header = rng.pick(&headers);
        let delimiter = if header.contains('\t') {
            "\t"
        } else if header.contains(';') {
            ";"
        } else {
            ","
        };
        let titles = rng.below(10);
        let data = 1 + rng.below(20);
        let mut lines: Vec<String> = (0..titles)
            .map(|_| rng.pick(&above).replace([',', ';'], delimiter))
            .collect();
        lines.push(header.to_string());
        lines.extend((0..data).map(|i| match header.split(delimiter).count() {
            3 if header.starts_with("Full") => {
                format!("Ann Lee{delimiter}ann{i}@x.io{delimiter}Requester")
            }
            3 => format!("Ann{delimiter}Lee{delimiter}ann{i}@x.io"),
            _ => format!("Ann{delimiter}Lee{delimiter}ann{i}@x.io{delimiter}+1 888 667 8888"),
        }));
        let text = lines.join("\n");
        let read = read_source(ImportSource::Pasted(&text), &context.limits);
        let report = analyze(&read.table, &MappingChoice::default(), &context);
        assert_eq!(
            report.rows.len(),
            data,
            "seed {seed:#x}, case {case}: {text:?} → header {:?}",
            report.header_row
        );
        assert!(
            report.file_issues.is_empty(),
            "case {case}: {text:?} {:?}",
            report.file_issues
        );
    }
}
