//! The durable store: one interface, two engines. SQLite (one file, the embedded default for one
//! machine) or PostgreSQL (a database server several relays can share), picked by the URL's
//! scheme. Both commit every write through one group-committing writer (`writer`), so a message
//! is durable before anyone is told about it and concurrent writes share one WAL flush; both
//! run the same decisions ([`StoreTx`]) inside the transaction that commits them.

#[macro_use]
mod rows;
mod interface;
mod postgres;
mod shared;
mod sqlite;
mod writer;

pub use interface::{
    AgentWrites, ConversationWrites, Lookahead, MessageWrites, PresenceWrites, SecretWrites,
    StoreTx, StoreWrites, TimerWrites,
};
pub use rows::{
    ConversationRow, CustomerIdentity, DueTimer, MessageAuthorRow, NewConversation, NewMessage,
    Reader, SavedState,
};
pub use shared::{Listener, Shared};

use postgres::PostgresStore;
use sqlite::SqliteStore;
use tetap_shared::frames::EarlierConversation;
use tetap_shared::{ConversationId, Message};
use writer::Writer;

/// What went wrong in the store. Never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (expected sqlite:… or postgres://…)")]
    UnsupportedUrl,
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("commit failed: {0}")]
    Commit(String),
    /// The database refused an assignment beyond the agent's capacity (R10).
    #[error("the agent is at capacity")]
    AtCapacity,
}

/// What both engines' capacity checks raise (R10), recognised in their errors.
const AT_CAPACITY: &str = "tetap: agent at capacity";

/// How many recent waits a wait-time estimate averages.
const RECENT_WAITS: i64 = 20;

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    Sqlite,
    Postgres,
}

impl EngineKind {
    /// The engine of `database_url`, from its scheme.
    pub fn of(database_url: &str) -> Result<Self, StoreError> {
        if database_url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// The engine's name, as logs and metrics say it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How the store connects, beyond its URL.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Readers' connections to a database server (PostgreSQL); the writer has its own.
    pub pool_size: u32,
    /// Counts the writer's commits.
    pub metrics: crate::metrics::Metrics,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            metrics: crate::metrics::Metrics::new(),
        }
    }
}

#[derive(Clone, Debug)]
enum Engine {
    Sqlite(SqliteStore),
    /// Boxed: its connect options make it ten times SQLite's size.
    Postgres(Box<PostgresStore>),
}

/// Runs `$body` with `$db` bound to the engine's store, whichever it is.
macro_rules! on_engine {
    ($self:ident, $db:ident => $body:expr) => {
        match &$self.engine {
            Engine::Sqlite($db) => $body,
            Engine::Postgres($db) => $body,
        }
    };
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
    writer: Writer,
}

impl Store {
    /// Opens (creating if needed) the database and runs the migrations; its commits are counted
    /// in metrics nobody scrapes (tools and tests that need only the store).
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        Self::open_with(database_url, StoreOptions::default()).await
    }

    /// Like [`Store::open`], with the pool size and metrics given.
    pub async fn open_with(database_url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        match EngineKind::of(database_url)? {
            EngineKind::Sqlite => {
                let db = SqliteStore::open(database_url, options.metrics).await?;
                Ok(Self {
                    writer: db.writer.clone(),
                    engine: Engine::Sqlite(db),
                })
            }
            EngineKind::Postgres => {
                let db = PostgresStore::open(database_url, options).await?;
                Ok(Self {
                    writer: db.writer.clone(),
                    engine: Engine::Postgres(Box::new(db)),
                })
            }
        }
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> EngineKind {
        match self.engine {
            Engine::Sqlite(_) => EngineKind::Sqlite,
            Engine::Postgres(_) => EngineKind::Postgres,
        }
    }

    /// Runs `work` as one write transaction on the writer thread and returns its result once it
    /// is durable. What `work` reads stays true until it commits (the writer is alone on SQLite;
    /// rows read in a write are locked on PostgreSQL); an `Err` from `work` undoes what it
    /// wrote. The write is queued when this is called, not when the future is first polled,
    /// and runs to its end even when the caller stops waiting (a resend then finds it by its
    /// client id).
    pub fn write<T, E, W>(&self, work: W) -> impl Future<Output = Result<T, E>> + use<T, E, W>
    where
        W: FnOnce(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.write(work)
    }

    /// Like [`Store::write`], for a write that may run more than once: only its last run is
    /// kept, every other undone. The engine may then defer its effects and send them with the
    /// rest of its batch's in one statement (PostgreSQL), and read `lookahead` ahead for all of
    /// the batch's writes at once; should the deferred statement fail, the writes it held run
    /// again one by one. So `work` must decide from what it reads in `tx` alone.
    pub fn write_again<T, E, W>(
        &self,
        lookahead: Option<Lookahead>,
        work: W,
    ) -> impl Future<Output = Result<T, E>> + use<T, E, W>
    where
        W: FnMut(&mut StoreTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.writer.write_again(lookahead, work)
    }

    /// Whether the database answers (`/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_engine!(self, db => db.ping().await)
    }

    /// `(commits, writes)` since start: how well group commit batches.
    pub fn commit_counts(&self) -> (u64, u64) {
        self.writer.counts()
    }

    /// Writes committed since start whose effects went to the database together with the rest
    /// of their batch's, in one statement.
    pub fn deferred_writes(&self) -> u64 {
        self.writer.deferred_count()
    }

    /// Waits for in-flight writes, then closes the readers.
    pub async fn close(&self) {
        self.writer.flush().await;
        on_engine!(self, db => db.close().await);
    }

    /// Moves `reader`'s read mark in one short transaction.
    pub async fn mark_read(
        &self,
        conversation: &ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError> {
        let conversation = conversation.clone();
        self.write(move |tx| tx.mark_read(&conversation, reader, seq))
            .await
    }

    /// Stores each configured agent's capacity, which the store's capacity check reads (R10).
    pub async fn record_capacities(&self, agents: Vec<(String, u32)>) -> Result<(), StoreError> {
        self.write(move |tx| tx.record_capacities(&agents)).await
    }

    /// Records a session by the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        agent_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let [token_hash, agent_id, created_at, expires_at] =
            [token_hash, agent_id, created_at, expires_at].map(str::to_owned);
        self.write(move |tx| tx.create_session(&token_hash, &agent_id, &created_at, &expires_at))
            .await
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| tx.delete_session(&token_hash)).await
    }

    /// The secret called `name`: the stored one, or `fresh`, stored now, if there is none yet.
    pub async fn relay_secret(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (name, fresh) = (name.to_owned(), fresh.to_vec());
        self.write(move |tx| tx.relay_secret(&name, &fresh)).await
    }

    /// The customer's conversation that is not closed, if any (there is at most one, R2).
    pub async fn current_conversation(
        &self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError> {
        on_engine!(self, db => db.current_conversation(identity).await)
    }

    /// One conversation by id.
    pub async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        on_engine!(self, db => db.conversation(id).await)
    }

    /// The agent's stored presence: `offline` until they first go online.
    pub async fn presence(&self, agent_id: &str) -> Result<String, StoreError> {
        on_engine!(self, db => db.presence(agent_id).await)
    }

    /// How many conversations use the agent's capacity (`active` ones).
    pub async fn agent_load(&self, agent_id: &str) -> Result<u32, StoreError> {
        on_engine!(self, db => db.agent_load(agent_id).await)
    }

    /// The agent signed in with this token hash, if the session has not expired at `now`.
    pub async fn session_agent(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        on_engine!(self, db => db.session_agent(token_hash, now).await)
    }

    /// The customer's closed conversations older than `before` (the newest ones without it), at
    /// most `limit`, oldest first, and whether older ones exist than those. A `before` that is
    /// not the customer's gives an empty page.
    pub async fn earlier_conversations(
        &self,
        identity: &CustomerIdentity,
        before: Option<&ConversationId>,
        limit: u32,
    ) -> Result<(Vec<EarlierConversation>, bool), StoreError> {
        on_engine!(self, db => db.earlier_conversations(identity, before, limit).await)
    }

    /// The newest `limit` messages below `before` (or the newest overall), ascending by `seq`,
    /// and whether older ones exist.
    pub async fn messages_before(
        &self,
        conversation: &ConversationId,
        before: Option<u64>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        on_engine!(self, db => db.messages_before(conversation, before, limit).await)
    }

    /// Up to `limit` messages after `after`, ascending: what a reconnecting client missed.
    pub async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        on_engine!(self, db => db.messages_after(conversation, after, limit).await)
    }

    /// The timer that comes due first, if any.
    pub async fn next_timer(&self) -> Result<Option<DueTimer>, StoreError> {
        on_engine!(self, db => db.next_timer().await)
    }

    /// The most recent queue waits of a workstream, in seconds.
    pub async fn recent_waits(&self, workstream: &str) -> Result<Vec<u64>, StoreError> {
        on_engine!(self, db => db.recent_waits(workstream).await)
    }

    /// An agent's work list: their own `active` and `waiting` conversations and the `open`
    /// ones of their workstreams; or, with `closed`, the closed ones they had or that were in
    /// their workstreams.
    pub async fn agent_conversations(
        &self,
        agent_id: &str,
        workstreams: &[String],
        closed: bool,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        on_engine!(self, db => db.agent_conversations(agent_id, workstreams, closed).await)
    }

    /// The queue: every `open` conversation, oldest first (R10 FIFO; creation order breaks
    /// ties between conversations queued in the same millisecond).
    pub async fn queue(&self) -> Result<Vec<ConversationRow>, StoreError> {
        on_engine!(self, db => db.queue().await)
    }

    /// The agent's waiting conversations whose customer came back and that nobody picked up
    /// yet (R7), oldest return first.
    pub async fn returned_conversations(
        &self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        on_engine!(self, db => db.returned_conversations(agent_id).await)
    }

    /// The 1-based place of an `open` conversation in its workstream's queue.
    pub async fn queue_position(&self, row: &ConversationRow) -> Result<u64, StoreError> {
        on_engine!(self, db => db.queue_position(row).await)
    }
}

fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
