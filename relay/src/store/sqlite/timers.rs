//! Conversation timers as rows with a due time (they survive a restart), and the queue waits that
//! live wait-time notices average.

use super::super::rows::due_timer;
use super::{SqliteStore, SqliteWriter};
use crate::store::{DueTimer, StoreError, TimerWrites};
use rusqlite::params;
use tetap_shared::ConversationId;
use tetap_shared::rules::Timer;

impl SqliteStore {
    /// The timer that comes due first, if any.
    pub async fn next_timer(&self) -> Result<Option<DueTimer>, StoreError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT conversation_id, kind, due_at FROM timers ORDER BY due_at LIMIT 1",
        )
        .fetch_optional(&self.reader)
        .await?;
        row.map(|(conversation, kind, due_at)| due_timer(conversation, &kind, due_at))
            .transpose()
    }

    /// The most recent queue waits of a workstream, in seconds.
    pub async fn recent_waits(&self, workstream: &str) -> Result<Vec<u64>, StoreError> {
        let waits: Vec<i64> = sqlx::query_scalar(
            "SELECT waited_seconds FROM waits WHERE workstream = ? ORDER BY at DESC LIMIT ?",
        )
        .bind(workstream)
        .bind(super::super::RECENT_WAITS)
        .fetch_all(&self.reader)
        .await?;
        Ok(waits
            .into_iter()
            .map(|w| u64::try_from(w).unwrap_or(0))
            .collect())
    }
}

impl TimerWrites for SqliteWriter {
    /// Starts (or restarts) a timer.
    fn set_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        due_at: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO timers (conversation_id, kind, due_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (conversation_id, kind) DO UPDATE SET due_at = excluded.due_at",
            )?
            .execute(params![conversation.0, timer.as_str(), due_at])?;
        Ok(())
    }

    /// Stops a timer; stopping one that is not running is fine.
    fn cancel_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM timers WHERE conversation_id = ?1 AND kind = ?2")?
            .execute(params![conversation.0, timer.as_str()])?;
        Ok(())
    }

    /// Removes the timer if it is due at `now`; true when it was (so it fires exactly once).
    fn take_due_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        now: &str,
    ) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .prepare_cached(
                "DELETE FROM timers WHERE conversation_id = ?1 AND kind = ?2 AND due_at <= ?3",
            )?
            .execute(params![conversation.0, timer.as_str(), now])?;
        Ok(removed == 1)
    }

    /// Records how long a conversation waited in the queue.
    fn record_wait(
        &mut self,
        workstream: &str,
        waited_seconds: u64,
        at: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO waits (workstream, waited_seconds, at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                workstream,
                i64::try_from(waited_seconds).unwrap_or(i64::MAX),
                at
            ])?;
        Ok(())
    }
}
