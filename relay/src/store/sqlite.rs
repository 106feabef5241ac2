//! The SQLite engine, the embedded default for one machine: one group-committing writer thread
//! with a direct connection (rusqlite) and a pool of read-only readers (sqlx), over one file in
//! WAL mode with `synchronous = FULL`, so a commit survives power loss.

mod agents;
mod conversations;
mod earlier;
mod messages;
mod presence;
mod secrets;
mod timers;
mod worklist;

use super::writer::{WriteConnection, Writer};
use super::{AT_CAPACITY, StoreError};
use rusqlite::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection as _, Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// The SQLite store: its writer and its readers.
#[derive(Clone, Debug)]
pub(super) struct SqliteStore {
    pub(super) writer: Writer,
    reader: Pool<Sqlite>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs its migrations.
    pub(super) async fn open(
        database_url: &str,
        metrics: crate::metrics::Metrics,
    ) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let mut migrator = options.clone().connect().await?;
        // Two relays starting at once on one file migrate one after the other (sqlx locks
        // migrations only on database servers); the lock goes with the file handle.
        let path = options.get_filename().to_owned();
        let migrating = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|e| StoreError::Commit(format!("migration lock: {e}")))?
        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        sqlx::migrate!("./migrations/sqlite")
            .run_direct(&mut migrator)
            .await?;
        drop(migrating);
        migrator.close().await?;
        // One writer serialises commits, so no transaction ever waits on SQLite's write lock.
        let path = options.get_filename().to_owned();
        let writer = Writer::start(move || SqliteWriter::open(&path), metrics)?;
        // A local file needs no liveness check before each read: that would be a second round
        // trip to the connection's thread on every query.
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    /// Whether the database answers.
    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes the readers.
    pub(super) async fn close(&self) {
        self.reader.close().await;
    }
}

/// The writer thread's connection. Each write runs its statements as direct calls: a write's
/// five to ten statements cost microseconds there, where a round trip per statement to an async
/// driver's worker thread cost two context switches each.
pub(super) struct SqliteWriter {
    conn: Connection,
}

impl SqliteWriter {
    fn open(path: &std::path::Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // WAL and FULL: a commit is on disk when it returns, and readers never block the writer.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(Self { conn })
    }

    /// Runs a statement without parameters from the statement cache (parsed once, not per write).
    fn run_cached(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    }
}

impl WriteConnection for SqliteWriter {
    const MAX_BATCH: usize = 1024;

    fn begin(&mut self) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn savepoint(&mut self, _again: bool) -> Result<(), StoreError> {
        // Every statement is a direct call here: nothing is worth deferring.
        Ok(self.run_cached("SAVEPOINT write")?)
    }

    fn release(&mut self) -> Result<(), StoreError> {
        Ok(self.run_cached("RELEASE write")?)
    }

    fn roll_back_write(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK TO write; RELEASE write");
    }

    fn commit(&mut self) -> Result<(), String> {
        self.conn.execute_batch("COMMIT").map_err(|error| {
            let _ = self.conn.execute_batch("ROLLBACK");
            error.to_string()
        })
    }
}

/// The capacity trigger's refusal as its own error, so a decision that raced past its checks is
/// answered `at_capacity` rather than as a failed write.
fn capacity_refusal(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains(AT_CAPACITY) => {
            StoreError::AtCapacity
        }
        _ => StoreError::Sqlite(error),
    }
}
