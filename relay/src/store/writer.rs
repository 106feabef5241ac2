//! Group commit, on any engine: one writer thread owns the relay's write connection. Each write
//! is a closure that runs in its own savepoint inside the thread's open transaction; the
//! transaction commits (one WAL flush) as soon as no other write is queued, so a lone write
//! commits at once and every write queued meanwhile shares the next commit. A write that fails
//! rolls back to its savepoint alone; its batch commits without it. A write's caller hears back
//! only after the commit that made it durable.

use super::{StoreError, StoreTx, StoreWrites};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// An engine's write connection: the transaction and savepoint steps the batch takes, and the
/// writes themselves ([`StoreWrites`]) inside them.
pub(super) trait WriteConnection: StoreWrites {
    /// Writes sharing one commit, at most: bounds the latency of the first under a flood.
    const MAX_BATCH: usize;
    /// Opens the batch's transaction.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Opens one write's savepoint.
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps what the write did, in the batch.
    fn release(&mut self) -> Result<(), StoreError>;
    /// Undoes what the write did (and leaves its savepoint).
    fn roll_back_write(&mut self);
    /// Commits the batch; on failure rolls it back and says why.
    fn commit(&mut self) -> Result<(), String>;
}

/// Tells a write's caller how its commit went.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write as the thread sees it: given the transaction (or why it could not run), it returns
/// what to tell the caller after the commit, or `None` when it failed and must be undone (the
/// caller was told already).
type Job = Box<dyn FnOnce(Result<&mut StoreTx<'_>, StoreError>) -> Option<Deliver> + Send>;

enum Command {
    Write(Job),
    /// Answers once everything queued before it is committed.
    Flush(oneshot::Sender<()>),
}

/// The handle every write goes through; cheap to clone.
#[derive(Clone)]
pub(super) struct Writer {
    commands: mpsc::Sender<Command>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    commits: AtomicU64,
    writes: AtomicU64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// Starts the writer thread, which opens its connection with `connect` (on the thread, so
    /// a connection bound to the thread's own runtime stays there), and returns once it is open.
    pub(super) fn start<C, F>(
        connect: F,
        metrics: crate::metrics::Metrics,
    ) -> Result<Self, StoreError>
    where
        C: WriteConnection,
        F: FnOnce() -> Result<C, StoreError> + Send + 'static,
    {
        let (commands, received) = mpsc::channel();
        let (opened, open) = mpsc::sync_channel(1);
        let counts = Arc::new(Counts::default());
        let thread_counts = Arc::clone(&counts);
        std::thread::Builder::new()
            .name("tetap-writer".into())
            .spawn(move || match connect() {
                Ok(mut conn) => {
                    let _ = opened.send(Ok(()));
                    run(&mut conn, &received, &thread_counts, &metrics);
                }
                Err(error) => {
                    let _ = opened.send(Err(error));
                }
            })
            .map_err(|e| StoreError::Commit(format!("cannot start the writer: {e}")))?;
        open.recv()
            .map_err(|_| StoreError::Commit("the writer stopped while connecting".into()))??;
        Ok(Self { commands, counts })
    }

    /// Queues `work` for the writer's transaction at once, in call order, and returns the
    /// future of its result, ready once that is committed. An `Err` from `work` undoes
    /// everything it wrote. Queued at the call rather than at the first poll, so a caller may
    /// queue several writes before it waits for any (a socket's pipelined messages).
    pub(super) fn write<T, E, W>(
        &self,
        work: W,
    ) -> impl Future<Output = Result<T, E>> + use<T, E, W>
    where
        W: FnOnce(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (told, outcome) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |tx| {
            let tx = match tx {
                Ok(tx) => tx,
                Err(error) => {
                    let _ = told.send(Err(error.into()));
                    return None;
                }
            };
            match work(tx) {
                Ok(value) => Some(Box::new(move |committed: Result<(), String>| {
                    let result = committed
                        .map(|()| value)
                        .map_err(|error| StoreError::Commit(error).into());
                    let _ = told.send(result);
                })),
                Err(error) => {
                    let _ = told.send(Err(error));
                    None
                }
            }
        });
        let queued = self.commands.send(Command::Write(job)).is_ok();
        async move {
            if !queued {
                return Err(StoreError::Commit("the writer stopped".into()).into());
            }
            outcome
                .await
                .unwrap_or_else(|_| Err(StoreError::Commit("the writer stopped".into()).into()))
        }
    }

    /// `(commits, writes)` so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        (
            self.counts.commits.load(Ordering::SeqCst),
            self.counts.writes.load(Ordering::SeqCst),
        )
    }

    /// Waits until everything queued so far is committed (at shutdown).
    pub(super) async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.commands.send(Command::Flush(done)).is_ok() {
            let _ = flushed.await;
        }
    }
}

/// The writer thread: one batch (one transaction) at a time, until every handle is gone.
fn run<C: WriteConnection>(
    conn: &mut C,
    commands: &mpsc::Receiver<Command>,
    counts: &Counts,
    metrics: &crate::metrics::Metrics,
) {
    while let Ok(first) = commands.recv() {
        let mut batch = Batch::default();
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Write(job) => batch.run(conn, job),
                Command::Flush(done) => batch.flushes.push(done),
            }
            if batch.delivered.len() < C::MAX_BATCH {
                next = commands.try_recv().ok();
            }
        }
        let writes = batch.delivered.len();
        batch.commit(conn);
        if writes > 0 {
            counts.commits.fetch_add(1, Ordering::SeqCst);
            counts.writes.fetch_add(writes as u64, Ordering::SeqCst);
            metrics.committed_batch(writes);
        }
    }
}

/// The writes of one transaction.
#[derive(Default)]
struct Batch {
    /// `BEGIN` was issued and not yet committed.
    open: bool,
    delivered: Vec<Deliver>,
    flushes: Vec<oneshot::Sender<()>>,
}

impl Batch {
    /// Runs one write in its savepoint; undoes it when it fails or panics.
    fn run<C: WriteConnection>(&mut self, conn: &mut C, job: Job) {
        if let Err(error) = self.savepoint(conn) {
            job(Err(error));
            return;
        }
        // A panicking write is undone like a failed one; its caller hears "the writer stopped"
        // from the dropped channel, and the thread goes on serving everyone else.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let tx: &mut StoreTx<'_> = &mut *conn;
            job(Ok(tx))
        }));
        match outcome {
            Ok(Some(deliver)) => match conn.release() {
                Ok(()) => self.delivered.push(deliver),
                Err(error) => {
                    conn.roll_back_write();
                    deliver(Err(error.to_string()));
                }
            },
            Ok(None) | Err(_) => conn.roll_back_write(),
        }
    }

    fn savepoint<C: WriteConnection>(&mut self, conn: &mut C) -> Result<(), StoreError> {
        if !self.open {
            conn.begin()?;
            self.open = true;
        }
        conn.savepoint()
    }

    /// Commits (one WAL flush) and tells every write in the batch, then every flush.
    fn commit<C: WriteConnection>(self, conn: &mut C) {
        let outcome = if self.open { conn.commit() } else { Ok(()) };
        for deliver in self.delivered {
            deliver(outcome.clone());
        }
        for done in self.flushes {
            let _ = done.send(());
        }
    }
}
