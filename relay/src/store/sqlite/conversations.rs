//! Conversation rows: a customer's current conversation, an agent's work list, the queue, and
//! saving what the rules decided.

use super::super::rows::{CONVERSATION_COLUMNS, RawConversation, convert};
use super::{SqliteStore, SqliteWriter};
use crate::store::{
    ConversationRow, ConversationWrites, CustomerIdentity, NewConversation, SavedState, StoreError,
};
use rusqlite::{OptionalExtension, params};
use tetap_shared::{ConversationId, ConversationState};

/// One conversation by id.
const BY_ID: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE id = ?1"
);
/// The customer's conversation that is not closed.
const CURRENT: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE issuer = ?1 AND subject = ?2 AND workstream = ?3 \
     AND state <> 'closed'"
);

impl SqliteStore {
    /// The customer's conversation that is not closed, if any (there is at most one, R2).
    pub async fn current_conversation(
        &self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let raw: Option<RawConversation> = sqlx::query_as(CURRENT)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .fetch_optional(&self.reader)
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// One conversation by id.
    pub async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let raw: Option<RawConversation> = sqlx::query_as(BY_ID)
            .bind(&id.0)
            .fetch_optional(&self.reader)
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }
}

impl ConversationWrites for SqliteWriter {
    /// One conversation by id, as this transaction sees it.
    fn conversation(&mut self, id: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(BY_ID)?;
        let raw = statement.query_row([&id.0], raw_conversation).optional()?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// The customer's conversation that is not closed, as this transaction sees it.
    fn current_conversation(
        &mut self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(CURRENT)?;
        let raw = statement
            .query_row(
                [&identity.issuer, &identity.subject, &identity.workstream],
                raw_conversation,
            )
            .optional()?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// The agent's conversations that are not closed, as this transaction sees them.
    fn conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE agent_id = ?1 \
             AND state IN ('active', 'waiting')"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let raw = statement
            .query_map([agent_id], raw_conversation)?
            .collect::<Result<Vec<_>, _>>()?;
        convert(raw)
    }

    /// Creates an `open` conversation, queued now.
    fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
    ) -> Result<ConversationRow, StoreError> {
        let id = ConversationId(uuid::Uuid::new_v4().to_string());
        self.conn
            .prepare_cached(
                "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, \
                 customer_name, customer_email, locale, created_at, updated_at, queued_at) \
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9)",
            )?
            .execute(params![
                id.0,
                new.identity.workstream,
                new.mode.as_str(),
                new.identity.issuer,
                new.identity.subject,
                new.customer_name,
                new.customer_email,
                new.locale,
                new.at,
            ])?;
        self.conversation(&id)?
            .ok_or_else(|| StoreError::Corrupt("created conversation vanished".into()))
    }

    /// Keeps the customer's latest name, email and locale on the conversation.
    fn update_customer(
        &mut self,
        id: &ConversationId,
        name: Option<&str>,
        email: Option<&str>,
        locale: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE conversations SET customer_name = coalesce(?1, customer_name), \
                 customer_email = coalesce(?2, customer_email), locale = ?3 WHERE id = ?4",
            )?
            .execute(params![name, email, locale, id.0])?;
        Ok(())
    }

    /// Stores a decision of the rules. Entering the queue stamps `queued_at` (FIFO); leaving it
    /// clears it; closing stamps `closed_at`.
    fn save_state(
        &mut self,
        id: &ConversationId,
        saved: &SavedState<'_>,
    ) -> Result<(), StoreError> {
        let open = saved.state == ConversationState::Open;
        let closed = saved.state == ConversationState::Closed;
        self.conn
            .prepare_cached(
                "UPDATE conversations SET state = ?1, agent_id = ?2, affinity_agent = ?3, \
                 returned_notified = ?4, updated_at = ?5, \
                 queued_at = CASE WHEN ?6 THEN coalesce(queued_at, ?5) ELSE NULL END, \
                 closed_at = CASE WHEN ?7 THEN ?5 ELSE closed_at END, \
                 returned_at = ?8, capacity_exempt = ?9 \
                 WHERE id = ?10",
            )?
            .execute(params![
                saved.state.as_str(),
                saved.agent,
                saved.affinity_agent,
                saved.returned_notified,
                saved.at,
                open,
                closed,
                saved.returned_at,
                saved.capacity_exempt,
                id.0,
            ])
            .map_err(super::capacity_refusal)?;
        Ok(())
    }
}

/// The writer's row (rusqlite) as the readers' (sqlx) row type, by the index of
/// [`CONVERSATION_COLUMNS`].
pub(super) fn raw_conversation(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawConversation> {
    Ok(RawConversation {
        id: row.get(0)?,
        workstream: row.get(1)?,
        mode: row.get(2)?,
        state: row.get(3)?,
        issuer: row.get(4)?,
        subject: row.get(5)?,
        customer_name: row.get(6)?,
        customer_email: row.get(7)?,
        agent_id: row.get(8)?,
        affinity_agent: row.get(9)?,
        last_seq: row.get(10)?,
        agent_read_seq: row.get(11)?,
        customer_read_seq: row.get(12)?,
        created_at: row.get(13)?,
        returned_notified: row.get(14)?,
        queued_at: row.get(15)?,
        locale: row.get(16)?,
        returned_at: row.get(17)?,
    })
}
