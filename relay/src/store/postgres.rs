//! The PostgreSQL engine, for a site whose relays share a database server: a pool of readers
//! and one group-committing writer connection per relay (sqlx, runtime-checked queries). Every
//! row a decision reads in a write is locked until the write commits, so decisions taken by
//! several relays at once take turns on the rows they share.

mod agents;
mod conversations;
mod messages;
mod peers;
mod presence;
mod timers;

pub(super) use peers::PostgresListener;

use super::writer::{WriteConnection, Writer};
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
        Ok(Self {
            writer,
            reader,
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
    }
}

/// The writer thread's connection, driven by the thread's own single-threaded runtime: each
/// statement of a write is one blocking round trip, so a decision stays plain synchronous Rust
/// between its statements, exactly as on SQLite.
pub(super) struct PostgresWriter {
    runtime: tokio::runtime::Runtime,
    conn: PgConnection,
    connect: PgConnectOptions,
    batch: BatchStep,
}

/// Where the batch's transaction stands. Transaction and savepoint commands go out together
/// with the next one (`BEGIN; SAVEPOINT …`, `RELEASE …; SAVEPOINT …`), so a write costs one
/// round trip for its savepoint, not two: each round trip is time the writer's batch holds its
/// row locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BatchStep {
    /// No transaction yet: the first savepoint begins it.
    NotBegun,
    /// Inside the transaction, no savepoint open.
    Open,
    /// The last write succeeded; its savepoint is released with the next one's opening.
    Released,
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
        })
    }

    /// Runs a statement; how many rows it touched.
    fn execute(&mut self, query: Query<'_, Postgres, PgArguments>) -> Result<u64, StoreError> {
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
        Ok(self
            .runtime
            .block_on(query.fetch_optional(&mut self.conn))?)
    }

    /// Runs a query for every row.
    fn all<O>(&mut self, query: QueryAs<'_, Postgres, O, PgArguments>) -> Result<Vec<O>, StoreError>
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
        Ok(self.runtime.block_on(query.fetch_one(&mut self.conn))?)
    }

    /// Runs statements without parameters in one round trip.
    fn simple(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
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

impl WriteConnection for PostgresWriter {
    /// Each write is a subtransaction; beyond 64 in one transaction PostgreSQL's per-backend
    /// cache overflows and every other session's snapshot checks slow down.
    const MAX_BATCH: usize = 64;

    fn begin(&mut self) -> Result<(), StoreError> {
        self.batch = BatchStep::NotBegun;
        Ok(())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        match self.batch {
            BatchStep::NotBegun => {
                if self.simple("BEGIN; SAVEPOINT write").is_err() {
                    // The server restarted or the connection broke while idle: nothing of this
                    // batch was sent yet, so connect again, once, and begin there.
                    let fresh = self.runtime.block_on(connect_once(&self.connect))?;
                    let stale = std::mem::replace(&mut self.conn, fresh);
                    drop(self.runtime.block_on(stale.close()));
                    self.simple("BEGIN; SAVEPOINT write")?;
                }
            }
            BatchStep::Open => self.simple("SAVEPOINT write")?,
            BatchStep::Released => self.simple("RELEASE SAVEPOINT write; SAVEPOINT write")?,
        }
        self.batch = BatchStep::Open;
        Ok(())
    }

    fn release(&mut self) -> Result<(), StoreError> {
        // Released with the next write's savepoint, or by the commit.
        self.batch = BatchStep::Released;
        Ok(())
    }

    fn roll_back_write(&mut self) {
        let _ = self.simple("ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write");
        self.batch = BatchStep::Open;
    }

    fn commit(&mut self) -> Result<(), String> {
        self.batch = BatchStep::NotBegun;
        self.simple("COMMIT").map_err(|error| {
            let _ = self.simple("ROLLBACK");
            error.to_string()
        })
    }
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
