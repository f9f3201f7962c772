//! Set-based inserts: many rows per statement, carried as one JSON parameter that the
//! database unpacks itself (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL).
//!
//! Why not a multi-row `VALUES` list: sqlx binds numbered parameters in time that grows faster
//! than linearly on SQLite (30,000 per statement took 17 s), which kept statements to about
//! 500 parameters — 22 users each — and a 100,000-row import to 20,000 statements (13 s on
//! SQLite, 28 s on PostgreSQL). One parameter per statement has no such cost, so a statement
//! carries thousands of rows; the data still never touches the SQL text.

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
fn is_postgres(tx: &Transaction<'static, Any>) -> bool {
    tx.backend_name().eq_ignore_ascii_case("postgresql")
}

/// `INSERT INTO table (columns) SELECT … FROM <the rows as JSON> [suffix]`, returning the
/// statement's rows (use a `RETURNING` suffix to read ids back; their order is not the
/// input's).
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
    let sql = statement(is_postgres(tx), table, columns, first, suffix);
    let mut returned = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let json = json(chunk)?;
        returned.extend(sqlx::query(&sql).bind(json).fetch_all(&mut **tx).await?);
    }
    Ok(returned)
}

/// The statement for rows shaped like `sample` (its values' kinds decide PostgreSQL's casts).
fn statement(
    postgres: bool,
    table: &str,
    columns: &[&str],
    sample: &[Value],
    suffix: &str,
) -> String {
    let selected: Vec<String> = (0..columns.len())
        .map(
            |i| match (postgres, sample.get(i).is_some_and(Value::is_int)) {
                (true, true) => format!("(r->>{i})::bigint"),
                (true, false) => format!("r->>{i}"),
                (false, _) => format!("r.value->>{i}"),
            },
        )
        .collect();
    let source = if postgres {
        "jsonb_array_elements($1::jsonb) AS r"
    } else {
        "json_each($1) AS r"
    };
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {source} {suffix}",
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
    fn postgres_casts_integer_columns_and_sqlite_reads_them_as_they_are() {
        let sample = [Value::Int(1), Value::Text("x".into())];
        assert_eq!(
            statement(true, "t", &["a", "b"], &sample, "RETURNING id"),
            "INSERT INTO t (a, b) SELECT (r->>0)::bigint, r->>1 FROM jsonb_array_elements($1::jsonb) AS r RETURNING id"
        );
        assert_eq!(
            statement(false, "t", &["a", "b"], &sample, ""),
            "INSERT INTO t (a, b) SELECT r.value->>0, r.value->>1 FROM json_each($1) AS r "
        );
    }
}
