//! Timers and queue waits on PostgreSQL. A due timer is claimed with `FOR UPDATE SKIP LOCKED`
//! and deleted in the write that fires it: exactly once however many relays poll, and a relay
//! that dies mid-fire leaves it due for the next.

use super::super::rows::due_timer;
use super::super::{RECENT_WAITS, to_i64};
use super::{PostgresStore, PostgresWriter};
use crate::store::{DueTimer, StoreError, TimerWrites};
use tetap_shared::ConversationId;
use tetap_shared::rules::Timer;

impl PostgresStore {
    pub(in crate::store) async fn next_timer(&self) -> Result<Option<DueTimer>, StoreError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT conversation_id, kind, due_at FROM timers ORDER BY due_at LIMIT 1",
        )
        .fetch_optional(&self.reader)
        .await?;
        row.map(|(conversation, kind, due_at)| due_timer(conversation, &kind, due_at))
            .transpose()
    }

    pub(in crate::store) async fn recent_waits(
        &self,
        workstream: &str,
    ) -> Result<Vec<u64>, StoreError> {
        let waits: Vec<i64> = sqlx::query_scalar(
            "SELECT waited_seconds FROM waits WHERE workstream = $1 ORDER BY at DESC LIMIT $2",
        )
        .bind(workstream)
        .bind(RECENT_WAITS)
        .fetch_all(&self.reader)
        .await?;
        Ok(waits
            .into_iter()
            .map(|w| u64::try_from(w).unwrap_or(0))
            .collect())
    }
}

impl TimerWrites for PostgresWriter {
    fn set_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        due_at: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query(
                "INSERT INTO timers (conversation_id, kind, due_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (conversation_id, kind) DO UPDATE SET due_at = excluded.due_at",
            )
            .bind(&conversation.0)
            .bind(timer.as_str())
            .bind(due_at),
        )?;
        Ok(())
    }

    fn cancel_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query("DELETE FROM timers WHERE conversation_id = $1 AND kind = $2")
                .bind(&conversation.0)
                .bind(timer.as_str()),
        )?;
        Ok(())
    }

    fn take_due_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        now: &str,
    ) -> Result<bool, StoreError> {
        let claimed = self.execute(
            sqlx::query(
                "DELETE FROM timers WHERE (conversation_id, kind) IN (\
                     SELECT conversation_id, kind FROM timers \
                     WHERE conversation_id = $1 AND kind = $2 AND due_at <= $3 \
                     FOR UPDATE SKIP LOCKED)",
            )
            .bind(&conversation.0)
            .bind(timer.as_str())
            .bind(now),
        )?;
        Ok(claimed == 1)
    }

    fn record_wait(
        &mut self,
        workstream: &str,
        waited_seconds: u64,
        at: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query("INSERT INTO waits (workstream, waited_seconds, at) VALUES ($1, $2, $3)")
                .bind(workstream)
                .bind(to_i64(waited_seconds))
                .bind(at),
        )?;
        Ok(())
    }
}
