//! The store's rows as the model reads them back, on either engine: the SQLite file through a
//! read-only rusqlite connection, the PostgreSQL database through a one-connection sqlx pool whose
//! transactions are read-only. Every column comes back as text, so one SQL string serves both
//! engines where their dialects agree (`NOT capacity_exempt` is true for SQLite's 0 as for
//! PostgreSQL's `FALSE`).

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Column as _, Row as _, TypeInfo as _};
use std::str::FromStr as _;

/// One row: each column as text, NULL as `None`; integers in decimal, booleans as SQLite's 0/1.
pub type Row = Vec<Option<String>>;

/// A read-only view of the store's rows.
pub enum Rows {
    Sqlite(rusqlite::Connection),
    Postgres(PgPool),
}

impl Rows {
    /// Opens the database at `url`, a store URL as in the relay's configuration.
    pub async fn open(url: &str) -> Self {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
            let db = rusqlite::Connection::open_with_flags(path, flags).expect("read-only store");
            return Self::Sqlite(db);
        }
        let connect = PgConnectOptions::from_str(url)
            .expect("store URL")
            .options([("default_transaction_read_only", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(connect)
            .await
            .expect("read-only store");
        Self::Postgres(pool)
    }

    /// The column that orders conversations as they were created.
    pub fn creation_order(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "rowid",
            Self::Postgres(_) => "created_order",
        }
    }

    /// Runs `sql` with text parameters `$1`, `$2`… (SQLite numbers `$`-named parameters in
    /// order of appearance, so they bind by position there too).
    pub async fn query(&self, sql: &str, params: &[&str]) -> Vec<Row> {
        match self {
            Self::Sqlite(db) => {
                let mut statement = db.prepare(sql).expect("query");
                let columns = statement.column_count();
                let rows = statement
                    .query_map(rusqlite::params_from_iter(params), |row| {
                        (0..columns).map(|i| sqlite_text(row, i)).collect()
                    })
                    .expect("rows");
                rows.collect::<Result<_, _>>().expect("read")
            }
            Self::Postgres(pool) => {
                let mut query = sqlx::query(sql);
                for param in params {
                    query = query.bind(*param);
                }
                let rows = query.fetch_all(pool).await.expect("rows");
                rows.iter()
                    .map(|row| (0..row.len()).map(|i| postgres_text(row, i)).collect())
                    .collect()
            }
        }
    }

    pub async fn close(self) {
        if let Self::Postgres(pool) = self {
            pool.close().await;
        }
    }
}

fn sqlite_text(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(i)? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(_) => panic!("column {i} is a blob"),
    })
}

fn postgres_text(row: &PgRow, i: usize) -> Option<String> {
    match row.columns()[i].type_info().name() {
        "TEXT" | "VARCHAR" | "NAME" => postgres_get::<String>(row, i),
        "INT8" => postgres_get::<i64>(row, i).map(|n| n.to_string()),
        "INT4" => postgres_get::<i32>(row, i).map(|n| n.to_string()),
        "BOOL" => postgres_get::<bool>(row, i).map(|b| u8::from(b).to_string()),
        other => panic!("column {} has type {other}", row.columns()[i].name()),
    }
}

fn postgres_get<'r, T>(row: &'r PgRow, i: usize) -> Option<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(i)
        .unwrap_or_else(|e| panic!("column {}: {e}", row.columns()[i].name()))
}
