//! The store as several relays share it: notifications between them (PostgreSQL's
//! `LISTEN`/`NOTIFY`; a SQLite file has one relay, which tells nobody) and the batched reads a
//! relay catches up with.

use super::postgres::PostgresListener;
use super::{ConversationRow, CustomerIdentity, Engine, Store, StoreError};
use tetap_shared::{ConversationId, Message};

/// This relay's connection listening to the other relays of its database.
pub struct Listener(PostgresListener);

impl Listener {
    /// The next notification; `None` when the connection was lost and made again, so whatever
    /// was sent meanwhile was not heard.
    pub async fn next(&mut self) -> Result<Option<String>, StoreError> {
        self.0.next().await
    }

    /// A notification already received, without waiting.
    pub fn buffered(&mut self) -> Option<String> {
        self.0.buffered()
    }
}

impl Store {
    /// Whether other relays may share this database and must hear of its commits.
    pub fn is_shared(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// Sends each payload, in order, to every relay listening on this database.
    pub async fn notify(&self, payloads: &[String]) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(()),
            Engine::Postgres(db) => db.notify(payloads).await,
        }
    }

    /// Starts listening to the other relays; `None` where there are none (SQLite).
    pub async fn listen(&self) -> Result<Option<Listener>, StoreError> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(None),
            Engine::Postgres(db) => Ok(Some(Listener(db.listen().await?))),
        }
    }

    /// The conversations of `ids` that exist, in no particular order.
    pub async fn conversations(
        &self,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    rows.extend(db.conversation(id).await?);
                }
                Ok(rows)
            }
            Engine::Postgres(db) => db.conversations(ids).await,
        }
    }

    /// The current (not closed) conversations of `identities`.
    pub async fn current_conversations(
        &self,
        identities: &[CustomerIdentity],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let mut rows = Vec::new();
                for identity in identities {
                    rows.extend(db.current_conversation(identity).await?);
                }
                Ok(rows)
            }
            Engine::Postgres(db) => db.current_conversations(identities).await,
        }
    }

    /// Each conversation's messages after its `seq`, ascending, at most `limit` of each.
    pub async fn messages_after_each(
        &self,
        after: &[(ConversationId, u64)],
        limit: u32,
    ) -> Result<Vec<(ConversationId, Message)>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let mut messages = Vec::new();
                for (id, seq) in after {
                    let page = db.messages_after(id, *seq, limit).await?;
                    messages.extend(page.into_iter().map(|m| (id.clone(), m)));
                }
                Ok(messages)
            }
            Engine::Postgres(db) => db.messages_after_each(after, limit).await,
        }
    }
}
