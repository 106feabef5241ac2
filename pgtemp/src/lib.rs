//! A throwaway PostgreSQL cluster for the tests, the bench and `cargo xtask run --postgres`:
//! `initdb` and `pg_ctl` in a temporary directory, on a free port of 127.0.0.1, as the
//! `postgres` user when run as root (PostgreSQL refuses root). Dropping the cluster stops it
//! and removes its directory; should the process end without dropping it (killed, or a
//! `static` that is never dropped), a watchdog shell that waits for the end of a pipe only this
//! process holds does the same.

use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Why a cluster could not be started or used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `cargo xtask setup`"
    )]
    NotInstalled,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{command} failed: {output}")]
    Program { command: String, output: String },
}

/// How the cluster runs.
pub struct Options {
    /// The temporary directory's name starts with this.
    pub prefix: &'static str,
    /// `fsync` and `synchronous_commit` on, as a production server (what the bench measures);
    /// off where nothing kills the server itself (tests).
    pub durable: bool,
    /// Settings appended to `postgresql.conf`, one per line.
    pub settings: &'static str,
    /// Makes the command that runs a program (the bench frees it from its own CPU pinning).
    pub launcher: fn(&OsStr) -> Command,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            prefix: "tetap-pg-",
            durable: false,
            settings: "",
            launcher: |program| Command::new(program),
        }
    }
}

/// A running throwaway cluster with superuser `tetap` and trust authentication on loopback.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
    launcher: fn(&OsStr) -> Command,
    version: String,
    watchdog: Option<Child>,
}

impl Cluster {
    /// Initialises and starts a cluster; it has the database `postgres` only.
    pub fn start(options: Options) -> Result<Self, Error> {
        let bin = postgres_bin()?;
        let dir = tempfile::Builder::new()
            .prefix(options.prefix)
            .tempdir()?
            .keep();
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // From here on, dropping `cluster` removes the directory, whatever fails below.
        let mut cluster = Self {
            as_postgres_user: std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0),
            bin,
            dir,
            port,
            launcher: options.launcher,
            version: String::new(),
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
            // Only initdb's own files go unsynced; the server's settings are below.
            "--no-sync",
        ]))?;
        let durability = if options.durable {
            "fsync = on\nsynchronous_commit = on\n"
        } else {
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        };
        let settings = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             {durability}{}\n",
            cluster.dir.display(),
            options.settings,
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
        Ok(cluster)
    }

    /// Creates an empty database `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, Error> {
        self.psql(&format!("CREATE DATABASE {name}"))?;
        Ok(self.url(name))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://tetap@127.0.0.1:{}/{name}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its directory (the `postgres` user may write there).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `postgres (PostgreSQL) 15.x`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Runs one SQL command as the superuser, in database `postgres`.
    pub fn psql(&self, sql: &str) -> Result<String, Error> {
        run(self
            .program("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "tetap",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql))
    }

    /// One of PostgreSQL's programs, as the user that may run it, in the cluster's directory
    /// (the `postgres` user may not enter the caller's).
    pub fn program(&self, name: &str) -> Command {
        let mut command = if self.as_postgres_user {
            let mut runuser = (self.launcher)(OsStr::new("runuser"));
            runuser
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(name));
            runuser
        } else {
            (self.launcher)(self.bin.join(name).as_os_str())
        };
        command.current_dir(&self.dir);
        command
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A shell that ignores interrupts (a Ctrl-C reaches the whole process group) and waits for
    /// its standard input to end, which happens when this process ends however it ends; then it
    /// stops the cluster, if it still runs, and removes its directory.
    fn watchdog(&self) -> Result<Child, Error> {
        let stop = format!(
            "trap '' INT TERM HUP; cat > /dev/null; {} '{}' -D '{}' -m immediate stop \
             > /dev/null 2>&1; rm -rf '{}'",
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
pub fn postgres_bin() -> Result<PathBuf, Error> {
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
        .ok_or(Error::NotInstalled)
}

/// Runs a program to its end; what it printed, or an error that shows it.
pub fn run(command: &mut Command) -> Result<String, Error> {
    let output = command.stdin(Stdio::null()).output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(Error::Program {
            command: format!("{command:?}"),
            output: text,
        })
    }
}
