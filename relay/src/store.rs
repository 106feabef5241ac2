//! The durable store: SQLite, one group-committing writer thread (rusqlite) and a pool of
//! readers (sqlx).
//!
//! Every message is committed before anyone is told about it; `synchronous = FULL` makes a commit
//! survive power loss, and group commit (`writer`) shares one fsync among concurrent writes.

mod agents;
mod conversations;
mod earlier;
mod messages;
mod presence;
mod secrets;
mod timers;
mod worklist;
mod writer;

pub use conversations::{ConversationRow, CustomerIdentity, NewConversation, SavedState};
pub use messages::{MessageAuthorRow, NewMessage, Reader};
pub use timers::DueTimer;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;
pub use writer::StoreTx;
use writer::Writer;

/// What went wrong in the store. Never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (expected sqlite://…)")]
    UnsupportedUrl,
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("commit failed: {0}")]
    Commit(String),
    /// The database refused an assignment beyond the agent's capacity (R10).
    #[error("the agent is at capacity")]
    AtCapacity,
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
        let mut migrator = options.clone().connect().await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut migrator)
            .await?;
        migrator.close().await?;
        // One writer serialises commits, so no transaction ever waits on SQLite's write lock.
        let writer = Writer::start(options.get_filename(), metrics)?;
        // A local file needs no liveness check before each read: that would be a second round
        // trip to the connection's thread on every query.
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    /// Runs `work` as one write transaction on the writer thread and returns its result once it
    /// is durable. Writes are serialised, so what `work` reads stays true until it commits; an
    /// `Err` from `work` undoes what it wrote. The write is queued when this is called, not when
    /// the future is first polled, and runs to its end even when the caller stops waiting (a
    /// resend then finds it by its client id).
    pub fn write<T, E, W>(&self, work: W) -> impl Future<Output = Result<T, E>> + use<T, E, W>
    where
        W: FnOnce(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.write(work)
    }

    /// Moves `reader`'s read mark in one short transaction.
    pub async fn mark_read(
        &self,
        conversation: &tetap_shared::ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let conversation = conversation.clone();
        self.write(move |tx| tx.mark_read(&conversation, reader, seq))
            .await
    }

    /// `(commits, writes)` since start: how well group commit batches.
    pub fn commit_counts(&self) -> (u64, u64) {
        self.writer.counts()
    }

    /// Closes both pools, waiting for in-flight work.
    pub async fn close(&self) {
        self.writer.flush().await;
        self.reader.close().await;
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

    fn identity(subject: &str) -> CustomerIdentity {
        CustomerIdentity {
            issuer: "iss".into(),
            subject: subject.into(),
            workstream: "w".into(),
        }
    }

    fn create(
        tx: &mut StoreTx<'_>,
        identity: &CustomerIdentity,
        at: &str,
    ) -> Result<ConversationRow, StoreError> {
        tx.create_conversation(NewConversation {
            identity,
            mode: Mode::Persistent,
            customer_name: None,
            customer_email: None,
            locale: "en",
            at,
        })
    }

    async fn open(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        Store::open(&url).await.expect("store")
    }

    #[tokio::test]
    async fn concurrent_writes_share_commits_and_each_hears_after_its_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(&dir).await;
        let writes: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let identity = identity(&format!("s{i}"));
                    let row = store
                        .write(move |tx| create(tx, &identity, "2026-11-24T09:00:00.000Z"))
                        .await?;
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
        let (commits, writes) = store.commit_counts();
        assert_eq!(writes, 200);
        assert!(commits < 200, "{commits} commits for 200 concurrent writes");
    }

    #[tokio::test]
    async fn a_failed_write_leaves_no_trace_and_does_not_block_others() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(&dir).await;
        let refused: Result<ConversationRow, StoreError> = store
            .write(|tx| {
                let ghost = create(tx, &identity("s"), "2026-11-24T09:00:00.000Z")?;
                Err(StoreError::Corrupt(ghost.id.0))
            })
            .await;
        let Err(StoreError::Corrupt(ghost)) = refused else {
            panic!("the write's own error comes back: {refused:?}");
        };
        let kept = store
            .write(|tx| create(tx, &identity("s"), "2026-11-24T09:00:01.000Z"))
            .await
            .expect("write after a failed one");
        let ghost = tetap_shared::ConversationId(ghost);
        assert_eq!(store.conversation(&ghost).await.expect("read"), None);
        assert!(store.conversation(&kept.id).await.expect("read").is_some());
    }

    #[tokio::test]
    async fn a_panicking_write_is_undone_and_the_writer_serves_the_next() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(&dir).await;
        let crashed: Result<(), StoreError> = store
            .write(|tx| {
                create(tx, &identity("p"), "2026-11-24T09:00:00.000Z")?;
                panic!("a bug in a write");
            })
            .await;
        assert!(matches!(crashed, Err(StoreError::Commit(_))), "{crashed:?}");
        let kept = store
            .write(|tx| create(tx, &identity("p"), "2026-11-24T09:00:01.000Z"))
            .await
            .expect("the writer still writes");
        assert_eq!(kept.created_at, "2026-11-24T09:00:01.000Z");
        let current = store.current_conversation(&identity("p")).await;
        assert_eq!(current.expect("read").map(|row| row.id), Some(kept.id));
    }
}
