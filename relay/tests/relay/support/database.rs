//! The database a test relay runs on: a SQLite file in the test's directory, or, when
//! `TETAP_TEST_STORE=postgres` (the PostgreSQL leg of `cargo xtask test`), a database of its
//! own on one throwaway PostgreSQL cluster per test process.
//!
//! The cluster (`initdb` + `pg_ctl` in a temporary directory, on its own port) is started on
//! first use and removed when the test process ends, however it ends: a watchdog shell waits
//! for the end of a pipe only this process holds, then stops the cluster and deletes it.

use std::collections::HashMap;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Which engine this test process runs its relays on.
pub fn on_postgres() -> bool {
    match std::env::var("TETAP_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("TETAP_TEST_STORE={other}: expected sqlite or postgres"),
    }
}

/// The database URL of the relay whose files live in `dir`: the same for every call with the
/// same `dir`, so a restarted relay finds its data.
pub fn store_url(dir: &Path) -> String {
    if !on_postgres() && !databases().contains_key(dir) {
        return format!("sqlite://{}", dir.join("tetap.db").display());
    }
    use_postgres(dir)
}

/// Makes the relay whose files live in `dir` run on a PostgreSQL database of its own, whatever
/// `TETAP_TEST_STORE` says (tests of what only a database server does); returns its URL.
pub fn use_postgres(dir: &Path) -> String {
    let mut databases = databases();
    let next = databases.len();
    databases
        .entry(dir.to_owned())
        .or_insert_with(|| cluster().create_database(&format!("relay_{next}")))
        .clone()
}

/// The PostgreSQL database of each test directory that has one.
fn databases() -> std::sync::MutexGuard<'static, HashMap<PathBuf, String>> {
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    DATABASES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// This process's cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// A running throwaway cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
    /// Held open for the life of the process; its end is the watchdog's signal.
    _lifeline: Mutex<ChildStdin>,
}

impl Cluster {
    #[expect(
        clippy::zombie_processes,
        reason = "the watchdog outlives this process by design: it cleans up after it"
    )]
    fn start() -> Self {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new()
            .prefix("tetap-pg-")
            .tempdir()
            .expect("cluster dir")
            .keep();
        // PostgreSQL refuses to run as root: then it runs as the `postgres` user.
        let as_postgres_user = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if as_postgres_user {
            run(Command::new("chown").arg("postgres").arg(&dir));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = |program: &str| {
            let mut command = if as_postgres_user {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(bin.join(program));
                c
            } else {
                Command::new(bin.join(program))
            };
            command.current_dir(&dir);
            command
        };
        let data = dir.join("data");
        run(cluster("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "tetap",
            "--no-sync",
            "-E",
            "UTF8",
        ]));
        // Tests kill relays, never the server: durability on disk is the bench's to measure.
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n\
             max_connections = 400\nshared_buffers = 64MB\n",
            dir.display()
        );
        let conf = data.join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .expect("postgresql.conf");
        file.write_all(settings.as_bytes()).expect("settings");
        // The watchdog: when this process ends, its pipe closes and the cluster goes.
        let stop = format!(
            "cat > /dev/null; {} {} -D '{}' -m immediate stop > /dev/null 2>&1; rm -rf '{}'",
            if as_postgres_user {
                "runuser -u postgres --"
            } else {
                ""
            },
            bin.join("pg_ctl").display(),
            data.display(),
            dir.display()
        );
        let mut watchdog = Command::new("sh")
            .args(["-c", &stop])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("watchdog");
        let lifeline = watchdog.stdin.take().expect("watchdog pipe");
        run(cluster("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-w", "start"]));
        Self {
            bin,
            dir,
            port,
            as_postgres_user,
            _lifeline: Mutex::new(lifeline),
        }
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        self.psql(&format!("CREATE DATABASE {name}"));
        self.url(name)
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://tetap@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs one SQL command as the cluster's superuser.
    pub fn psql(&self, sql: &str) {
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join("psql"));
            c
        } else {
            Command::new(self.bin.join("psql"))
        };
        run(command
            .current_dir(&self.dir)
            .args(["-h", "127.0.0.1", "-U", "tetap", "-d", "postgres", "-v"])
            .arg("ON_ERROR_STOP=1")
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql));
    }
}

/// The newest installed PostgreSQL's programs (`cargo xtask setup` installs them).
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL is not installed: run `cargo xtask setup`")
}

fn run(command: &mut Command) {
    let output = command.output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
