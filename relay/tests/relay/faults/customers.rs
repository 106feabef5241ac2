//! The customers of a fault run: writing at once, reconnecting and resending through faults.

use super::STEP;
use super::relay_process::token;
use super::scale::Scale;
use crate::relay::support::WsStream;
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use std::sync::Arc;
use tetap_shared::frames::{ClientFrame, Cursor, PROTOCOL_VERSION, ServerFrame};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What one customer ends with: its conversation and the message ids it saw, by `seq`.
pub(crate) type Outcome = (String, BTreeMap<u64, String>);

/// The customers of a fault test, all writing at once, and their acknowledgements so far.
pub(crate) struct Customers {
    scale: Scale,
    tasks: Vec<JoinHandle<Outcome>>,
    acks: Arc<watch::Sender<usize>>,
}

impl Customers {
    /// Starts `scale.customers` customers on `url`. A customer that cannot connect at all waits
    /// for `generation` to move (a restarted relay is up) before it tries again.
    pub(crate) fn spawn(scale: Scale, url: &str, generation: &watch::Receiver<u64>) -> Self {
        Self::spawn_across(scale, &[url.to_owned()], generation)
    }

    /// Starts `scale.customers` customers spread over `urls` (relays behind a load balancer):
    /// each starts on its own one, and a customer that cannot connect tries the next; when none
    /// answers, it waits for `generation` to move.
    pub(crate) fn spawn_across(
        scale: Scale,
        urls: &[String],
        generation: &watch::Receiver<u64>,
    ) -> Self {
        let acks = Arc::new(watch::Sender::new(0usize));
        let tasks = (0..scale.customers)
            .map(|i| {
                let mut urls = urls.to_vec();
                let first = i % urls.len();
                urls.rotate_left(first);
                tokio::spawn(customer(
                    i,
                    scale.messages_each,
                    urls,
                    generation.clone(),
                    acks.clone(),
                ))
            })
            .collect();
        Self { scale, tasks, acks }
    }

    /// Returns once the customers together hold `threshold` acknowledgements: faults are placed
    /// by progress, never by timers.
    pub(crate) async fn wait_for_acks(&self, threshold: usize) {
        let mut count = self.acks.subscribe();
        tokio::time::timeout(STEP, count.wait_for(|n| *n >= threshold))
            .await
            .unwrap_or_else(|_| panic!("acknowledgements stalled before {threshold}"))
            .expect("the counter lives in self");
    }

    /// Waits (bounded) for every customer to finish; each has then had every one of its
    /// messages acknowledged.
    pub(crate) async fn finish(self) -> Vec<Outcome> {
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

/// One customer: connects to the first of `urls` that answers, keeps [`IN_FLIGHT`] messages
/// unacknowledged, resends every unacknowledged one
/// in order after each reconnect, checks that acknowledgements come in the order sent, and
/// keeps the messages it has seen by `seq`.
async fn customer(
    index: usize,
    messages_each: usize,
    urls: Vec<String>,
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
        let mut connected = None;
        for url in &urls {
            if let Ok((socket, _)) = tokio_tungstenite::connect_async(url).await {
                connected = Some(socket);
                break;
            }
        }
        let Some(mut socket) = connected else {
            // Every relay is down: wait for the supervisor to bring the next one up.
            let _ = tokio::time::timeout(STEP, generation.wait_for(|g| *g > current)).await;
            continue;
        };
        let resume = conversation.clone().map(|c| Cursor {
            conversation: tetap_shared::ConversationId(c),
            after_seq: seen.keys().next_back().copied().unwrap_or(0),
        });
        if socket.send(hello(&sub, resume)).await.is_err() {
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
pub(crate) async fn final_view(
    url: &str,
    sub: &str,
    conversation: &str,
    mut seen: BTreeMap<u64, String>,
) -> BTreeMap<u64, String> {
    let resume = Cursor {
        conversation: conversation.into(),
        after_seq: seen.keys().next_back().copied().unwrap_or(0),
    };
    let mut socket = connected(url, sub, Some(resume)).await;
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

/// The `hello` of customer `sub` on the fault tests' workstream, resuming after `resume`.
fn hello(sub: &str, resume: Option<Cursor>) -> WsMessage {
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "support".into(),
        token: token(sub),
        resume,
        locale: None,
    };
    WsMessage::Text(hello.encode().into())
}

/// A socket of customer `sub` to `url`, hello said; the test fails when either cannot be done.
pub(crate) async fn connected(url: &str, sub: &str, resume: Option<Cursor>) -> WsStream {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    socket.send(hello(sub, resume)).await.expect("hello");
    socket
}
