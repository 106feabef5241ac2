//! Conversation timers as rows with a due time (they survive a restart), and the queue waits that
//! live wait-time notices average.

use super::{Store, StoreError, StoreTx};
use tetap_shared::ConversationId;
use tetap_shared::rules::Timer;

/// A timer that is due, or the next one to come due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueTimer {
    pub conversation: ConversationId,
    pub timer: Timer,
    pub due_at: String,
}

/// How many recent waits a wait-time estimate averages.
const RECENT_WAITS: i64 = 20;

impl Store {
    /// The timer that comes due first, if any.
    pub async fn next_timer(&self) -> Result<Option<DueTimer>, StoreError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT conversation_id, kind, due_at FROM timers ORDER BY due_at LIMIT 1",
        )
        .fetch_optional(&self.reader)
        .await?;
        row.map(|(conversation, kind, due_at)| {
            let timer = Timer::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("timer kind {kind}")))?;
            Ok(DueTimer {
                conversation: ConversationId(conversation),
                timer,
                due_at,
            })
        })
        .transpose()
    }

    /// The most recent queue waits of a workstream, in seconds.
    pub async fn recent_waits(&self, workstream: &str) -> Result<Vec<u64>, StoreError> {
        let waits: Vec<i64> = sqlx::query_scalar(
            "SELECT waited_seconds FROM waits WHERE workstream = ? ORDER BY at DESC LIMIT ?",
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

impl StoreTx {
    /// Starts (or restarts) a timer.
    pub async fn set_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        due_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO timers (conversation_id, kind, due_at) VALUES (?, ?, ?) \
             ON CONFLICT (conversation_id, kind) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(&conversation.0)
        .bind(timer.as_str())
        .bind(due_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stops a timer; stopping one that is not running is fine.
    pub async fn cancel_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM timers WHERE conversation_id = ? AND kind = ?")
            .bind(&conversation.0)
            .bind(timer.as_str())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Removes the timer if it is due at `now`; true when it was (so it fires exactly once).
    pub async fn take_due_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        now: &str,
    ) -> Result<bool, StoreError> {
        let removed = sqlx::query(
            "DELETE FROM timers WHERE conversation_id = ? AND kind = ? AND due_at <= ?",
        )
        .bind(&conversation.0)
        .bind(timer.as_str())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(removed.rows_affected() == 1)
    }

    /// Records how long a conversation waited in the queue.
    pub async fn record_wait(
        &mut self,
        workstream: &str,
        waited_seconds: u64,
        at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO waits (workstream, waited_seconds, at) VALUES (?, ?, ?)")
            .bind(workstream)
            .bind(i64::try_from(waited_seconds).unwrap_or(i64::MAX))
            .bind(at)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
