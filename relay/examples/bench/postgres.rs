//! The PostgreSQL rows (`--postgres`): a throwaway cluster with `fsync = on` (durability is what
//! is measured) in a temporary directory on its own port, one relay on it, and the floor the
//! relay's durable messages/s are held to, measured on the same cluster in the same run:
//! `pgbench` clients each committing one-row inserts, a transaction per row.

use crate::relay_process::{Pin, Relay, anywhere};
use crate::report::{Row, row};
use crate::{Scale, history, latency, relays, throughput};
use std::path::Path;
use std::time::Duration;

/// `pgbench` clients of the floor, and its threads (one per core here).
const FLOOR_CLIENTS: usize = 16;
const FLOOR_THREADS: usize = 2;

/// What the floor's clients commit, each insert its own transaction: a row the size of a short
/// message in a table with a key, like `messages`.
const FLOOR_TABLE: &str = "CREATE TABLE bench_floor (\
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
     conversation_id TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL)";
const FLOOR_SCRIPT: &str = "INSERT INTO bench_floor (conversation_id, text, at) \
     VALUES ('floor', 'x', '2026-01-01T00:00:00.000Z');\n";

/// The PostgreSQL rows: the floor, then the relay's throughput, delivery latency and history,
/// each as `wanted` says, on a cluster that is gone when this returns, whatever happened.
pub async fn rows(
    binary: &Path,
    dir: &Path,
    host_origin: &str,
    widget_dist: &Path,
    scale: &Scale,
    fsync_p99: Duration,
    wanted: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<Row>> {
    let cluster = Cluster::start()?;
    let url = cluster.url();
    let mut rows = Vec::new();
    let floor = if wanted("throughput") {
        let tps = cluster.pgbench_floor(scale.pgbench_seconds).await?;
        rows.push(row(
            &format!(
                "floor: pgbench one-row INSERT transactions ({FLOOR_CLIENTS} clients, \
                 {FLOOR_THREADS} threads, {}s)",
                scale.pgbench_seconds
            ),
            format!("{tps:.0} tx/s"),
            "",
            format!("{}, fsync on, synchronous_commit on", cluster.version),
        ));
        Some(tps)
    } else {
        None
    };
    let relay_dir = dir.join("postgres");
    std::fs::create_dir_all(&relay_dir)?;
    let mut relay = Relay::start(
        binary,
        &relay_dir,
        &url,
        Pin::OwnCore,
        host_origin,
        widget_dist,
    )
    .await?;
    if let Some(floor) = floor {
        let (clients, each) = (scale.throughput_clients, scale.throughput_each);
        let grouped = throughput::grouped(&relay, clients, each).await?;
        let ratio = grouped.median() / floor;
        rows.push(row(
            &grouped.metric("one relay on its own core"),
            format!("{}; {}", grouped.value(), grouped.batching()),
            "≥ the pgbench floor",
            format!("{floor:.0} tx/s (pgbench, {FLOOR_CLIENTS} clients)"),
        ));
        rows.push(row(
            "ratio: relay durable messages/s ÷ pgbench floor",
            format!(
                "{ratio:.2} ({})",
                if ratio >= 1.0 {
                    "pass: at or above the floor"
                } else {
                    "FAIL: below the floor"
                }
            ),
            "≥ 1.00",
            String::new(),
        ));
    }
    if wanted("latency") {
        rows.extend(latency::delivery_latency(&relay, scale.latency_seconds, fsync_p99).await?);
    }
    if wanted("relays") {
        rows.extend(relays::rows(&relay, floor, scale).await?);
    }
    relay.stop().await;
    if wanted("history") {
        rows.push(history::history_latency(binary, &relay_dir, &url, scale.history_rows).await?);
    }
    drop(cluster);
    Ok(rows.into_iter().map(|r| r.on("PostgreSQL")).collect())
}

/// The bench's throwaway cluster ([`tetap_pgtemp`]) with `fsync = on`, free to use every core,
/// and a database `tetap`; stopped and removed when dropped, or by its watchdog should this
/// process die first.
pub struct Cluster {
    inner: tetap_pgtemp::Cluster,
    /// `postgres (PostgreSQL) 15.x`.
    version: String,
}

impl Cluster {
    pub fn start() -> anyhow::Result<Self> {
        let inner = tetap_pgtemp::Cluster::start(tetap_pgtemp::Options {
            prefix: "tetap-bench-pg-",
            durable: true,
            launcher: anywhere,
            ..tetap_pgtemp::Options::default()
        })?;
        inner.create_database("tetap")?;
        let version = inner.version().to_owned();
        Ok(Self { inner, version })
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        self.inner.url("tetap")
    }

    /// `pgbench` clients committing one-row inserts into a scratch table for `seconds`: the
    /// transactions per second that this machine's PostgreSQL allows a transaction per row.
    pub async fn pgbench_floor(&self, seconds: u64) -> anyhow::Result<f64> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url()).await?;
        sqlx::raw_sql(FLOOR_TABLE).execute(&mut conn).await?;
        let script = self.inner.dir().join("floor.sql");
        std::fs::write(&script, FLOOR_SCRIPT)?;
        // Blocking is fine here: nothing else runs while the floor is measured.
        let output = tetap_pgtemp::run(
            self.inner
                .program("pgbench")
                .args(["-h", "127.0.0.1", "-U", "tetap", "-n"])
                .arg("-p")
                .arg(self.inner.port().to_string())
                .arg("-c")
                .arg(FLOOR_CLIENTS.to_string())
                .arg("-j")
                .arg(FLOOR_THREADS.to_string())
                .arg("-T")
                .arg(seconds.to_string())
                .arg("-f")
                .arg(&script)
                .arg("tetap"),
        );
        sqlx::raw_sql("DROP TABLE bench_floor")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let output = output?;
        // `tps = 5123.456789 (without initial connection time)`
        let tps = output
            .lines()
            .find_map(|line| line.strip_prefix("tps = ")?.split(' ').next()?.parse().ok());
        tps.ok_or_else(|| anyhow::anyhow!("no `tps = …` in pgbench's output:\n{output}"))
    }
}
