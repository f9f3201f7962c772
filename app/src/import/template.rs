//! The Download template files: the right headers for the kind of user, and one example row
//! (with a phone typed the Excel way, `'+1 888 667 8888`).

use super::xlsx_writer::{text, workbook};
use crate::model::UserKind;

fn headers(kind: UserKind) -> Vec<&'static str> {
    let mut headers = vec![
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Roles",
        "User type",
        "Site",
        "External ID",
    ];
    if kind == UserKind::Technician {
        headers.retain(|h| *h != "External ID");
    }
    headers
}

fn example(kind: UserKind) -> Vec<&'static str> {
    let role = match kind {
        UserKind::Technician => "Help Desk Technician",
        UserKind::EndUser => "Requester",
    };
    let mut row = vec![
        "Maria",
        "García",
        "maria.garcia@example.com",
        "'+1 888 667 8888",
        role,
        "Standard",
        "HQ",
        "EMP-0001",
    ];
    row.truncate(headers(kind).len());
    row
}

pub fn csv(kind: UserKind) -> String {
    format!(
        "{}\r\n{}\r\n",
        headers(kind).join(","),
        example(kind).join(",")
    )
}

pub fn xlsx(kind: UserKind) -> Vec<u8> {
    let column = |i: usize| ((b'A' + i as u8) as char).to_string();
    let header: String = headers(kind)
        .iter()
        .enumerate()
        .map(|(i, h)| text(&format!("{}1", column(i)), h))
        .collect();
    let values: String = example(kind)
        .iter()
        .enumerate()
        .map(|(i, v)| match v.strip_prefix('\'') {
            // Excel's apostrophe text marker is a cell style, not part of the value.
            Some(phone) => format!(
                r#"<c r="{}2" s="1" t="inlineStr"><is><t>{phone}</t></is></c>"#,
                column(i)
            ),
            None => text(&format!("{}2", column(i)), v),
        })
        .collect();
    workbook(&[(
        "Users",
        &format!(r#"<row r="1">{header}</row><row r="2">{values}</row>"#),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{
        analyze, read_source, ImportContext, ImportLimits, ImportSource, MappingChoice,
    };
    use crate::model::RoleInfo;
    use std::collections::HashSet;

    #[test]
    fn both_templates_import_cleanly_as_they_are() {
        let roles = vec![RoleInfo {
            id: 5,
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
        let csv_text = csv(UserKind::EndUser);
        let bytes = xlsx(UserKind::EndUser);
        for source in [
            ImportSource::Pasted(&csv_text),
            ImportSource::File {
                bytes: &bytes,
                sheet: None,
            },
        ] {
            let read = read_source(source, &context.limits);
            let report = analyze(&read.table, &MappingChoice::default(), &context);
            assert_eq!(report.valid_count(), 1, "{:?}", report.rows[0].issues);
            assert_eq!(
                report.rows[0]
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
    }
}
