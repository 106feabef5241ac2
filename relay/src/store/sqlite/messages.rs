//! Messages: numbering and committing new ones, finding a resend by its client id, and reading
//! pages by `seq` (keyset pagination, never OFFSET).

use super::super::rows::{MESSAGE_COLUMNS, RawMessage, message_page, stored_message};
use super::super::to_i64;
use super::{SqliteStore, SqliteWriter};
use crate::store::{
    CustomerIdentity, MessageAuthorRow, MessageWrites, NewMessage, Reader, StoreError,
};
use rusqlite::{OptionalExtension, params};
use tetap_shared::{ConversationId, Message};

/// A customer's earlier message by client id, in any conversation of theirs in the workstream;
/// the conversation id follows the message's columns.
const CUSTOMER_MESSAGE_BY_CLIENT_ID: &str = concat!(
    "SELECT ",
    message_columns!("m."),
    ", m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
     WHERE m.client_id = ?1 AND c.issuer = ?2 AND c.subject = ?3 AND c.workstream = ?4 \
     AND m.author_kind = 'customer'"
);
/// A message by client id in one conversation.
const MESSAGE_BY_CLIENT_ID: &str = concat!(
    "SELECT ",
    message_columns!(""),
    " FROM messages WHERE client_id = ?1 AND conversation_id = ?2"
);

impl SqliteStore {
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
        message_page(rows, limit)
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

impl MessageWrites for SqliteWriter {
    /// A message this customer already committed with `client_id`, in any of their conversations
    /// of the workstream (a resend may arrive after the conversation closed).
    fn customer_message_by_client_id(
        &mut self,
        identity: &CustomerIdentity,
        client_id: &str,
    ) -> Result<Option<(ConversationId, Message)>, StoreError> {
        let found = self
            .conn
            .prepare_cached(CUSTOMER_MESSAGE_BY_CLIENT_ID)?
            .query_row(
                params![
                    client_id,
                    identity.issuer,
                    identity.subject,
                    identity.workstream
                ],
                |row| Ok((raw_message(row)?, row.get::<_, String>(9)?)),
            )
            .optional()?;
        found
            .map(|(raw, conversation)| Ok((ConversationId(conversation), raw.try_into()?)))
            .transpose()
    }

    /// The message with `client_id` in this conversation, if committed before.
    fn message_by_client_id(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(MESSAGE_BY_CLIENT_ID)?
            .query_row(params![client_id, conversation.0], raw_message)
            .optional()?;
        raw.map(Message::try_from).transpose()
    }

    /// Appends a message with the conversation's next sequence number.
    fn insert_message(
        &mut self,
        conversation: &ConversationId,
        author: &MessageAuthorRow,
        system_kind: Option<&str>,
        new: &NewMessage,
    ) -> Result<Message, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        // The next `seq` comes from the conversation row, and the trigger of migration 0005
        // moves `last_seq`.
        let seq: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, \
                 author_id, author_name, system_kind, text, at) \
                 SELECT id, last_seq + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM conversations \
                 WHERE id = ?9 RETURNING seq",
            )?
            .query_row(
                params![
                    id,
                    new.client_id,
                    author.kind.as_str(),
                    author.id,
                    author.name,
                    system_kind,
                    new.text,
                    new.at,
                    conversation.0,
                ],
                |row| row.get(0),
            )?;
        stored_message(seq, id, author, system_kind, new)
    }

    /// Marks everything up to `seq` (at most the last message) as read by `reader`.
    fn mark_read(
        &mut self,
        conversation: &ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let sql = match reader {
            Reader::Customer => {
                "UPDATE conversations SET customer_read_seq = \
                 max(customer_read_seq, min(?1, last_seq)) WHERE id = ?2"
            }
            Reader::Agent => {
                "UPDATE conversations SET agent_read_seq = max(agent_read_seq, min(?1, last_seq)) \
                 WHERE id = ?2"
            }
        };
        self.conn
            .prepare_cached(sql)?
            .execute(params![to_i64(seq), conversation.0])?;
        Ok(())
    }
}

/// The writer's row (rusqlite) as the readers' (sqlx) row type, by the index of
/// [`MESSAGE_COLUMNS`].
fn raw_message(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        seq: row.get(0)?,
        id: row.get(1)?,
        client_id: row.get(2)?,
        author_kind: row.get(3)?,
        author_id: row.get(4)?,
        author_name: row.get(5)?,
        system_kind: row.get(6)?,
        text: row.get(7)?,
        at: row.get(8)?,
    })
}
