//! A real relay on 127.0.0.1:0 with a temporary SQLite file, a hand-moved clock, a signed-in
//! agent client and customer sockets.

use futures_util::{SinkExt, StreamExt};
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
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The agent password every test relay accepts.
pub const ANNA_PASSWORD: &str = "correct horse battery staple";
/// Where every test starts its clock: time is moved by hand from here.
pub const START: &str = "2026-11-24T09:00:00Z";
/// Longest a test waits for one frame before it fails (a hang is a failure, not a pass).
const FRAME_DEADLINE: Duration = Duration::from_secs(20);

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
database_url = "sqlite://{db}"
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
        db = dir.join("tetap.db").display(),
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
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
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

/// Signs claims with one of the fixture keys (RS256).
pub fn sign(claims: &Value, key_file: &str) -> String {
    let pem = std::fs::read(fixture(key_file)).expect("key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("rsa key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("sign")
}

/// A customer's WebSocket, speaking the widget's protocol.
pub struct CustomerSocket {
    stream: WsStream,
}

/// A test's client WebSocket.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl CustomerSocket {
    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&frame.encode()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(WsMessage::Text(text.into()))
            .await
            .expect("send frame");
    }

    /// The WebSocket itself, for tests of the protocol's control frames.
    pub fn stream(&mut self) -> &mut WsStream {
        &mut self.stream
    }

    /// Sends a message and returns its client id.
    pub async fn say(&mut self, client_id: &str, text: &str) {
        self.send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
        })
        .await;
    }

    /// The next relay frame; panics on close or after the deadline.
    pub async fn next_frame(&mut self) -> ServerFrame {
        match self.next_or_close().await {
            Some(frame) => frame,
            None => panic!("the relay closed the socket"),
        }
    }

    /// The next relay frame, or `None` when the relay closed the socket.
    pub async fn next_or_close(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.stream.next())
                .await
                .expect("a frame within the deadline");
            match message {
                Some(Ok(WsMessage::Text(text))) => {
                    return Some(ServerFrame::decode(text.as_str()).expect("valid frame"));
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Sends a message and waits for its ack; returns the conversation id and the `seq`.
    pub async fn write(&mut self, client_id: &str, text: &str) -> (String, u64) {
        self.say(client_id, text).await;
        match self.until(|f| matches!(f, ServerFrame::Ack { .. })).await {
            ServerFrame::Ack {
                conversation, seq, ..
            } => (conversation.0, seq),
            _ => unreachable!(),
        }
    }

    /// Closes the socket and waits until the relay has finished with it (its side closes only
    /// after it has handled the departure).
    pub async fn close(mut self) {
        let _ = self.stream.send(WsMessage::Close(None)).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(FRAME_DEADLINE, self.stream.next()).await {
        }
    }

    /// Waits until the relay has handled every frame sent before; returns what arrived meanwhile.
    /// The relay handles a socket's frames in order, so the answer to a probe comes after them.
    pub async fn barrier(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::History {
            conversation: "barrier-probe".into(),
            before: 1,
            limit: None,
        })
        .await;
        let mut seen = Vec::new();
        loop {
            let frame = self.next_frame().await;
            if matches!(&frame, ServerFrame::Error { code, .. } if *code == tetap_shared::ErrorCode::UnknownConversation)
            {
                return seen;
            }
            seen.push(frame);
        }
    }

    /// Skips frames until one matches; the skipped ones are returned too, for assertions.
    pub async fn until(&mut self, wanted: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.next_frame().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }
}

/// The agent API with a bearer token.
pub struct AgentClient {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl AgentClient {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `PUT /presence`.
    pub async fn presence(&self, presence: &str) {
        let response = self
            .http
            .put(format!("{}/presence", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "presence": presence }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "presence {presence}");
    }

    /// `POST /conversations/{id}/{action}` with no body (accept, wait, end).
    pub async fn act(&self, conversation: &str, action: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "{}/conversations/{conversation}/{action}",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET /me`'s `load`.
    pub async fn load(&self) -> u64 {
        self.get("/me").await.1["load"].as_u64().expect("load")
    }

    /// The conversation as the work list shows it (any state, closed ones included).
    pub async fn conversation(&self, id: &str) -> Value {
        for query in ["", "?state=closed"] {
            let (_, list) = self.get(&format!("/conversations{query}")).await;
            if let Some(found) = list
                .as_array()
                .and_then(|l| l.iter().find(|c| c["id"] == id))
            {
                return found.clone();
            }
        }
        Value::Null
    }

    /// Opens the agent event stream, authenticated by the bearer header at the upgrade.
    pub async fn events(&self) -> AgentEvents {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.base.replacen("http://", "ws://", 1) + "/events";
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", self.token).parse().expect("header"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("event stream");
        AgentEvents { stream }
    }

    pub async fn reply(&self, conversation: &str, client_id: &str, text: &str) -> (u16, Value) {
        self.post(
            &format!("/conversations/{conversation}/messages"),
            json!({ "text": text, "client_id": client_id }),
        )
        .await
    }
}

/// An agent's event stream (`/v1/agent/events`).
pub struct AgentEvents {
    stream: WsStream,
}

impl AgentEvents {
    /// Closes the stream and waits until the relay has finished with it (its side closes last).
    pub async fn close(mut self) {
        let _ = self.stream.send(WsMessage::Close(None)).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(FRAME_DEADLINE, self.stream.next()).await {
        }
    }

    /// The WebSocket itself, for tests of the protocol's control frames.
    pub fn stream(&mut self) -> &mut WsStream {
        &mut self.stream
    }

    /// The next event; fails the test after the deadline.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.stream.next())
                .await
                .expect("an event within the deadline")
                .expect("the stream is open")
                .expect("a frame");
            if let WsMessage::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("json event");
            }
        }
    }

    /// Skips events until a `state` event shows the conversation in `state`.
    pub async fn until_state(&mut self, conversation: &str, state: &str) -> Value {
        loop {
            let event = self.until("state", conversation).await;
            if event["detail"]["state"] == state {
                return event;
            }
        }
    }

    /// Skips events until one of `kind` about `conversation` (any conversation when empty).
    pub async fn until(&mut self, kind: &str, conversation: &str) -> Value {
        loop {
            let event = self.next().await;
            if event["type"] == kind
                && (conversation.is_empty() || event["conversation"] == conversation)
            {
                return event;
            }
        }
    }
}
