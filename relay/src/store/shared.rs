//! The store as several relays share it: notifications between them (PostgreSQL's
//! `LISTEN`/`NOTIFY`) and the batched reads a relay catches up with. A SQLite file has one
//! relay, which tells nobody: there is no such handle on it.

use super::postgres::{PostgresListener, PostgresStore};
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

/// The store of a database other relays may share.
#[derive(Clone, Copy)]
pub struct Shared<'a>(&'a PostgresStore);

impl Store {
    /// The store as relays sharing it see it; `None` where no other relay can (SQLite).
    pub fn shared(&self) -> Option<Shared<'_>> {
        match &self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(db) => Some(Shared(db)),
        }
    }

    /// Whether other relays may share this database and must hear of its commits.
    pub fn is_shared(&self) -> bool {
        self.shared().is_some()
    }
}

impl Shared<'_> {
    /// Sends each payload, in order, to every relay listening on this database.
    pub async fn notify(&self, payloads: &[String]) -> Result<(), StoreError> {
        self.0.notify(payloads).await
    }

    /// Starts listening to the other relays.
    pub async fn listen(&self) -> Result<Listener, StoreError> {
        Ok(Listener(self.0.listen().await?))
    }

    /// The conversations of `ids` that exist, in no particular order.
    pub async fn conversations(
        &self,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.0.conversations(ids).await
    }

    /// The current (not closed) conversations of `identities`.
    pub async fn current_conversations(
        &self,
        identities: &[CustomerIdentity],
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.0.current_conversations(identities).await
    }

    /// Each conversation's messages after its `seq`, ascending, at most `limit` of each.
    pub async fn messages_after_each(
        &self,
        after: &[(ConversationId, u64)],
        limit: u32,
    ) -> Result<Vec<(ConversationId, Message)>, StoreError> {
        self.0.messages_after_each(after, limit).await
    }
}
