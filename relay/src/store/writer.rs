//! Group commit: one writer connection; each write runs in its own savepoint inside a shared
//! transaction, and the transaction commits (one fsync) as soon as no other write is waiting.
//! A lone write commits at once; under load, every write queued during a commit shares the next.
//! A write's caller hears back only after the commit that made it durable.

use super::StoreError;
use sqlx::SqliteConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// Writes sharing one commit, at most: bounds the latency of the first under a flood.
const MAX_BATCH: usize = 1024;

/// The writer connection and the writes waiting for its next commit.
pub(super) struct WriterState {
    pub(super) conn: SqliteConnection,
    /// `BEGIN` was issued and not yet committed.
    open: bool,
    /// A write gave up inside its savepoint: undo it before anything else runs.
    abandoned: bool,
    /// The callers of released writes, told the outcome of the commit.
    batch: Vec<oneshot::Sender<Result<(), String>>>,
    /// Commits so far, and writes they carried (the batching, for metrics and tests).
    commits: u64,
    writes: u64,
    /// The relay's metrics, told of every commit.
    metrics: crate::metrics::Metrics,
}

/// The handle every write goes through; cheap to clone.
#[derive(Clone)]
pub(super) struct Writer {
    state: Arc<Mutex<WriterState>>,
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// One write in progress: holds the writer until it is released into the batch or abandoned.
pub(super) struct WriteGuard {
    guard: Option<OwnedMutexGuard<WriterState>>,
    writer: Writer,
}

impl Writer {
    pub(super) fn new(conn: SqliteConnection, metrics: crate::metrics::Metrics) -> Self {
        Self {
            state: Arc::new(Mutex::new(WriterState {
                conn,
                open: false,
                abandoned: false,
                batch: Vec::new(),
                commits: 0,
                writes: 0,
                metrics,
            })),
            waiting: Arc::default(),
        }
    }

    /// Waits for the writer, then opens a savepoint for one write.
    pub(super) async fn begin(&self) -> Result<WriteGuard, StoreError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self.state.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let mut write = WriteGuard {
            guard: Some(guard),
            writer: self.clone(),
        };
        let state = write.state();
        state.recover().await?;
        if !state.open {
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut state.conn)
                .await?;
            state.open = true;
        }
        sqlx::query("SAVEPOINT write")
            .execute(&mut state.conn)
            .await?;
        state.abandoned = true; // until released
        Ok(write)
    }

    /// `(commits, writes)` so far.
    pub(super) async fn counts(&self) -> (u64, u64) {
        let state = self.state.lock().await;
        (state.commits, state.writes)
    }

    /// Commits what is pending (at shutdown).
    pub(super) async fn flush(&self) {
        let mut state = self.state.lock().await;
        let _ = state.recover().await;
        state.commit_batch().await;
    }

    /// After an abandoned write, makes sure the writes released before it still get committed.
    fn finish_later(&self) {
        let writer = self.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut state = writer.state.lock().await;
                let _ = state.recover().await;
                if writer.waiting.load(Ordering::SeqCst) == 0 {
                    state.commit_batch().await;
                }
            });
        }
    }
}

impl WriterState {
    /// Undoes an abandoned write's savepoint.
    async fn recover(&mut self) -> Result<(), StoreError> {
        if self.abandoned {
            sqlx::query("ROLLBACK TO write")
                .execute(&mut self.conn)
                .await?;
            sqlx::query("RELEASE write").execute(&mut self.conn).await?;
            self.abandoned = false;
        }
        Ok(())
    }

    /// Commits the shared transaction and tells every write in it.
    async fn commit_batch(&mut self) {
        if !self.open {
            return;
        }
        let outcome = match sqlx::query("COMMIT").execute(&mut self.conn).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                Err(error.to_string())
            }
        };
        self.open = false;
        self.commits += 1;
        self.writes += self.batch.len() as u64;
        self.metrics.committed_batch(self.batch.len());
        for waiter in self.batch.drain(..) {
            let _ = waiter.send(outcome.clone());
        }
    }
}

impl WriteGuard {
    fn state(&mut self) -> &mut WriterState {
        // The guard is only taken by `release`, which consumes the write.
        self.guard.as_deref_mut().unwrap_or_else(|| unreachable!())
    }

    /// The connection, inside this write's savepoint.
    pub(super) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.state().conn
    }

    /// Releases the savepoint into the batch and waits until the batch is committed.
    pub(super) async fn release(mut self) -> Result<(), StoreError> {
        let (told, outcome) = oneshot::channel();
        {
            let waiting = self.writer.waiting.clone();
            let state = self.state();
            sqlx::query("RELEASE write")
                .execute(&mut state.conn)
                .await?;
            state.abandoned = false;
            state.batch.push(told);
            let alone = waiting.load(Ordering::SeqCst) == 0;
            if alone || state.batch.len() >= MAX_BATCH {
                state.commit_batch().await;
            }
        }
        // Unlock: the next write joins the batch (it commits when nobody waits behind it).
        self.guard = None;
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StoreError::Commit(error)),
            Err(_) => Err(StoreError::Commit("the writer stopped".into())),
        }
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        // Still holding the writer means the write was not released: its savepoint (if opened)
        // must be undone, and writes released before it still need their commit.
        if let Some(guard) = self.guard.take() {
            drop(guard);
            self.writer.finish_later();
        }
    }
}
