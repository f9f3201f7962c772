//! Users: listing, reading, creating and editing. Writes happen in one transaction each.

use super::context::Actor;
use super::failure::db_failure;
use super::invitations::{self, Invitee};
use super::user_query;
use super::user_store::{
    self, settings_from_row, NewUser, UpdateScope, UserUpdate, SETTINGS_COLUMNS,
};
use super::{db::is_unique_violation, roles, Db};
use crate::error::AppError;
use crate::model::{time_left, InvitationStatus, UserDetail, UserFilter, UserKind, UserSummary};
use crate::rules::{
    validate_user_fields, Email, Field, FieldError, IssueCode, UserFieldsInput, ValidUserFields,
};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

pub use super::user_query::PAGE_SIZE;

pub(crate) const SUMMARY_COLUMNS: &str = "u.id, u.first_name, u.last_name, u.email, u.kind, \
     o.name AS organization, u.invitation_status, u.invited_at, u.invitation_expires_at";
pub(crate) const SUMMARY_JOINS: &str =
    "FROM users u LEFT JOIN organizations o ON o.id = u.organization_id";

/// One page of the users the filter matches (see `user_query`), with how many match in all.
pub async fn list(
    db: &Db,
    filter: &UserFilter,
    now: i64,
) -> Result<(Vec<UserSummary>, i64), AppError> {
    user_query::page(db, filter, now)
        .await
        .map_err(db_failure("loading users"))
}

pub(crate) fn summary_from_row(row: &AnyRow, now: i64) -> Result<UserSummary, sqlx::Error> {
    let expires_at: Option<i64> = row.try_get("invitation_expires_at")?;
    let invitation =
        InvitationStatus::from_stored(row.try_get("invitation_status")?, expires_at, now);
    Ok(UserSummary {
        id: row.try_get("id")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        kind: UserKind::parse(row.try_get("kind")?).unwrap_or(UserKind::EndUser),
        organization: row.try_get("organization")?,
        roles: Vec::new(),
        invitation,
        invited_at: row.try_get("invited_at")?,
        time_left: match (invitation, expires_at) {
            (InvitationStatus::Pending, Some(at)) => Some(time_left(at, now)),
            _ => None,
        },
    })
}

pub(crate) async fn attach_role_names(
    pool: &AnyPool,
    users: &mut [UserSummary],
) -> Result<(), sqlx::Error> {
    if users.is_empty() {
        return Ok(());
    }
    // The ids are integers we just read, so inlining them is safe and keeps one round trip.
    let ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
    let sql = format!(
        "SELECT ur.user_id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
         WHERE ur.user_id IN ({}) ORDER BY r.name",
        ids.join(",")
    );
    let mut by_user: HashMap<i64, Vec<String>> = HashMap::new();
    for row in sqlx::query(&sql).fetch_all(pool).await? {
        by_user
            .entry(row.try_get("user_id")?)
            .or_default()
            .push(row.try_get("name")?);
    }
    for user in users {
        user.roles = by_user.remove(&user.id).unwrap_or_default();
    }
    Ok(())
}

pub async fn get(pool: &AnyPool, id: i64, now: i64) -> Result<Option<UserDetail>, AppError> {
    let result: Result<Option<UserDetail>, sqlx::Error> = async {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, u.phone, u.external_id, u.organization_id, \
                    {SETTINGS_COLUMNS}, u.created_at, \
                    CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS has_authenticator \
             {SUMMARY_JOINS} WHERE u.id = $1"
        );
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(pool).await? else {
            return Ok(None);
        };
        let summary = summary_from_row(&row, now)?;
        let phone: Option<String> = row.try_get("phone")?;
        let role_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        Ok(Some(UserDetail {
            id,
            kind: summary.kind,
            first_name: summary.first_name,
            last_name: summary.last_name,
            email: summary.email,
            phone_display: phone.as_deref().map(crate::rules::international_format),
            phone,
            external_id: row.try_get("external_id")?,
            organization_id: row.try_get("organization_id")?,
            organization: summary.organization,
            settings: settings_from_row(&row)?,
            role_ids,
            invitation: summary.invitation,
            time_left: summary.time_left,
            created_at: row.try_get("created_at")?,
            has_authenticator: row.try_get::<i64, _>("has_authenticator")? == 1,
        }))
    }
    .await;
    result.map_err(db_failure("loading a user"))
}

pub async fn email_in_use(
    pool: &AnyPool,
    email: &str,
    except_user: Option<i64>,
) -> Result<bool, AppError> {
    let key = Email::key_of(email);
    if key.contains(char::is_control) {
        // No account's email holds one (and PostgreSQL refuses a NUL in any text).
        return Ok(false);
    }
    let result: Result<bool, sqlx::Error> = async {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key = $1 AND id <> $2")
                .bind(key)
                .bind(except_user.unwrap_or(-1))
                .fetch_one(pool)
                .await?;
        Ok(count > 0)
    }
    .await;
    result.map_err(db_failure("checking an email"))
}

/// Validates against the database's roles and organizations, then creates the user, links
/// their roles and, when asked, queues the invitation, all in one transaction.
pub async fn create(
    db: &Db,
    input: &UserFieldsInput,
    send_invitation: bool,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
) -> Result<i64, AppError> {
    create_copying(
        db,
        input,
        send_invitation,
        actor,
        public_base_url,
        now,
        None,
    )
    .await
}

/// Clone user: as [`create`], and the user whose settings were copied must still exist when the
/// copy is saved (checked inside the same transaction).
pub async fn create_copying(
    db: &Db,
    input: &UserFieldsInput,
    send_invitation: bool,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
    copied_from: Option<i64>,
) -> Result<i64, AppError> {
    let fields = validate_against_database(db, input, None).await?;
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting add user"))?;
    if let Some(source) = copied_from {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(source)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_failure("checking the user being copied"))?;
        if exists.is_none() {
            return Err(AppError::NotFound(
                "The user whose settings you are copying".into(),
            ));
        }
    }
    let invitee_fields = (
        fields.email.as_str().to_string(),
        fields.first_name.as_str().to_string(),
        fields.last_name.as_str().to_string(),
    );
    let id = match user_store::insert(&mut tx, NewUser::from_form(fields, None), now).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(email_taken()),
        Err(e) => return Err(db_failure("adding a user")(e)),
    };
    if send_invitation {
        let (email, first_name, last_name) = &invitee_fields;
        let invitee = Invitee::named(id, email, first_name, last_name);
        let inviter = actor.inviter(public_base_url, None);
        invitations::issue(&mut tx, &inviter, &[invitee], now)
            .await
            .map_err(db_failure("queueing an invitation"))?;
    }
    tx.commit()
        .await
        .map_err(db_failure("committing add user"))?;
    tracing::info!(user_id = id, by = actor.user_id, ?copied_from, "user added");
    Ok(id)
}

/// Saves an edited user. The kind never changes here. Changing the email or phone ends all of
/// that user's sessions; changing the email of someone invited but not registered revokes
/// their invitation and sends a new one to the new address.
pub async fn update(
    db: &Db,
    id: i64,
    input: &UserFieldsInput,
    actor: &Actor<'_>,
    public_base_url: &str,
    now: i64,
) -> Result<(), AppError> {
    let current = get(db.pool(), id, now)
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))?;
    let input = UserFieldsInput {
        kind: current.kind,
        ..input.clone()
    };
    let fields = validate_against_database(db, &input, Some(id)).await?;
    let mut tx = db
        .begin_write()
        .await
        .map_err(db_failure("starting edit user"))?;
    let update = UserUpdate {
        id,
        fields,
        external_id: None,
        scope: UpdateScope::Everything,
    };
    let inviter = actor.inviter(public_base_url, None);
    match user_store::update_many(&mut tx, &[update], &inviter, now).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Err(email_taken()),
        Err(e) => return Err(db_failure("saving a user")(e)),
    }
    tx.commit()
        .await
        .map_err(db_failure("committing edit user"))?;
    Ok(())
}

/// The engine's rules plus what only the database knows: existing roles, the organization, and
/// whether the email is taken (the unique index still has the last word at insert).
async fn validate_against_database(
    db: &Db,
    input: &UserFieldsInput,
    except_user: Option<i64>,
) -> Result<ValidUserFields, AppError> {
    let known_roles = roles::list(db.pool()).await?;
    let mut errors = match validate_user_fields(input, &known_roles) {
        Ok(fields) => {
            let mut errors = Vec::new();
            if let Some(org) = fields.organization_id {
                let exists = super::organizations::name_of(db.pool(), org)
                    .await?
                    .is_some();
                if !exists {
                    errors.push(FieldError {
                        field: Field::Organization,
                        code: IssueCode::OrganizationRequired,
                    });
                }
            }
            if errors.is_empty() {
                if email_in_use(db.pool(), fields.email.as_str(), except_user).await? {
                    return Err(email_taken());
                }
                return Ok(fields);
            }
            errors
        }
        Err(errors) => errors,
    };
    errors.dedup();
    Err(AppError::Invalid(errors))
}

fn email_taken() -> AppError {
    AppError::Invalid(vec![FieldError {
        field: Field::Email,
        code: IssueCode::EmailAlreadyUsed,
    }])
}
