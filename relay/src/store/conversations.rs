//! Conversation rows: a customer's current conversation, an agent's work list, the queue, and
//! saving what the rules decided.

use super::{Store, StoreError, StoreTx, to_u64};
use sqlx::FromRow;
use tetap_shared::{ConversationId, ConversationState, Mode};

/// Whose conversation it is (R2): the token's issuer and subject, in one workstream.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CustomerIdentity {
    pub issuer: String,
    pub subject: String,
    pub workstream: String,
}

/// A conversation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub workstream: String,
    pub mode: Mode,
    pub state: ConversationState,
    pub identity: CustomerIdentity,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub agent_id: Option<String>,
    pub affinity_agent: Option<String>,
    pub last_seq: u64,
    pub agent_read_seq: u64,
    pub customer_read_seq: u64,
    pub created_at: String,
    pub returned_notified: bool,
    pub queued_at: Option<String>,
    pub locale: String,
}

/// A conversation to create: the customer's first message starts it (R9).
#[derive(Clone, Debug)]
pub struct NewConversation<'a> {
    pub identity: &'a CustomerIdentity,
    pub mode: Mode,
    pub customer_name: Option<&'a str>,
    pub customer_email: Option<&'a str>,
    pub locale: &'a str,
    pub at: &'a str,
}

/// What the rules decided about a conversation, to store.
#[derive(Clone, Debug)]
pub struct SavedState<'a> {
    pub state: ConversationState,
    pub agent: Option<&'a str>,
    pub affinity_agent: Option<&'a str>,
    pub returned_notified: bool,
    pub at: &'a str,
}

#[derive(FromRow)]
pub(super) struct RawConversation {
    id: String,
    workstream: String,
    mode: String,
    state: String,
    issuer: String,
    subject: String,
    customer_name: Option<String>,
    customer_email: Option<String>,
    agent_id: Option<String>,
    affinity_agent: Option<String>,
    last_seq: i64,
    agent_read_seq: i64,
    customer_read_seq: i64,
    created_at: String,
    returned_notified: bool,
    queued_at: Option<String>,
    locale: String,
}

pub(super) const COLUMNS: &str = "id, workstream, mode, state, issuer, subject, customer_name, \
    customer_email, agent_id, affinity_agent, last_seq, agent_read_seq, customer_read_seq, created_at, \
    returned_notified, queued_at, locale";

impl TryFrom<RawConversation> for ConversationRow {
    type Error = StoreError;

    fn try_from(raw: RawConversation) -> Result<Self, StoreError> {
        let mode = match raw.mode.as_str() {
            "persistent" => Mode::Persistent,
            "live" => Mode::Live,
            other => return Err(StoreError::Corrupt(format!("mode {other}"))),
        };
        let state = ConversationState::parse(&raw.state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {}", raw.state)))?;
        Ok(Self {
            id: ConversationId(raw.id),
            workstream: raw.workstream.clone(),
            mode,
            state,
            identity: CustomerIdentity {
                issuer: raw.issuer,
                subject: raw.subject,
                workstream: raw.workstream,
            },
            customer_name: raw.customer_name,
            customer_email: raw.customer_email,
            agent_id: raw.agent_id,
            affinity_agent: raw.affinity_agent,
            last_seq: to_u64(raw.last_seq, "last_seq")?,
            agent_read_seq: to_u64(raw.agent_read_seq, "agent_read_seq")?,
            customer_read_seq: to_u64(raw.customer_read_seq, "customer_read_seq")?,
            created_at: raw.created_at,
            returned_notified: raw.returned_notified,
            queued_at: raw.queued_at,
            locale: raw.locale,
        })
    }
}

fn convert(rows: Vec<RawConversation>) -> Result<Vec<ConversationRow>, StoreError> {
    rows.into_iter().map(ConversationRow::try_from).collect()
}

fn current_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM conversations \
         WHERE issuer = ? AND subject = ? AND workstream = ? AND state <> 'closed'"
    )
}

impl Store {
    /// The customer's conversation that is not closed, if any (there is at most one, R2).
    pub async fn current_conversation(
        &self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let raw: Option<RawConversation> = sqlx::query_as(&current_sql())
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
        let sql = format!("SELECT {COLUMNS} FROM conversations WHERE id = ?");
        let raw: Option<RawConversation> = sqlx::query_as(&sql)
            .bind(&id.0)
            .fetch_optional(&self.reader)
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }

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
                "SELECT {COLUMNS} FROM conversations WHERE state = 'closed' \
                 AND (agent_id = ? OR workstream IN ({placeholders})) \
                 ORDER BY updated_at DESC LIMIT 200"
            )
        } else {
            format!(
                "SELECT {COLUMNS} FROM conversations WHERE \
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

    /// The customer's closed conversations in the workstream, oldest first, at most `limit`.
    pub async fn closed_conversations(
        &self,
        identity: &CustomerIdentity,
        limit: u32,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let mut ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE issuer = ? AND subject = ? AND workstream = ? \
             AND state = 'closed' ORDER BY created_at DESC, rowid DESC LIMIT ?",
        )
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(&identity.workstream)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        ids.reverse();
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// The queue: every `open` conversation, oldest first (R10 FIFO; creation order breaks ties
    /// between conversations queued in the same millisecond).
    pub async fn queue(&self) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations WHERE state = 'open' ORDER BY queued_at, rowid"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql).fetch_all(&self.reader).await?;
        convert(rows)
    }

    /// The agent's conversations that are not closed.
    pub async fn conversations_of_agent(
        &self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations WHERE agent_id = ? AND state IN ('active', 'waiting')"
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

impl StoreTx {
    /// One conversation by id, as this transaction sees it.
    pub async fn conversation(
        &mut self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM conversations WHERE id = ?");
        let raw: Option<RawConversation> = sqlx::query_as(&sql)
            .bind(&id.0)
            .fetch_optional(self.conn())
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// The customer's conversation that is not closed, as this transaction sees it.
    pub async fn current_conversation(
        &mut self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let raw: Option<RawConversation> = sqlx::query_as(&current_sql())
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .fetch_optional(self.conn())
            .await?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// Creates an `open` conversation, queued now.
    pub async fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
    ) -> Result<ConversationRow, StoreError> {
        let id = ConversationId(uuid::Uuid::new_v4().to_string());
        sqlx::query(
            "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, \
             customer_name, customer_email, locale, created_at, updated_at, queued_at) \
             VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id.0)
        .bind(&new.identity.workstream)
        .bind(new.mode.as_str())
        .bind(&new.identity.issuer)
        .bind(&new.identity.subject)
        .bind(new.customer_name)
        .bind(new.customer_email)
        .bind(new.locale)
        .bind(new.at)
        .bind(new.at)
        .bind(new.at)
        .execute(self.conn())
        .await?;
        self.conversation(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("created conversation vanished".into()))
    }

    /// Keeps the customer's latest name, email and locale on the conversation.
    pub async fn update_customer(
        &mut self,
        id: &ConversationId,
        name: Option<&str>,
        email: Option<&str>,
        locale: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE conversations SET customer_name = coalesce(?, customer_name), \
             customer_email = coalesce(?, customer_email), locale = ? WHERE id = ?",
        )
        .bind(name)
        .bind(email)
        .bind(locale)
        .bind(&id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stores a decision of the rules. Entering the queue stamps `queued_at` (FIFO); leaving it
    /// clears it; closing stamps `closed_at`.
    pub async fn save_state(
        &mut self,
        id: &ConversationId,
        saved: &SavedState<'_>,
    ) -> Result<(), StoreError> {
        let open = saved.state == ConversationState::Open;
        let closed = saved.state == ConversationState::Closed;
        sqlx::query(
            "UPDATE conversations SET state = ?, agent_id = ?, affinity_agent = ?, \
             returned_notified = ?, updated_at = ?, \
             queued_at = CASE WHEN ? THEN coalesce(queued_at, ?) ELSE NULL END, \
             closed_at = CASE WHEN ? THEN ? ELSE closed_at END \
             WHERE id = ?",
        )
        .bind(saved.state.as_str())
        .bind(saved.agent)
        .bind(saved.affinity_agent)
        .bind(saved.returned_notified)
        .bind(saved.at)
        .bind(open)
        .bind(saved.at)
        .bind(closed)
        .bind(saved.at)
        .bind(&id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
