//! The PostgreSQL engine, for a site whose relays share a database server: a pool of readers
//! and one group-committing writer connection per relay (sqlx, runtime-checked queries). Every
//! row a decision reads in a write is locked until the write commits, so decisions taken by
//! several relays at once take turns on the rows they share.

mod agents;
mod ahead;
mod batch;
mod conversations;
mod deferred;
mod messages;
mod peers;
mod presence;
mod timers;

pub(super) use peers::PostgresListener;

use super::writer::Writer;
use super::{AT_CAPACITY, StoreError, StoreOptions};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{ConnectOptions, Connection as _, PgConnection, PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// How long a connection attempt may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL store: its writer and its readers.
#[derive(Clone)]
pub(super) struct PostgresStore {
    pub(super) writer: Writer,
    reader: PgPool,
    /// Sends the notes to the other relays (see `peers.rs`).
    notifier: PgPool,
    /// How to connect again (the listener has a connection of its own); boxed, as it is large.
    connect: Box<PgConnectOptions>,
}

impl std::fmt::Debug for PostgresStore {
    // By hand: the connect options hold the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("writer", &self.writer)
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects, runs the migrations (once, however many relays start together: sqlx's migrator
    /// holds an advisory lock while it runs), and starts the writer.
    pub(super) async fn open(
        database_url: &str,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(database_url)?
            .application_name("tetap-relay")
            // Statements are logged by nobody: they carry customers' text as parameters only,
            // but a slow-statement warning would still print the statement.
            .disable_statement_logging();
        let reader = PgPoolOptions::new()
            .max_connections(options.pool_size.max(1))
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(connect.clone())
            .await?;
        let mut migrator = connect_once(&connect).await?;
        sqlx::migrate!("./migrations/postgres")
            .run_direct(&mut migrator)
            .await?;
        migrator.close().await?;
        let for_writer = connect.clone();
        let writer = Writer::start(move || PostgresWriter::open(for_writer), options.metrics)?;
        // Without this, each note's transaction would wait for a WAL flush of its own, queued
        // behind the writer's; a note lost in a crash is caught up from the tables anyway.
        let notifier = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(
                connect
                    .clone()
                    .application_name("tetap-relay notes")
                    .options([("synchronous_commit", "off")]),
            );
        Ok(Self {
            writer,
            reader,
            notifier,
            connect: Box::new(connect),
        })
    }

    /// Whether the database answers.
    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes the readers.
    pub(super) async fn close(&self) {
        self.reader.close().await;
        self.notifier.close().await;
    }
}

/// The writer thread's connection, driven by the thread's own single-threaded runtime: each
/// statement of a write is one blocking round trip, so a decision stays plain synchronous Rust
/// between its statements, exactly as on SQLite. What a batch reads ahead and defers, and how
/// its transaction stands, is kept here too (see `batch`, `ahead` and `deferred`).
pub(super) struct PostgresWriter {
    runtime: tokio::runtime::Runtime,
    conn: PgConnection,
    connect: PgConnectOptions,
    batch: BatchStep,
    ahead: ahead::Ahead,
    /// How many deferred messages are the earlier writes' (the current write's follow).
    mark: usize,
    /// The current write's savepoint was sent: it ran a statement of its own.
    in_savepoint: bool,
    /// The current write may run again, so its messages may be deferred.
    may_defer: bool,
    /// Whether writes may defer in this batch: not after sending what they deferred failed.
    deferring: bool,
    /// Sending the earlier writes' deferred messages failed during the current write.
    flush_failed: bool,
    /// The transaction holds more than what was read ahead and deferred.
    written: bool,
    /// Savepoints sent in this transaction.
    subtransactions: usize,
}

/// Where the batch's transaction stands. Transaction and savepoint commands go out together
/// with the next one (`BEGIN; SAVEPOINT …`, `RELEASE …; SAVEPOINT …`), so a write costs one
/// round trip for its savepoint, not two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BatchStep {
    /// No transaction yet: the first command begins it.
    NotBegun,
    /// Inside the transaction, nothing due.
    Open,
    /// This savepoint is done with; it is released with the next command.
    Released(&'static str),
}

impl PostgresWriter {
    fn open(connect: PgConnectOptions) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Commit(format!("cannot start the writer's runtime: {e}")))?;
        let conn = runtime.block_on(connect_once(&connect))?;
        Ok(Self {
            runtime,
            conn,
            connect,
            batch: BatchStep::NotBegun,
            ahead: ahead::Ahead::default(),
            mark: 0,
            in_savepoint: false,
            may_defer: false,
            deferring: true,
            flush_failed: false,
            written: false,
            subtransactions: 0,
        })
    }

    /// Runs a statement of a write; how many rows it touched.
    fn execute(&mut self, query: Query<'_, Postgres, PgArguments>) -> Result<u64, StoreError> {
        self.before_statement()?;
        self.raw_execute(query)
    }

    /// Runs a statement of the batch's own (nothing deferred goes first).
    fn raw_execute(&mut self, query: Query<'_, Postgres, PgArguments>) -> Result<u64, StoreError> {
        Ok(self
            .runtime
            .block_on(query.execute(&mut self.conn))?
            .rows_affected())
    }

    /// Runs a query for at most one row.
    fn optional<O>(
        &mut self,
        query: QueryAs<'_, Postgres, O, PgArguments>,
    ) -> Result<Option<O>, StoreError>
    where
        O: Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        self.before_statement()?;
        Ok(self
            .runtime
            .block_on(query.fetch_optional(&mut self.conn))?)
    }

    /// Runs a query of a write for every row.
    fn all<O>(&mut self, query: QueryAs<'_, Postgres, O, PgArguments>) -> Result<Vec<O>, StoreError>
    where
        O: Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        self.before_statement()?;
        self.raw_all(query)
    }

    /// Runs a query of the batch's own for every row (nothing deferred goes first).
    fn raw_all<O>(
        &mut self,
        query: QueryAs<'_, Postgres, O, PgArguments>,
    ) -> Result<Vec<O>, StoreError>
    where
        O: Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        Ok(self.runtime.block_on(query.fetch_all(&mut self.conn))?)
    }

    /// Runs a query for exactly one value.
    fn scalar<O>(
        &mut self,
        query: QueryScalar<'_, Postgres, O, PgArguments>,
    ) -> Result<O, StoreError>
    where
        O: Send + Unpin,
        (O,): for<'r> sqlx::FromRow<'r, PgRow>,
    {
        self.before_statement()?;
        Ok(self.runtime.block_on(query.fetch_one(&mut self.conn))?)
    }

    /// Runs statements without parameters in one round trip.
    fn simple(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.runtime
            .block_on(sqlx::raw_sql(sql).execute(&mut self.conn))
            .map(drop)
    }
}

async fn connect_once(connect: &PgConnectOptions) -> Result<PgConnection, StoreError> {
    tokio::time::timeout(CONNECT_TIMEOUT, connect.connect())
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?
        .map_err(StoreError::from)
}

/// The capacity check's refusal (the trigger's exception, or the agents' CHECK) as its own
/// error, so a decision that raced past its checks is answered `at_capacity`.
fn capacity_refusal(error: StoreError) -> StoreError {
    match &error {
        StoreError::Database(sqlx::Error::Database(database))
            if database.message().contains(AT_CAPACITY)
                || database.constraint() == Some("agents_within_capacity") =>
        {
            StoreError::AtCapacity
        }
        _ => error,
    }
}
