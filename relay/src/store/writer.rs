//! Group commit, on any engine: one writer thread owns the relay's write connection. Each write
//! is a closure that runs in its own savepoint inside the thread's open transaction; the
//! transaction commits (one WAL flush) as soon as no other write is queued, so a lone write
//! commits at once and every write queued meanwhile shares the next commit. A write that fails
//! rolls back to its savepoint alone; its batch commits without it. A write's caller hears back
//! only after the commit that made it durable.
//!
//! A write that may run again (a customer's message) may have its effects deferred by the
//! engine and sent with the rest of its batch's in one statement (PostgreSQL, where each
//! statement is a round trip). Should that statement fail, nothing deferred is kept, and the
//! writes it held run again one by one, so that a bad one fails alone there too.

mod batch;
mod work;

use super::{Lookahead, StoreError, StoreTx, StoreWrites};
use batch::Batch;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use tokio::sync::oneshot;
use work::{Work, Write};

/// An engine's write connection: the transaction and savepoint steps the batch takes, and the
/// writes themselves ([`StoreWrites`]) inside them.
pub(super) trait WriteConnection: StoreWrites {
    /// Writes sharing one commit, at most: bounds the latency of the first under a flood.
    const MAX_BATCH: usize;
    /// How many more writes a round of the open transaction may take, when the engine bounds
    /// what its writes open (each write that runs statements may open a subtransaction).
    fn room(&self) -> usize {
        usize::MAX
    }
    /// Opens the batch's transaction.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Whether the engine would read `lookahead` ahead, not having it yet. An engine whose
    /// reads cost no round trip reads nothing ahead.
    fn wants_look_ahead(&self, _lookahead: &Lookahead) -> bool {
        false
    }
    /// Reads, for all of them at once, what the writes about to run will look up; they find it
    /// there instead of asking one by one.
    fn look_ahead(&mut self, _ahead: &[&Lookahead]) {}
    /// Opens one write's savepoint. `again`: the write may run again, so the engine may defer
    /// its effects to [`WriteConnection::flush`].
    fn savepoint(&mut self, again: bool) -> Result<(), StoreError>;
    /// Keeps what the write did, in the batch.
    fn release(&mut self) -> Result<(), StoreError>;
    /// Undoes what the write did (and leaves its savepoint).
    fn roll_back_write(&mut self);
    /// Whether effects of kept writes are deferred, not yet sent.
    fn deferred(&self) -> bool {
        false
    }
    /// Sends what is deferred. When that fails, everything deferred is undone (and nothing
    /// else), the engine defers no more in this batch, and the writes that deferred it must
    /// run again.
    fn flush(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether sending deferred effects failed during the write that just ran (a statement of
    /// its own needed them sent first); asked once after each write.
    fn flush_failed(&mut self) -> bool {
        false
    }
    /// Commits the batch; on failure rolls it back and says why.
    fn commit(&mut self) -> Result<(), String>;
}

enum Command {
    Write(Box<dyn Work>),
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
    deferred: AtomicU64,
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
        self.queue(Box::new(Write::once(work, told)), outcome)
    }

    /// Like [`Writer::write`], for a write that may run more than once (each run undone but
    /// the last), so the engine may defer its effects and read `lookahead` ahead for it.
    pub(super) fn write_again<T, E, W>(
        &self,
        lookahead: Option<Lookahead>,
        work: W,
    ) -> impl Future<Output = Result<T, E>> + use<T, E, W>
    where
        W: FnMut(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (told, outcome) = oneshot::channel::<Result<T, E>>();
        self.queue(Box::new(Write::again(lookahead, work, told)), outcome)
    }

    fn queue<T, E>(
        &self,
        work: Box<dyn Work>,
        outcome: oneshot::Receiver<Result<T, E>>,
    ) -> impl Future<Output = Result<T, E>> + use<T, E>
    where
        E: From<StoreError>,
    {
        let queued = self.commands.send(Command::Write(work)).is_ok();
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

    /// Writes committed so far whose effects went to the database together with the rest of
    /// their batch's.
    pub(super) fn deferred_count(&self) -> u64 {
        self.counts.deferred.load(Ordering::SeqCst)
    }

    /// Waits until everything queued so far is committed (at shutdown).
    pub(super) async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.commands.send(Command::Flush(done)).is_ok() {
            let _ = flushed.await;
        }
    }
}

/// The writer thread: one batch (one transaction) at a time, until every handle is gone. A
/// batch takes what is queued in rounds: the writes of a round are read ahead for together,
/// then run in order; a round ends the batch when nothing more is queued.
fn run<C: WriteConnection>(
    conn: &mut C,
    commands: &mpsc::Receiver<Command>,
    counts: &Counts,
    metrics: &crate::metrics::Metrics,
) {
    while let Ok(first) = commands.recv() {
        let mut batch = Batch::default();
        let mut next = Some(first);
        loop {
            let mut round = Vec::new();
            while let Some(command) = next.take() {
                match command {
                    Command::Write(work) => round.push(work),
                    Command::Flush(done) => batch.flushes.push(done),
                }
                if batch.kept.len() + round.len() < C::MAX_BATCH && round.len() < conn.room() {
                    next = commands.try_recv().ok();
                }
            }
            if round.is_empty() {
                break;
            }
            batch.run_round(conn, round);
            if batch.kept.len() < C::MAX_BATCH && conn.room() > 0 {
                next = commands.try_recv().ok();
            }
        }
        let writes = batch.kept.len();
        counts
            .deferred
            .fetch_add(batch.commit(conn), Ordering::SeqCst);
        if writes > 0 {
            counts.commits.fetch_add(1, Ordering::SeqCst);
            counts.writes.fetch_add(writes as u64, Ordering::SeqCst);
            metrics.committed_batch(writes);
        }
    }
}
