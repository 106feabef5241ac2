//! Messages: numbering and committing new ones, finding a resend by its client id, and reading
//! pages by `seq` (keyset pagination, never OFFSET).

use super::{CustomerIdentity, Store, StoreError, StoreTx, to_i64, to_u64};
use sqlx::FromRow;
use tetap_shared::{AuthorKind, ConversationId, Message, MessageAuthor};

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

#[derive(FromRow)]
struct RawMessage {
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

const MESSAGE_COLUMNS: &str =
    "seq, id, client_id, author_kind, author_id, author_name, system_kind, text, at";

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
    /// The newest `limit` messages below `before` (or the newest overall), ascending by `seq`, and
    /// whether older ones exist.
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

impl StoreTx {
    /// A message this customer already committed with `client_id`, in any of their conversations
    /// of the workstream (a resend may arrive after the conversation closed).
    pub async fn customer_message_by_client_id(
        &mut self,
        identity: &CustomerIdentity,
        client_id: &str,
    ) -> Result<Option<(ConversationId, Message)>, StoreError> {
        let columns = MESSAGE_COLUMNS
            .split(", ")
            .map(|c| format!("m.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, m.conversation_id FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.client_id = ? AND c.issuer = ? AND c.subject = ? AND c.workstream = ? \
             AND m.author_kind = 'customer'"
        );
        let found = sqlx::query_as::<_, RawMessageIn>(&sql)
            .bind(client_id)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.workstream)
            .fetch_optional(self.conn())
            .await?;
        found
            .map(|raw| Ok((ConversationId(raw.conversation_id), raw.message.try_into()?)))
            .transpose()
    }

    /// The message with `client_id` in this conversation, if committed before.
    pub async fn message_by_client_id(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ? AND conversation_id = ?"
        );
        let raw: Option<RawMessage> = sqlx::query_as(&sql)
            .bind(client_id)
            .bind(&conversation.0)
            .fetch_optional(self.conn())
            .await?;
        raw.map(Message::try_from).transpose()
    }

    /// Appends a message with the conversation's next sequence number.
    pub async fn insert_message(
        &mut self,
        conversation: &ConversationId,
        author: &MessageAuthorRow,
        system_kind: Option<&str>,
        new: &NewMessage,
    ) -> Result<Message, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        // One statement: the next `seq` comes from the conversation row, and the trigger of
        // migration 0005 moves `last_seq` (each statement is a round trip to SQLite's thread).
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
             author_name, system_kind, text, at) \
             SELECT id, last_seq + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM conversations WHERE id = ? \
             RETURNING seq",
        )
        .bind(&id)
        .bind(&new.client_id)
        .bind(author.kind.as_str())
        .bind(&author.id)
        .bind(&author.name)
        .bind(system_kind)
        .bind(&new.text)
        .bind(&new.at)
        .bind(&conversation.0)
        .fetch_one(self.conn())
        .await?;
        let message = Message {
            seq: to_u64(seq, "seq")?,
            id,
            client_id: new.client_id.clone(),
            author: MessageAuthor {
                kind: author.kind,
                id: author.id.clone(),
                name: author.name.clone(),
            },
            system_kind: system_kind.map(str::to_owned),
            text: new.text.clone(),
            at: new.at.clone(),
        };
        Ok(message)
    }

    /// Marks everything up to `seq` (at most the last message) as read by `reader`.
    pub async fn mark_read(
        &mut self,
        conversation: &ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let sql = match reader {
            Reader::Customer => {
                "UPDATE conversations SET customer_read_seq = \
                 max(customer_read_seq, min(?, last_seq)) WHERE id = ?"
            }
            Reader::Agent => {
                "UPDATE conversations SET agent_read_seq = max(agent_read_seq, min(?, last_seq)) \
                 WHERE id = ?"
            }
        };
        sqlx::query(sql)
            .bind(to_i64(seq))
            .bind(&conversation.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// Which side's read mark moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Customer,
    Agent,
}

#[derive(FromRow)]
struct RawMessageIn {
    #[sqlx(flatten)]
    message: RawMessage,
    conversation_id: String,
}
