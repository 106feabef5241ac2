//! The relay as a child process over its test database: started, killed, terminated.

use super::STEP;
use crate::relay::support::{ANNA_PASSWORD, fixture, sign};
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The relay as a child process on a fixed port, restartable over the same database.
pub(crate) struct RelayProcess {
    config: std::path::PathBuf,
    port: u16,
    child: Option<Child>,
}

impl RelayProcess {
    pub(crate) fn new(dir: &Path) -> Self {
        Self::with_server_settings(dir, "")
    }

    /// Like [`RelayProcess::new`], with more `[server]` settings (`presence_lease`, …).
    pub(crate) fn with_server_settings(dir: &Path, server: &str) -> Self {
        let database = crate::relay::support::database::store_url(dir);
        Self::configured(dir, &database, server, "")
    }

    /// A relay whose configuration lives in `dir`, on `database` (which other relays may share),
    /// with more `[server]` settings and `extra` configuration (agents, …) after the standard one.
    pub(crate) fn configured(dir: &Path, database: &str, server: &str, extra: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let hash =
            tetap_relay::agent_session::hash_password(ANNA_PASSWORD.as_bytes()).expect("hash");
        let config = dir.join("tetap.toml");
        let text = format!(
            r#"
[server]
listen = "127.0.0.1:{port}"
database_url = "{db}"
message_burst = 100000
{server}

[[auth]]
id = "shop"
issuer = "https://shop.test"
audience = "tetap"
public_key_file = "{key}"

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
allowed_origins = ["https://shop.test"]

[[workstream]]
id = "sales"
mode = "live"
auth = "shop"
reconnect_grace = "2s"
allowed_origins = ["https://shop.test"]

[[agent]]
id = "anna"
name = "Anna"
password_hash = "{hash}"
workstreams = ["support", "sales"]
{extra}
"#,
            db = database,
            key = fixture("shop-rsa-public.pem").display(),
        );
        // `extra` may name the test agents' password hash (`{password_hash}`).
        let text = text.replace("{password_hash}", &hash);
        std::fs::write(&config, text).expect("config");
        Self {
            config,
            port,
            child: None,
        }
    }

    /// Starts the relay and waits until it says it listens.
    pub(crate) async fn start(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tetap-relay"))
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the relay binary");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = tokio::time::timeout(STEP, lines.next_line())
                .await
                .expect("the relay starts")
                .expect("relay output")
                .expect("the relay is running");
            if line.contains("tetap relay listening") {
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.child = Some(child);
    }

    /// SIGKILL: no chance to flush anything.
    pub(crate) async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("SIGKILL");
        }
    }

    /// SIGTERM, then the exit status.
    pub(crate) async fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().expect("pid").to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill -TERM");
        assert!(status.success());
        tokio::time::timeout(STEP, child.wait())
            .await
            .expect("the relay stops on SIGTERM")
            .expect("exit status")
    }

    /// Whether it was started and not killed or terminated since.
    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub(crate) fn ws_url(&self) -> String {
        customer_ws_url(self.addr())
    }

    pub(crate) fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// The customer WebSocket endpoint of a relay (or of a proxy in front of one) at `addr`.
pub(crate) fn customer_ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/v1/customer/ws")
}

pub(crate) fn token(sub: &str) -> String {
    let now = jiff::Timestamp::now().as_second();
    sign(
        &json!({"iss": "https://shop.test", "aud": "tetap", "sub": sub, "iat": now, "exp": now + 600}),
        "shop-rsa-private.pem",
    )
}
