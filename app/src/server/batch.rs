//! Set-based inserts: many rows per statement, the data never in the SQL text.
//!
//! On PostgreSQL the rows travel as one JSON parameter that the database unpacks itself
//! (`jsonb_array_elements`). On SQLite they are a multi-row `VALUES` list of anonymous `?`
//! parameters, up to SQLite's limit of 32,766 per statement: SQLite looks each *numbered*
//! parameter (`$1`, `?1`) up by name, in time that grows with how many the statement has
//! (30,000 of them took 17 s), but gives `?` the next number at once. Unpacking JSON on SQLite
//! (`json_each`, then `->>` per column) cost about 12 µs per user row: 100,000 users × 24
//! columns inserted into a bare table in 1.59 s from JSON and 0.37 s from `?` parameters
//! (measured with Python's sqlite3, 2026-12-07).

use super::db::Backend;
use serde::ser::{Serialize, Serializer};
use sqlx::{Any, Transaction};

/// A value bound into a batch.
#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

impl Value {
    fn is_int(&self) -> bool {
        matches!(self, Value::Int(_) | Value::OptInt(_))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(v) => serializer.serialize_i64(*v),
            Value::OptInt(v) => v.serialize(serializer),
            Value::Text(v) => serializer.serialize_str(v),
            Value::OptText(v) => v.serialize(serializer),
        }
    }
}

/// Rows per statement: large enough that per-statement costs vanish, small enough that one
/// statement's JSON stays a few megabytes (measured: see `ARCHITECTURE.md`).
pub const ROWS_PER_STATEMENT: usize = 5_000;

/// Values as the one JSON parameter the statements here take.
pub fn json<T: Serialize + ?Sized>(values: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(values).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

/// `column IN (…)` over the JSON array of text values bound as `$1`.
pub fn in_json(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => {
            format!("{column} IN (SELECT jsonb_array_elements_text($1::jsonb))")
        }
        Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each($1))"),
    }
}

/// Which database the transaction talks to (the SQL that unpacks the rows differs).
pub(crate) fn is_postgres(tx: &Transaction<'static, Any>) -> bool {
    tx.backend_name().eq_ignore_ascii_case("postgresql")
}

/// SQLite's limit of parameters in one statement (`SQLITE_MAX_VARIABLE_NUMBER` of the bundled
/// library).
const SQLITE_MAX_PARAMETERS: usize = 32_766;

/// Inserts the rows (`rows[i][j]` is column `j`) into the table, in as few statements as the
/// database allows, returning the statements' rows (use a `RETURNING` suffix to read ids back;
/// their order is not the input's).
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
    suffix: &str,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let mut returned = Vec::new();
    if is_postgres(tx) {
        let sql = json_statement(table, columns, first, suffix);
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let json = json(chunk)?;
            returned.extend(sqlx::query(&sql).bind(json).fetch_all(&mut **tx).await?);
        }
        return Ok(returned);
    }
    let per_statement = (SQLITE_MAX_PARAMETERS / columns.len().max(1)).clamp(1, ROWS_PER_STATEMENT);
    for chunk in rows.chunks(per_statement) {
        let sql = values_statement(table, columns, chunk.len(), suffix);
        let mut query = sqlx::query(&sql);
        // Text is bound borrowed: an import's cells are not copied once more.
        for value in chunk.iter().flatten() {
            query = match value {
                Value::Int(v) => query.bind(*v),
                Value::OptInt(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_str()),
                Value::OptText(v) => query.bind(v.as_deref()),
            };
        }
        // Not kept in the connection's statement cache: a statement of 30,000 parameters is
        // large, and the next import's chunks are rarely the same length.
        returned.extend(query.persistent(false).fetch_all(&mut **tx).await?);
    }
    Ok(returned)
}

/// SQLite's `INSERT INTO table (columns) VALUES (?, …), … [suffix]` for `rows` rows.
fn values_statement(table: &str, columns: &[&str], rows: usize, suffix: &str) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!(
        "INSERT INTO {table} ({}) VALUES {} {suffix}",
        columns.join(", "),
        vec![row.as_str(); rows].join(", ")
    )
}

/// PostgreSQL's statement that reads rows shaped like `sample` from one JSON parameter (its
/// values' kinds decide the casts).
fn json_statement(table: &str, columns: &[&str], sample: &[Value], suffix: &str) -> String {
    let selected: Vec<String> = (0..columns.len())
        .map(|i| match sample.get(i).is_some_and(Value::is_int) {
            true => format!("(r->>{i})::bigint"),
            false => format!("r->>{i}"),
        })
        .collect();
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM jsonb_array_elements($1::jsonb) AS r {suffix}",
        columns.join(", "),
        selected.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_travel_as_a_json_array_of_rows() {
        let rows = vec![
            vec![
                Value::Int(1),
                Value::Text("a\"b".into()),
                Value::OptInt(None),
            ],
            vec![
                Value::Int(2),
                Value::OptText(None),
                Value::OptText(Some("é".into())),
            ],
        ];
        assert_eq!(
            serde_json::to_string(&rows).unwrap(),
            r#"[[1,"a\"b",null],[2,null,"é"]]"#
        );
    }

    #[test]
    fn postgres_casts_integer_columns() {
        let sample = [Value::Int(1), Value::Text("x".into())];
        assert_eq!(
            json_statement("t", &["a", "b"], &sample, "RETURNING id"),
            "INSERT INTO t (a, b) SELECT (r->>0)::bigint, r->>1 FROM jsonb_array_elements($1::jsonb) AS r RETURNING id"
        );
    }

    #[test]
    fn sqlite_gets_one_anonymous_parameter_per_value() {
        assert_eq!(
            values_statement("t", &["a", "b"], 2, "RETURNING id"),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING id"
        );
    }
}
