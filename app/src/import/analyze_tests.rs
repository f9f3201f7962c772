use super::*;
use crate::import::xlsx::fixtures::{text, workbook};
use crate::import::{read_source, ImportSource};
use crate::rules::IssueCode;

fn roles() -> Vec<RoleInfo> {
    let role = |id, name: &str, applies_to| RoleInfo {
        id,
        name: name.into(),
        applies_to,
        is_default: false,
    };
    vec![
        role(1, "System Administrator", UserKind::Technician),
        role(2, "Help Desk Technician", UserKind::Technician),
        role(5, "Requester", UserKind::EndUser),
        role(6, "Approver", UserKind::EndUser),
    ]
}

fn run_with(kind: UserKind, pasted: &str, existing: &[&str]) -> ImportReport {
    let roles = roles();
    let existing: HashSet<String> = existing.iter().map(|e| Email::key_of(e)).collect();
    let context = ImportContext {
        kind,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits: ImportLimits::default(),
    };
    let read = read_source(ImportSource::Pasted(pasted), &context.limits);
    assert!(
        read.issues.iter().all(|i| i.code.is_notice()),
        "{:?}",
        read.issues
    );
    analyze(&read.table, &MappingChoice::default(), &context)
}

/// Technicians need no role, so single-cell rules can be tested alone.
fn run(pasted: &str) -> ImportReport {
    run_with(UserKind::Technician, pasted, &[])
}

fn codes(row: &RowOutcome) -> Vec<ImportIssueCode> {
    row.issues.iter().map(|i| i.code.clone()).collect()
}

const HEADER: &str = "First Name,Last Name,Email,Phone\n";

#[test]
fn every_email_rule_is_applied_cell_by_cell() {
    let local64 = format!("{}@example.com", "a".repeat(52));
    let local65 = format!("{}@example.com", "a".repeat(53));
    let cases: Vec<(String, Option<IssueCode>)> = vec![
        (local64, None),
        (local65, Some(IssueCode::EmailTooLong)),
        (
            "a..b@x.com".into(),
            Some(IssueCode::EmailDotOrHyphenPlacement),
        ),
        (
            ".a@x.com".into(),
            Some(IssueCode::EmailDotOrHyphenPlacement),
        ),
        ("jörg@x.com".into(), Some(IssueCode::EmailNotAscii)),
        ("no-at.example.com".into(), Some(IssueCode::EmailFormat)),
        ("".into(), Some(IssueCode::Required)),
    ];
    for (email, expected) in cases {
        let report = run(&format!("{HEADER}Ann,Lee,{email},"));
        let row = &report.rows[0];
        match expected {
            None => assert!(row.user.is_some(), "{email:?}: {:?}", row.issues),
            Some(code) => {
                assert_eq!(codes(row), vec![ImportIssueCode::Field(code)], "{email:?}");
                assert_eq!(row.issues[0].field, Some(ImportField::Email));
                assert_eq!(row.issues[0].column, Some(2));
                assert_eq!(row.issues[0].value, email);
            }
        }
    }
}

#[test]
fn the_same_email_in_two_cases_is_reported_on_both_rows() {
    let report = run(&format!("{HEADER}Alice,One,Alice@Example.com,\nBob,Two,bob@example.com,\nAlice,Three,alice@example.com,"));
    assert_eq!(
        codes(&report.rows[0]),
        vec![ImportIssueCode::EmailDuplicateInInput { other_line: 4 }]
    );
    assert_eq!(
        codes(&report.rows[2]),
        vec![ImportIssueCode::EmailDuplicateInInput { other_line: 2 }]
    );
    assert!(report.rows[0].user.is_none() && report.rows[2].user.is_none());
    assert!(report.rows[1].user.is_some());
    assert_eq!(report.valid_count(), 1);
}

#[test]
fn an_email_used_by_any_existing_account_is_reported() {
    let report = run_with(
        UserKind::Technician,
        &format!("{HEADER}Ann,Lee,ANN@example.com,"),
        &["ann@example.com"],
    );
    assert_eq!(
        codes(&report.rows[0]),
        vec![ImportIssueCode::Field(IssueCode::EmailAlreadyUsed)]
    );
}

#[test]
fn phones_need_their_country_code_and_must_be_valid_for_it() {
    let cases = [
        ("'+1 888 667 8888", None, Some("+18886678888")),
        ("+49 30 901820", None, Some("+4930901820")),
        ("", None, None),
        (
            "888 667 8888",
            Some(IssueCode::PhoneMissingCountryCode),
            None,
        ),
        ("+1 555", Some(IssueCode::PhoneInvalid), None),
    ];
    for (phone, expected, stored) in cases {
        let report = run(&format!("{HEADER}Ann,Lee,ann@example.com,{phone}"));
        let row = &report.rows[0];
        match expected {
            None => assert_eq!(
                row.user
                    .as_ref()
                    .unwrap()
                    .phone
                    .as_ref()
                    .map(|p| p.as_str()),
                stored,
                "{phone:?}"
            ),
            Some(code) => assert_eq!(codes(row), vec![ImportIssueCode::Field(code)], "{phone:?}"),
        }
    }
}

#[test]
fn names_are_letters_only_and_every_bad_cell_is_reported() {
    let report = run(&format!("{HEADER}J0hn,Bob!,x,123"));
    assert_eq!(
        codes(&report.rows[0]),
        vec![
            ImportIssueCode::Field(IssueCode::NameInvalidCharacters),
            ImportIssueCode::Field(IssueCode::NameInvalidCharacters),
            ImportIssueCode::Field(IssueCode::EmailFormat),
            ImportIssueCode::Field(IssueCode::PhoneMissingCountryCode),
        ]
    );
    let ok = run(&format!(
        "{HEADER}Anne-Marie,O'Neil,a@x.io,\nJosé,Ærøskøbing,b@x.io,"
    ));
    assert_eq!(ok.valid_count(), 2);
}

#[test]
fn a_header_less_paste_from_excel_is_mapped_by_content() {
    let pasted =
        "Maria\tGarcía\tmaria@example.com\t+1 888 667 8888\r\nJohn\tSmith\tjohn@example.com\t\r\n";
    let report = run(pasted);
    assert_eq!(report.header_row, None);
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.rows[0].line, 1);
    assert_eq!(report.valid_count(), 2);
    let maria = report.rows[0].user.as_ref().unwrap();
    assert_eq!(
        (maria.first_name.as_str(), maria.last_name.as_str()),
        ("Maria", "García")
    );
}

#[test]
fn row_numbers_are_those_of_the_spreadsheet() {
    let report = run(&format!("{HEADER}Ann,Lee,bad,\n\nBob,Ray,bad2,"));
    assert_eq!(
        report.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(report.rows[1].issues[0].line, Some(4));
}

#[test]
fn roles_are_matched_by_name_for_the_kind_being_imported() {
    let header = "First Name,Last Name,Email,Roles\n";
    let report = run_with(
        UserKind::EndUser,
        &format!("{header}A,B,a@x.io,requester|Approver\nC,D,c@x.io,Help Desk Technician\nE,F,e@x.io,Wizard\nG,H,g@x.io,"),
        &[],
    );
    assert_eq!(report.rows[0].user.as_ref().unwrap().role_ids, vec![5, 6]);
    assert_eq!(
        codes(&report.rows[1]),
        vec![ImportIssueCode::RoleNotForKind {
            name: "Help Desk Technician".into()
        }]
    );
    assert_eq!(
        codes(&report.rows[2]),
        vec![ImportIssueCode::UnknownRole {
            name: "Wizard".into()
        }]
    );
    assert_eq!(
        codes(&report.rows[3]),
        vec![ImportIssueCode::Field(IssueCode::EndUserNeedsRole)]
    );
}

#[test]
fn optional_columns_have_defaults_and_rules() {
    let header = "First Name,Last Name,Email,User type,Site,External ID\n";
    let report = run(&format!(
        "{header}A,B,a@x.io,,,\nC,D,c@x.io,privileged,Berlin,E-1\nE,F,e@x.io,Admin,,E-1"
    ));
    let a = report.rows[0].user.as_ref().unwrap();
    assert_eq!(
        (a.user_type, a.site.as_str(), a.external_id.as_deref()),
        (UserType::Standard, "HQ", None)
    );
    assert_eq!(
        codes(&report.rows[1]),
        vec![ImportIssueCode::ExternalIdDuplicateInInput { other_line: 4 }]
    );
    assert_eq!(
        codes(&report.rows[2]),
        vec![
            ImportIssueCode::InvalidUserType,
            ImportIssueCode::ExternalIdDuplicateInInput { other_line: 3 }
        ]
    );
}

#[test]
fn a_full_name_column_is_split_at_the_last_space_with_a_notice() {
    let report = run("Full name,Email\nMaria del Carmen García,m@x.io\nCher,c@x.io");
    let maria = report.rows[0].user.as_ref().unwrap();
    assert_eq!(
        (maria.first_name.as_str(), maria.last_name.as_str()),
        ("Maria del Carmen", "García")
    );
    assert_eq!(
        report.rows[0].notices[0].code,
        ImportIssueCode::FullNameSplit
    );
    assert_eq!(
        codes(&report.rows[1]),
        vec![ImportIssueCode::Field(IssueCode::Required)]
    );
}

#[test]
fn unknown_columns_are_reported_and_a_missing_email_column_blocks_the_import() {
    let report = run("First Name,Last Name,Email,Department\nA,B,a@x.io,IT");
    assert_eq!(
        report.notices[0].code,
        ImportIssueCode::UnknownColumn {
            header: "Department".into()
        }
    );
    assert!(!report.is_blocked());
    let report = run("First Name,Last Name,Department\nA,B,IT");
    assert!(report
        .file_issues
        .iter()
        .any(|i| i.code == ImportIssueCode::NoEmailColumn));
    assert!(report.is_blocked());
    assert_eq!(report.valid_count(), 0);
}

#[test]
fn a_cell_over_the_character_limit_is_refused_with_the_limit() {
    let long = "a".repeat(1001);
    let report = run(&format!("{HEADER}{long},B,a@x.io,"));
    assert_eq!(
        codes(&report.rows[0]),
        vec![ImportIssueCode::CellTooLong { limit: 1000 }]
    );
}

#[test]
fn a_header_with_no_data_rows_is_empty_input() {
    let report = run(HEADER);
    assert_eq!(report.file_issues[0].code, ImportIssueCode::EmptyInput);
}

#[test]
fn more_data_rows_than_the_limit_block_the_import() {
    let roles = roles();
    let existing = HashSet::new();
    let limits = ImportLimits {
        max_rows: 2,
        ..ImportLimits::default()
    };
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits,
    };
    // Caught while reading, before any row is kept...
    let read = read_source(
        ImportSource::Pasted("Email\na@x.io\nb@x.io\nc@x.io\nd@x.io"),
        &limits,
    );
    assert_eq!(
        read.issues[0].code,
        ImportIssueCode::TooManyRows { limit: 2 }
    );
    // ...and again when analysing (a header row does not count).
    let read = read_source(
        ImportSource::Pasted("Email\na@x.io\nb@x.io\nc@x.io"),
        &ImportLimits::default(),
    );
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    assert_eq!(
        report.file_issues[0].code,
        ImportIssueCode::TooManyRows { limit: 2 }
    );
    let read = read_source(
        ImportSource::Pasted("Email\na@x.io\nb@x.io"),
        &ImportLimits::default(),
    );
    assert!(analyze(&read.table, &MappingChoice::default(), &context)
        .file_issues
        .iter()
        .all(|i| !matches!(i.code, ImportIssueCode::TooManyRows { .. })));
}

#[test]
fn a_utf16_file_from_excel_imports_like_a_paste() {
    let text = "Vorname\tNachname\tE-Mail\r\nJürgen\tGroß\tjg@example.de\r\n";
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let roles = roles();
    let existing = HashSet::new();
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits: ImportLimits::default(),
    };
    let read = read_source(
        ImportSource::File {
            bytes: &bytes,
            sheet: None,
        },
        &context.limits,
    );
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    assert_eq!(
        report.rows[0].user.as_ref().unwrap().last_name.as_str(),
        "Groß"
    );
}

#[test]
fn an_xlsx_numeric_phone_asks_for_a_country_code_and_an_apostrophe_phone_passes() {
    let data = format!(
        r#"<row r="1">{}{}{}{}</row><row r="2">{}{}{}<c r="D2"><v>18886678888</v></c></row><row r="3">{}{}{}<c r="D3" s="1" t="inlineStr"><is><t>+1 888 667 8888</t></is></c></row>"#,
        text("A1", "First Name"),
        text("B1", "Last Name"),
        text("C1", "Email"),
        text("D1", "Phone"),
        text("A2", "Ann"),
        text("B2", "Lee"),
        text("C2", "ann@x.io"),
        text("A3", "Bob"),
        text("B3", "Ray"),
        text("C3", "bob@x.io"),
    );
    let bytes = workbook(&[("Sheet1", &data)]);
    let roles = roles();
    let existing = HashSet::new();
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits: ImportLimits::default(),
    };
    let read = read_source(
        ImportSource::File {
            bytes: &bytes,
            sheet: None,
        },
        &context.limits,
    );
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    assert_eq!(report.rows[0].issues[0].value, "18886678888");
    assert_eq!(
        codes(&report.rows[0]),
        vec![ImportIssueCode::Field(IssueCode::PhoneMissingCountryCode)]
    );
    assert_eq!(
        report.rows[1]
            .user
            .as_ref()
            .unwrap()
            .phone
            .as_ref()
            .unwrap()
            .as_str(),
        "+18886678888"
    );
}

#[test]
fn rows_above_a_header_under_a_title_are_not_data_and_say_so() {
    let report = run("Staff list November 2026\n\nFirst name,Last name,Email\nAnn,Lee,ann@x.io\nBob,Ray,bob@x.io\n");
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.valid_count(), 2);
    let header = report.header_row.unwrap();
    assert!(header >= 1);
    assert_eq!(report.first_data_row(), header + 1);
    let above: Vec<String> = report
        .notices
        .iter()
        .filter(|n| matches!(n.code, ImportIssueCode::RowsAboveHeader { .. }))
        .map(|n| n.code.message())
        .collect();
    assert_eq!(
        above,
        vec!["Rows 1–2 are above the header row and are not imported.".to_string()]
    );
    assert!(!report.is_blocked());
}

#[test]
fn a_libreoffice_workbook_with_a_title_imports_like_excels() {
    let bytes = include_bytes!("../../tests/fixtures/libreoffice-staff-list.xlsx");
    let roles = roles();
    let existing = HashSet::new();
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &existing,
        limits: ImportLimits::default(),
    };
    let read = read_source(ImportSource::File { bytes, sheet: None }, &context.limits);
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    assert_eq!(report.header_row, Some(1), "row 3 of the sheet");
    assert_eq!(report.rows.len(), 4);
    assert!(report.file_issues.is_empty(), "{:?}", report.file_issues);
    // Ann's phone was stored as a number, so its + is gone: said, not guessed.
    let ann = &report.rows[0];
    assert_eq!(ann.line, 4);
    let codes: Vec<&ImportIssueCode> = ann.issues.iter().map(|i| &i.code).collect();
    assert_eq!(
        codes,
        vec![&ImportIssueCode::Field(IssueCode::PhoneMissingCountryCode)]
    );
    assert_eq!(ann.issues[0].value, "18886678888");
    assert_eq!(report.valid_count(), 3, "{:?}", report.rows);
    // A formula cell imports its cached value.
    let chloe = report.rows[2].user.as_ref().unwrap();
    assert_eq!(chloe.email.as_str(), "chloe.durand@example.fr");
    let dev = report.rows[3].user.as_ref().unwrap();
    assert_eq!(
        dev.phone.as_ref().map(|p| p.as_str()),
        Some("+919876543210")
    );
}

#[test]
fn a_site_or_external_id_holding_a_control_character_is_a_problem_on_that_cell() {
    let report = run("First name,Last name,Email,Site,External ID\n\
         Ann,Lee,a@x.io,Ber\u{0}lin,E1\n\
         Bob,Ray,b@x.io,HQ,E\u{0}2\n\
         Cy,Do,c@x.io,HQ,E\u{1b}3\n\
         Di,Ng,d@x.io,HQ,E4\n");
    let control = |row: usize, field: ImportField| {
        assert!(report.rows[row].user.is_none(), "row {row}");
        assert_eq!(
            report.rows[row]
                .issues
                .iter()
                .map(|i| (i.field, i.code.clone()))
                .collect::<Vec<_>>(),
            vec![(
                Some(field),
                ImportIssueCode::Field(IssueCode::ControlCharacters)
            )],
            "row {row}"
        );
    };
    control(0, ImportField::Site);
    control(1, ImportField::ExternalId);
    control(2, ImportField::ExternalId);
    assert!(report.rows[3].user.is_some(), "{:?}", report.rows[3].issues);
}

#[test]
fn a_site_or_external_id_past_its_limit_is_a_cell_problem_with_the_browsers_message() {
    let long = "x".repeat(101);
    let report = run(&format!(
        "First name,Last name,Email,Site,External ID\nAnn,Lee,a@x.io,{long},E1\nBob,Ray,b@x.io,HQ,{long}\nCy,Do,c@x.io,{},{}\n",
        "y".repeat(100),
        "z".repeat(100)
    ));
    let codes = |row: usize| -> Vec<ImportIssueCode> {
        report.rows[row]
            .issues
            .iter()
            .map(|i| i.code.clone())
            .collect()
    };
    assert_eq!(
        codes(0),
        vec![ImportIssueCode::Field(IssueCode::SiteTooLong)]
    );
    assert_eq!(
        codes(1),
        vec![ImportIssueCode::Field(IssueCode::ExternalIdTooLong)]
    );
    assert!(report.rows[2].user.is_some(), "{:?}", report.rows[2].issues);
    assert_eq!(
        ImportIssueCode::Field(IssueCode::SiteTooLong).message(),
        IssueCode::SiteTooLong.message()
    );
}

#[test]
fn email_keys_name_every_valid_address_even_on_rows_invalid_for_other_reasons() {
    let pasted = "Notes\nFirst Name\tLast Name\tEmail\nAnn\tLee\tAnn@Example.com\n\
                  B4d\tName\tbob@example.com\nCy\tCole\tnot-an-email\n";
    let read = read_source(ImportSource::Pasted(pasted), &ImportLimits::default());
    let roles = roles();
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &HashSet::new(),
        limits: ImportLimits::default(),
    };
    let report = analyze(&read.table, &MappingChoice::default(), &context);
    assert!(
        report.rows[1].user.is_none(),
        "the digit makes Bob's row invalid"
    );
    assert_eq!(
        email_keys(&read.table, &report),
        ["ann@example.com", "bob@example.com"]
    );
}

#[test]
fn analyzing_an_owned_table_gives_the_same_report_and_the_email_keys_of_every_valid_address() {
    let long = "x".repeat(ImportLimits::default().max_cell_chars + 1);
    let pasted = format!(
        "Notes\nFirst Name\tLast Name\tEmail\tExternal ID\n\
         Ann\tLee\tAnn@Example.com\tE-1\n\
         B4d\tName\tbob@example.com\tE-2\n\
         Cy\tCole\tnot-an-email\tE-1\n\
         Ann\tTwin\tann@example.COM\t\n\
         {long}\tLong\tlong@example.com\t\n\
         Dee\tDoe\ttaken@example.com\t\n"
    );
    let read = read_source(ImportSource::Pasted(&pasted), &ImportLimits::default());
    let roles = roles();
    let taken: HashSet<String> = ["taken@example.com".to_string()].into();
    let context = ImportContext {
        kind: UserKind::Technician,
        known_roles: &roles,
        existing_email_keys: &taken,
        limits: ImportLimits::default(),
    };
    let choice = MappingChoice::default();
    let report = analyze(&read.table, &choice, &context);
    let keys = email_keys(&read.table, &report);
    assert_eq!(
        keys,
        [
            "ann@example.com",
            "bob@example.com",
            "ann@example.com",
            "long@example.com",
            "taken@example.com"
        ],
        "a row with a cell too long still names its email"
    );
    let (owned, owned_keys) = analyze_owned(read.table, &choice, &context, &mut |_| true);
    assert_eq!(owned, report);
    assert_eq!(owned_keys, keys);
}
