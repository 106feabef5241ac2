//! Messages on PostgreSQL: numbering and committing new ones, finding a resend by its client id,
//! and reading pages by `seq` (keyset pagination, never OFFSET). A write that may run again
//! numbers its messages into a conversation read ahead without a round trip (`ahead`), and
//! they are sent with the batch's others (`deferred`).

use super::super::rows::{MESSAGE_COLUMNS, RawMessage, message_page, stored_message};
use super::super::to_i64;
use super::{PostgresStore, PostgresWriter};
use crate::store::{
    CustomerIdentity, MessageAuthorRow, MessageWrites, NewMessage, Reader, StoreError,
};
use sqlx::FromRow;
use tetap_shared::{ConversationId, Message};

/// A customer's earlier message by client id, in any conversation of theirs in the workstream.
const CUSTOMER_MESSAGE_BY_CLIENT_ID: &str = concat!(
    "SELECT ",
    message_columns!("m."),
    ", m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
     WHERE m.client_id = $1 AND c.issuer = $2 AND c.subject = $3 AND c.workstream = $4 \
     AND m.author_kind = 'customer'"
);
const MESSAGE_BY_CLIENT_ID: &str = concat!(
    "SELECT ",
    message_columns!(""),
    " FROM messages WHERE client_id = $1 AND conversation_id = $2"
);
/// Takes the conversation's next `seq` and stores the message with it, in one statement: the
/// `UPDATE` locks the conversation's row until the write commits, so a conversation's messages
/// commit in `seq` order, and a write that rolls back gives its number back.
const INSERT: &str = "WITH next AS (\
         UPDATE conversations SET last_seq = last_seq + 1, updated_at = $8 \
         WHERE id = $9 RETURNING id, last_seq) \
     INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
         author_name, system_kind, text, at) \
     SELECT next.id, next.last_seq, $1, $2, $3, $4, $5, $6, $7, $8 FROM next RETURNING seq";

/// A message row followed by its conversation's id.
#[derive(FromRow)]
struct RawMessageIn {
    #[sqlx(flatten)]
    message: RawMessage,
    conversation_id: String,
}

impl PostgresStore {
    pub(in crate::store) async fn messages_before(
        &self,
        conversation: &ConversationId,
        before: Option<u64>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2 \
             ORDER BY seq DESC LIMIT $3"
        );
        let rows: Vec<RawMessage> = sqlx::query_as(&sql)
            .bind(&conversation.0)
            .bind(before.map_or(i64::MAX, to_i64))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        message_page(rows, limit)
    }

    pub(in crate::store) async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3"
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

impl MessageWrites for PostgresWriter {
    fn customer_message_by_client_id(
        &mut self,
        identity: &CustomerIdentity,
        client_id: &str,
    ) -> Result<Option<(ConversationId, Message)>, StoreError> {
        if let Some(found) = self.ahead.customer_message(identity, client_id) {
            return Ok(found);
        }
        let found = self.optional(
            sqlx::query_as::<_, RawMessageIn>(CUSTOMER_MESSAGE_BY_CLIENT_ID)
                .bind(client_id)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&identity.workstream),
        )?;
        found
            .map(|raw| Ok((ConversationId(raw.conversation_id), raw.message.try_into()?)))
            .transpose()
    }

    fn message_by_client_id(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        let raw = self.optional(
            sqlx::query_as::<_, RawMessage>(MESSAGE_BY_CLIENT_ID)
                .bind(client_id)
                .bind(&conversation.0),
        )?;
        raw.map(Message::try_from).transpose()
    }

    fn insert_message(
        &mut self,
        conversation: &ConversationId,
        author: &MessageAuthorRow,
        system_kind: Option<&str>,
        new: &NewMessage,
    ) -> Result<Message, StoreError> {
        if self.may_defer
            && !self.in_savepoint
            && let Some(deferred) = self.ahead.defer(conversation, author, system_kind, new)
        {
            return deferred;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let seq: i64 = self.scalar(
            sqlx::query_scalar(INSERT)
                .bind(&id)
                .bind(&new.client_id)
                .bind(author.kind.as_str())
                .bind(&author.id)
                .bind(&author.name)
                .bind(system_kind)
                .bind(&new.text)
                .bind(&new.at)
                .bind(&conversation.0),
        )?;
        stored_message(seq, id, author, system_kind, new)
    }

    fn mark_read(
        &mut self,
        conversation: &ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let sql = match reader {
            Reader::Customer => {
                "UPDATE conversations SET customer_read_seq = \
                 greatest(customer_read_seq, least($1, last_seq)) WHERE id = $2"
            }
            Reader::Agent => {
                "UPDATE conversations SET agent_read_seq = \
                 greatest(agent_read_seq, least($1, last_seq)) WHERE id = $2"
            }
        };
        self.execute(sqlx::query(sql).bind(to_i64(seq)).bind(&conversation.0))?;
        Ok(())
    }
}
