//! R11 across a crash, against the real `tetap-relay` process: a live chat whose customer left
//! while the relay was down closes after its reconnect grace; one whose customer came back stays.
//! Real time throughout (a process cannot be given a hand-moved clock), with a 1 s presence lease
//! and a 2 s grace; every wait is for something the relay does, bounded by a deadline.

use crate::relay::faults::{RelayProcess, agent_token, token};
use crate::relay::support::metric_at;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tetap_shared::frames::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const GRACE: Duration = Duration::from_secs(2);
const LEASE: &str = "presence_lease = \"1s\"";
const DEADLINE: Duration = Duration::from_secs(60);

type Socket = crate::relay::support::WsStream;

/// A live customer's socket, hello said and welcomed.
async fn live_customer(relay: &RelayProcess, sub: &str) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(relay.ws_url())
        .await
        .expect("connect");
    let hello = ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
        workstream: "sales".into(),
        token: token(sub),
        resume: None,
        locale: None,
    };
    socket
        .send(WsMessage::Text(hello.encode().into()))
        .await
        .expect("hello");
    next_frame(&mut socket, |f| matches!(f, ServerFrame::Welcome { .. })).await;
    socket
}

async fn next_frame(socket: &mut Socket, wanted: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(DEADLINE, socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if let WsMessage::Text(text) = message {
            let frame = ServerFrame::decode(text.as_str()).expect("frame");
            if wanted(&frame) {
                return frame;
            }
        }
    }
}

/// Writes a message; returns the conversation id once it is acknowledged.
async fn write(socket: &mut Socket, client_id: &str) -> String {
    let send = ClientFrame::Send {
        client_id: client_id.into(),
        text: "are you there?".into(),
    };
    socket
        .send(WsMessage::Text(send.encode().into()))
        .await
        .expect("send");
    match next_frame(socket, |f| matches!(f, ServerFrame::Ack { .. })).await {
        ServerFrame::Ack { conversation, .. } => conversation.0,
        _ => unreachable!(),
    }
}

/// The agent API of the process, signed in as anna.
struct Agent {
    http: reqwest::Client,
    token: String,
    base: String,
}

impl Agent {
    async fn sign_in(relay: &RelayProcess) -> Self {
        let http = reqwest::Client::new();
        Self {
            token: agent_token(relay, &http).await,
            http,
            base: relay.http("/v1/agent"),
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }

    async fn state(&self, id: &str) -> String {
        for query in ["", "?state=closed"] {
            let list = self.get(&format!("/conversations{query}")).await;
            if let Some(found) = list
                .as_array()
                .and_then(|l| l.iter().find(|c| c["id"] == id))
            {
                return found["state"].as_str().unwrap_or_default().to_owned();
            }
        }
        String::new()
    }

    async fn ended_at(&self, id: &str) -> Option<jiff::Timestamp> {
        let messages = self.get(&format!("/conversations/{id}/messages")).await;
        messages
            .as_array()?
            .iter()
            .find(|m| m["system_kind"] == "ended")
            .and_then(|m| m["at"].as_str()?.parse().ok())
    }
}

#[tokio::test]
async fn r11_a_live_chat_whose_customer_left_while_the_relay_was_killed_closes_after_the_grace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = RelayProcess::with_server_settings(dir.path(), LEASE);
    relay.start().await;
    let mut customer = live_customer(&relay, "crash-gone").await;
    let id = write(&mut customer, "m1").await;

    relay.kill().await;
    // The customer closes the tab while the relay is down.
    drop(customer);
    let back = jiff::Timestamp::now();
    relay.start().await;
    let agent = Agent::sign_in(&relay).await;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while agent.state(&id).await != "closed" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the live chat never closed after the crash"
        );
    }
    let ended = agent
        .ended_at(&id)
        .await
        .expect("the grace's system message");
    let earliest = back
        .checked_add(jiff::SignedDuration::try_from(GRACE).expect("span"))
        .expect("time");
    assert!(
        ended >= earliest,
        "closed at {ended}, before the grace from {back}"
    );
}

#[tokio::test]
async fn r11_a_live_chat_whose_customer_came_back_after_the_crash_stays_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = RelayProcess::with_server_settings(dir.path(), LEASE);
    relay.start().await;
    let mut customer = live_customer(&relay, "crash-back").await;
    let id = write(&mut customer, "m1").await;

    relay.kill().await;
    drop(customer);
    relay.start().await;
    let mut customer = live_customer(&relay, "crash-back").await;
    // Long enough for the old lease to lapse and a grace started from it to end: 12 sweeps,
    // one every third of the 1 s lease, are 4 s.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while metric_at(&relay.http("/metrics"), "tetap_presence_sweeps_total").await < 12 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay stopped sweeping"
        );
    }
    let agent = Agent::sign_in(&relay).await;
    assert_eq!(
        agent.state(&id).await,
        "open",
        "the customer is here: it stays"
    );
    assert_eq!(agent.ended_at(&id).await, None);
    // The same conversation goes on.
    assert_eq!(write(&mut customer, "m2").await, id);
}
