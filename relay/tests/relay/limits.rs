//! Limits: guessing passwords, flooding messages and hoarding sockets get clear refusals, and
//! nothing already accepted is lost.

use super::support::{ANNA_PASSWORD, TestRelay};
use serde_json::{Value, json};
use std::time::Duration;
use tetap_relay::limits::FRAMES_PER_SOCKET;
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ErrorCode, ServerFrame};

async fn login(relay: &TestRelay, password: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(relay.url("/v1/agent/login"))
        .json(&json!({ "agent": "anna", "password": password }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sign_in_is_slowed_after_five_wrong_passwords_even_for_the_right_one() {
    let relay = TestRelay::start().await;
    for _ in 0..5 {
        assert_eq!(login(&relay, "guess").await.0, 401);
    }
    let (status, body) = login(&relay, ANNA_PASSWORD).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"], "rate_limited");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("12 s")),
        "{body}"
    );
    relay.clock.advance(Duration::from_secs(12));
    assert_eq!(login(&relay, ANNA_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_message_flood_is_refused_by_client_id_and_nothing_refused_is_stored() {
    let relay = TestRelay::start_with_message_burst(5).await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    for i in 0..8 {
        socket.say(&format!("c-{i}"), &format!("message {i}")).await;
    }
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    while acked.len() + refused.len() < 8 {
        match socket.next_frame().await {
            ServerFrame::Ack { client_id, seq, .. } => acked.push((client_id, seq)),
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                client_id: Some(client_id),
                ..
            } => refused.push(client_id),
            _ => {}
        }
    }
    assert_eq!(acked.len(), 5, "the burst");
    assert_eq!(refused, ["c-5", "c-6", "c-7"]);
    relay.clock.advance(Duration::from_secs(1));
    // The refused message, sent again later, is stored once with the next sequence number.
    socket.say("c-5", "message 5").await;
    let ack = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert!(matches!(ack, ServerFrame::Ack { seq: 6, .. }), "{ack:?}");
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_sockets() {
    use tokio_tungstenite::tungstenite::Error;
    let relay = TestRelay::start().await;
    let mut open = Vec::new();
    for _ in 0..64 {
        open.push(relay.raw_socket().await);
    }
    let url = format!("ws://{}/v1/customer/ws", relay.addr);
    let refused = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("capped");
    let Error::Http(response) = refused else {
        panic!("expected an HTTP refusal, got {refused:?}")
    };
    assert_eq!(response.status(), 429);
    // A socket closed properly frees its slot (the relay closes its side after releasing it).
    open.pop().expect("an open socket").close().await;
    let (mut socket, welcome) = relay.customer("support", &relay.token("sari")).await;
    assert!(matches!(welcome, ServerFrame::Welcome { .. }));
    socket.barrier().await;
}

/// One history request for a conversation that does not exist: answered, and cheap.
fn probe() -> ClientFrame {
    ClientFrame::History {
        conversation: "no-such-conversation".into(),
        before: 1,
        limit: None,
    }
}

fn code_of(frame: &ServerFrame) -> ErrorCode {
    match frame {
        ServerFrame::Error { code, .. } => *code,
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_connection_flooding_frames_is_answered_rate_limited_and_messages_still_go_through() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    for _ in 0..FRAMES_PER_SOCKET.burst as usize {
        socket.send(&probe()).await;
        assert_eq!(
            code_of(&socket.next_frame().await),
            ErrorCode::UnknownConversation
        );
    }
    socket.send(&probe()).await;
    assert_eq!(code_of(&socket.next_frame().await), ErrorCode::RateLimited);
    // Messages have their own (per-customer) bucket: nothing accepted is lost to this one.
    let (_, seq) = socket.write("after-flood", "still here").await;
    assert_eq!(seq, 1);
    // Refilled with the relay's clock: a second later there is room again.
    relay.clock.advance(Duration::from_secs(1));
    socket.send(&probe()).await;
    let answer = socket
        .until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert_eq!(code_of(&answer), ErrorCode::UnknownConversation);
}
