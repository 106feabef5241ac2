//! The PostgreSQL rows (`--postgres`): a throwaway cluster with `fsync = on` (durability is what
//! is measured) in a temporary directory on its own port, one relay on it, and the floor the
//! relay's durable messages/s are held to, measured on the same cluster in the same run:
//! `pgbench` clients each committing one-row inserts, a transaction per row.

use crate::relay_process::{Pin, Relay, anywhere};
use crate::report::{Row, row};
use crate::{Scale, history, latency, relays, throughput};
use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// A running throwaway cluster; stopped (`pg_ctl -m fast stop`) and removed when dropped. Should
/// this process die without dropping it (killed, or interrupted), a watchdog that outlives it
/// stops the cluster and removes its directory.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user.
    as_postgres_user: bool,
    /// `postgres (PostgreSQL) 15.x`.
    version: String,
    /// Waits for the end of its standard input, which only this process holds.
    watchdog: Option<Child>,
}

impl Cluster {
    /// `initdb`, `pg_ctl start` and a database `tetap` for user `tetap`, on a free port.
    pub fn start() -> anyhow::Result<Self> {
        let bin = postgres_bin()?;
        let dir = tempfile::Builder::new()
            .prefix("tetap-bench-pg-")
            .tempdir()?
            .keep();
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // From here on, dropping `cluster` removes the directory, whatever fails below.
        let mut cluster = Self {
            version: String::new(),
            as_postgres_user: std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0),
            bin,
            dir,
            port,
            watchdog: None,
        };
        if cluster.as_postgres_user {
            run(Command::new("chown").arg("postgres").arg(&cluster.dir))?;
        }
        cluster.watchdog = Some(cluster.watchdog()?);
        cluster.version = run(cluster.program("postgres").arg("--version"))?
            .trim()
            .to_owned();
        let data = cluster.data();
        run(cluster.program("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "tetap",
            "-E",
            "UTF8",
            // Only initdb's own files go unsynced; the server below runs with fsync on.
            "--no-sync",
        ]))?;
        let settings = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = on\nsynchronous_commit = on\n",
            cluster.port,
            cluster.dir.display()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?
            .write_all(settings.as_bytes())?;
        run(cluster
            .program("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(cluster.dir.join("log"))
            .args(["-w", "start"]))?;
        run(cluster
            .program("createdb")
            .args(["-h", "127.0.0.1", "-U", "tetap", "-p"])
            .arg(cluster.port.to_string())
            .arg("tetap"))?;
        Ok(cluster)
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        format!("postgres://tetap@127.0.0.1:{}/tetap", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// One of PostgreSQL's programs, as the user that may run it, free to use every core, in the
    /// cluster's directory (the `postgres` user may not enter the caller's).
    fn program(&self, name: &str) -> Command {
        let mut command = if self.as_postgres_user {
            let mut runuser = anywhere("runuser");
            runuser
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(name));
            runuser
        } else {
            anywhere(self.bin.join(name))
        };
        command.current_dir(&self.dir);
        command
    }

    /// A shell that ignores interrupts (a Ctrl-C reaches the whole process group) and waits for
    /// its standard input to end, which happens when this process ends however it ends; then it
    /// stops the cluster, if it still runs, and removes its directory.
    fn watchdog(&self) -> anyhow::Result<Child> {
        let stop = format!(
            "trap '' INT TERM HUP; cat > /dev/null; {} '{}' -D '{}' -m immediate stop; rm -rf '{}'",
            if self.as_postgres_user {
                "runuser -u postgres --"
            } else {
                ""
            },
            self.bin.join("pg_ctl").display(),
            self.data().display(),
            self.dir.display()
        );
        Ok(Command::new("sh")
            .args(["-c", &stop])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?)
    }

    /// `pgbench` clients committing one-row inserts into a scratch table for `seconds`: the
    /// transactions per second that this machine's PostgreSQL allows a transaction per row.
    pub async fn pgbench_floor(&self, seconds: u64) -> anyhow::Result<f64> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url()).await?;
        sqlx::raw_sql(FLOOR_TABLE).execute(&mut conn).await?;
        let script = self.dir.join("floor.sql");
        std::fs::write(&script, FLOOR_SCRIPT)?;
        // Blocking is fine here: nothing else runs while the floor is measured.
        let output = run(self
            .program("pgbench")
            .args(["-h", "127.0.0.1", "-U", "tetap", "-n"])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(FLOOR_CLIENTS.to_string())
            .arg("-j")
            .arg(FLOOR_THREADS.to_string())
            .arg("-T")
            .arg(seconds.to_string())
            .arg("-f")
            .arg(&script)
            .arg("tetap"));
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

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .program("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(mut watchdog) = self.watchdog.take() {
            // Its input ends: it finds nothing left to stop or remove.
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// The newest installed PostgreSQL's programs (`cargo xtask setup` installs them).
fn postgres_bin() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists() && bin.join("pgbench").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        anyhow::anyhow!(
            "--postgres: no PostgreSQL server with pgbench in /usr/lib/postgresql/*/bin \
             (`cargo xtask setup` installs it)"
        )
    })
}

/// Runs a PostgreSQL program to its end; what it printed, or an error that shows it.
fn run(command: &mut Command) -> anyhow::Result<String> {
    let output = command.stdin(Stdio::null()).output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    anyhow::ensure!(output.status.success(), "{command:?} failed: {text}");
    Ok(text)
}
