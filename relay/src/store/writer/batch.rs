//! One batch of the writer: its writes run in order, each in its savepoint, the ones kept
//! told after the commit. Where the engine deferred the effects of writes that may run again
//! and then could not send them, those writes run again one by one.

use super::work::Work;
use super::{Lookahead, StoreTx, WriteConnection};
use crate::store::StoreError;
use std::panic::AssertUnwindSafe;
use tokio::sync::oneshot;

/// The writes of one transaction.
#[derive(Default)]
pub(super) struct Batch {
    /// `BEGIN` was issued and not yet committed.
    open: bool,
    /// The writes kept, told after the commit.
    pub(super) kept: Vec<Box<dyn Work>>,
    /// How many of the last writes kept depend on effects the engine still defers: the ones to
    /// run again should sending those fail.
    deferred: usize,
    /// Writes whose deferred effects were sent (and so are in the batch).
    sent_deferred: u64,
    pub(super) flushes: Vec<oneshot::Sender<()>>,
}

impl Batch {
    /// Runs a round's writes in order. Before a write whose look-ahead the engine has not read
    /// (the first of the round, or the first after a statement made it forget), it reads ahead
    /// for that write and every one after it in the round, all at once.
    pub(super) fn run_round<C: WriteConnection>(
        &mut self,
        conn: &mut C,
        round: Vec<Box<dyn Work>>,
    ) {
        let mut rest = round.into_iter();
        while let Some(work) = rest.next() {
            let wanted = work.lookahead().is_some_and(|l| conn.wants_look_ahead(l));
            // When the transaction cannot begin, each write fails on its own and says why.
            if wanted && self.begin(conn).is_ok() {
                let ahead: Vec<&Lookahead> = std::iter::once(&work)
                    .chain(rest.as_slice())
                    .filter_map(|work| work.lookahead())
                    .collect();
                conn.look_ahead(&ahead);
            }
            if !work.again() && self.deferred > 0 {
                // Sent before a write that cannot run again, so that a failure to send it is
                // handled here, between writes, rather than inside that one.
                self.flush(conn);
            }
            self.run(conn, work);
        }
    }

    fn begin<C: WriteConnection>(&mut self, conn: &mut C) -> Result<(), StoreError> {
        if !self.open {
            conn.begin()?;
            self.open = true;
        }
        Ok(())
    }

    /// Runs one write in its savepoint; undoes it when it fails or panics.
    fn run<C: WriteConnection>(&mut self, conn: &mut C, mut work: Box<dyn Work>) {
        if let Err(error) = self.begin(conn).and_then(|()| conn.savepoint(work.again())) {
            work.fail(Some(error));
            return;
        }
        // A panicking write is undone like a failed one; its caller hears "the writer stopped"
        // from the dropped channel, and the thread goes on serving everyone else.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let tx: &mut StoreTx<'_> = &mut *conn;
            work.run(tx)
        }));
        if conn.flush_failed() {
            // The deferred effects of the writes before this one could not be sent: none of
            // them is in the batch now. They run again one by one, then this one.
            conn.roll_back_write();
            self.run_deferred_again(conn);
            if outcome.is_ok() {
                self.run(conn, work);
            }
            return;
        }
        match outcome {
            Ok(true) => match conn.release() {
                Ok(()) => {
                    if conn.deferred() {
                        self.deferred += 1;
                    } else {
                        self.forget_sent(conn);
                    }
                    self.kept.push(work);
                }
                Err(error) => {
                    conn.roll_back_write();
                    self.forget_sent(conn);
                    work.fail(Some(error));
                }
            },
            Ok(false) => {
                conn.roll_back_write();
                self.forget_sent(conn);
                work.fail(None);
            }
            Err(_) => {
                conn.roll_back_write();
                self.forget_sent(conn);
            }
        }
    }

    /// After a write: if the engine sent what was deferred meanwhile, the writes that
    /// deferred it are in the batch for good.
    fn forget_sent<C: WriteConnection>(&mut self, conn: &C) {
        if !conn.deferred() {
            self.sent_deferred += self.deferred as u64;
            self.deferred = 0;
        }
    }

    /// Sends what the engine deferred; should that fail, runs its writes again.
    fn flush<C: WriteConnection>(&mut self, conn: &mut C) {
        if self.deferred == 0 {
            return;
        }
        match conn.flush() {
            Ok(()) => {
                self.sent_deferred += self.deferred as u64;
                self.deferred = 0;
            }
            Err(_) => self.run_deferred_again(conn),
        }
    }

    /// Runs the writes whose deferred effects were undone again, each on its own (the engine
    /// defers nothing now), so a bad one fails alone and the others are kept.
    fn run_deferred_again<C: WriteConnection>(&mut self, conn: &mut C) {
        let from = self.kept.len() - self.deferred;
        let again: Vec<_> = self.kept.drain(from..).collect();
        self.deferred = 0;
        for work in again {
            self.run(conn, work);
        }
    }

    /// Sends what is deferred, commits (one WAL flush) and tells every write in the batch, then
    /// every flush. Returns how many writes were kept whose effects had been deferred.
    pub(super) fn commit<C: WriteConnection>(mut self, conn: &mut C) -> u64 {
        self.flush(conn);
        let outcome = if self.open { conn.commit() } else { Ok(()) };
        let deferred = if outcome.is_ok() {
            self.sent_deferred
        } else {
            0
        };
        for work in self.kept {
            work.deliver(outcome.clone());
        }
        for done in self.flushes {
            let _ = done.send(());
        }
        deferred
    }
}
