//! Conversation rows: a customer's current conversation, an agent's work list, the queue, and
//! saving what the rules decided.

use super::{Store, StoreError, StoreTx, to_u64};
use rusqlite::{OptionalExtension, params};
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
    /// When the customer came back to this waiting conversation (R7), until it is picked up.
    pub returned_at: Option<String>,
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
    pub returned_at: Option<&'a str>,
    /// R8's exception: the conversation goes back to its own agent, who may be at capacity.
    pub capacity_exempt: bool,
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
    returned_at: Option<String>,
}

/// The columns of a [`RawConversation`], in the order `from_row` reads them by index.
macro_rules! conversation_columns {
    () => {
        "id, workstream, mode, state, issuer, subject, customer_name, customer_email, agent_id, \
         affinity_agent, last_seq, agent_read_seq, customer_read_seq, created_at, \
         returned_notified, queued_at, locale, returned_at"
    };
}

pub(super) const COLUMNS: &str = conversation_columns!();
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
            returned_at: raw.returned_at,
        })
    }
}

pub(super) fn convert(rows: Vec<RawConversation>) -> Result<Vec<ConversationRow>, StoreError> {
    rows.into_iter().map(ConversationRow::try_from).collect()
}

impl Store {
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

impl StoreTx<'_> {
    /// One conversation by id, as this transaction sees it.
    pub fn conversation(
        &mut self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(BY_ID)?;
        let raw = statement
            .query_row([&id.0], RawConversation::from_row)
            .optional()?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// The customer's conversation that is not closed, as this transaction sees it.
    pub fn current_conversation(
        &mut self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(CURRENT)?;
        let raw = statement
            .query_row(
                [&identity.issuer, &identity.subject, &identity.workstream],
                RawConversation::from_row,
            )
            .optional()?;
        raw.map(ConversationRow::try_from).transpose()
    }

    /// The agent's conversations that are not closed, as this transaction sees them.
    pub fn conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations WHERE agent_id = ?1 \
             AND state IN ('active', 'waiting')"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let raw = statement
            .query_map([agent_id], RawConversation::from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        convert(raw)
    }

    /// Creates an `open` conversation, queued now.
    pub fn create_conversation(
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
    pub fn update_customer(
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
    pub fn save_state(
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
            .map_err(capacity_refusal)?;
        Ok(())
    }
}

/// The capacity trigger's refusal as its own error, so a decision that raced past its checks is
/// answered `at_capacity` rather than as a failed write.
fn capacity_refusal(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains(AT_CAPACITY) => {
            StoreError::AtCapacity
        }
        _ => StoreError::Sqlite(error),
    }
}

/// What the capacity trigger of migration 0006 raises.
const AT_CAPACITY: &str = "tetap: agent at capacity";

impl RawConversation {
    /// The writer's row (rusqlite) as the readers' (sqlx) row type, by the index of
    /// [`conversation_columns`].
    pub(super) fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
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
}
