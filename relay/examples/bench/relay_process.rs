//! The relay under test: a release binary as a child process with its own config and store,
//! pinned to its own core where the machine has two or more (the load generator takes another).
//!
//! A child inherits the CPU affinity of the thread that starts it, and this process is pinned to
//! the load generator's core: what must run anywhere (the unpinned relay, PostgreSQL, `pgbench`)
//! is started through [`anywhere`].

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where the relay may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    /// On a core of its own, away from the load generator (where the machine allows).
    OwnCore,
    /// Wherever the OS puts it, the load generator's core included.
    Anywhere,
}

/// Agent anna's password in the bench's relay.
pub const PASSWORD: &str = "bench-password";

/// The machine's cores, counted once, before this process is pinned (after that it sees only
/// its own core).
fn core_count() -> usize {
    static COUNT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *COUNT.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The relay's core and the load generator's, when pinning is possible (`taskset`, ≥ 2 cores).
/// Decided once, before this process is pinned.
fn cores() -> Option<(usize, usize)> {
    static CORES: std::sync::OnceLock<Option<(usize, usize)>> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        let cores = core_count();
        let taskset = std::process::Command::new("taskset")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        (cores >= 2 && taskset).then_some((0, 1))
    })
}

/// Whether the relay can be given a core of its own here.
pub fn pinnable() -> bool {
    cores().is_some()
}

/// Pins every thread of this process (the load generator) to its core; says what was done.
pub fn pinning() -> String {
    let count = core_count();
    let Some((relay, generator)) = cores() else {
        return "Not pinned (needs taskset and two cores).".into();
    };
    let pinned = std::process::Command::new("taskset")
        .args([
            "-a",
            "-p",
            "-c",
            &generator.to_string(),
            &std::process::id().to_string(),
        ])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if pinned {
        format!("{count} cores: relay pinned to core {relay}, load generator to core {generator}.")
    } else {
        "Not pinned (taskset refused).".into()
    }
}

/// `taskset`'s arguments that put a child where `pin` says; `None` when nothing is pinned.
fn placement(pin: Pin) -> Option<[String; 2]> {
    let (relay, _) = cores()?;
    let cpus = match pin {
        Pin::OwnCore => relay.to_string(),
        Pin::Anywhere => format!("0-{}", core_count() - 1),
    };
    Some(["-c".into(), cpus])
}

/// `program` as a child free to run on every core, not only on the load generator's.
pub fn anywhere(program: &std::ffi::OsStr) -> std::process::Command {
    match placement(Pin::Anywhere) {
        Some(args) => {
            let mut taskset = std::process::Command::new("taskset");
            taskset.args(args).arg(program);
            taskset
        }
        None => std::process::Command::new(program),
    }
}

/// The store URL of a relay whose SQLite file lives in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("tetap.db").display())
}

pub struct Relay {
    child: Child,
    pub port: u16,
    /// What it was started with, so [`Relay::peer`] can start another like it.
    binary: PathBuf,
    config: PathBuf,
}

/// A port that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Relay {
    /// A relay with its config in `dir`, on the store at `database_url`.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        database_url: &str,
        pin: Pin,
        host_origin: &str,
        widget_dist: &Path,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let hash = tetap_relay::agent_session::hash_password(PASSWORD.as_bytes())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let config = dir.join("tetap.toml");
        std::fs::write(
            &config,
            format!(
                r#"
[server]
listen = "127.0.0.1:{port}"
database_url = "{database_url}"
widget_dir = "{widget}"
message_burst = 1000000
max_sockets_per_ip = 100000

[[auth]]
id = "shop"
issuer = "https://shop.test"
audience = "tetap"
public_key_file = "{key}"

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
allowed_origins = ["https://shop.test", "{host_origin}"]

[[agent]]
id = "anna"
name = "Anna"
password_hash = "{hash}"
capacity = 1000000
workstreams = ["support"]
"#,
                widget = widget_dist.display(),
                key = keys.join("shop-rsa-public.pem").display(),
            ),
        )?;
        Self::spawn(binary, config, port, pin).await
    }

    /// A relay on `config`, which listens on `port`.
    pub async fn spawn(
        binary: &Path,
        config: PathBuf,
        port: u16,
        pin: Pin,
    ) -> anyhow::Result<Self> {
        Self::launch(binary, config, port, pin, false).await
    }

    /// Another relay on this one's config file, so on its database, listening on a port of its
    /// own (`--listen`): a second relay behind a load balancer is exactly that.
    pub async fn peer(&self, pin: Pin) -> anyhow::Result<Self> {
        Self::launch(&self.binary, self.config.clone(), free_port()?, pin, true).await
    }

    /// `override_listen`: `port` comes from `--listen`, not from the file.
    async fn launch(
        binary: &Path,
        config: PathBuf,
        port: u16,
        pin: Pin,
        override_listen: bool,
    ) -> anyhow::Result<Self> {
        let mut command = match placement(pin) {
            Some(args) => {
                let mut taskset = Command::new("taskset");
                taskset.args(args).arg(binary);
                taskset
            }
            None => Command::new(binary),
        };
        command.arg("--config").arg(&config);
        if override_listen {
            command.arg("--listen").arg(format!("127.0.0.1:{port}"));
        }
        let mut child = command
            .env("RUST_LOG", "warn,tetap_relay=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut listening = false;
        while let Some(line) = lines.next_line().await? {
            if line.contains("tetap relay listening") {
                listening = true;
                break;
            }
        }
        anyhow::ensure!(
            listening,
            "the relay ({}) stopped before it listened: {:?}",
            config.display(),
            child.wait().await?
        );
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut relay = Self {
            child,
            port,
            binary: binary.to_owned(),
            config,
        };
        relay.serving().await?;
        Ok(relay)
    }

    /// Waits until the relay answers HTTP. It says it listens once its socket is bound, before
    /// it opens (and migrates) its store; a relay stopped in between leaves an empty store.
    async fn serving(&mut self) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        while reqwest::get(self.http("/healthz")).await.is_err() {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("the relay stopped before it served: {status}");
            }
            anyhow::ensure!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the relay listens but has not answered for a minute"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok(())
    }

    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Sends SIGKILL and returns at once, without waiting for the process to go: the caller
    /// times what follows from this moment.
    pub fn kill_now(&mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        Ok(())
    }

    pub fn rss_kib(&self) -> u64 {
        let pid = self.child.id().unwrap_or(0);
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
            })
            .unwrap_or(0)
    }

    pub fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/customer/ws", self.port)
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// A sample of the relay's `/metrics` (0 when absent).
    pub async fn metric(&self, series: &str) -> anyhow::Result<f64> {
        let text = reqwest::get(self.http("/metrics")).await?.text().await?;
        Ok(text
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0))
    }

    pub async fn agent_token(&self) -> anyhow::Result<String> {
        let body: Value = reqwest::Client::new()
            .post(self.http("/v1/agent/login"))
            .json(&json!({"agent": "anna", "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        Ok(body["token"].as_str().unwrap_or_default().to_owned())
    }
}

pub fn token(sub: &str) -> String {
    let key = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop-rsa-private.pem"),
    )
    .expect("bench key");
    let now = jiff::Timestamp::now().as_second();
    let claims = json!({"iss": "https://shop.test", "aud": "tetap", "sub": sub, "iat": now, "exp": now + 3600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&key).expect("rsa key"),
    )
    .expect("sign")
}
