//! The relay under test: a release binary as a child process with its own config and store,
//! pinned to its own core where the machine has two or more (the load generator takes another).

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

/// The relay's core and the load generator's, when pinning is possible (`taskset`, ≥ 2 cores).
/// Decided once, before this process is pinned (after that it sees only its own core).
fn cores() -> Option<(usize, usize)> {
    static CORES: std::sync::OnceLock<Option<(usize, usize)>> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
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
    let count = std::thread::available_parallelism().map_or(1, usize::from);
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

pub struct Relay {
    child: Child,
    pub port: u16,
}

impl Relay {
    pub async fn start(
        binary: &Path,
        dir: &Path,
        pin: Pin,
        host_origin: &str,
        widget_dist: &Path,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
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
database_url = "sqlite://{db}"
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
                db = dir.join("tetap.db").display(),
                widget = widget_dist.display(),
                key = keys.join("shop-rsa-public.pem").display(),
            ),
        )?;
        Self::spawn(binary, config, port, pin).await
    }

    pub async fn spawn(
        binary: &Path,
        config: PathBuf,
        port: u16,
        pin: Pin,
    ) -> anyhow::Result<Self> {
        let mut command = match cores().filter(|_| pin == Pin::OwnCore) {
            Some((core, _)) => {
                let mut taskset = Command::new("taskset");
                taskset.arg("-c").arg(core.to_string()).arg(binary);
                taskset
            }
            None => Command::new(binary),
        };
        let mut child = command
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn,tetap_relay=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        while let Some(line) = lines.next_line().await? {
            if line.contains("tetap relay listening") {
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, port })
    }

    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
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
