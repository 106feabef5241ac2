//! The writer's batch on PostgreSQL: its transaction and savepoints, sent lazily and together
//! with the next command (each round trip is time the batch holds its row locks), and what a
//! write that may run again gets instead of round trips: the look-ahead and deferred messages.
//!
//! A write's savepoint is sent with its first statement. A write that runs none — a customer's
//! message into a conversation read ahead, whose rules change nothing — has no savepoint: it is
//! undone by forgetting what it deferred.

use super::super::writer::WriteConnection;
use super::{BatchStep, PostgresWriter, connect_once};
use crate::store::{Lookahead, StoreError};
use sqlx::Connection as _;

impl PostgresWriter {
    /// Sends `sql` (no parameters; may be empty) after the commands still due, in one round
    /// trip: `BEGIN` first when the transaction has not begun, the release of the last
    /// savepoint when one is pending.
    pub(super) fn step(&mut self, sql: &str) -> Result<(), StoreError> {
        let then = |due: &str| {
            if sql.is_empty() {
                due.to_owned()
            } else {
                format!("{due}; {sql}")
            }
        };
        match self.batch {
            BatchStep::NotBegun => {
                let sql = then("BEGIN");
                if self.simple(&sql).is_err() {
                    // The server restarted or the connection broke while idle: nothing of this
                    // batch was sent yet, so connect again, once, and begin there.
                    let fresh = self.runtime.block_on(connect_once(&self.connect))?;
                    let stale = std::mem::replace(&mut self.conn, fresh);
                    drop(self.runtime.block_on(stale.close()));
                    self.simple(&sql)?;
                }
            }
            BatchStep::Open if sql.is_empty() => {}
            BatchStep::Open => self.simple(sql)?,
            BatchStep::Released(name) => {
                self.simple(&then(&format!("RELEASE SAVEPOINT {name}")))?
            }
        }
        self.batch = BatchStep::Open;
        Ok(())
    }
}

/// Subtransactions (savepoints that wrote or locked) in one transaction, at most: beyond 64
/// PostgreSQL's per-backend cache overflows and every other session's snapshot checks slow down.
/// A round takes no more writes than could each open one.
const SUBTRANSACTIONS: usize = 64;

impl WriteConnection for PostgresWriter {
    /// Writes whose messages are deferred open no subtransaction, so many more of them than
    /// [`SUBTRANSACTIONS`] share a commit, and its round trips and WAL flush.
    const MAX_BATCH: usize = 256;

    fn room(&self) -> usize {
        SUBTRANSACTIONS.saturating_sub(self.subtransactions)
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        self.batch = BatchStep::NotBegun;
        self.ahead.pending.clear();
        self.ahead.forget();
        self.mark = 0;
        self.written = false;
        self.subtransactions = 0;
        self.deferring = true;
        self.in_savepoint = false;
        self.flush_failed = false;
        Ok(())
    }

    fn wants_look_ahead(&self, lookahead: &Lookahead) -> bool {
        self.deferring && !self.ahead.has(lookahead)
    }

    fn look_ahead(&mut self, ahead: &[&Lookahead]) {
        if !self.deferring {
            return;
        }
        // The first look-ahead begins the transaction, and a failure rolls all of it back;
        // a later one has a savepoint of its own, so the writes before it stay.
        let first = self.batch == BatchStep::NotBegun;
        let opened = if first {
            self.step("")
        } else {
            self.subtransactions += 1;
            self.step("SAVEPOINT ahead")
        };
        if opened.is_err() {
            return;
        }
        match self.read_ahead(ahead) {
            Ok(()) if first => {}
            Ok(()) => self.batch = BatchStep::Released("ahead"),
            Err(error) => {
                // A lock wait that ended in a deadlock, say: this batch's writes ask one by
                // one, as they would without reading ahead.
                tracing::debug!(%error, "reading ahead failed");
                self.deferring = false;
                if first {
                    let _ = self.simple("ROLLBACK");
                    self.batch = BatchStep::NotBegun;
                } else {
                    let _ = self.simple("ROLLBACK TO SAVEPOINT ahead; RELEASE SAVEPOINT ahead");
                }
            }
        }
    }

    fn savepoint(&mut self, again: bool) -> Result<(), StoreError> {
        self.may_defer = again && self.deferring;
        self.in_savepoint = false;
        self.flush_failed = false;
        self.mark = self.ahead.pending.len();
        Ok(())
    }

    fn release(&mut self) -> Result<(), StoreError> {
        if self.in_savepoint {
            // Released with the next command, or by the commit.
            self.batch = BatchStep::Released("write");
        }
        self.in_savepoint = false;
        Ok(())
    }

    fn roll_back_write(&mut self) {
        if self.flush_failed {
            // Undone already, with everything deferred.
        } else if self.in_savepoint {
            let _ = self.simple("ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write");
        } else {
            let mark = self.mark;
            self.ahead.undo_to(mark);
        }
        self.in_savepoint = false;
    }

    fn deferred(&self) -> bool {
        !self.ahead.pending.is_empty()
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.mark = self.ahead.pending.len();
        self.flush_earlier()
    }

    fn flush_failed(&mut self) -> bool {
        self.flush_failed
    }

    fn commit(&mut self) -> Result<(), String> {
        let begun = self.batch != BatchStep::NotBegun;
        let unsent = self.deferred();
        // A fresh state for the next batch, whatever happens here.
        let _ = self.begin();
        if unsent {
            if begun {
                let _ = self.simple("ROLLBACK");
            }
            return Err("deferred messages were never sent".into());
        }
        if !begun {
            return Ok(());
        }
        self.simple("COMMIT").map_err(|error| {
            let _ = self.simple("ROLLBACK");
            error.to_string()
        })
    }
}
