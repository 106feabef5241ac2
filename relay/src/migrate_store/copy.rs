//! How a move copies: batches of rows read from the source by key (never `OFFSET`, so each
//! page costs the same however far in), each written to the target in one transaction together
//! with how far that table got (`tetap_migrate_store_progress`, made by [`super::guard`]), so
//! an interrupted move resumes exactly after its last commit.

use super::MigrateError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::query::QueryAs;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Acquire as _, FromRow, PgConnection, Sqlite, SqliteConnection};

/// Batches between two reports of a table's progress.
const REPORT_EVERY: u64 = 100;

/// One table's source row: how it is read in key order, and written to the target.
pub(super) trait SourceRow: for<'r> FromRow<'r, SqliteRow> + Send + Unpin + Sized {
    /// The table, on both engines.
    const TABLE: &'static str;
    /// The row's key in source order.
    type Key: Key;
    /// The first page; binds the page size.
    const FIRST: &'static str;
    /// The page after a key; binds the key, then the page size.
    const AFTER: &'static str;

    fn key(&self) -> Self::Key;

    /// Writes a batch to the target, skipping rows it holds already.
    async fn insert(target: &mut PgConnection, rows: &[Self]) -> Result<(), sqlx::Error>;
}

/// A keyset position: stored as JSON in the progress table, bound to the source's `AFTER`.
pub(super) trait Key: Serialize + DeserializeOwned + Send + Sync {
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
    ) -> QueryAs<'q, Sqlite, O, SqliteArguments<'q>>;
}

impl Key for i64 {
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
    ) -> QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
        query.bind(*self)
    }
}

impl Key for String {
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
    ) -> QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
        query.bind(self.as_str())
    }
}

impl Key for (String, i64) {
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
    ) -> QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
        query.bind(self.0.as_str()).bind(self.1)
    }
}

impl Key for (String, String) {
    fn bind<'q, O>(
        &'q self,
        query: QueryAs<'q, Sqlite, O, SqliteArguments<'q>>,
    ) -> QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
        query.bind(self.0.as_str()).bind(self.1.as_str())
    }
}

/// How many more rows this run may copy: all of them, unless `--stop-after-rows` set a limit
/// (tests interrupt a move with it).
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    left: Option<u64>,
    spent: u64,
}

impl Budget {
    pub(super) fn new(limit: Option<u64>) -> Self {
        Self {
            left: limit,
            spent: 0,
        }
    }

    /// The size of the next batch, or the interruption when the limit is reached.
    fn next_batch(&self, batch_rows: u32) -> Result<u64, MigrateError> {
        let batch = u64::from(batch_rows.max(1));
        match self.left {
            None => Ok(batch),
            Some(0) => Err(MigrateError::Stopped { rows: self.spent }),
            Some(left) => Ok(batch.min(left)),
        }
    }

    fn spend(&mut self, rows: u64) {
        self.spent += rows;
        self.left = self.left.map(|left| left.saturating_sub(rows));
    }
}

/// Copies `R`'s table from where the last commit left it to its end; how many rows it copied.
/// A long table reports how far it got now and then, so a move of millions of rows is seen
/// to advance.
pub(super) async fn copy<R: SourceRow>(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    batch_rows: u32,
    budget: &mut Budget,
    progress: &mut dyn FnMut(&str),
) -> Result<u64, MigrateError> {
    let mut after: Option<R::Key> = copied_through(target, R::TABLE).await?;
    let (mut copied, mut batches) = (0, 0_u64);
    loop {
        let limit = budget.next_batch(batch_rows)?;
        let page = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<R> = match &after {
            None => sqlx::query_as(R::FIRST).bind(page),
            Some(key) => key.bind(sqlx::query_as(R::AFTER)).bind(page),
        }
        .fetch_all(&mut *source)
        .await
        .map_err(MigrateError::database(format!(
            "reading {} from the source",
            R::TABLE
        )))?;
        let Some(last) = rows.last().map(R::key) else {
            break;
        };
        let writing = format!("writing {} to the target", R::TABLE);
        let mut tx = target
            .begin()
            .await
            .map_err(MigrateError::database(writing.clone()))?;
        R::insert(&mut tx, &rows)
            .await
            .map_err(MigrateError::database(writing.clone()))?;
        let position = serde_json::to_string(&last).map_err(|e| MigrateError::Database {
            during: writing.clone(),
            reason: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO tetap_migrate_store_progress (source_table, copied_through) \
             VALUES ($1, $2) ON CONFLICT (source_table) \
             DO UPDATE SET copied_through = excluded.copied_through",
        )
        .bind(R::TABLE)
        .bind(position)
        .execute(&mut *tx)
        .await
        .map_err(MigrateError::database(writing.clone()))?;
        tx.commit().await.map_err(MigrateError::database(writing))?;
        let count = rows.len() as u64;
        budget.spend(count);
        copied += count;
        if count < limit {
            break;
        }
        batches += 1;
        if batches % REPORT_EVERY == 0 {
            progress(&format!("{}: {copied} rows copied so far", R::TABLE));
        }
        after = Some(last);
    }
    Ok(copied)
}

/// Where an earlier run left `table`, if it copied any of it.
async fn copied_through<K: Key>(
    target: &mut PgConnection,
    table: &str,
) -> Result<Option<K>, MigrateError> {
    let reading = format!("reading the progress of {table} in the target");
    let position: Option<String> = sqlx::query_scalar(
        "SELECT copied_through FROM tetap_migrate_store_progress WHERE source_table = $1",
    )
    .bind(table)
    .fetch_optional(&mut *target)
    .await
    .map_err(MigrateError::database(reading.clone()))?;
    position
        .map(|position| serde_json::from_str(&position))
        .transpose()
        .map_err(|e| MigrateError::Database {
            during: reading,
            reason: e.to_string(),
        })
}

/// Writes `rows` with `sql`, which reads them from `$1`, one JSON array of objects
/// (`json_to_recordset`): one statement and one round trip per batch, whatever its columns.
pub(super) async fn insert_json<R: Serialize>(
    target: &mut PgConnection,
    sql: &'static str,
    rows: &[R],
) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(sql).bind(json).execute(target).await?;
    Ok(())
}
