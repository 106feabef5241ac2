//! Sending the messages deferred into locked conversations (see `ahead`): all of them in one
//! statement that moves each conversation's `last_seq` by its count (`last_seq = last_seq + n`,
//! as one message's `+ 1`) and inserts the rows, checking that the numbers the writes were given
//! are the ones that follow the stored `last_seq`. They are sent before any other statement of
//! the transaction (which could see them), and before the commit.

use super::{BatchStep, PostgresWriter};
use crate::store::StoreError;

/// `$1…$10`: the messages' columns, one array each, in `seq` order within a conversation.
const SEND: &str = "WITH d AS (\
         SELECT * FROM unnest($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
             $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[]) \
         AS d(conversation_id, seq, id, client_id, author_kind, author_id, author_name, \
             system_kind, text, at)), \
     counted AS (\
         SELECT conversation_id, count(*) AS added, max(seq) AS last, \
             (array_agg(at ORDER BY seq DESC))[1] AS at \
         FROM d GROUP BY conversation_id), \
     numbered AS (\
         UPDATE conversations AS c SET last_seq = c.last_seq + counted.added, \
             updated_at = counted.at \
         FROM counted WHERE c.id = counted.conversation_id RETURNING c.id, c.last_seq) \
     INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
         author_name, system_kind, text, at) \
     SELECT d.conversation_id, d.seq, d.id, d.client_id, d.author_kind, d.author_id, \
         d.author_name, d.system_kind, d.text, d.at \
     FROM d JOIN counted ON counted.conversation_id = d.conversation_id \
         JOIN numbered ON numbered.id = d.conversation_id \
     WHERE numbered.last_seq = counted.last";

impl PostgresWriter {
    /// Sends the first `count` deferred messages in one statement.
    fn send_deferred(&mut self, count: usize) -> Result<(), StoreError> {
        let sent: Vec<_> = self.ahead.pending.drain(..count).collect();
        if sent.is_empty() {
            return Ok(());
        }
        self.mark = self.mark.saturating_sub(count);
        let column = |f: fn(&super::ahead::Deferred) -> Option<&str>| -> Vec<Option<&str>> {
            sent.iter().map(f).collect()
        };
        let seqs: Vec<i64> = sent
            .iter()
            .map(|d| super::super::to_i64(d.message.seq))
            .collect();
        let query = sqlx::query(SEND)
            .bind(column(|d| Some(d.conversation.0.as_str())))
            .bind(seqs)
            .bind(column(|d| Some(d.message.id.as_str())))
            .bind(column(|d| d.message.client_id.as_deref()))
            .bind(column(|d| Some(d.message.author.kind.as_str())))
            .bind(column(|d| Some(d.message.author.id.as_str())))
            .bind(column(|d| d.message.author.name.as_deref()))
            .bind(column(|d| d.message.system_kind.as_deref()))
            .bind(column(|d| Some(d.message.text.as_str())))
            .bind(column(|d| Some(d.message.at.as_str())));
        let inserted = self.raw_execute(query)?;
        if inserted != sent.len() as u64 {
            // Some conversation's stored `last_seq` is not the one read ahead: never expected
            // (the rows are locked), and never committed.
            return Err(StoreError::Corrupt(format!(
                "{inserted} of {} deferred messages matched their conversation's last_seq",
                sent.len()
            )));
        }
        Ok(())
    }

    /// Sends the deferred messages of the writes before the current one, which are kept in
    /// the batch. When that fails none of them is, and nothing else is undone: inside a
    /// savepoint when the transaction holds other writes, or by rolling back a transaction
    /// that holds only what was read ahead. Deferring then stops for this batch.
    pub(super) fn flush_earlier(&mut self) -> Result<(), StoreError> {
        let count = self.mark;
        if count == 0 {
            return Ok(());
        }
        let guarded = self.written;
        let sent = if guarded {
            self.subtransactions += 1;
            self.step("SAVEPOINT flush")
                .and_then(|()| self.send_deferred(count))
        } else {
            self.send_deferred(count)
        };
        match sent {
            Ok(()) => {
                if guarded {
                    self.batch = BatchStep::Released("flush");
                }
                self.written = true;
                Ok(())
            }
            Err(error) => {
                if guarded {
                    let _ = self.simple("ROLLBACK TO SAVEPOINT flush; RELEASE SAVEPOINT flush");
                } else {
                    let _ = self.simple("ROLLBACK");
                    self.batch = BatchStep::NotBegun;
                }
                self.ahead.pending.clear();
                self.ahead.forget();
                self.mark = 0;
                self.deferring = false;
                Err(error)
            }
        }
    }

    /// Called before every statement of a write: what was deferred goes first (the statement
    /// could see it), the earlier writes' outside this write's savepoint, its own inside it;
    /// then everything read ahead is forgotten, since the statement may change it.
    pub(super) fn before_statement(&mut self) -> Result<(), StoreError> {
        if self.flush_failed {
            return Err(StoreError::Commit(
                "the batch's deferred messages could not be stored".into(),
            ));
        }
        if !self.in_savepoint {
            if let Err(error) = self.flush_earlier() {
                self.flush_failed = true;
                return Err(error);
            }
            self.subtransactions += 1;
            self.step("SAVEPOINT write")?;
            self.in_savepoint = true;
            self.written = true;
        }
        let own = self.ahead.pending.len();
        let sent = self.send_deferred(own);
        self.ahead.pending.clear();
        self.ahead.forget();
        sent
    }
}
