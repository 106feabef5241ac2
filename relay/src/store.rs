//! The durable store: SQLite through sqlx, one writer connection and a pool of readers.
//!
//! Every message is committed before anyone is told about it; `synchronous = FULL` makes a commit
//! survive power loss.

mod agents;
mod conversations;
mod messages;
mod secrets;
mod timers;

pub use conversations::{ConversationRow, CustomerIdentity, NewConversation, SavedState};
pub use messages::{MessageAuthorRow, NewMessage};
pub use timers::DueTimer;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// What went wrong in the store. Never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (expected sqlite://…)")]
    UnsupportedUrl,
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    writer: Pool<Sqlite>,
    reader: Pool<Sqlite>,
}

impl Store {
    /// Opens (creating if needed) the database and runs the migrations.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        if !database_url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl);
        }
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
        // One writer serialises commits, so no transaction ever waits on SQLite's write lock.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    /// Starts a write transaction. Commits are serialised by the single writer connection, so
    /// what a transaction reads stays true until it commits.
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        Ok(StoreTx(self.writer.begin().await?))
    }

    /// Marks the customer's read position in one short transaction.
    pub async fn mark_customer_read(
        &self,
        conversation: &tetap_shared::ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.mark_customer_read(conversation, seq).await?;
        tx.commit().await
    }

    /// Marks the agent side's read position in one short transaction.
    pub async fn mark_agent_read(
        &self,
        conversation: &tetap_shared::ConversationId,
        seq: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.mark_agent_read(conversation, seq).await?;
        tx.commit().await
    }

    /// Closes both pools, waiting for in-flight work.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// A write transaction: read, decide, write, then `commit`. Dropped without commit, it rolls back.
pub struct StoreTx(Transaction<'static, Sqlite>);

impl StoreTx {
    /// Makes everything written in the transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }
}

fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
