//! Messages: committing a new one (with its conversation's new state) and reading pages by `seq`.

use super::conversations::{COLUMNS, RawConversation};
use super::{ConversationRow, CustomerIdentity, Store, StoreError, to_i64, to_u64};
use sqlx::{FromRow, Sqlite, Transaction};
use tetap_shared::rules::{RuleError, StateChange};
use tetap_shared::{AuthorKind, ConversationId, ConversationState, Message, MessageAuthor, Mode};

/// A message to commit. `client_id` makes a resend return the stored message instead of a copy.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub client_id: Option<String>,
    pub text: String,
    pub at: String,
}

/// Who writes.
#[derive(Clone, Debug)]
pub struct MessageAuthorRow {
    pub kind: AuthorKind,
    pub id: String,
    pub name: Option<String>,
}

/// The outcome of an append.
#[derive(Clone, Debug)]
pub enum Appended {
    /// Committed now. `conversation` is the conversation after the change.
    New {
        conversation: Box<ConversationRow>,
        message: Message,
        started: bool,
    },
    /// The `client_id` was committed before: this is the stored message, nothing changed.
    Duplicate {
        conversation: ConversationId,
        message: Message,
    },
}

/// Why an agent's message was not committed.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no such conversation")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] RuleError),
    #[error("this client_id belongs to another author's message")]
    ClientIdConflict,
}

#[derive(FromRow)]
struct RawMessage {
    conversation_id: String,
    seq: i64,
    id: String,
    client_id: Option<String>,
    author_kind: String,
    author_id: String,
    author_name: Option<String>,
    system_kind: Option<String>,
    text: String,
    at: String,
}

const MESSAGE_COLUMNS: &str = "conversation_id, seq, id, client_id, author_kind, author_id, \
    author_name, system_kind, text, at";

impl TryFrom<RawMessage> for Message {
    type Error = StoreError;

    fn try_from(raw: RawMessage) -> Result<Self, StoreError> {
        let kind = AuthorKind::parse(&raw.author_kind)
            .ok_or_else(|| StoreError::Corrupt(format!("author kind {}", raw.author_kind)))?;
        Ok(Message {
            seq: to_u64(raw.seq, "seq")?,
            id: raw.id,
            client_id: raw.client_id,
            author: MessageAuthor {
                kind,
                id: raw.author_id,
                name: raw.author_name,
            },
            system_kind: raw.system_kind,
            text: raw.text,
            at: raw.at,
        })
    }
}

impl Store {
    /// Commits a customer's message to their current conversation, starting one when there is none
    /// (R9: a conversation starts with the customer's first message). A `client_id` already
    /// committed by this customer returns the stored message.
    pub async fn append_customer_message(
        &self,
        identity: &CustomerIdentity,
        customer_name: Option<&str>,
        customer_email: Option<&str>,
        mode: Mode,
        new: NewMessage,
    ) -> Result<Appended, StoreError> {
        let mut tx = self.writer.begin().await?;
        if let Some(client_id) = &new.client_id {
            let sql = format!(
                "SELECT m.{} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                 WHERE m.client_id = ? AND c.issuer = ? AND c.subject = ? AND c.workstream = ? \
                 AND m.author_kind = 'customer'",
                MESSAGE_COLUMNS.replace(", ", ", m.")
            );
            let stored: Option<RawMessage> = sqlx::query_as(&sql)
                .bind(client_id)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&identity.workstream)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(raw) = stored {
                let conversation = ConversationId(raw.conversation_id.clone());
                return Ok(Appended::Duplicate {
                    conversation,
                    message: raw.try_into()?,
                });
            }
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM conversations \
             WHERE issuer = ? AND subject = ? AND workstream = ? AND state <> 'closed'"
        );
        let current: Option<RawConversation> = sqlx::query_as(&sql)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .fetch_optional(&mut *tx)
            .await?;
        let (conversation_id, started) = match current {
            Some(raw) => (ConversationRow::try_from(raw)?.id, false),
            None => {
                let id = ConversationId(uuid::Uuid::new_v4().to_string());
                sqlx::query(
                    "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, \
                     customer_name, customer_email, created_at, updated_at) \
                     VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)",
                )
                .bind(&id.0)
                .bind(&identity.workstream)
                .bind(mode.as_str())
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(customer_name)
                .bind(customer_email)
                .bind(&new.at)
                .bind(&new.at)
                .execute(&mut *tx)
                .await?;
                (id, true)
            }
        };
        sqlx::query(
            "UPDATE conversations SET customer_name = coalesce(?, customer_name), \
             customer_email = coalesce(?, customer_email) WHERE id = ?",
        )
        .bind(customer_name)
        .bind(customer_email)
        .bind(&conversation_id.0)
        .execute(&mut *tx)
        .await?;
        let author = MessageAuthorRow {
            kind: AuthorKind::Customer,
            id: identity.subject.clone(),
            name: customer_name.map(str::to_owned),
        };
        let (conversation, message) =
            insert_message(&mut tx, &conversation_id, &author, &new, None).await?;
        tx.commit().await?;
        Ok(Appended::New {
            conversation: Box::new(conversation),
            message,
            started,
        })
    }

    /// Commits an agent's message after `decide` (a rule from `tetap_shared::rules`) allowed it
    /// on the conversation as it is inside the transaction.
    pub async fn append_agent_message(
        &self,
        conversation_id: &ConversationId,
        author: &MessageAuthorRow,
        new: NewMessage,
        decide: impl FnOnce(&ConversationRow) -> Result<Option<StateChange>, RuleError>,
    ) -> Result<Appended, AppendError> {
        let mut tx = self.writer.begin().await.map_err(StoreError::from)?;
        if let Some(client_id) = &new.client_id {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ? AND conversation_id = ?"
            );
            let stored: Option<RawMessage> = sqlx::query_as(&sql)
                .bind(client_id)
                .bind(&conversation_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if let Some(raw) = stored {
                let message = Message::try_from(raw)?;
                if message.author.kind != author.kind || message.author.id != author.id {
                    return Err(AppendError::ClientIdConflict);
                }
                return Ok(Appended::Duplicate {
                    conversation: conversation_id.clone(),
                    message,
                });
            }
        }
        let sql = format!("SELECT {COLUMNS} FROM conversations WHERE id = ?");
        let current: Option<RawConversation> = sqlx::query_as(&sql)
            .bind(&conversation_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        let current = ConversationRow::try_from(current.ok_or(AppendError::NotFound)?)?;
        let change = decide(&current)?;
        let (conversation, message) =
            insert_message(&mut tx, conversation_id, author, &new, change).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Appended::New {
            conversation: Box::new(conversation),
            message,
            started: false,
        })
    }

    /// The newest `limit` messages below `before` (or the newest overall), ascending by `seq`, and
    /// whether older ones exist. Keyset pagination on the primary key: no OFFSET.
    pub async fn messages_before(
        &self,
        conversation: &ConversationId,
        before: Option<u64>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ? \
             ORDER BY seq DESC LIMIT ?"
        );
        let rows: Vec<RawMessage> = sqlx::query_as(&sql)
            .bind(&conversation.0)
            .bind(before.map_or(i64::MAX, to_i64))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        let more_before = rows.len() > limit as usize;
        let mut messages = rows
            .into_iter()
            .take(limit as usize)
            .map(Message::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok((messages, more_before))
    }

    /// Up to `limit` messages after `after`, ascending: what a reconnecting client missed.
    pub async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? \
             ORDER BY seq LIMIT ?"
        );
        let rows: Vec<RawMessage> = sqlx::query_as(&sql)
            .bind(&conversation.0)
            .bind(to_i64(after))
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(Message::try_from).collect()
    }
}

async fn insert_message(
    tx: &mut Transaction<'_, Sqlite>,
    conversation_id: &ConversationId,
    author: &MessageAuthorRow,
    new: &NewMessage,
    change: Option<StateChange>,
) -> Result<(ConversationRow, Message), StoreError> {
    let sql = format!(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? \
         RETURNING {COLUMNS}"
    );
    let raw: RawConversation = sqlx::query_as(&sql)
        .bind(&new.at)
        .bind(&conversation_id.0)
        .fetch_one(&mut **tx)
        .await?;
    let mut conversation = ConversationRow::try_from(raw)?;
    let message = Message {
        seq: conversation.last_seq,
        id: uuid::Uuid::new_v4().to_string(),
        client_id: new.client_id.clone(),
        author: MessageAuthor {
            kind: author.kind,
            id: author.id.clone(),
            name: author.name.clone(),
        },
        system_kind: None,
        text: new.text.clone(),
        at: new.at.clone(),
    };
    sqlx::query(
        "INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
         author_name, system_kind, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&conversation_id.0)
    .bind(to_i64(message.seq))
    .bind(&message.id)
    .bind(&message.client_id)
    .bind(author.kind.as_str())
    .bind(&author.id)
    .bind(&author.name)
    .bind(&message.system_kind)
    .bind(&message.text)
    .bind(&message.at)
    .execute(&mut **tx)
    .await?;
    if let Some(change) = change {
        let closed_at = (change.state == ConversationState::Closed).then_some(&new.at);
        sqlx::query(
            "UPDATE conversations SET state = ?, agent_id = ?, \
             affinity_agent = coalesce(?, affinity_agent), closed_at = coalesce(?, closed_at) \
             WHERE id = ?",
        )
        .bind(change.state.as_str())
        .bind(&change.agent)
        .bind(&change.agent)
        .bind(closed_at)
        .bind(&conversation_id.0)
        .execute(&mut **tx)
        .await?;
        conversation.state = change.state;
        if change.agent.is_some() {
            conversation.affinity_agent.clone_from(&change.agent);
        }
        conversation.agent_id = change.agent;
    }
    Ok((conversation, message))
}
