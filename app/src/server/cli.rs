//! The server binary's subcommands: `create-admin` (the first administrator), `demo-data`
//! (a few organizations, technicians and end users so a newcomer sees a living product) and
//! `create-api-token` (a REST API token for a script, as Administration → API tokens makes).

use super::failure::internal;
use super::passwords::{hash_password, password_problem};
use super::user_store::{self, NewUser};
use super::{clock, organizations, roles, tokens, users, Db};
use crate::model::UserKind;
use crate::rules::{validate_user_fields, UserFieldsInput};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Serve,
    CreateAdmin {
        email: String,
        first_name: String,
        last_name: String,
    },
    DemoData,
    CreateApiToken {
        email: String,
        name: String,
        days: Option<u32>,
    },
    Help,
}

pub const USAGE: &str = "usage: server [serve]\n       server create-admin --email EMAIL [--first-name NAME] [--last-name NAME]\n       server demo-data\n       server create-api-token --email ADMIN_EMAIL --name NAME [--days DAYS]\n\ncreate-admin takes the password from ADMIN_PASSWORD, or generates one and prints it once.\ncreate-api-token prints a token that acts as that System Administrator (never expiring unless --days is given).";

impl Command {
    pub fn parse(args: &[String]) -> Result<Command, String> {
        let mut args = args.iter();
        match args.next().map(String::as_str) {
            None | Some("serve") => Ok(Command::Serve),
            Some("demo-data") => Ok(Command::DemoData),
            Some("help" | "--help" | "-h") => Ok(Command::Help),
            Some("create-admin") => {
                let (mut email, mut first, mut last) =
                    (None, "System".to_string(), "Administrator".to_string());
                for (flag, value) in flag_values(args)? {
                    match flag.as_str() {
                        "--email" => email = Some(value),
                        "--first-name" => first = value,
                        "--last-name" => last = value,
                        other => return Err(format!("unknown option {other}")),
                    }
                }
                let email = email.ok_or("create-admin needs --email")?;
                Ok(Command::CreateAdmin {
                    email,
                    first_name: first,
                    last_name: last,
                })
            }
            Some("create-api-token") => {
                let (mut email, mut name, mut days) = (None, None, None);
                for (flag, value) in flag_values(args)? {
                    match flag.as_str() {
                        "--email" => email = Some(value),
                        "--name" => name = Some(value),
                        "--days" => {
                            days = Some(value.parse::<u32>().map_err(|_| {
                                format!("--days needs a whole number of days, not {value:?}")
                            })?)
                        }
                        other => return Err(format!("unknown option {other}")),
                    }
                }
                Ok(Command::CreateApiToken {
                    email: email.ok_or("create-api-token needs --email")?,
                    name: name.ok_or("create-api-token needs --name")?,
                    days,
                })
            }
            Some(other) => Err(format!("unknown command {other:?}")),
        }
    }
}

/// `--flag value` pairs, each flag with its value.
fn flag_values<'a>(
    mut args: impl Iterator<Item = &'a String>,
) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        pairs.push((flag.clone(), value.clone()));
    }
    Ok(pairs)
}

/// Creates a registered technician with the System Administrator role. Returns the password
/// when it was generated, so the caller can print it once.
pub async fn create_admin(
    db: &Db,
    email: &str,
    first_name: &str,
    last_name: &str,
    password: Option<String>,
) -> Result<Option<String>, String> {
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| tokens::new_token()[..20].to_string());
    if let Some(problem) = password_problem(&password) {
        return Err(format!("ADMIN_PASSWORD is too weak: {problem}"));
    }
    let admin_role = roles::system_admin_role_id(db.pool())
        .await
        .map_err(|e| e.to_string())?;
    let known_roles = roles::list(db.pool()).await.map_err(|e| e.to_string())?;
    let input = UserFieldsInput {
        kind: UserKind::Technician,
        first_name: first_name.into(),
        last_name: last_name.into(),
        email: email.into(),
        role_ids: vec![admin_role],
        ..UserFieldsInput::default()
    };
    let fields = validate_user_fields(&input, &known_roles).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{:?}: {}", e.field, e.code.message()))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if users::email_in_use(db.pool(), email, None)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!("an account with the email {email} already exists"));
    }
    let hash = hash_password(&password).map_err(|e| e.to_string())?;
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    user_store::insert(
        &mut tx,
        NewUser::from_form(fields, Some(hash)),
        clock::now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(generated.then_some(password))
}

/// Makes an API token acting as the System Administrator with this email; returns the token
/// (shown once).
pub async fn create_api_token(
    db: &Db,
    email: &str,
    name: &str,
    days: Option<u32>,
) -> Result<String, String> {
    let found: Option<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT u.id, {} FROM users u WHERE u.email_key = $1",
        super::sessions::ADMIN_ROLES
    ))
    .bind(crate::rules::Email::key_of(email))
    .fetch_optional(db.pool())
    .await
    .map_err(|e| internal("finding the administrator", e).to_string())?;
    let admin = found
        .filter(|(_, admin_roles)| *admin_roles > 0)
        .map(|(id, _)| id)
        .ok_or_else(|| format!("no System Administrator has the email {email}"))?;
    let made = super::api_tokens::create(db, admin, name, days, clock::now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(made.secret)
}

pub async fn any_admin_exists(db: &Db) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.is_system_admin = 1",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

const DEMO_ORGANIZATIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "Acme Corporation",
        &[("Maria", "García"), ("John", "Smith"), ("Aiko", "Tanaka")],
    ),
    ("Globex", &[("Anne-Marie", "Dubois"), ("Sean", "O'Neil")]),
    (
        "Initech",
        &[("Peter", "Gibbons"), ("Samir", "Nagheenanajar")],
    ),
];
const DEMO_TECHNICIANS: &[(&str, &str, &str)] = &[
    ("Priya", "Patel", "Help Desk Technician"),
    ("Lars", "Ærøskøbing", "Help Desk Manager"),
];

/// Adds demo organizations and users; running it again adds nothing twice. Returns how many
/// users it added.
pub async fn demo_data(db: &Db) -> Result<usize, String> {
    let now = clock::now();
    let fail = |e: sqlx::Error| internal("demo data", e).to_string();
    let known_roles = roles::list(db.pool()).await.map_err(|e| e.to_string())?;
    let role = |name: &str| known_roles.iter().find(|r| r.name == name).map(|r| r.id);
    let mut wanted = Vec::new();
    for (first, last, role_name) in DEMO_TECHNICIANS {
        wanted.push(UserFieldsInput {
            kind: UserKind::Technician,
            first_name: first.to_string(),
            last_name: last.to_string(),
            email: demo_email(first, last, "helpdesk.example"),
            role_ids: role(role_name).into_iter().collect(),
            ..UserFieldsInput::default()
        });
    }
    for (org, people) in DEMO_ORGANIZATIONS {
        let org_id = organizations::find_or_create(db.pool(), org, now)
            .await
            .map_err(|e| e.to_string())?;
        let domain = format!(
            "{}.example",
            org.split(' ').next().unwrap_or(org).to_lowercase()
        );
        for (first, last) in *people {
            wanted.push(UserFieldsInput {
                kind: UserKind::EndUser,
                first_name: first.to_string(),
                last_name: last.to_string(),
                email: demo_email(first, last, &domain),
                phone: "+1 888 667 8888".into(),
                organization_id: Some(org_id),
                role_ids: role("Requester").into_iter().collect(),
                ..UserFieldsInput::default()
            });
        }
    }
    let mut added = 0;
    for input in wanted {
        if users::email_in_use(db.pool(), &input.email, None)
            .await
            .map_err(|e| e.to_string())?
        {
            continue;
        }
        let fields = validate_user_fields(&input, &known_roles)
            .map_err(|e| format!("demo user {} is invalid: {e:?}", input.email))?;
        let mut tx = db.begin_write().await.map_err(fail)?;
        user_store::insert(&mut tx, NewUser::from_form(fields, None), now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        added += 1;
    }
    Ok(added)
}

fn demo_email(first: &str, last: &str, domain: &str) -> String {
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'á' | 'à' => Some('a'),
                'é' | 'è' => Some('e'),
                'í' => Some('i'),
                'Æ' | 'æ' => Some('a'),
                'ø' => Some('o'),
                c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect()
    };
    format!("{}.{}@{domain}", ascii(first), ascii(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subcommands_parse_with_their_options() {
        assert_eq!(Command::parse(&args(&[])), Ok(Command::Serve));
        assert_eq!(Command::parse(&args(&["demo-data"])), Ok(Command::DemoData));
        assert_eq!(
            Command::parse(&args(&[
                "create-admin",
                "--email",
                "a@b.co",
                "--first-name",
                "Ann"
            ])),
            Ok(Command::CreateAdmin {
                email: "a@b.co".into(),
                first_name: "Ann".into(),
                last_name: "Administrator".into()
            })
        );
        assert!(Command::parse(&args(&["create-admin"])).is_err());
        assert!(Command::parse(&args(&["create-admin", "--email"])).is_err());
        assert!(Command::parse(&args(&["frobnicate"])).is_err());
        assert_eq!(
            Command::parse(&args(&[
                "create-api-token",
                "--email",
                "a@example.com",
                "--name",
                "CI",
                "--days",
                "30"
            ])),
            Ok(Command::CreateApiToken {
                email: "a@example.com".into(),
                name: "CI".into(),
                days: Some(30),
            })
        );
        assert!(Command::parse(&args(&["create-api-token", "--email", "a@example.com"])).is_err());
        assert!(Command::parse(&args(&[
            "create-api-token",
            "--email",
            "a@example.com",
            "--name",
            "CI",
            "--days",
            "soon"
        ]))
        .is_err());
    }

    #[test]
    fn demo_emails_are_ascii_and_valid() {
        let email = demo_email("Lars", "Ærøskøbing", "helpdesk.example");
        assert_eq!(email, "lars.aroskobing@helpdesk.example");
        assert!(crate::rules::Email::parse(&email).is_ok());
        assert!(
            crate::rules::Email::parse(&demo_email("Sean", "O'Neil", "globex.example")).is_ok()
        );
    }
}
