use crate::error::AppError;
use crate::model::{RoleInfo, UserKind};
use crate::server::failure::db_failure;
use sqlx::{AnyPool, Row};

pub async fn list(pool: &AnyPool) -> Result<Vec<RoleInfo>, AppError> {
    let result: Result<Vec<RoleInfo>, sqlx::Error> = async {
        let rows = sqlx::query(
            "SELECT id, name, applies_to, is_default FROM roles ORDER BY applies_to DESC, name",
        )
        .fetch_all(pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoleInfo {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    applies_to: UserKind::parse(row.try_get("applies_to")?)
                        .unwrap_or(UserKind::EndUser),
                    is_default: row.try_get::<i64, _>("is_default")? != 0,
                })
            })
            .collect()
    }
    .await;
    result.map_err(db_failure("loading roles"))
}

pub async fn system_admin_role_id(pool: &AnyPool) -> Result<i64, AppError> {
    let result: Result<i64, sqlx::Error> = async {
        sqlx::query_scalar("SELECT id FROM roles WHERE is_system_admin = 1 ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
    }
    .await;
    result.map_err(db_failure("loading the administrator role"))
}

pub async fn id_by_name(pool: &AnyPool, name: &str) -> Result<Option<i64>, AppError> {
    let result: Result<Option<i64>, sqlx::Error> = async {
        sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await
    }
    .await;
    result.map_err(db_failure("loading a role"))
}
