//! Customer→agent delivery latency, persisted and not, against a bare echo server's floor.

use crate::client::{customer, next, send};
use crate::relay_process::{Relay, token};
use crate::report::{Row, ms, percentiles, row};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::{Duration, Instant};
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// How long the last probes may take to arrive before they count as never delivered.
const STRAGGLERS: Duration = Duration::from_secs(10);

/// What one run of probes measured.
pub struct Delivery {
    /// Message probes sent.
    sent: usize,
    /// Send to the agent's `message` event, of each probe that arrived.
    latencies: Vec<Duration>,
    /// Typing probes sent.
    typing_sent: usize,
    /// Send to the agent's `typing` event, likewise.
    typing: Vec<Duration>,
}

impl Delivery {
    /// `p50 / p99 / p99.9 ms`, and how many never arrived if any did not.
    pub fn value(&self) -> String {
        let mut text = if self.latencies.is_empty() {
            "none arrived".to_owned()
        } else {
            let (p50, p99, p999) = percentiles(self.latencies.clone());
            format!("{} / {} / {} ms", ms(p50), ms(p99), ms(p999))
        };
        let lost = self.sent - self.latencies.len();
        if lost > 0 {
            text.push_str(&format!(
                "; {lost} of {} never arrived (within {} s)",
                self.sent,
                STRAGGLERS.as_secs()
            ));
        }
        text
    }

    /// `p50 / p99 ms` of the typing probes, and how many never arrived if any did not.
    pub fn typing_value(&self) -> String {
        let mut text = if self.typing.is_empty() {
            "n/a".to_owned()
        } else {
            let (t50, t99, _) = percentiles(self.typing.clone());
            format!("{} / {} ms", ms(t50), ms(t99))
        };
        let lost = self.typing_sent - self.typing.len();
        if lost > 0 && !self.typing.is_empty() {
            text.push_str(&format!("; {lost} of {} never arrived", self.typing_sent));
        }
        text
    }
}

/// Customer → agent at 1,000 msg/s on one relay: the persisted and the typing rows.
pub async fn delivery_latency(
    relay: &Relay,
    seconds: u64,
    fsync_p99: Duration,
) -> anyhow::Result<Vec<Row>> {
    let delivery = measure(relay, relay, seconds, "same").await?;
    let floor = echo_floor(2000).await?;
    Ok(vec![
        row(
            "customer→agent delivery, persisted, 1,000 msg/s (p50 / p99 / p99.9)",
            delivery.value(),
            "p99 ≤ 5 ms",
            format!(
                "echo round trip p50 / p99 {} / {} ms; fdatasync p99 {} ms",
                ms(floor.0),
                ms(floor.1),
                ms(fsync_p99)
            ),
        ),
        row(
            "typing (not persisted), customer→agent (p50 / p99)",
            delivery.typing_value(),
            "≤ 2 ms over the echo floor",
            format!(
                "echo round trip p50 / p99 {} / {} ms",
                ms(floor.0),
                ms(floor.1)
            ),
        ),
    ])
}

/// Customers on `customers` send at 1,000 msg/s for `seconds`, then each sends one typing
/// notice; agent anna's event stream on `agents` times each one's arrival. `tag` keeps the
/// customers and client ids of this run apart from other runs on the same store.
pub async fn measure(
    customers: &Relay,
    agents: &Relay,
    seconds: u64,
    tag: &str,
) -> anyhow::Result<Delivery> {
    let agent = agents.agent_token().await?;
    let url = agents.ws().replace("/v1/customer/ws", "/v1/agent/events");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {agent}").parse()?);
    let (mut events, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
    let senders = 20;
    let mut sockets = Vec::new();
    for i in 0..senders {
        sockets.push(
            customer(&customers.ws(), &token(&format!("latency-{tag}-{i}")), None)
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
    // Everything is sent by then (the typing probes follow the messages after about 2 s); what
    // has not arrived a while later never will.
    let give_up = started + Duration::from_secs(seconds) + Duration::from_secs(3) + STRAGGLERS;
    let receiver = {
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total);
            let mut typing = Vec::new();
            while latencies.len() < total || typing.len() < senders {
                let Ok(Some(Ok(WsMessage::Text(text)))) =
                    tokio::time::timeout_at(give_up.into(), events.next()).await
                else {
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
        let client_id = format!("l-{tag}-{n}");
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
    // Not persisted: typing, one per sender after its 2 s throttle window, 10 ms apart so each
    // probe measures one notice, not a queue of them.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for (i, socket) in sockets.iter_mut().enumerate() {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if let Some(conversation) = &conversations[i] {
            let key = format!("typing-\"{}\"", conversation.0);
            sent_at
                .lock()
                .map(|mut m| m.insert(key, Instant::now()))
                .ok();
            send(socket, &ClientFrame::Typing).await?;
        }
    }
    let (latencies, typing) = receiver.await?;
    Ok(Delivery {
        sent: total,
        latencies,
        typing_sent: conversations.iter().flatten().count(),
        typing,
    })
}

/// A bare tokio-tungstenite echo server on loopback: the floor for one frame's trip.
pub async fn echo_floor(samples: usize) -> anyhow::Result<(Duration, Duration)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await
            && stream.set_nodelay(true).is_ok()
            && let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await
        {
            while let Some(Ok(message)) = ws.next().await {
                if ws.send(message).await.is_err() {
                    break;
                }
            }
        }
    });
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}"), None, true).await?;
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
