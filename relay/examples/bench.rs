//! Tetap's benchmark, run by `cargo xtask bench`: a tokio-tungstenite load generator against a
//! release relay process on loopback. Prints one table: each figure with its budget
//! (DESIGN.md §4) and, where it applies, a floor measured in the same run.
//!
//! Arguments: `RELAY_BINARY WIDGET_DIST LOADER [--quick]`.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PASSWORD: &str = "bench-password";

struct Scale {
    idle_sockets: usize,
    latency_seconds: u64,
    throughput_clients: usize,
    throughput_each: usize,
    history_rows: usize,
    storm_clients: usize,
}

struct Row {
    metric: String,
    value: String,
    budget: String,
    floor: String,
}

fn row(metric: &str, value: String, budget: &str, floor: String) -> Row {
    Row {
        metric: metric.into(),
        value,
        budget: budget.into(),
        floor,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        args.len() >= 3,
        "usage: bench RELAY_BINARY WIDGET_DIST LOADER [--quick]"
    );
    let relay_binary = PathBuf::from(&args[0]);
    let quick = args.iter().any(|a| a == "--quick");
    let scale = if quick {
        Scale {
            idle_sockets: 1_000,
            latency_seconds: 3,
            throughput_clients: 50,
            throughput_each: 40,
            history_rows: 100_000,
            storm_clients: 500,
        }
    } else {
        Scale {
            idle_sockets: 10_000,
            latency_seconds: 10,
            throughput_clients: 200,
            throughput_each: 100,
            history_rows: 1_000_000,
            storm_clients: 5_000,
        }
    };
    let mut rows = sizes(Path::new(&args[1]), Path::new(&args[2]))?;
    let dir = tempfile::tempdir()?;
    // The Chromium run's host page lives on its own origin, which the workstream must allow.
    let host = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let host_origin = format!("http://{}", host.local_addr()?);
    let widget_dist = std::fs::canonicalize(&args[1])?;
    let mut relay = Relay::start(&relay_binary, dir.path(), &host_origin, &widget_dist).await?;
    rows.push(idle_memory(&relay, scale.idle_sockets).await?);
    rows.extend(delivery_latency(&relay, scale.latency_seconds).await?);
    rows.extend(throughput(&relay, scale.throughput_clients, scale.throughput_each).await?);
    rows.push(reconnect_storm(&relay, scale.storm_clients).await?);
    rows.push(open_to_first_message(&relay, host).await?);
    relay.stop().await;
    rows.push(history_latency(&relay_binary, dir.path(), scale.history_rows).await?);
    print_table(&rows);
    Ok(())
}

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len()).unwrap_or(0)
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out.len()
}

fn sizes(widget_dist: &Path, loader: &Path) -> anyhow::Result<Vec<Row>> {
    let loader = std::fs::read(loader)?;
    let mut app = Vec::new();
    let mut raw = 0;
    let mut gz = 0;
    let mut br = 0;
    for entry in std::fs::read_dir(widget_dist)? {
        let path = entry?.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css")
        ) {
            let bytes = std::fs::read(&path)?;
            raw += bytes.len();
            gz += gzip(&bytes);
            br += brotli(&bytes);
            app.push(path);
        }
    }
    Ok(vec![
        row(
            "loader tetap.js (raw / gzip / brotli)",
            format!(
                "{} / {} / {} B",
                loader.len(),
                gzip(&loader),
                brotli(&loader)
            ),
            "≤ 5 KB gzip",
            String::new(),
        ),
        row(
            "widget app wasm+js+css (raw / gzip / brotli)",
            format!("{raw} / {gz} / {br} B"),
            "≤ 150 KB gzip",
            String::new(),
        ),
    ])
}

struct Relay {
    child: Child,
    port: u16,
    config: PathBuf,
}

impl Relay {
    async fn start(
        binary: &Path,
        dir: &Path,
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
        Self::spawn(binary, config, port).await
    }

    async fn spawn(binary: &Path, config: PathBuf, port: u16) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
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
        Ok(Self {
            child,
            port,
            config,
        })
    }

    async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }

    fn rss_kib(&self) -> u64 {
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

    fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/customer/ws", self.port)
    }

    fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn agent_token(&self) -> anyhow::Result<String> {
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

fn token(sub: &str) -> String {
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

async fn send(socket: &mut Socket, frame: &ClientFrame) -> anyhow::Result<()> {
    socket.send(WsMessage::Text(frame.encode().into())).await?;
    Ok(())
}

async fn next(socket: &mut Socket) -> anyhow::Result<ServerFrame> {
    loop {
        match socket.next().await {
            Some(Ok(WsMessage::Text(text))) => return Ok(ServerFrame::decode(text.as_str())?),
            Some(Ok(_)) => continue,
            _ => anyhow::bail!("socket closed"),
        }
    }
}

/// A customer socket that has said hello (token reused: signing is not what is measured).
async fn customer(
    url: &str,
    token: &str,
    resume: Option<Cursor>,
) -> anyhow::Result<(Socket, ServerFrame)> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: token.into(),
        resume,
        locale: None,
    };
    send(&mut socket, &hello).await?;
    let welcome = next(&mut socket).await?;
    Ok((socket, welcome))
}

async fn idle_memory(relay: &Relay, count: usize) -> anyhow::Result<Row> {
    let before = relay.rss_kib();
    let tokens: Vec<String> = (0..100).map(|i| token(&format!("idle-{i}"))).collect();
    let mut sockets = Vec::with_capacity(count);
    for i in 0..count {
        sockets.push(
            customer(&relay.ws(), &tokens[i % tokens.len()], None)
                .await?
                .0,
        );
    }
    let after = relay.rss_kib();
    let per_socket = (after.saturating_sub(before) as f64 * 1024.0) / count as f64;
    drop(sockets);
    Ok(row(
        &format!("relay RSS per idle authenticated WebSocket ({count} open)"),
        format!("{:.1} KB", per_socket / 1000.0),
        "≤ 8 KB",
        String::new(),
    ))
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    (at(0.50), at(0.99), at(0.999))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Customer → agent at 1,000 msg/s: from the customer's send to the agent's `message` event.
async fn delivery_latency(relay: &Relay, seconds: u64) -> anyhow::Result<Vec<Row>> {
    let agent = relay.agent_token().await?;
    let url = relay.ws().replace("/v1/customer/ws", "/v1/agent/events");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {agent}").parse()?);
    let (mut events, _) = tokio_tungstenite::connect_async(request).await?;
    let senders = 20;
    let mut sockets = Vec::new();
    for i in 0..senders {
        sockets.push(
            customer(&relay.ws(), &token(&format!("latency-{i}")), None)
                .await?
                .0,
        );
    }
    let total = seconds as usize * 1000;
    let started = Instant::now();
    let sent_at = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
        String,
        Instant,
    >::new()));
    let receiver = {
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total);
            let mut typing = Vec::new();
            while latencies.len() < total || typing.len() < senders {
                let Some(Ok(WsMessage::Text(text))) = events.next().await else {
                    break;
                };
                let event: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                let key = match event["type"].as_str() {
                    Some("message") => event["message"]["client_id"].as_str().map(str::to_owned),
                    Some("typing") => Some(format!("typing-{}", event["conversation"])),
                    _ => None,
                };
                let now = Instant::now();
                if let Some(key) = key
                    && let Some(at) = sent_at.lock().map(|mut m| m.remove(&key)).ok().flatten()
                {
                    if key.starts_with("typing-") {
                        typing.push(now - at)
                    } else {
                        latencies.push(now - at)
                    }
                }
            }
            (latencies, typing)
        })
    };
    let interval = Duration::from_micros(1_000_000 / 1000);
    let mut conversations = vec![None; senders];
    for n in 0..total {
        let due = started + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let i = n % senders;
        let client_id = format!("l-{n}");
        sent_at
            .lock()
            .map(|mut m| m.insert(client_id.clone(), Instant::now()))
            .ok();
        send(
            &mut sockets[i],
            &ClientFrame::Send {
                client_id,
                text: "latency probe".into(),
            },
        )
        .await?;
        if n < senders {
            // Learn each conversation id from its first ack (typing probes need it).
            loop {
                if let ServerFrame::Ack { conversation, .. } = next(&mut sockets[i]).await? {
                    conversations[i] = Some(conversation);
                    break;
                }
            }
        }
    }
    // Not persisted: typing, one per sender after its 2 s throttle window.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for (i, socket) in sockets.iter_mut().enumerate() {
        if let Some(conversation) = &conversations[i] {
            let key = format!("typing-\"{}\"", conversation.0);
            sent_at
                .lock()
                .map(|mut m| m.insert(key, Instant::now()))
                .ok();
            send(socket, &ClientFrame::Typing).await?;
        }
    }
    let (latencies, typing) = tokio::time::timeout(Duration::from_secs(60), receiver).await??;
    let (p50, p99, p999) = percentiles(latencies);
    let floor = echo_floor(2000).await?;
    let typing_row = if typing.is_empty() {
        "n/a".to_owned()
    } else {
        let (t50, t99, _) = percentiles(typing);
        format!("{} / {} ms", ms(t50), ms(t99))
    };
    Ok(vec![
        row(
            "customer→agent delivery, persisted, 1,000 msg/s (p50 / p99 / p99.9)",
            format!("{} / {} / {} ms", ms(p50), ms(p99), ms(p999)),
            "p99 ≤ 5 ms",
            format!(
                "echo round trip p50 / p99 {} / {} ms",
                ms(floor.0),
                ms(floor.1)
            ),
        ),
        row(
            "typing (not persisted), customer→agent (p50 / p99)",
            typing_row,
            "≤ 2 ms over the echo floor",
            format!(
                "echo round trip p50 / p99 {} / {} ms",
                ms(floor.0),
                ms(floor.1)
            ),
        ),
    ])
}

/// A bare tokio-tungstenite echo server on loopback: the floor for one frame's trip.
async fn echo_floor(samples: usize) -> anyhow::Result<(Duration, Duration)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await
            && let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await
        {
            while let Some(Ok(message)) = ws.next().await {
                if ws.send(message).await.is_err() {
                    break;
                }
            }
        }
    });
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}")).await?;
    let mut trips = Vec::with_capacity(samples);
    for _ in 0..samples {
        let at = Instant::now();
        socket
            .send(WsMessage::Text("{\"type\":\"typing\"}".into()))
            .await?;
        let _ = socket.next().await;
        trips.push(at.elapsed());
    }
    let (p50, p99, _) = percentiles(trips);
    Ok((p50, p99))
}

/// Durable messages per second: many customers sending as fast as acks come back (group
/// commit), and one customer waiting for each ack (one commit per message).
async fn throughput(relay: &Relay, clients: usize, each: usize) -> anyhow::Result<Vec<Row>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let url = relay.ws();
        let token = token(&format!("throughput-{c}"));
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = customer(&url, &token, None).await?;
            // A window of 16 in flight per customer.
            let mut sent = 0;
            let mut acked = 0;
            while acked < each {
                while sent < each && sent - acked < 16 {
                    send(
                        &mut socket,
                        &ClientFrame::Send {
                            client_id: format!("t{c}-{sent}"),
                            text: "x".into(),
                        },
                    )
                    .await?;
                    sent += 1;
                }
                if let ServerFrame::Ack { .. } = next(&mut socket).await? {
                    acked += 1;
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let grouped = (clients * each) as f64 / started.elapsed().as_secs_f64();
    let (mut socket, _) = customer(&relay.ws(), &token("sequential"), None).await?;
    let n = 300;
    let started = Instant::now();
    for i in 0..n {
        send(
            &mut socket,
            &ClientFrame::Send {
                client_id: format!("s-{i}"),
                text: "x".into(),
            },
        )
        .await?;
        while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
    }
    let single = n as f64 / started.elapsed().as_secs_f64();
    Ok(vec![
        row(
            &format!("durable messages/s, group commit ({clients} customers)"),
            format!("{grouped:.0}"),
            "≥ 20,000",
            String::new(),
        ),
        row(
            "durable messages/s, one commit per message (one customer)",
            format!("{single:.0}"),
            "",
            String::new(),
        ),
    ])
}

/// Customers reconnecting at once with their resume cursor: time until every one has resumed.
async fn reconnect_storm(relay: &Relay, clients: usize) -> anyhow::Result<Row> {
    let mut cursors = Vec::with_capacity(clients);
    let tokens: Vec<String> = (0..clients).map(|i| token(&format!("storm-{i}"))).collect();
    for t in &tokens {
        let (mut socket, _) = customer(&relay.ws(), t, None).await?;
        send(
            &mut socket,
            &ClientFrame::Send {
                client_id: "storm".into(),
                text: "before".into(),
            },
        )
        .await?;
        loop {
            if let ServerFrame::Ack {
                conversation, seq, ..
            } = next(&mut socket).await?
            {
                cursors.push(Cursor {
                    conversation,
                    after_seq: seq - 1,
                });
                break;
            }
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for (t, cursor) in tokens.into_iter().zip(cursors) {
        let url = relay.ws();
        tasks.push(tokio::spawn(async move {
            let expected = cursor.after_seq + 1;
            let (mut socket, _) = customer(&url, &t, Some(cursor)).await?;
            loop {
                if let ServerFrame::Messages { messages, .. } = next(&mut socket).await? {
                    anyhow::ensure!(messages.first().map(|m| m.seq) == Some(expected), "a gap");
                    return anyhow::Ok(socket);
                }
            }
        }));
    }
    let mut gaps = 0;
    let mut sockets = Vec::new();
    for task in tasks {
        match task.await? {
            Ok(socket) => sockets.push(socket),
            Err(_) => gaps += 1,
        }
    }
    let elapsed = started.elapsed();
    Ok(row(
        &format!("reconnect storm: {clients} clients resume at once"),
        format!("{} ms, {gaps} gaps", elapsed.as_millis()),
        "0 gaps",
        String::new(),
    ))
}

/// Last-50 history on a store of `rows` messages: seeded straight into SQLite, then read through
/// the agent API.
async fn history_latency(binary: &Path, dir: &Path, rows: usize) -> anyhow::Result<Row> {
    use sqlx::{ConnectOptions, Connection};
    let db = dir.join("tetap.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await?;
    let conversations = 100;
    let mut tx = conn.begin().await?;
    for c in 0..conversations {
        sqlx::query(
            "INSERT INTO conversations (id, workstream, mode, state, issuer, subject, created_at, \
             updated_at, queued_at, last_seq) VALUES (?, 'support', 'persistent', 'open', \
             'https://shop.test', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', \
             '2026-01-01T00:00:00.000Z', ?)",
        )
        .bind(format!("history-{c}"))
        .bind(format!("history-customer-{c}"))
        .bind((rows / conversations) as i64)
        .execute(&mut *tx)
        .await?;
        for seq in 1..=(rows / conversations) {
            sqlx::query(
                "INSERT INTO messages (conversation_id, seq, id, client_id, author_kind, author_id, \
                 text, at) VALUES (?, ?, ?, ?, 'customer', ?, 'a stored message of some length', \
                 '2026-01-01T00:00:00.000Z')",
            )
            .bind(format!("history-{c}"))
            .bind(seq as i64)
            .bind(format!("h{c}-{seq}"))
            .bind(format!("h{c}-{seq}"))
            .bind(format!("history-customer-{c}"))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    conn.close().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = dir.join("tetap.toml");
    let text = std::fs::read_to_string(&config)?;
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("listen") {
                format!("listen = \"127.0.0.1:{port}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&config, text)?;
    let mut relay = Relay::spawn(binary, config, port).await?;
    let agent = relay.agent_token().await?;
    let http = reqwest::Client::new();
    let mut samples = Vec::new();
    for i in 0..2000 {
        let c = i % conversations;
        let at = Instant::now();
        let page: Vec<Value> = http
            .get(relay.http(&format!(
                "/v1/agent/conversations/history-{c}/messages?limit=50"
            )))
            .bearer_auth(&agent)
            .send()
            .await?
            .json()
            .await?;
        samples.push(at.elapsed());
        anyhow::ensure!(page.len() == 50, "a full page");
    }
    relay.stop().await;
    let (p50, p99, _) = percentiles(samples);
    let _ = relay.config;
    Ok(row(
        &format!("last-50 history over HTTP on {rows} stored messages (p50 / p99)"),
        format!("{} / {} ms", ms(p50), ms(p99)),
        "p99 ≤ 5 ms",
        String::new(),
    ))
}

/// In real Chromium: from clicking the launcher on a host page (another origin) to the newest
/// message of the customer's conversation rendered in the widget. The median of five page loads.
async fn open_to_first_message(
    relay: &Relay,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<Row> {
    use fantoccini::{ClientBuilder, Locator};
    let customer_token = token("chromium-customer");
    let (mut socket, _) = customer(&relay.ws(), &customer_token, None).await?;
    send(
        &mut socket,
        &ClientFrame::Send {
            client_id: "seed".into(),
            text: "first-message-probe".into(),
        },
    )
    .await?;
    while !matches!(next(&mut socket).await?, ServerFrame::Ack { .. }) {}
    // The host page: its own origin, the real script tag, a token provider returning a Promise.
    let host = format!("http://{}", listener.local_addr()?);
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body>
<script>window.shop = {{ getToken: function () {{ return Promise.resolve({token}); }} }};</script>
<script src="http://127.0.0.1:{port}/tetap.js" data-workstream="support" data-auth="shop.getToken" async></script>
</body></html>"#,
        token = serde_json::Value::String(customer_token),
        port = relay.port,
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains("started successfully") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let profile = tempfile::tempdir()?;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", format!("--user-data-dir={}", profile.path().display()),
        ]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?;
    let mut samples = Vec::new();
    for _ in 0..5 {
        client.goto(&host).await?;
        let launcher = client
            .wait()
            .for_element(Locator::Css("button[aria-expanded]"))
            .await?;
        let started = Instant::now();
        launcher.click().await?;
        client
            .wait()
            .for_element(Locator::Css("iframe"))
            .await?
            .enter_frame()
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(
                "//*[contains(@class, 'tetap-text') and text()='first-message-probe']",
            ))
            .await?;
        samples.push(started.elapsed());
        client.enter_parent_frame().await?;
    }
    client.close().await?;
    samples.sort();
    Ok(row(
        "open to first message rendered, Chromium (median of 5)",
        format!("{} ms", ms(samples[samples.len() / 2])),
        "",
        String::new(),
    ))
}

fn print_table(rows: &[Row]) {
    println!("| metric | value | budget | floor |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.metric, r.value, r.budget, r.floor
        );
    }
}
