//! Durability under faults, against the real `tetap-relay` process over a real SQLite file:
//! SIGKILL mid-stream (twice, each after a given number of acknowledgements) and SIGTERM. After
//! the clients' idempotent resends, every acknowledged message is stored exactly once and in
//! order, and every client's view equals the store.
//!
//! The relay process, the customers, the final check and the [`Scale`] are shared with
//! `faults_network`, which cuts the network instead of killing the relay.
//!
//! By default 20 customers send 50 messages each (what `cargo xtask test` runs);
//! `TETAP_FAULT_SCALE=bench` makes it 50 customers × 200 messages (what `cargo xtask bench` runs).

use super::support::{ANNA_PASSWORD, fixture, sign};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Kills happen once this share (in percent) of all messages is acknowledged: 300 and 650 of
/// the default 1,000. Shares rather than counts, so that every scale is killed at the same stages.
const KILL_AT_PERCENT: [usize; 2] = [30, 65];
/// Longest any single step may take before the test fails.
pub(super) const STEP: Duration = Duration::from_secs(60);

/// The environment variable that selects the [`Scale`] of the fault tests.
const SCALE_VARIABLE: &str = "TETAP_FAULT_SCALE";

/// How many customers write at once and how many messages each sends: one place for both fault
/// tests, so the scale is chosen at run time without a second copy of any test.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    pub(super) customers: usize,
    pub(super) messages_each: usize,
}

impl Scale {
    /// 20 × 50 = 1,000 messages: quick enough for every `cargo xtask test`.
    const DEFAULT: Scale = Scale {
        customers: 20,
        messages_each: 50,
    };
    /// 50 × 200 = 10,000 messages: the issue's bench figure, run by `cargo xtask bench`.
    const BENCH: Scale = Scale {
        customers: 50,
        messages_each: 200,
    };

    /// [`Scale::DEFAULT`] when `TETAP_FAULT_SCALE` is unset, else the scale it names. Any other
    /// value panics: a typo must not quietly run the small scale and pass as the large one.
    pub(super) fn from_env() -> Scale {
        let value = match std::env::var_os(SCALE_VARIABLE) {
            None => return Scale::DEFAULT,
            Some(value) => value,
        };
        value.to_str().and_then(Scale::named).unwrap_or_else(|| {
            let (small, large) = (Scale::DEFAULT, Scale::BENCH);
            panic!(
                "{SCALE_VARIABLE}={value:?} is not a fault scale: leave it unset (or `default`) \
                 for {} customers × {} messages, or set `bench` for {} × {}",
                small.customers, small.messages_each, large.customers, large.messages_each
            )
        })
    }

    fn named(name: &str) -> Option<Scale> {
        match name {
            "default" => Some(Scale::DEFAULT),
            "bench" => Some(Scale::BENCH),
            _ => None,
        }
    }

    /// Every message of every customer.
    pub(super) fn total(self) -> usize {
        self.customers * self.messages_each
    }

    /// The number of acknowledgements that makes `percent` of [`Scale::total`], rounded down.
    pub(super) fn acks_at(self, percent: usize) -> usize {
        self.total() * percent / 100
    }
}

/// The relay as a child process on a fixed port, restartable over the same database.
pub(super) struct RelayProcess {
    config: std::path::PathBuf,
    port: u16,
    child: Option<Child>,
}

impl RelayProcess {
    pub(super) fn new(dir: &Path) -> Self {
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
database_url = "sqlite://{db}"
message_burst = 100000

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

[[agent]]
id = "anna"
name = "Anna"
password_hash = "{hash}"
workstreams = ["support"]
"#,
            db = dir.join("tetap.db").display(),
            key = fixture("shop-rsa-public.pem").display(),
        );
        std::fs::write(&config, text).expect("config");
        Self {
            config,
            port,
            child: None,
        }
    }

    /// Starts the relay and waits until it says it listens.
    pub(super) async fn start(&mut self) {
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
    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("SIGKILL");
        }
    }

    /// SIGTERM, then the exit status.
    async fn terminate(&mut self) -> std::process::ExitStatus {
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

    pub(super) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub(super) fn ws_url(&self) -> String {
        customer_ws_url(self.addr())
    }

    fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// The customer WebSocket endpoint of a relay (or of a proxy in front of one) at `addr`.
pub(super) fn customer_ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/v1/customer/ws")
}

fn token(sub: &str) -> String {
    let now = jiff::Timestamp::now().as_second();
    sign(
        &json!({"iss": "https://shop.test", "aud": "tetap", "sub": sub, "iat": now, "exp": now + 600}),
        "shop-rsa-private.pem",
    )
}

/// What one customer ends with: its conversation and the message ids it saw, by `seq`.
pub(super) type Outcome = (String, BTreeMap<u64, String>);

/// The customers of a fault test, all writing at once, and their acknowledgements so far.
pub(super) struct Customers {
    scale: Scale,
    tasks: Vec<JoinHandle<Outcome>>,
    acks: Arc<watch::Sender<usize>>,
}

impl Customers {
    /// Starts `scale.customers` customers on `url`. A customer that cannot connect at all waits
    /// for `generation` to move (a restarted relay is up) before it tries again.
    pub(super) fn spawn(scale: Scale, url: &str, generation: &watch::Receiver<u64>) -> Self {
        let acks = Arc::new(watch::Sender::new(0usize));
        let tasks = (0..scale.customers)
            .map(|i| {
                tokio::spawn(customer(
                    i,
                    scale.messages_each,
                    url.to_owned(),
                    generation.clone(),
                    acks.clone(),
                ))
            })
            .collect();
        Self { scale, tasks, acks }
    }

    /// Returns once the customers together hold `threshold` acknowledgements: faults are placed
    /// by progress, never by timers.
    pub(super) async fn wait_for_acks(&self, threshold: usize) {
        let mut count = self.acks.subscribe();
        tokio::time::timeout(STEP, count.wait_for(|n| *n >= threshold))
            .await
            .unwrap_or_else(|_| panic!("acknowledgements stalled before {threshold}"))
            .expect("the counter lives in self");
    }

    /// Waits (bounded) for every customer to finish; each has then had every one of its
    /// messages acknowledged.
    pub(super) async fn finish(self) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for task in self.tasks {
            let outcome = tokio::time::timeout(STEP, task)
                .await
                .expect("the customer finishes")
                .expect("customer");
            outcomes.push(outcome);
        }
        assert_eq!(*self.acks.borrow(), self.scale.total());
        outcomes
    }
}

/// Messages a fault-test customer keeps unacknowledged at once, like a widget resending its
/// outbox: the relay queues them together, and a fault can strike with several in its queue.
const IN_FLIGHT: usize = 4;

/// One customer: keeps [`IN_FLIGHT`] messages unacknowledged, resends every unacknowledged one
/// in order after each reconnect, checks that acknowledgements come in the order sent, and
/// keeps the messages it has seen by `seq`.
async fn customer(
    index: usize,
    messages_each: usize,
    url: String,
    mut generation: watch::Receiver<u64>,
    acks: Arc<watch::Sender<usize>>,
) -> Outcome {
    let sub = format!("customer-{index}");
    let client_id = |n: usize| format!("{sub}-{n}");
    let mut seen: BTreeMap<u64, String> = BTreeMap::new();
    let mut conversation: Option<String> = None;
    // Everything below `acked` is acknowledged; `acked..sent` is in flight on this socket.
    let mut acked = 0;
    'connect: loop {
        // Read before connecting: a relay that comes up between a failed connect and this read
        // would otherwise be waited for as the next one.
        let current = *generation.borrow_and_update();
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(&url).await else {
            // The relay is down: wait for the supervisor to bring the next one up.
            let _ = tokio::time::timeout(STEP, generation.wait_for(|g| *g > current)).await;
            continue;
        };
        let resume = conversation.clone().map(|c| Cursor {
            conversation: tetap_shared::ConversationId(c),
            after_seq: seen.keys().next_back().copied().unwrap_or(0),
        });
        let hello = ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            workstream: "support".into(),
            token: token(&sub),
            resume,
            locale: None,
        };
        if socket
            .send(WsMessage::Text(hello.encode().into()))
            .await
            .is_err()
        {
            continue;
        }
        // What was in flight on the last socket is sent again, in order.
        let mut sent = acked;
        loop {
            if acked == messages_each {
                return (conversation.unwrap_or_default(), seen);
            }
            while sent < messages_each && sent - acked < IN_FLIGHT {
                let send = ClientFrame::Send {
                    client_id: client_id(sent),
                    text: format!("message {sent} of {sub}"),
                };
                if socket
                    .send(WsMessage::Text(send.encode().into()))
                    .await
                    .is_err()
                {
                    continue 'connect;
                }
                sent += 1;
            }
            let frame = match tokio::time::timeout(STEP, socket.next()).await {
                Ok(Some(Ok(WsMessage::Text(text)))) => {
                    ServerFrame::decode(text.as_str()).expect("frame")
                }
                Ok(Some(Ok(_))) => continue,
                Ok(_) => continue 'connect,
                Err(_) => panic!("{sub}: no frame for a minute"),
            };
            match frame {
                ServerFrame::Ack {
                    client_id: acknowledged,
                    conversation: c,
                    ..
                } => {
                    assert_eq!(
                        acknowledged,
                        client_id(acked),
                        "{sub}: acknowledgements in the order sent"
                    );
                    acked += 1;
                    conversation = Some(c.0);
                    acks.send_modify(|n| *n += 1);
                }
                ServerFrame::Message { message, .. } => {
                    seen.insert(message.seq, message.id);
                }
                ServerFrame::Messages { messages, .. } => {
                    for message in messages {
                        seen.insert(message.seq, message.id);
                    }
                }
                ServerFrame::Error { code, message, .. } => {
                    panic!("{sub}: refused {code:?}: {message}")
                }
                _ => {}
            }
        }
    }
}

/// The customer's view after one last resume: whatever a reconnecting widget would show.
async fn final_view(
    url: &str,
    sub: &str,
    conversation: &str,
    mut seen: BTreeMap<u64, String>,
) -> BTreeMap<u64, String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: token(sub),
        resume: Some(Cursor {
            conversation: conversation.into(),
            after_seq: seen.keys().next_back().copied().unwrap_or(0),
        }),
        locale: None,
    };
    socket
        .send(WsMessage::Text(hello.encode().into()))
        .await
        .expect("hello");
    let probe = ClientFrame::History {
        conversation: "probe".into(),
        before: 1,
        limit: None,
    };
    socket
        .send(WsMessage::Text(probe.encode().into()))
        .await
        .expect("probe");
    loop {
        let Some(Ok(WsMessage::Text(text))) = tokio::time::timeout(STEP, socket.next())
            .await
            .expect("frame")
        else {
            continue;
        };
        match ServerFrame::decode(text.as_str()).expect("frame") {
            ServerFrame::Messages { messages, .. } => {
                for message in messages {
                    seen.insert(message.seq, message.id);
                }
            }
            ServerFrame::Error { .. } => return seen,
            _ => {}
        }
    }
}

/// Every message of a conversation as the agent API returns it, oldest first.
async fn stored(relay: &RelayProcess, http: &reqwest::Client, token: &str, id: &str) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let query = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let page: Vec<Value> = http
            .get(relay.http(&format!(
                "/v1/agent/conversations/{id}/messages?limit=200{query}"
            )))
            .bearer_auth(token)
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        let Some(first) = page.first().and_then(|m| m["seq"].as_u64()) else {
            break;
        };
        all.splice(0..0, page);
        if first == 1 {
            break;
        }
        before = Some(first);
    }
    all
}

/// Signs in as the agent and returns the bearer token.
async fn agent_token(relay: &RelayProcess, http: &reqwest::Client) -> String {
    let login: Value = http
        .post(relay.http("/v1/agent/login"))
        .json(&json!({"agent": "anna", "password": ANNA_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    login["token"].as_str().expect("token").to_owned()
}

/// The guarantee (DESIGN §4), read back through the agent API: every customer's messages are
/// stored exactly once, in the order sent, with no gap in `seq`, and what the customer saw
/// (plus one last resume) equals the store.
pub(super) async fn assert_store_matches(
    relay: &RelayProcess,
    scale: Scale,
    outcomes: Vec<Outcome>,
) {
    assert_eq!(outcomes.len(), scale.customers, "one outcome per customer");
    let http = reqwest::Client::new();
    let token_text = agent_token(relay, &http).await;
    for (index, (conversation, seen)) in outcomes.into_iter().enumerate() {
        let sub = format!("customer-{index}");
        let messages = stored(relay, &http, &token_text, &conversation).await;
        let client_ids: Vec<String> = messages
            .iter()
            .filter(|m| m["author"]["kind"] == "customer")
            .map(|m| m["client_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let expected: Vec<String> = (0..scale.messages_each)
            .map(|i| format!("{sub}-{i}"))
            .collect();
        assert_eq!(client_ids, expected, "{sub}: every message once, in order");
        let seqs: Vec<u64> = messages.iter().filter_map(|m| m["seq"].as_u64()).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "{sub}: no gaps"
        );
        let store: BTreeMap<u64, String> = messages
            .iter()
            .map(|m| {
                (
                    m["seq"].as_u64().unwrap_or(0),
                    m["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let view = final_view(&relay.ws_url(), &sub, &conversation, seen).await;
        assert_eq!(view, store, "{sub}: the client's view equals the store");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_two_sigkills_exactly_once_and_in_order() {
    // Read first, so an unknown scale fails before anything starts.
    let scale = Scale::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = RelayProcess::new(dir.path());
    relay.start().await;
    let (generation_tx, generation) = watch::channel(0u64);
    let customers = Customers::spawn(scale, &relay.ws_url(), &generation);
    for percent in KILL_AT_PERCENT {
        customers.wait_for_acks(scale.acks_at(percent)).await;
        relay.kill().await;
        relay.start().await;
        generation_tx.send_modify(|g| *g += 1);
    }
    let outcomes = customers.finish().await;
    assert_store_matches(&relay, scale, outcomes).await;
}

#[tokio::test]
async fn sigterm_drains_and_stops_cleanly_with_everything_acknowledged_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = RelayProcess::new(dir.path());
    relay.start().await;
    let (mut socket, _) = tokio_tungstenite::connect_async(relay.ws_url())
        .await
        .expect("connect");
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: token("sari"),
        resume: None,
        locale: None,
    };
    socket
        .send(WsMessage::Text(hello.encode().into()))
        .await
        .expect("hello");
    let mut acked = 0;
    for i in 0..20 {
        let send = ClientFrame::Send {
            client_id: format!("m-{i}"),
            text: format!("{i}"),
        };
        socket
            .send(WsMessage::Text(send.encode().into()))
            .await
            .expect("send");
    }
    while acked < 20 {
        let Some(Ok(WsMessage::Text(text))) = tokio::time::timeout(STEP, socket.next())
            .await
            .expect("frame")
        else {
            continue;
        };
        if matches!(
            ServerFrame::decode(text.as_str()),
            Ok(ServerFrame::Ack { .. })
        ) {
            acked += 1;
        }
    }
    drop(socket);
    let status = relay.terminate().await;
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    relay.start().await;
    let (mut socket, _) = tokio_tungstenite::connect_async(relay.ws_url())
        .await
        .expect("connect");
    socket
        .send(WsMessage::Text(hello.encode().into()))
        .await
        .expect("hello");
    loop {
        let Some(Ok(WsMessage::Text(text))) = tokio::time::timeout(STEP, socket.next())
            .await
            .expect("frame")
        else {
            continue;
        };
        if let Ok(ServerFrame::Welcome { conversation, .. }) = ServerFrame::decode(text.as_str()) {
            assert_eq!(conversation.map(|c| c.last_seq), Some(20));
            break;
        }
    }
}

#[test]
fn the_fault_scales_and_their_thresholds() {
    assert_eq!(Scale::DEFAULT.total(), 1_000);
    assert_eq!(
        KILL_AT_PERCENT.map(|p| Scale::DEFAULT.acks_at(p)),
        [300, 650]
    );
    assert_eq!(Scale::BENCH.total(), 10_000);
    assert_eq!(
        KILL_AT_PERCENT.map(|p| Scale::BENCH.acks_at(p)),
        [3_000, 6_500]
    );
    assert!(Scale::named("default").is_some_and(|s| s.total() == 1_000));
    assert!(Scale::named("bench").is_some_and(|s| s.total() == 10_000));
    assert!(Scale::named("nonsense").is_none());
    assert!(Scale::named("").is_none());
}
