//! The lists agents work from: their work list, the queue in FIFO order with each
//! conversation's place in it (R10), and the returns nobody picked up yet (R7).

use super::super::rows::{CONVERSATION_COLUMNS, RawConversation, convert};
use super::super::to_u64;
use super::SqliteStore;
use crate::store::{ConversationRow, StoreError};

impl SqliteStore {
    /// An agent's work list: their own `active` and `waiting` conversations and the `open` ones of
    /// their workstreams; or, with `closed`, the closed ones they had or that were in their workstreams.
    pub async fn agent_conversations(
        &self,
        agent_id: &str,
        workstreams: &[String],
        closed: bool,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let placeholders = vec!["?"; workstreams.len().max(1)].join(", ");
        let sql = if closed {
            format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE state = 'closed' \
                 AND (agent_id = ? OR workstream IN ({placeholders})) \
                 ORDER BY updated_at DESC LIMIT 200"
            )
        } else {
            format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE \
                 (state IN ('active', 'waiting') AND agent_id = ?) \
                 OR (state = 'open' AND workstream IN ({placeholders})) \
                 ORDER BY created_at"
            )
        };
        let mut query = sqlx::query_as(&sql).bind(agent_id);
        if workstreams.is_empty() {
            query = query.bind("");
        }
        for ws in workstreams {
            query = query.bind(ws);
        }
        let rows: Vec<RawConversation> = query.fetch_all(&self.reader).await?;
        convert(rows)
    }

    /// The queue: every `open` conversation, oldest first (R10 FIFO; creation order breaks ties
    /// between conversations queued in the same millisecond).
    pub async fn queue(&self) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE state = 'open' ORDER BY queued_at, rowid"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql).fetch_all(&self.reader).await?;
        convert(rows)
    }

    /// The agent's waiting conversations whose customer came back and that nobody picked up yet
    /// (R7), oldest return first.
    pub async fn returned_conversations(
        &self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE agent_id = ? AND state = 'waiting' \
             AND returned_at IS NOT NULL ORDER BY returned_at"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql)
            .bind(agent_id)
            .fetch_all(&self.reader)
            .await?;
        convert(rows)
    }

    /// The 1-based place of an `open` conversation in its workstream's queue.
    pub async fn queue_position(&self, row: &ConversationRow) -> Result<u64, StoreError> {
        let ahead: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations AS other WHERE state = 'open' AND workstream = ? \
             AND (queued_at < ? OR (queued_at = ? AND other.rowid < \
               (SELECT rowid FROM conversations WHERE id = ?)))",
        )
        .bind(&row.workstream)
        .bind(&row.queued_at)
        .bind(&row.queued_at)
        .bind(&row.id.0)
        .fetch_one(&self.reader)
        .await?;
        Ok(to_u64(ahead, "queue position")? + 1)
    }
}
