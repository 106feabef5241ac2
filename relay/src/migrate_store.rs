//! `tetap-relay migrate-store --from sqlite://… --to postgres://…`: moves a whole store from
//! SQLite to PostgreSQL, in batches (one transaction each, keyset-paged reads), resumable after
//! an interruption (`--resume`), and verified at the end (row counts per table, and every
//! conversation's `last_seq` and highest message `seq`). Every relay must be stopped first: a
//! relay still writing to the source would make the copy incomplete, and one is refused while
//! its lease runs.
//!
//! Both databases are first opened with [`Store::open`], so each runs its migrations exactly as
//! a relay would (the source catches up to this relay's schema, the target gets its tables);
//! the copy itself then uses one plain connection to each.

mod copy;
mod guard;
mod scrub;
mod tables;
mod verify;

use crate::config::DatabaseUrl;
use crate::store::{EngineKind, Store};
use scrub::Scrubber;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, PgConnection, SqliteConnection};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How long connecting to the target may take before it counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to move, and how: the arguments of `tetap-relay migrate-store`.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The store to copy: `sqlite://path/to/tetap.db`.
    #[arg(long, value_name = "URL")]
    pub from: DatabaseUrl,
    /// The PostgreSQL database to copy into, `postgres://user:password@host/db`; it must hold no
    /// conversations or messages yet. Its password is never printed.
    #[arg(long, value_name = "URL")]
    pub to: DatabaseUrl,
    /// Continues a move that was interrupted: rows already copied are kept, none twice.
    #[arg(long)]
    pub resume: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 1000, value_name = "N", hide = true)]
    pub batch_rows: u32,
    /// For tests: stops after copying N rows, as an interruption would.
    #[arg(long, value_name = "N", hide = true)]
    pub stop_after_rows: Option<u64>,
}

/// Why a move failed or was refused. URLs in it are redacted and passwords masked.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "migrate-store copies a SQLite store into PostgreSQL: --from must be a sqlite:… URL and \
         --to a postgres://… URL (got --from {from} --to {to})"
    )]
    Unsupported { from: String, to: String },
    #[error("the source {url} does not exist")]
    NoSource { url: String },
    #[error(
        "a relay is still running on the source (its lease runs until {until}): stop every relay \
         before moving its store"
    )]
    RelayRunning { until: String },
    #[error("cannot open the {which} {url}: {reason}")]
    Open {
        which: &'static str,
        url: String,
        reason: String,
    },
    #[error(
        "the target {url} already holds {holds}: run again with --resume to continue an \
         interrupted move into it, or give an empty database"
    )]
    NotEmpty { url: String, holds: String },
    #[error("another migrate-store is moving into {url}")]
    Busy { url: String },
    #[error("{during}: {reason}")]
    Database { during: String, reason: String },
    #[error(
        "stopped after copying {rows} rows (--stop-after-rows); run again with --resume to finish"
    )]
    Stopped { rows: u64 },
    #[error("the copy differs from the source: {}", .problems.join("; "))]
    Mismatch { problems: Vec<String> },
}

impl MigrateError {
    /// A database error while doing `during`.
    fn database(during: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Self {
        let during = during.into();
        move |error| Self::Database {
            during,
            reason: error.to_string(),
        }
    }

    /// The same error with any password of the move's URLs masked in the texts it quotes.
    fn scrubbed(self, scrub: &Scrubber) -> Self {
        match self {
            Self::Open { which, url, reason } => Self::Open {
                which,
                url,
                reason: scrub.scrub(&reason),
            },
            Self::Database { during, reason } => Self::Database {
                during: scrub.scrub(&during),
                reason: scrub.scrub(&reason),
            },
            Self::Mismatch { problems } => Self::Mismatch {
                problems: problems.iter().map(|p| scrub.scrub(p)).collect(),
            },
            other => other,
        }
    }
}

/// One table of a finished move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSummary {
    pub name: &'static str,
    /// Rows in the table, the same in the source and the target.
    pub rows: u64,
    /// Of those, how many this run copied (fewer when it resumed).
    pub copied: u64,
}

/// What a finished, verified move did; prints as the command's report.
#[derive(Clone, Debug)]
pub struct Summary {
    pub from: String,
    pub to: String,
    pub tables: Vec<TableSummary>,
    /// Conversations whose `last_seq` and highest message `seq` were compared.
    pub conversations: u64,
    pub elapsed: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "moved {} to {}", self.from, self.to)?;
        for table in &self.tables {
            writeln!(
                f,
                "  {:<16}{:>10} rows ({} copied by this run)",
                table.name, table.rows, table.copied
            )?;
        }
        let rows: u64 = self.tables.iter().map(|t| t.rows).sum();
        writeln!(
            f,
            "verified: {} tables, {rows} rows, the same counts on both sides; last seq and \
             highest message seq equal in all {} conversations; {:.1} s",
            self.tables.len(),
            self.conversations,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Moves the store `options.from` into `options.to` and verifies the copy; `progress` hears a
/// line as each table is done (the command prints them as it goes).
pub async fn run(options: &Options, progress: impl FnMut(&str)) -> Result<Summary, MigrateError> {
    let scrub = Scrubber::new(&[&options.from, &options.to]);
    move_store(options, progress)
        .await
        .map_err(|error| error.scrubbed(&scrub))
}

async fn move_store(
    options: &Options,
    mut progress: impl FnMut(&str),
) -> Result<Summary, MigrateError> {
    let started = Instant::now();
    let (from, to) = (options.from.redacted(), options.to.redacted());
    if EngineKind::of(&options.from).ok() != Some(EngineKind::Sqlite)
        || EngineKind::of(&options.to).ok() != Some(EngineKind::Postgres)
    {
        return Err(MigrateError::Unsupported { from, to });
    }
    let mut source = open_source(&options.from).await?;
    let mut target = open_target(&options.to).await?;
    guard::prepare(&mut target, &to, options.resume).await?;
    let mut budget = copy::Budget::new(options.stop_after_rows);
    let mut copied = Vec::new();
    for table in tables::ALL {
        let rows = table
            .copy(
                &mut source,
                &mut target,
                options.batch_rows,
                &mut budget,
                &mut progress,
            )
            .await?;
        progress(&format!("{}: {rows} rows copied", table.name()));
        copied.push((table.name(), rows));
    }
    guard::restore_capacities(&mut source, &mut target, options.batch_rows).await?;
    let verified = verify::verify(&mut source, &mut target, options.batch_rows).await?;
    let tables = verified
        .counts
        .into_iter()
        .map(|(name, rows)| TableSummary {
            name,
            rows,
            copied: copied
                .iter()
                .find(|(copied, _)| *copied == name)
                .map_or(0, |(_, rows)| *rows),
        })
        .collect();
    Ok(Summary {
        from,
        to,
        tables,
        conversations: verified.conversations,
        elapsed: started.elapsed(),
    })
}

/// Opens the source: it must exist (opening a store creates a missing file), no relay may be
/// running on it, and it is migrated to this relay's schema before it is read.
async fn open_source(url: &DatabaseUrl) -> Result<SqliteConnection, MigrateError> {
    let shown = url.redacted();
    let failed = |reason: String| MigrateError::Open {
        which: "source",
        url: shown.clone(),
        reason,
    };
    let options = SqliteConnectOptions::from_str(url).map_err(|e| failed(e.to_string()))?;
    if !options.get_filename().is_file() {
        return Err(MigrateError::NoSource { url: shown });
    }
    let mut source = options
        .read_only(true)
        .connect()
        .await
        .map_err(|e| failed(e.to_string()))?;
    guard::refuse_running_relay(&mut source).await?;
    let store = Store::open(url).await.map_err(|e| failed(e.to_string()))?;
    store.close().await;
    Ok(source)
}

/// Connects to the target (first on its own, so an unreachable server says why at once) and
/// creates its tables.
async fn open_target(url: &DatabaseUrl) -> Result<PgConnection, MigrateError> {
    let failed = |reason: String| MigrateError::Open {
        which: "target",
        url: url.redacted(),
        reason,
    };
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| failed(e.to_string()))?
        .application_name("tetap-relay migrate-store")
        // The statements carry customers' text as parameters; nothing of it goes to a log.
        .disable_statement_logging();
    let target = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
        .await
        .map_err(|_| failed(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| failed(e.to_string()))?;
    let store = Store::open(url).await.map_err(|e| failed(e.to_string()))?;
    store.close().await;
    Ok(target)
}
