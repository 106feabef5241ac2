//! The durable store: SQLite through sqlx, one group-committing writer connection and a pool of
//! readers.
//!
//! Every message is committed before anyone is told about it; `synchronous = FULL` makes a commit
//! survive power loss, and group commit (`writer`) shares one fsync among concurrent writes.

mod agents;
mod conversations;
mod messages;
mod secrets;
mod timers;
mod writer;

pub use conversations::{ConversationRow, CustomerIdentity, NewConversation, SavedState};
pub use messages::{MessageAuthorRow, NewMessage, Reader};
pub use timers::DueTimer;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Pool, Sqlite, SqliteConnection};
use std::str::FromStr;
use std::time::{Duration, Instant};
use writer::{WriteGuard, Writer};

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
    #[error("commit failed: {0}")]
    Commit(String),
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    writer: Writer,
    reader: Pool<Sqlite>,
}

impl Store {
    /// Opens (creating if needed) the database and runs the migrations; its commits are counted
    /// in metrics nobody scrapes (tools and tests that need only the store).
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        Self::open_observed(database_url, crate::metrics::Metrics::new()).await
    }

    /// Like [`Store::open`], counting the writer's commits in `metrics`.
    pub async fn open_observed(
        database_url: &str,
        metrics: crate::metrics::Metrics,
    ) -> Result<Self, StoreError> {
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
        let mut writer = options.connect().await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut writer)
            .await?;
        let writer = Writer::new(writer, metrics);
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    /// Starts a write transaction. Commits are serialised by the single writer connection, so
    /// what a transaction reads stays true until it commits.
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        // Taken before waiting for the writer: queueing behind other writes is part of latency.
        let begun = Instant::now();
        Ok(StoreTx {
            write: self.writer.begin().await?,
            begun,
        })
    }

    /// Moves `reader`'s read mark in one short transaction.
    pub async fn mark_read(
        &self,
        conversation: &tetap_shared::ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.mark_read(conversation, reader, seq).await?;
        tx.commit().await
    }

    /// `(commits, writes)` since start: how well group commit batches.
    pub async fn commit_counts(&self) -> (u64, u64) {
        self.writer.counts().await
    }

    /// Closes both pools, waiting for in-flight work.
    pub async fn close(&self) {
        self.writer.flush().await;
        self.reader.close().await;
    }
}

/// A write transaction: read, decide, write, then `commit`. Dropped without commit, it rolls back.
pub struct StoreTx {
    write: WriteGuard,
    begun: Instant,
}

impl StoreTx {
    /// Makes everything written in the transaction durable; returns once it is on disk.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.write.release().await
    }

    /// When [`Store::begin`] was called, for the commit latency metric.
    pub fn begun(&self) -> Instant {
        self.begun
    }

    /// The writer connection, inside this transaction.
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        self.write.conn()
    }
}

fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tetap_shared::Mode;

    #[tokio::test]
    async fn concurrent_writes_share_commits_and_each_hears_after_its_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("store");
        let writes: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let identity = CustomerIdentity {
                        issuer: "iss".into(),
                        subject: format!("s{i}"),
                        workstream: "w".into(),
                    };
                    let mut tx = store.begin().await?;
                    let row = tx
                        .create_conversation(NewConversation {
                            identity: &identity,
                            mode: Mode::Persistent,
                            customer_name: None,
                            customer_email: None,
                            locale: "en",
                            at: "2026-11-24T09:00:00.000Z",
                        })
                        .await?;
                    tx.commit().await?;
                    // Committed means readable by anyone.
                    store
                        .conversation(&row.id)
                        .await
                        .map(|found| found.is_some())
                })
            })
            .collect();
        for write in writes {
            assert!(write.await.expect("task").expect("write"));
        }
        let (commits, writes) = store.commit_counts().await;
        assert_eq!(writes, 200);
        assert!(commits < 200, "{commits} commits for 200 concurrent writes");
    }

    #[tokio::test]
    async fn an_abandoned_write_leaves_no_trace_and_does_not_block_others() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.expect("store");
        let identity = CustomerIdentity {
            issuer: "iss".into(),
            subject: "s".into(),
            workstream: "w".into(),
        };
        let new = |at| NewConversation {
            identity: &identity,
            mode: Mode::Persistent,
            customer_name: None,
            customer_email: None,
            locale: "en",
            at,
        };
        let mut abandoned = store.begin().await.expect("begin");
        let ghost = abandoned
            .create_conversation(new("2026-11-24T09:00:00.000Z"))
            .await
            .expect("insert");
        drop(abandoned);
        let mut tx = store.begin().await.expect("begin after abandon");
        let kept = tx
            .create_conversation(new("2026-11-24T09:00:01.000Z"))
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        assert_eq!(store.conversation(&ghost.id).await.expect("read"), None);
        assert!(store.conversation(&kept.id).await.expect("read").is_some());
    }
}
