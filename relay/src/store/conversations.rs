//! Conversation rows: finding a customer's current conversation and an agent's work list.

use super::{Store, StoreError, to_u64};
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
    pub created_at: String,
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
    created_at: String,
}

pub(super) const COLUMNS: &str = "id, workstream, mode, state, issuer, subject, customer_name, \
    customer_email, agent_id, affinity_agent, last_seq, agent_read_seq, created_at";

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
            created_at: raw.created_at,
        })
    }
}

fn convert(rows: Vec<RawConversation>) -> Result<Vec<ConversationRow>, StoreError> {
    rows.into_iter().map(ConversationRow::try_from).collect()
}

impl Store {
    /// The customer's conversation that is not closed, if any (there is at most one, R2).
    pub async fn current_conversation(
        &self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations \
             WHERE issuer = ? AND subject = ? AND workstream = ? AND state <> 'closed'"
        );
        let raw: Option<RawConversation> = sqlx::query_as(&sql)
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
}
