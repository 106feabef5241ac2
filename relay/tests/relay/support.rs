//! A real relay on 127.0.0.1:0 with a temporary database (SQLite, or PostgreSQL: `database`), a hand-moved clock, a signed-in
//! agent client and customer sockets.

pub mod agent;
mod customer;
pub mod database;
pub mod gate;

pub use agent::{AgentClient, AgentEvents};
pub use customer::{CustomerSocket, WsStream};
pub use gate::RoutingGate;

use jiff::Timestamp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tetap_relay::clock::ManualClock;
use tetap_relay::config::Config;
use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The agent password every test relay accepts.
pub const ANNA_PASSWORD: &str = "correct horse battery staple";
/// Where every test starts its clock: time is moved by hand from here.
pub const START: &str = "2026-11-24T09:00:00Z";
/// Longest a test waits for one frame before it fails (a hang is a failure, not a pass).
pub(super) const FRAME_DEADLINE: Duration = Duration::from_secs(20);

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The trunk output that `cargo xtask test` builds before the browser tests.
pub fn widget_dist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/widget-dist")
}

/// The agent console's trunk output, built by `cargo xtask test` next to the widget.
pub fn console_dist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-dist")
}

fn config_text(dir: &Path, password_hash: &str, extra_origin: &str, message_burst: u32) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
max_sockets_per_ip = 64
# Tests send bursts (history seeding, fault tests) under a clock that never moves by itself;
# the rate limit test starts a relay with tighter settings.
message_burst = {message_burst}
messages_per_second = 5
database_url = "{db}"
widget_dir = "{widget}"
console_dir = "{console}"

[[auth]]
id = "shop"
issuer = "https://shop.test"
audience = "tetap"
public_key_file = "{public_key}"

[[workstream]]
id = "support"
mode = "persistent"
auth = "shop"
allowed_origins = ["https://shop.test"{extra_origin}]

[[workstream]]
id = "sales"
mode = "live"
auth = "shop"
allowed_origins = ["https://shop.test"{extra_origin}]
[workstream.messages.en]
queue_position = "You are #{{position}} in the sales queue."

[[hours]]
id = "evening"
timezone = "UTC"
tuesday = ["20:00-22:00"]

[[workstream]]
id = "billing"
mode = "persistent"
auth = "shop"
hours = "evening"
allowed_origins = ["https://shop.test"]

[[workstream]]
id = "evening-sales"
mode = "live"
auth = "shop"
hours = "evening"
allowed_origins = ["https://shop.test"]

[[workstream]]
id = "claims"
mode = "persistent"
auth = "shop"
waiting_timeout = "2d"
allowed_origins = ["https://shop.test"]

[[agent]]
id = "anna"
name = "Anna"
password_hash = "{password_hash}"
capacity = 2
workstreams = ["support", "sales", "billing", "claims"]

[[agent]]
id = "budi"
name = "Budi"
password_hash = "{password_hash}"
capacity = 2
workstreams = ["sales"]

[[agent]]
id = "cici"
name = "Cici"
password_hash = "{password_hash}"
capacity = 2
workstreams = ["support", "billing", "claims"]
"#,
        message_burst = message_burst,
        db = database::store_url(dir),
        widget = widget_dist().display(),
        console = console_dist().display(),
        public_key = fixture("shop-rsa-public.pem").display(),
    )
}

/// A relay under test. Dropping it stops the server; `restart` keeps the database.
pub struct TestRelay {
    pub addr: SocketAddr,
    pub clock: ManualClock,
    /// Time for socket pings and idle timeouts, moved apart from `clock` (see `AppState`).
    pub socket_clock: ManualClock,
    pub dir: Arc<tempfile::TempDir>,
    password_hash: String,
    extra_origin: String,
    /// More configuration after the standard one (identity tests: more auth settings).
    extra_config: String,
    /// `server.message_burst`: large unless a test checks the limit.
    pub message_burst: u32,
    /// Where the relay's routing pass waits when a test holds it ([`RoutingGate`]).
    pub gate: RoutingGate,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl TestRelay {
    pub async fn start() -> Self {
        Self::start_allowing(None).await
    }

    /// A relay whose workstreams may also be embedded by `origin` (a browser test's host page).
    pub async fn start_allowing(origin: Option<&str>) -> Self {
        Self::start_with(origin, "").await
    }

    /// Like [`TestRelay::start_allowing`], with `extra_config` appended to the configuration.
    /// A relay whose customers may send only `burst` messages before the rate limit applies.
    pub async fn start_with_message_burst(burst: u32) -> Self {
        let mut relay = Self::start().await;
        relay.message_burst = burst;
        relay.restart().await;
        relay
    }

    pub async fn start_with(origin: Option<&str>, extra_config: &str) -> Self {
        Self::start_in(tempfile::tempdir().expect("temp dir"), origin, extra_config).await
    }

    /// A relay on a PostgreSQL database of its own, whatever engine the other tests use.
    pub async fn start_on_postgres() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        database::use_postgres(dir.path());
        Self::start_in(dir, None, "").await
    }

    async fn start_in(dir: tempfile::TempDir, origin: Option<&str>, extra_config: &str) -> Self {
        let dir = Arc::new(dir);
        let password_hash =
            tetap_relay::agent_session::hash_password(ANNA_PASSWORD.as_bytes()).expect("hash");
        let extra_origin = origin.map(|o| format!(", \"{o}\"")).unwrap_or_default();
        let clock = ManualClock::new(START.parse().expect("start time"));
        let mut relay = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            socket_clock: ManualClock::new(START.parse().expect("start time")),
            clock,
            dir,
            password_hash,
            extra_origin,
            extra_config: extra_config.to_owned(),
            message_burst: 100_000,
            gate: RoutingGate::default(),
            shutdown: None,
            server: None,
        };
        relay.launch().await;
        relay
    }

    async fn launch(&mut self) {
        let mut text = config_text(
            self.dir.path(),
            &self.password_hash,
            &self.extra_origin,
            self.message_burst,
        );
        text.push_str(&self.extra_config);
        let config = Config::parse(&text, &self.dir.path().join("tetap.toml")).expect("config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        self.addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let clock = Arc::new(self.clock.clone());
        // Build the state before spawning, so a relay that cannot start fails the test here.
        let mut state = tetap_relay::state(config, clock)
            .await
            .expect("relay state");
        state.socket_clock = Arc::new(self.socket_clock.clone());
        state.hooks.before_assign = Some(self.gate.hook());
        let app = tetap_relay::app(state.clone());
        let background = tetap_relay::Background::start(&state);
        let server = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            drop(background);
            // As `tetap_relay::run` does: this relay's customer sockets are gone with it.
            tetap_relay::presence::retire(&state).await;
            state.store.close().await;
        });
        self.shutdown = Some(stop);
        self.server = Some(server);
    }

    /// Stops the server (draining requests, closing the store) and starts a new one on the same
    /// database file, as a relay restart does.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }

    pub async fn stop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The value of a counter or gauge without labels on `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        metric_at(&self.url("/metrics"), name).await
    }

    /// Waits until `name` on `/metrics` is above `than` (the relay did one more of something).
    pub async fn metric_above(&self, name: &str, than: u64) -> u64 {
        let deadline = tokio::time::Instant::now() + FRAME_DEADLINE;
        loop {
            let value = self.metric(name).await;
            if value > than {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} stayed at {value}"
            );
            // Each look is one HTTP round trip: that paces the loop, no sleep needed.
            tokio::task::yield_now().await;
        }
    }

    pub fn now(&self) -> Timestamp {
        use tetap_relay::clock::Clock;
        self.clock.now()
    }

    /// A token for customer `sub`, signed with the test site's key, valid for ten minutes from
    /// the relay's clock.
    pub fn token(&self, sub: &str) -> String {
        let now = self.now().as_second();
        self.token_with(json!({
            "iss": "https://shop.test", "aud": "tetap", "sub": sub, "name": format!("Customer {sub}"),
            "iat": now, "exp": now + 600,
        }))
    }

    /// A token with exactly these claims, signed with the test site's key.
    pub fn token_with(&self, claims: Value) -> String {
        sign(&claims, "shop-rsa-private.pem")
    }

    /// Opens a customer socket and says hello; returns the socket and the `welcome` frame.
    pub async fn customer(&self, workstream: &str, token: &str) -> (CustomerSocket, ServerFrame) {
        self.customer_resuming(workstream, token, None).await
    }

    pub async fn customer_resuming(
        &self,
        workstream: &str,
        token: &str,
        resume: Option<Cursor>,
    ) -> (CustomerSocket, ServerFrame) {
        let mut socket = self.raw_socket().await;
        socket
            .send(&ClientFrame::Hello {
                protocol: PROTOCOL_VERSION,
                workstream: workstream.into(),
                token: token.into(),
                resume,
                locale: None,
            })
            .await;
        let welcome = socket.next_frame().await;
        (socket, welcome)
    }

    /// A customer socket that has said nothing yet.
    pub async fn raw_socket(&self) -> CustomerSocket {
        let url = format!("ws://{}/v1/customer/ws", self.addr);
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        CustomerSocket { stream }
    }

    /// An agent client signed in with a bearer token.
    pub async fn agent(&self, id: &str) -> AgentClient {
        let http = reqwest::Client::new();
        let response = http
            .post(self.url("/v1/agent/login"))
            .json(&json!({ "agent": id, "password": ANNA_PASSWORD }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200, "login of {id}");
        let body: Value = response.json().await.expect("login body");
        let token = body["token"].as_str().expect("token").to_owned();
        AgentClient {
            http,
            base: self.url("/v1/agent"),
            token,
        }
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// The value of a counter or gauge without labels on the `/metrics` page at `url`.
pub async fn metric_at(url: &str, name: &str) -> u64 {
    let text = reqwest::get(url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

/// Signs claims with one of the fixture keys (RS256).
pub fn sign(claims: &Value, key_file: &str) -> String {
    let pem = std::fs::read(fixture(key_file)).expect("key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("rsa key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("sign")
}
