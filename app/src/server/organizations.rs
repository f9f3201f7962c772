use crate::error::AppError;
use crate::model::{OrganizationSummary, UserKind};
use crate::server::failure::db_failure;
use sqlx::{AnyPool, Row};

pub async fn list(pool: &AnyPool) -> Result<Vec<OrganizationSummary>, AppError> {
    let result: Result<Vec<OrganizationSummary>, sqlx::Error> = async {
        let rows = sqlx::query(
            "SELECT o.id, o.name, \
                    (SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id AND u.kind = $1) AS n \
             FROM organizations o ORDER BY o.name_key",
        )
        .bind(UserKind::EndUser.as_str())
        .fetch_all(pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OrganizationSummary {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    end_user_count: row.try_get("n")?,
                })
            })
            .collect()
    }
    .await;
    result.map_err(db_failure("loading organizations"))
}

pub async fn name_of(pool: &AnyPool, id: i64) -> Result<Option<String>, AppError> {
    let result: Result<Option<String>, sqlx::Error> = async {
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }
    .await;
    result.map_err(db_failure("loading an organization"))
}

/// Returns the organization with this name (case-insensitively), creating it if needed.
pub async fn find_or_create(pool: &AnyPool, name: &str, now: i64) -> Result<i64, AppError> {
    let result: Result<i64, sqlx::Error> = async {
        let key = name.trim().to_lowercase();
        if let Some(id) = sqlx::query_scalar("SELECT id FROM organizations WHERE name_key = $1")
            .bind(&key)
            .fetch_optional(pool)
            .await?
        {
            return Ok(id);
        }
        sqlx::query_scalar(
            "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name.trim())
        .bind(&key)
        .bind(now)
        .fetch_one(pool)
        .await
    }
    .await;
    result.map_err(db_failure("saving an organization"))
}
