//! Observability against real relays: `/metrics` counts exactly what this relay did (sockets,
//! stored messages, refusals) and nothing of another relay in the same process;
//! `server.metrics_listen` moves `/metrics` off the main listener; `log_format = "json"` makes
//! the real binary log one JSON object a line.

use super::support::{START, TestRelay};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tetap_relay::clock::ManualClock;
use tetap_relay::config::Config;
use tetap_shared::frames::{MAX_TEXT_BYTES, ServerFrame};
use tetap_shared::{ErrorCode, Message};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

/// Longest a test waits for an asynchronous change (a socket task ending) before it fails.
const DEADLINE: Duration = Duration::from_secs(20);

/// `GET url`: the status, the content type and the body.
async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

async fn scrape(relay: &TestRelay) -> String {
    let (status, content_type, text) = get(&relay.url("/metrics")).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    text
}

/// The value of one series (`name` or `name{labels}`), if the exposition has it.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// Every `tetap_refusals_total` series, by code.
fn refusals(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter_map(|line| line.strip_prefix("tetap_refusals_total{code=\""))
        .map(|rest| {
            let (code, value) = rest.split_once("\"} ").expect("a labelled sample");
            (code.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

#[tokio::test]
async fn metrics_count_exactly_this_relays_sockets_messages_and_refusals() {
    // A burst of two: the third message of the customer is refused as a flood.
    let relay = TestRelay::start_with_message_burst(2).await;
    let other = TestRelay::start().await;

    let text = scrape(&relay).await;
    for series in [
        "tetap_customer_sockets",
        "tetap_agent_event_streams",
        "tetap_messages_stored_total{author=\"customer\"}",
        "tetap_messages_stored_total{author=\"agent\"}",
        "tetap_messages_stored_total{author=\"system\"}",
        "tetap_message_commit_seconds_count",
    ] {
        assert_eq!(value(&text, series), 0.0, "{series} before anything");
    }
    assert!(refusals(&text).is_empty(), "{text}");
    assert!(
        text.contains("# TYPE tetap_customer_sockets gauge"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE tetap_messages_stored_total counter"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE tetap_store_commit_batch_size histogram"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE tetap_message_commit_seconds histogram"),
        "{text}"
    );

    let (mut socket, welcome) = relay
        .customer("support", &relay.token("metrics-sub-1"))
        .await;
    assert!(
        matches!(welcome, ServerFrame::Welcome { .. }),
        "{welcome:?}"
    );
    assert_eq!(value(&scrape(&relay).await, "tetap_customer_sockets"), 1.0);

    let (conversation, _) = socket.write("m-1", "first words").await;
    socket.write("m-2", "second words").await;
    socket.say("m-3", &"x".repeat(MAX_TEXT_BYTES + 1)).await;
    let refusal = socket
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(
            refusal,
            ServerFrame::Error {
                code: ErrorCode::MessageTooLong,
                ..
            }
        ),
        "{refusal:?}"
    );
    socket.say("m-4", "third words").await;
    let refusal = socket
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(
            refusal,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ),
        "{refusal:?}"
    );

    // An HTTP refusal: the agent API without a sign-in.
    let (status, _, _) = get(&relay.url("/v1/agent/me")).await;
    assert_eq!(status, 401);

    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    // Counted before the upgrade was answered: no waiting needed.
    assert_eq!(
        value(&scrape(&relay).await, "tetap_agent_event_streams"),
        1.0
    );
    // Online, she gets the queued conversation from routing ("Anna joined", a system message
    // in a write of its own), then answers it.
    anna.presence("online").await;
    events.until("assigned", &conversation).await;
    let (status, body) = anna.reply(&conversation, "a-1", "agent words").await;
    assert_eq!(status, 201, "{body}");

    let (_, stored) = anna
        .get(&format!("/conversations/{conversation}/messages"))
        .await;
    let stored: Vec<Message> = serde_json::from_value(stored).expect("messages");
    let by_kind = |kind: &str| {
        stored
            .iter()
            .filter(|m| m.author.kind.as_str() == kind)
            .count() as f64
    };
    assert_eq!(by_kind("customer"), 2.0);
    assert_eq!(by_kind("agent"), 1.0);
    assert_eq!(by_kind("system"), 1.0, "{stored:?}");

    let text = scrape(&relay).await;
    for kind in ["customer", "agent", "system"] {
        assert_eq!(
            value(
                &text,
                &format!("tetap_messages_stored_total{{author=\"{kind}\"}}")
            ),
            by_kind(kind),
            "{kind} messages in\n{text}"
        );
    }
    // Four writes stored messages: two of the customer's, routing's assignment, the agent's.
    assert_eq!(value(&text, "tetap_message_commit_seconds_count"), 4.0);
    assert!(value(&text, "tetap_message_commit_seconds_sum") > 0.0);
    let expected: BTreeMap<String, f64> = [
        ("message_too_long".to_owned(), 1.0),
        ("rate_limited".to_owned(), 1.0),
        ("unauthorized".to_owned(), 1.0),
    ]
    .into();
    assert_eq!(refusals(&text), expected, "{text}");
    // The group-commit writer: every commit is one observation of its batch size (a write
    // that changed nothing and was rolled back can leave an empty commit behind it).
    let commits = value(&text, "tetap_store_commits_total");
    let writes = value(&text, "tetap_store_writes_total");
    assert!(
        commits >= 1.0 && writes >= 3.0,
        "{commits} commits, {writes} writes"
    );
    assert_eq!(value(&text, "tetap_store_commit_batch_size_count"), commits);
    assert_eq!(value(&text, "tetap_store_commit_batch_size_sum"), writes);
    // No message text, customer id or token in the exposition.
    for secret in ["first words", "agent words", "metrics-sub-1", &anna.token] {
        assert!(!text.contains(secret), "{secret} leaked into\n{text}");
    }

    // Both close and wait for the relay's side to close, which it does after uncounting them.
    socket.close().await;
    events.close().await;
    let text = scrape(&relay).await;
    assert_eq!(value(&text, "tetap_customer_sockets"), 0.0);
    assert_eq!(value(&text, "tetap_agent_event_streams"), 0.0);

    // The other relay in this process saw none of it.
    let text = scrape(&other).await;
    for kind in ["customer", "agent", "system"] {
        assert_eq!(
            value(
                &text,
                &format!("tetap_messages_stored_total{{author=\"{kind}\"}}")
            ),
            0.0,
            "{text}"
        );
    }
    assert_eq!(value(&text, "tetap_customer_sockets"), 0.0);
    assert_eq!(value(&text, "tetap_message_commit_seconds_count"), 0.0);
    assert!(refusals(&text).is_empty(), "{text}");
}

#[tokio::test]
async fn with_metrics_listen_only_the_metrics_address_serves_metrics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
database_url = "sqlite://{db}"
"#,
        db = dir.path().join("tetap.db").display()
    );
    let config = Config::parse(&text, &dir.path().join("tetap.toml")).expect("config");
    assert!(config.server.metrics_listen.is_some());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let metrics_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let main = listener.local_addr().expect("address");
    let metrics = metrics_listener.local_addr().expect("address");
    let clock = Arc::new(ManualClock::new(START.parse().expect("start time")));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Driven beside the client rather than spawned: `run`'s future is not `Send` (sqlx's
    // migrations), as in `main`, which blocks on it.
    let server = tetap_relay::run_with_metrics_listener(
        listener,
        Some(metrics_listener),
        config,
        clock,
        async {
            let _ = stopped.await;
        },
    );
    // Both listeners are bound: requests wait in the backlog until the relay serves them.
    let client = async {
        let (status, _, _) = get(&format!("http://{main}/healthz")).await;
        assert_eq!(status, 200, "the main listener serves the relay");
        let (status, _, _) = get(&format!("http://{main}/metrics")).await;
        assert_eq!(status, 404, "no metrics on the main listener");
        let (status, _, _) = get(&format!("http://{main}/v1/agent/me")).await;
        assert_eq!(status, 401);

        let (status, content_type, text) = get(&format!("http://{metrics}/metrics")).await;
        assert_eq!(status, 200, "{text}");
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        // The same relay's counts: the refusal made on the main listener.
        assert_eq!(
            refusals(&text),
            [("unauthorized".to_owned(), 1.0)].into(),
            "{text}"
        );
        assert_eq!(value(&text, "tetap_customer_sockets"), 0.0);
        let (status, _, _) = get(&format!("http://{metrics}/healthz")).await;
        assert_eq!(status, 404, "the metrics address serves /metrics only");
        let _ = stop.send(());
    };
    let (served, ()) = tokio::time::timeout(DEADLINE, async { tokio::join!(server, client) })
        .await
        .expect("the relay answers and stops");
    served.expect("both servers stop cleanly");
}

#[tokio::test]
async fn the_binary_logs_json_lines_and_serves_metrics_on_metrics_listen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("tetap.toml");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
log_format = "json"
database_url = "sqlite://{db}"
"#,
        db = dir.path().join("tetap.db").display()
    );
    std::fs::write(&config, text).expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tetap-relay"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the relay binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut main: Option<SocketAddr> = None;
    let mut metrics: Option<SocketAddr> = None;
    while main.is_none() || metrics.is_none() {
        let line = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .expect("the relay starts")
            .expect("relay output")
            .expect("the relay is running");
        let entry: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(entry["timestamp"].is_string(), "{line}");
        assert_eq!(entry["level"], "INFO", "RUST_LOG=info: {line}");
        let address = || {
            entry["address"]
                .as_str()
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| panic!("an address in {line}"))
        };
        if entry["message"] == json!("tetap relay listening") {
            main = Some(address());
        } else if entry["message"] == json!("metrics listening") {
            metrics = Some(address());
        }
    }
    let (main, metrics) = (main.expect("main"), metrics.expect("metrics"));
    assert_ne!(main, metrics);
    let (status, _, _) = get(&format!("http://{main}/metrics")).await;
    assert_eq!(status, 404, "no metrics on the main listener");
    let (status, _, text) = get(&format!("http://{metrics}/metrics")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(value(&text, "tetap_customer_sockets"), 0.0);
    child.kill().await.expect("stop the relay");
}
