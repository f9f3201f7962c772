//! Which rows an import creates, updates or refuses: pure, from the engine's report and the
//! accounts that exist. Every refusal is an issue code on the column it is about, so the
//! result, the history and the downloads say it the way the preview does.

use crate::import::{
    ImportField, ImportIssue, ImportIssueCode, ImportMode, ImportReport, ImportUser,
};
use crate::model::UserKind;
use crate::rules::IssueCode;
use std::collections::{HashMap, HashSet};

/// The accounts an import is matched against, keyed the way rows find them.
#[derive(Debug, Default)]
pub struct ExistingUsers {
    /// Lower-cased email → (id, kind).
    pub by_email: HashMap<String, (i64, UserKind)>,
    /// External ID → (id, kind).
    pub by_external_id: HashMap<String, (i64, UserKind)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RowPlan {
    Create(Box<ImportUser>),
    Update(i64, Box<ImportUser>),
    Fail(Vec<ImportIssue>),
}

/// One row of the input and what will happen to it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub line: u32,
    /// The row's email as typed (shown in results even when it is not a valid address).
    pub email: String,
    pub plan: RowPlan,
}

/// Matches each valid row to an existing account (by external ID when the row has one, else
/// by email) and decides, by mode: create, update, or fail with the reason. Takes the report's
/// rows (each valid row's user moves into its plan: at 500,000 rows a copy is ~250 MB); the
/// report keeps its columns and file issues.
pub fn plan_rows(
    report: &mut ImportReport,
    mode: ImportMode,
    kind: UserKind,
    existing: &ExistingUsers,
) -> Vec<PlannedRow> {
    let rows = std::mem::take(&mut report.rows);
    let report = &*report;
    let column_of = |field: ImportField| report.columns.iter().find(|c| c.field == field);
    let fail_on = |line: u32, field: ImportField, code: ImportIssueCode, value: &str| {
        RowPlan::Fail(vec![ImportIssue::cell(
            line,
            column_of(field).map(|c| c.column),
            field,
            code,
            value,
        )])
    };
    // Kinds by id, built once (a lookup per row would scan every account).
    let kinds: HashMap<i64, UserKind> = existing
        .by_email
        .values()
        .chain(existing.by_external_id.values())
        .copied()
        .collect();
    let kind_of = |id: i64| kinds.get(&id).copied();
    rows.into_iter()
        .map(|row| {
            let line = row.line;
            let Some(user) = row.user else {
                return PlannedRow {
                    line,
                    email: typed_email(&row.issues),
                    plan: RowPlan::Fail(row.issues),
                };
            };
            let email = user.email.as_str().to_string();
            let external_match = user
                .external_id
                .as_ref()
                .and_then(|id| existing.by_external_id.get(id).map(|e| e.0));
            let matched =
                external_match.or_else(|| existing.by_email.get(&user.email.key()).map(|e| e.0));
            let plan = match (mode, matched) {
                (ImportMode::CreateOnly, _) | (ImportMode::CreateAndUpdate, None) => {
                    match (&user.external_id, external_match) {
                        (Some(external_id), Some(_)) => fail_on(
                            line,
                            ImportField::ExternalId,
                            ImportIssueCode::ExternalIdTaken,
                            external_id,
                        ),
                        _ => RowPlan::Create(user),
                    }
                }
                (ImportMode::UpdateOnly, None) => fail_on(
                    line,
                    ImportField::Email,
                    ImportIssueCode::NoMatchingUser,
                    &email,
                ),
                (_, Some(id)) if kind_of(id) != Some(kind) => fail_on(
                    line,
                    ImportField::Email,
                    ImportIssueCode::ExistsAsOtherKind { kind },
                    &email,
                ),
                // Matched by external ID, but its email is another account's: the update
                // would take it (the unique index would refuse the whole import, naming no row).
                (_, Some(id))
                    if existing
                        .by_email
                        .get(&user.email.key())
                        .is_some_and(|(other, _)| *other != id) =>
                {
                    fail_on(
                        line,
                        ImportField::Email,
                        ImportIssueCode::Field(IssueCode::EmailAlreadyUsed),
                        &email,
                    )
                }
                (_, Some(id)) => RowPlan::Update(id, user),
            };
            PlannedRow { line, email, plan }
        })
        .collect()
}

/// What other accounts took between checking and writing (another import, Add user): email
/// keys and external IDs.
#[derive(Debug, Default)]
pub struct TakenMeanwhile {
    pub email_keys: HashSet<String>,
    pub external_ids: HashSet<String>,
}

/// After a race: the rows that would have created a now-taken email or external ID fail as the
/// preview would have said it, on that column.
pub fn fail_taken(
    report: &ImportReport,
    rows: Vec<PlannedRow>,
    taken: &TakenMeanwhile,
) -> Vec<PlannedRow> {
    let column_of = |field: ImportField| {
        report
            .columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.column)
    };
    rows.into_iter()
        .map(|row| {
            let RowPlan::Create(user) = &row.plan else {
                return row;
            };
            let failure = if taken.email_keys.contains(&user.email.key()) {
                Some((
                    ImportField::Email,
                    ImportIssueCode::Field(IssueCode::EmailAlreadyUsed),
                    row.email.clone(),
                ))
            } else {
                user.external_id
                    .as_ref()
                    .filter(|id| taken.external_ids.contains(*id))
                    .map(|id| {
                        (
                            ImportField::ExternalId,
                            ImportIssueCode::ExternalIdTaken,
                            id.clone(),
                        )
                    })
            };
            match failure {
                Some((field, code, value)) => PlannedRow {
                    plan: RowPlan::Fail(vec![ImportIssue::cell(
                        row.line,
                        column_of(field),
                        field,
                        code,
                        &value,
                    )]),
                    ..row
                },
                None => row,
            }
        })
        .collect()
}

/// The emails rows would create (for checking which were taken meanwhile).
pub fn emails_to_create(rows: &[PlannedRow]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match &row.plan {
            RowPlan::Create(user) => Some(user.email.key()),
            _ => None,
        })
        .collect()
}

/// The external IDs rows would create (for checking which were taken meanwhile).
pub fn external_ids_to_create(rows: &[PlannedRow]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match &row.plan {
            RowPlan::Create(user) => user.external_id.clone(),
            _ => None,
        })
        .collect()
}

fn typed_email(issues: &[ImportIssue]) -> String {
    issues
        .iter()
        .find(|i| i.field == Some(ImportField::Email))
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{
        analyze, read_source, ImportContext, ImportLimits, ImportSource, MappingChoice,
    };
    use crate::model::RoleInfo;

    const HEADER: &str = "First name\tLast name\tEmail\tExternal ID\tRoles";

    /// The engine's report on `lines` (each gets the role Requester appended).
    fn report(lines: &[&str]) -> ImportReport {
        let text = std::iter::once(HEADER.to_string())
            .chain(lines.iter().map(|line| format!("{line}\tRequester")))
            .collect::<Vec<_>>()
            .join("\n");
        let table = read_source(ImportSource::Pasted(&text), &ImportLimits::default()).table;
        let roles = vec![RoleInfo {
            id: 5,
            name: "Requester".into(),
            applies_to: UserKind::EndUser,
            is_default: true,
        }];
        let context = ImportContext {
            kind: UserKind::EndUser,
            known_roles: &roles,
            existing_email_keys: &HashSet::new(),
            limits: ImportLimits::default(),
        };
        analyze(&table, &MappingChoice::default(), &context)
    }

    fn existing() -> ExistingUsers {
        let mut users = ExistingUsers::default();
        users
            .by_email
            .insert("ann@example.com".into(), (1, UserKind::EndUser));
        users
            .by_email
            .insert("tom@example.com".into(), (2, UserKind::Technician));
        users
            .by_email
            .insert("bea@example.com".into(), (3, UserKind::EndUser));
        users
            .by_external_id
            .insert("E-1".into(), (1, UserKind::EndUser));
        users
    }

    fn plans(mode: ImportMode, lines: &[&str]) -> Vec<RowPlan> {
        let mut report = report(lines);
        plan_rows(&mut report, mode, UserKind::EndUser, &existing())
            .into_iter()
            .map(|row| row.plan)
            .collect()
    }

    fn failure(plan: &RowPlan) -> (Option<ImportField>, Option<usize>, ImportIssueCode) {
        match plan {
            RowPlan::Fail(issues) => (issues[0].field, issues[0].column, issues[0].code.clone()),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_new_email_is_created() {
        let plans = plans(ImportMode::CreateOnly, &["New\tPerson\tnew@example.com\t"]);
        assert!(matches!(&plans[0], RowPlan::Create(u) if u.email.as_str() == "new@example.com"));
    }

    #[test]
    fn update_matches_by_external_id_before_email() {
        let plans = plans(
            ImportMode::UpdateOnly,
            &["Ann\tNew\tann.new@example.com\tE-1"],
        );
        assert!(
            matches!(&plans[0], RowPlan::Update(1, u) if u.email.as_str() == "ann.new@example.com")
        );
    }

    #[test]
    fn an_update_by_external_id_to_another_accounts_email_fails_on_the_email_column() {
        let taken = plans(
            ImportMode::CreateAndUpdate,
            &["Ann\tNew\tBEA@example.com\tE-1"],
        );
        assert_eq!(
            failure(&taken[0]),
            (
                Some(ImportField::Email),
                Some(2),
                ImportIssueCode::Field(IssueCode::EmailAlreadyUsed)
            )
        );
        let own = plans(ImportMode::UpdateOnly, &["Ann\tSame\tann@example.com\tE-1"]);
        assert!(matches!(&own[0], RowPlan::Update(1, _)), "its own email");
    }

    #[test]
    fn update_matches_by_email_case_insensitively() {
        let plans = plans(
            ImportMode::CreateAndUpdate,
            &["Ann\tAble\tANN@example.com\t"],
        );
        assert!(matches!(&plans[0], RowPlan::Update(1, _)));
    }

    #[test]
    fn update_only_refuses_a_row_that_matches_nobody_on_the_email_column() {
        let plans = plans(ImportMode::UpdateOnly, &["No\tOne\tnobody@example.com\t"]);
        assert_eq!(
            failure(&plans[0]),
            (
                Some(ImportField::Email),
                Some(2),
                ImportIssueCode::NoMatchingUser
            )
        );
    }

    #[test]
    fn an_external_id_another_user_has_fails_on_the_external_id_column() {
        let plans = plans(ImportMode::CreateOnly, &["Zed\tZee\tzed@example.com\tE-1"]);
        assert_eq!(
            failure(&plans[0]),
            (
                Some(ImportField::ExternalId),
                Some(3),
                ImportIssueCode::ExternalIdTaken
            )
        );
    }

    #[test]
    fn an_account_of_the_other_kind_is_never_updated() {
        let plans = plans(
            ImportMode::CreateAndUpdate,
            &["Tom\tTech\ttom@example.com\t"],
        );
        assert_eq!(
            failure(&plans[0]),
            (
                Some(ImportField::Email),
                Some(2),
                ImportIssueCode::ExistsAsOtherKind {
                    kind: UserKind::EndUser
                }
            )
        );
    }

    #[test]
    fn an_invalid_row_fails_with_the_engines_issues() {
        let plans = plans(ImportMode::CreateOnly, &["Bad\tRow\tnot-an-email\t"]);
        let (field, column, _) = failure(&plans[0]);
        assert_eq!((field, column), (Some(ImportField::Email), Some(2)));
    }

    #[test]
    fn a_race_turns_creates_of_now_taken_emails_and_external_ids_into_failures_on_their_column() {
        let mut report = report(&[
            "A\tOne\ta@example.com\t",
            "B\tTwo\tb@example.com\t",
            "C\tThree\tc@example.com\tE-9",
        ]);
        let rows = plan_rows(
            &mut report,
            ImportMode::CreateOnly,
            UserKind::EndUser,
            &ExistingUsers::default(),
        );
        assert_eq!(
            emails_to_create(&rows),
            vec!["a@example.com", "b@example.com", "c@example.com"]
        );
        assert_eq!(external_ids_to_create(&rows), vec!["E-9"]);
        let taken = TakenMeanwhile {
            email_keys: ["b@example.com".to_string()].into(),
            external_ids: ["E-9".to_string()].into(),
        };
        let rows = fail_taken(&report, rows, &taken);
        assert!(matches!(rows[0].plan, RowPlan::Create(_)));
        assert_eq!(
            failure(&rows[1].plan),
            (
                Some(ImportField::Email),
                Some(2),
                ImportIssueCode::Field(IssueCode::EmailAlreadyUsed)
            )
        );
        assert_eq!(rows[1].email, "b@example.com");
        assert_eq!(
            failure(&rows[2].plan),
            (
                Some(ImportField::ExternalId),
                Some(3),
                ImportIssueCode::ExternalIdTaken
            )
        );
    }
}
