//! What relays sharing one PostgreSQL database tell each other: notifications (ids only, sent
//! after the write committed, never inside it) on one channel, one listening connection per
//! relay, and the reads that find what a notification pointed at.

use super::super::rows::{CONVERSATION_COLUMNS, RawConversation, RawMessage};
use super::super::to_i64;
use super::PostgresStore;
use crate::store::{ConversationRow, CustomerIdentity, StoreError};
use sqlx::postgres::{PgListener, PgPoolOptions};
use tetap_shared::{ConversationId, Message};

/// The channel every relay of a database listens on.
const CHANNEL: &str = "tetap_relays";

/// A message with the conversation it belongs to.
#[derive(sqlx::FromRow)]
struct RawPeerMessage {
    conversation_id: String,
    #[sqlx(flatten)]
    message: RawMessage,
}

/// This relay's listening connection.
pub(in crate::store) struct PostgresListener(PgListener);

impl PostgresListener {
    /// The next notification's payload; `None` when the connection was lost (and made again):
    /// whatever was sent meanwhile was not heard.
    pub(in crate::store) async fn next(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .try_recv()
            .await?
            .map(|notification| notification.payload().to_owned()))
    }

    /// A notification already received, without waiting.
    pub(in crate::store) fn buffered(&mut self) -> Option<String> {
        self.0
            .next_buffered()
            .map(|notification| notification.payload().to_owned())
    }
}

impl PostgresStore {
    /// Sends each payload to every relay listening (this one included), in order.
    pub(in crate::store) async fn notify(&self, payloads: &[String]) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::TEXT[]) AS payload")
            .bind(CHANNEL)
            .bind(payloads)
            .execute(&self.notifier)
            .await?;
        Ok(())
    }

    /// Starts listening on a connection of its own, outside the readers' pool, so that a busy
    /// pool never holds up notifications and the listener never takes a reader's place.
    pub(in crate::store) async fn listen(&self) -> Result<PostgresListener, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(super::CONNECT_TIMEOUT)
            .connect_lazy_with(
                self.connect
                    .clone()
                    .application_name("tetap-relay listener"),
            );
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(PostgresListener(listener))
    }

    /// The conversations of `ids` that exist.
    pub(in crate::store) async fn conversations(
        &self,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(|id| id.0.as_str()).collect();
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ANY($1)");
        let rows: Vec<RawConversation> = sqlx::query_as(&sql)
            .bind(&ids)
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(ConversationRow::try_from).collect()
    }

    /// The current (not closed) conversations of `identities`.
    pub(in crate::store) async fn current_conversations(
        &self,
        identities: &[CustomerIdentity],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let column = |pick: fn(&CustomerIdentity) -> &str| -> Vec<&str> {
            identities.iter().map(pick).collect()
        };
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations \
             WHERE state <> 'closed' AND (issuer, subject, workstream) IN \
             (SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]))"
        );
        let rows: Vec<RawConversation> = sqlx::query_as(&sql)
            .bind(column(|identity| &identity.issuer))
            .bind(column(|identity| &identity.subject))
            .bind(column(|identity| &identity.workstream))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(ConversationRow::try_from).collect()
    }

    /// Each conversation's messages after its own `seq`, ascending, at most `limit` each.
    pub(in crate::store) async fn messages_after_each(
        &self,
        after: &[(ConversationId, u64)],
        limit: u32,
    ) -> Result<Vec<(ConversationId, Message)>, StoreError> {
        let ids: Vec<&str> = after.iter().map(|(id, _)| id.0.as_str()).collect();
        let seqs: Vec<i64> = after.iter().map(|(_, seq)| to_i64(*seq)).collect();
        let sql = format!(
            "SELECT m.conversation_id, {} FROM unnest($1::TEXT[], $2::BIGINT[]) AS wanted(id, after) \
             CROSS JOIN LATERAL (SELECT * FROM messages WHERE conversation_id = wanted.id \
             AND seq > wanted.after ORDER BY seq LIMIT $3) AS m \
             ORDER BY m.conversation_id, m.seq",
            message_columns!("m.")
        );
        let rows: Vec<RawPeerMessage> = sqlx::query_as(&sql)
            .bind(&ids)
            .bind(&seqs)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter()
            .map(|raw| {
                Message::try_from(raw.message).map(|m| (ConversationId(raw.conversation_id), m))
            })
            .collect()
    }
}
