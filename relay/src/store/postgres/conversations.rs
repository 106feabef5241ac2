//! Conversation rows on PostgreSQL: a customer's current conversation and earlier ones, the
//! lists agents work from, and saving what the rules decided. A write that reads a conversation
//! locks its row (`FOR UPDATE`) until it commits.

use super::super::rows::{CONVERSATION_COLUMNS, RawConversation, convert, earlier_page};
use super::super::to_u64;
use super::{PostgresStore, PostgresWriter, capacity_refusal};
use crate::store::{
    ConversationRow, ConversationWrites, CustomerIdentity, NewConversation, SavedState, StoreError,
};
use tetap_shared::frames::EarlierConversation;
use tetap_shared::{ConversationId, ConversationState};

const BY_ID: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE id = $1"
);
const BY_ID_LOCKED: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE id = $1 FOR UPDATE"
);
const CURRENT: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE issuer = $1 AND subject = $2 AND workstream = $3 \
     AND state <> 'closed'"
);
const CURRENT_LOCKED: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE issuer = $1 AND subject = $2 AND workstream = $3 \
     AND state <> 'closed' FOR UPDATE"
);
const OF_AGENT_LOCKED: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE agent_id = $1 AND state IN ('active', 'waiting') \
     ORDER BY created_order FOR UPDATE"
);
/// The newest page of closed conversations, or the page just older than `$4`, which must be one
/// of the identity's own (anyone else's id matches nothing).
const EARLIER_PAGE: &str = "SELECT c.id, c.mode FROM conversations AS c \
     WHERE c.issuer = $1 AND c.subject = $2 AND c.workstream = $3 AND c.state = 'closed' \
     AND ($4::TEXT IS NULL OR (c.created_at, c.created_order) < (\
         SELECT b.created_at, b.created_order FROM conversations AS b \
         WHERE b.id = $4 AND b.issuer = $1 AND b.subject = $2 AND b.workstream = $3)) \
     ORDER BY c.created_at DESC, c.created_order DESC LIMIT $5";

impl PostgresStore {
    pub(in crate::store) async fn current_conversation(
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

    pub(in crate::store) async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let raw: Option<RawConversation> = sqlx::query_as(BY_ID)
            .bind(&id.0)
            .fetch_optional(&self.reader)
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }

    pub(in crate::store) async fn agent_conversations(
        &self,
        agent_id: &str,
        workstreams: &[String],
        closed: bool,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = if closed {
            format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE state = 'closed' \
                 AND (agent_id = $1 OR workstream = ANY($2)) \
                 ORDER BY updated_at DESC LIMIT 200"
            )
        } else {
            format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE \
                 (state IN ('active', 'waiting') AND agent_id = $1) \
                 OR (state = 'open' AND workstream = ANY($2)) \
                 ORDER BY created_at, created_order"
            )
        };
        let rows: Vec<RawConversation> = sqlx::query_as(&sql)
            .bind(agent_id)
            .bind(workstreams)
            .fetch_all(&self.reader)
            .await?;
        convert(rows)
    }

    pub(in crate::store) async fn queue(&self) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE state = 'open' \
             ORDER BY queued_at, created_order"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql).fetch_all(&self.reader).await?;
        convert(rows)
    }

    pub(in crate::store) async fn returned_conversations(
        &self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE agent_id = $1 \
             AND state = 'waiting' AND returned_at IS NOT NULL ORDER BY returned_at"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql)
            .bind(agent_id)
            .fetch_all(&self.reader)
            .await?;
        convert(rows)
    }

    pub(in crate::store) async fn queue_position(
        &self,
        row: &ConversationRow,
    ) -> Result<u64, StoreError> {
        let ahead: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations AS other WHERE state = 'open' AND workstream = $1 \
             AND (queued_at < $2 OR (queued_at = $2 AND other.created_order < \
               (SELECT created_order FROM conversations WHERE id = $3)))",
        )
        .bind(&row.workstream)
        .bind(&row.queued_at)
        .bind(&row.id.0)
        .fetch_one(&self.reader)
        .await?;
        Ok(to_u64(ahead, "queue position")? + 1)
    }

    pub(in crate::store) async fn earlier_conversations(
        &self,
        identity: &CustomerIdentity,
        before: Option<&ConversationId>,
        limit: u32,
    ) -> Result<(Vec<EarlierConversation>, bool), StoreError> {
        // One more than asked for says whether there is more, without a count.
        let rows: Vec<(String, String)> = sqlx::query_as(EARLIER_PAGE)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .bind(before.map(|id| id.0.as_str()))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        earlier_page(rows, limit)
    }
}

impl ConversationWrites for PostgresWriter {
    fn conversation(&mut self, id: &ConversationId) -> Result<Option<ConversationRow>, StoreError> {
        if let Some(row) = self.ahead.conversation(id) {
            return Ok(Some(row));
        }
        let raw = self.optional(sqlx::query_as::<_, RawConversation>(BY_ID_LOCKED).bind(&id.0))?;
        raw.map(ConversationRow::try_from).transpose()
    }

    fn current_conversation(
        &mut self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        if let Some(row) = self.ahead.current(identity) {
            return Ok(row);
        }
        let raw = self.optional(
            sqlx::query_as::<_, RawConversation>(CURRENT_LOCKED)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&identity.workstream),
        )?;
        raw.map(ConversationRow::try_from).transpose()
    }

    fn conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let raw = self.all(sqlx::query_as::<_, RawConversation>(OF_AGENT_LOCKED).bind(agent_id))?;
        convert(raw)
    }

    fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
    ) -> Result<ConversationRow, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let sql = format!(
            "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, \
             customer_name, customer_email, locale, created_at, updated_at, queued_at) \
             VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $9, $9) \
             RETURNING {CONVERSATION_COLUMNS}"
        );
        let raw = self.optional(
            sqlx::query_as::<_, RawConversation>(&sql)
                .bind(&id)
                .bind(&new.identity.workstream)
                .bind(new.mode.as_str())
                .bind(&new.identity.issuer)
                .bind(&new.identity.subject)
                .bind(new.customer_name)
                .bind(new.customer_email)
                .bind(new.locale)
                .bind(new.at),
        )?;
        raw.ok_or_else(|| StoreError::Corrupt("created conversation vanished".into()))?
            .try_into()
    }

    fn update_customer(
        &mut self,
        id: &ConversationId,
        name: Option<&str>,
        email: Option<&str>,
        locale: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            sqlx::query(
                "UPDATE conversations SET customer_name = coalesce($1, customer_name), \
                 customer_email = coalesce($2, customer_email), locale = $3 WHERE id = $4",
            )
            .bind(name)
            .bind(email)
            .bind(locale)
            .bind(&id.0),
        )?;
        Ok(())
    }

    fn save_state(
        &mut self,
        id: &ConversationId,
        saved: &SavedState<'_>,
    ) -> Result<(), StoreError> {
        let open = saved.state == ConversationState::Open;
        let closed = saved.state == ConversationState::Closed;
        self.execute(
            sqlx::query(
                "UPDATE conversations SET state = $1, agent_id = $2, affinity_agent = $3, \
                 returned_notified = $4, updated_at = $5, \
                 queued_at = CASE WHEN $6 THEN coalesce(queued_at, $5) ELSE NULL END, \
                 closed_at = CASE WHEN $7 THEN $5 ELSE closed_at END, \
                 returned_at = $8, capacity_exempt = $9 \
                 WHERE id = $10",
            )
            .bind(saved.state.as_str())
            .bind(saved.agent)
            .bind(saved.affinity_agent)
            .bind(saved.returned_notified)
            .bind(saved.at)
            .bind(open)
            .bind(closed)
            .bind(saved.returned_at)
            .bind(saved.capacity_exempt)
            .bind(&id.0),
        )
        .map_err(capacity_refusal)?;
        Ok(())
    }
}
