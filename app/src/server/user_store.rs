//! The one writer of user rows. Add user, Edit user, Clone user, an import's creates and
//! updates, `create-admin` and `demo-data` all write through here, so they agree on the
//! columns, `search_text`, role links, and what changing an email or phone sets off
//! (`contact_changes`: a pending user re-invited at the new address, sessions ended), and the
//! bulk role changes of All users.
//! Invitation status columns are written by the invitation services.

use super::batch::{self, Value};
use super::contact_changes::{self, ContactAfter};
use super::invitations::{id_lists, Inviter};
use super::{search_backlog, user_counts};
use crate::import::ImportUser;
use crate::model::{search_text, InvitationStatus, MfaMethod, UserKind, UserSettings, UserType};
use crate::rules::ValidUserFields;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// A user to create.
pub struct NewUser {
    pub fields: ValidUserFields,
    pub external_id: Option<String>,
    /// Set for an account created with its password (create-admin); otherwise the person
    /// sets one through an invitation.
    pub password_hash: Option<String>,
    pub import_job_id: Option<i64>,
    /// Set for a user invited as they are created (an import's): written Pending, invited
    /// now, until this time, so no second write marks them (see
    /// `invitations::issue_to_invited_new_users`).
    pub invitation_expires_at: Option<i64>,
}

impl NewUser {
    pub fn from_form(fields: ValidUserFields, password_hash: Option<String>) -> NewUser {
        NewUser {
            fields,
            external_id: None,
            password_hash,
            import_job_id: None,
            invitation_expires_at: None,
        }
    }

    /// An imported row: what the row says, and the Add user form's defaults for the rest.
    pub fn imported(
        user: &ImportUser,
        kind: UserKind,
        organization_id: Option<i64>,
        job_id: i64,
    ) -> NewUser {
        NewUser {
            fields: imported_fields(user, kind, organization_id),
            external_id: user.external_id.clone(),
            password_hash: None,
            import_job_id: Some(job_id),
            invitation_expires_at: None,
        }
    }

    /// The user, created already invited: Pending, with a link that expires at `expires_at`.
    pub fn invited(self, expires_at: i64) -> NewUser {
        NewUser {
            invitation_expires_at: Some(expires_at),
            ..self
        }
    }
}

/// An imported row as a user's fields: the row's values, the form's defaults for settings an
/// import does not carry.
pub fn imported_fields(
    user: &ImportUser,
    kind: UserKind,
    organization_id: Option<i64>,
) -> ValidUserFields {
    ValidUserFields {
        kind,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        email: user.email.clone(),
        phone: user.phone.clone(),
        organization_id,
        role_ids: user.role_ids.clone(),
        settings: UserSettings {
            user_type: user.user_type,
            site: user.site.clone(),
            ..UserSettings::default()
        },
    }
}

/// The settings columns of a user row read by `SELECT {SETTINGS_COLUMNS}`.
pub const SETTINGS_COLUMNS: &str = "u.user_type, u.site, u.language, u.idle_warning_minutes, \
                                    u.notify_by_email, u.notify_by_sms, u.mfa_method";

pub fn settings_from_row(row: &AnyRow) -> Result<UserSettings, sqlx::Error> {
    Ok(UserSettings {
        user_type: UserType::parse(row.try_get("user_type")?).unwrap_or_default(),
        site: row.try_get("site")?,
        language: row.try_get("language")?,
        idle_warning_minutes: row.try_get("idle_warning_minutes")?,
        notify_by_email: row.try_get::<i64, _>("notify_by_email")? != 0,
        notify_by_sms: row.try_get::<i64, _>("notify_by_sms")? != 0,
        mfa_method: MfaMethod::parse(row.try_get("mfa_method")?).unwrap_or_default(),
    })
}

const INSERT_COLUMNS: [&str; 23] = [
    "kind",
    "first_name",
    "last_name",
    "email",
    "email_key",
    "phone",
    "external_id",
    "organization_id",
    "user_type",
    "site",
    "language",
    "idle_warning_minutes",
    "notify_by_email",
    "notify_by_sms",
    "mfa_method",
    "password_hash",
    "registered_at",
    "invitation_status",
    "invited_at",
    "invitation_expires_at",
    "import_job_id",
    "search_text",
    "created_at",
];

fn insert_values(user: &NewUser, now: i64) -> Vec<Value> {
    let f = &user.fields;
    let settings = &f.settings;
    vec![
        Value::Text(f.kind.as_str().into()),
        Value::Text(f.first_name.as_str().into()),
        Value::Text(f.last_name.as_str().into()),
        Value::Text(f.email.as_str().into()),
        Value::Text(f.email.key()),
        Value::OptText(f.phone.as_ref().map(|p| p.as_str().to_string())),
        Value::OptText(user.external_id.clone()),
        Value::OptInt(f.organization_id),
        Value::Text(settings.user_type.as_str().into()),
        Value::Text(settings.site.clone()),
        Value::Text(settings.language.clone()),
        Value::Int(settings.idle_warning_minutes),
        Value::Int(settings.notify_by_email as i64),
        Value::Int(settings.notify_by_sms as i64),
        Value::Text(settings.mfa_method.as_str().into()),
        Value::OptText(user.password_hash.clone()),
        Value::OptInt(user.password_hash.as_ref().map(|_| now)),
        Value::Text(stored_status(user).as_str().into()),
        Value::OptInt(user.invitation_expires_at.map(|_| now)),
        Value::OptInt(user.invitation_expires_at),
        Value::OptInt(user.import_job_id),
        Value::Text(search_text(
            f.first_name.as_str(),
            f.last_name.as_str(),
            f.email.as_str(),
        )),
        Value::Int(now),
    ]
}

/// The invitation status a new user is written with.
fn stored_status(user: &NewUser) -> InvitationStatus {
    match (&user.password_hash, user.invitation_expires_at) {
        (Some(_), _) => InvitationStatus::Registered,
        (None, Some(_)) => InvitationStatus::Pending,
        (None, None) => InvitationStatus::NotInvited,
    }
}

/// Creates the users and their role links in the caller's transaction, in multi-row
/// statements; returns their ids in the order given. A taken email fails the statement with
/// the unique index's error (the caller says which rows).
pub async fn insert_many(
    tx: &mut Transaction<'static, Any>,
    users: &[NewUser],
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut columns = INSERT_COLUMNS.to_vec();
    columns.push("updated_at");
    let rows: Vec<Vec<Value>> = users
        .iter()
        .map(|u| {
            let mut values = insert_values(u, now);
            values.push(Value::Int(now));
            values
        })
        .collect();
    let returned = batch::insert(tx, "users", &columns, &rows, "RETURNING id, email_key").await?;
    let mut id_by_key = HashMap::with_capacity(returned.len());
    for row in &returned {
        id_by_key.insert(
            row.try_get::<String, _>("email_key")?,
            row.try_get::<i64, _>("id")?,
        );
    }
    let ids: Vec<i64> = users
        .iter()
        .map(|u| {
            id_by_key
                .get(&u.fields.email.key())
                .copied()
                .unwrap_or_default()
        })
        .collect();
    // On SQLite an import's users are left out by the row triggers that index them for
    // search and count them (migrations 0021, 0022): searchable after the import commits
    // (`search_backlog`), counted here per group.
    if !batch::is_postgres(tx) {
        let mut imported = Vec::new();
        let mut groups: HashMap<user_counts::Group, i64> = HashMap::new();
        for (user, id) in users.iter().zip(&ids) {
            if user.import_job_id.is_none() {
                continue;
            }
            imported.push(*id);
            let group = (
                user.fields.kind.as_str(),
                user.fields.organization_id.unwrap_or(0),
                stored_status(user).as_str(),
            );
            *groups.entry(group).or_default() += 1;
        }
        search_backlog::defer(tx, &imported).await?;
        user_counts::add_imported(tx, &groups).await?;
    }
    let links: Vec<Vec<Value>> = users
        .iter()
        .zip(&ids)
        .flat_map(|(u, id)| {
            u.fields
                .role_ids
                .iter()
                .map(move |r| vec![Value::Int(*id), Value::Int(*r)])
        })
        .collect();
    batch::insert(tx, "user_roles", &["user_id", "role_id"], &links, "").await?;
    Ok(ids)
}

/// Creates one user (see [`insert_many`]).
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    user: NewUser,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let ids = insert_many(tx, std::slice::from_ref(&user), now).await?;
    Ok(ids[0])
}

/// Which columns an update writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateScope {
    /// What an import row carries: names, email, phone, external ID (kept when the row has
    /// none), user type and site; roles only when the import maps a Roles column.
    Imported { replace_roles: bool },
    /// Everything Edit user shows: also the organization, settings and roles.
    Everything,
}

/// A change to an existing user.
pub struct UserUpdate {
    pub id: i64,
    pub fields: ValidUserFields,
    pub external_id: Option<String>,
    pub scope: UpdateScope,
}

/// Saves the changes in the caller's transaction, and for each user whose email or phone
/// changed, what that sets off (`contact_changes`). The kind never changes.
pub async fn update_many(
    tx: &mut Transaction<'static, Any>,
    updates: &[UserUpdate],
    inviter: &Inviter<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = updates.iter().map(|u| u.id).collect();
    let before = contact_changes::load(tx, &ids).await?;
    for update in updates {
        write_update(tx, update, now).await?;
        if let Some(before) = before.get(&update.id) {
            let f = &update.fields;
            let after = ContactAfter {
                email: &f.email,
                phone: f.phone.as_ref().map(|p| p.as_str()),
                first_name: f.first_name.as_str(),
                last_name: f.last_name.as_str(),
            };
            contact_changes::apply(tx, update.id, before, &after, inviter, now).await?;
        }
    }
    Ok(())
}

async fn write_update(
    tx: &mut Transaction<'static, Any>,
    update: &UserUpdate,
    now: i64,
) -> Result<(), sqlx::Error> {
    let f = &update.fields;
    let s = &f.settings;
    let (settings, replace_roles) = match update.scope {
        UpdateScope::Imported { replace_roles } => ("", replace_roles),
        UpdateScope::Everything => (
            ", organization_id = $11, language = $12, idle_warning_minutes = $13, \
             notify_by_email = $14, notify_by_sms = $15, mfa_method = $16",
            true,
        ),
    };
    let sql = format!(
        "UPDATE users SET first_name = $1, last_name = $2, email = $3, email_key = $4, \
         phone = $5, external_id = COALESCE($6, external_id), user_type = $7, site = $8, \
         search_text = $9, updated_at = $10{settings} WHERE id = $17"
    );
    let mut query = sqlx::query(&sql)
        .bind(f.first_name.as_str())
        .bind(f.last_name.as_str())
        .bind(f.email.as_str())
        .bind(f.email.key())
        .bind(f.phone.as_ref().map(|p| p.as_str().to_string()))
        .bind(update.external_id.clone())
        .bind(s.user_type.as_str())
        .bind(s.site.clone())
        .bind(search_text(
            f.first_name.as_str(),
            f.last_name.as_str(),
            f.email.as_str(),
        ))
        .bind(now);
    // Both scopes bind the same parameters (typed, so PostgreSQL accepts the ones an
    // import's update leaves unused), keeping one numbering.
    query = query
        .bind(f.organization_id)
        .bind(s.language.clone())
        .bind(s.idle_warning_minutes)
        .bind(s.notify_by_email as i64)
        .bind(s.notify_by_sms as i64)
        .bind(s.mfa_method.as_str())
        .bind(update.id);
    query.execute(&mut **tx).await?;
    if replace_roles {
        replace_role_links(tx, update.id, &f.role_ids).await?;
    }
    Ok(())
}

async fn replace_role_links(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    role_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let links: Vec<Vec<Value>> = role_ids
        .iter()
        .map(|r| vec![Value::Int(user_id), Value::Int(*r)])
        .collect();
    batch::insert(tx, "user_roles", &["user_id", "role_id"], &links, "").await?;
    Ok(())
}

/// Gives `role_id` to each of the users who lack it, in the caller's transaction; returns the
/// ids that gained it. (Whether the role suits each user is the caller's rule to apply.)
pub async fn add_role(
    tx: &mut Transaction<'static, Any>,
    user_ids: &[i64],
    role_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    role_links_changed(
        tx,
        "INSERT INTO user_roles (user_id, role_id) SELECT u.id, $1 FROM users u \
         WHERE u.id IN ({ids}) AND NOT EXISTS \
         (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = $1) \
         ON CONFLICT (user_id, role_id) DO NOTHING RETURNING user_id",
        user_ids,
        role_id,
    )
    .await
}

/// Takes `role_id` away from each of the users, in the caller's transaction, except from an
/// end user for whom it is the last role (decided in the statement, so a concurrent change
/// cannot leave one with none); returns the ids that lost it.
pub async fn remove_role(
    tx: &mut Transaction<'static, Any>,
    user_ids: &[i64],
    role_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    role_links_changed(
        tx,
        "DELETE FROM user_roles WHERE role_id = $1 AND user_id IN ({ids}) AND ( \
         EXISTS (SELECT 1 FROM users u WHERE u.id = user_roles.user_id AND u.kind = 'technician') \
         OR EXISTS (SELECT 1 FROM user_roles other \
                    WHERE other.user_id = user_roles.user_id AND other.role_id <> $1)) \
         RETURNING user_id",
        user_ids,
        role_id,
    )
    .await
}

/// Runs `sql` (`$1` the role, `{ids}` a list of at most 500 user ids) for each chunk of
/// `user_ids`; returns the `user_id`s it returned.
async fn role_links_changed(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    user_ids: &[i64],
    role_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut changed = Vec::new();
    for chunk in id_lists(user_ids) {
        let rows = sqlx::query(&sql.replace("{ids}", &chunk))
            .bind(role_id)
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            changed.push(row.try_get("user_id")?);
        }
    }
    Ok(changed)
}
