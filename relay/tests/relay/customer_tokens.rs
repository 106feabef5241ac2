//! A customer socket's token: bad ones are refused and the socket closed; an expired one stops
//! sends until a fresh one comes (and closes the socket if none does); a socket never changes
//! whose it is.

use super::customer_socket::{ack_seq, error_code};
use super::support::{TestRelay, sign};
use serde_json::json;
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ErrorCode, ServerFrame};

#[tokio::test]
async fn bad_tokens_are_refused_and_the_socket_closed() {
    let relay = TestRelay::start().await;
    let now = relay.now().as_second();
    let claims = |overrides: serde_json::Value| {
        let mut claims = json!({
            "iss": "https://shop.test", "aud": "tetap", "sub": "sari", "iat": now, "exp": now + 600,
        });
        for (key, value) in overrides.as_object().expect("object") {
            claims[key] = value.clone();
        }
        claims
    };
    let cases = [
        (
            "expired",
            relay.token_with(claims(json!({"iat": now - 7200, "exp": now - 3600}))),
            ErrorCode::TokenExpired,
        ),
        (
            "wrong audience",
            relay.token_with(claims(json!({"aud": "someone-else"}))),
            ErrorCode::Unauthorized,
        ),
        (
            "wrong issuer",
            relay.token_with(claims(json!({"iss": "https://evil.test"}))),
            ErrorCode::Unauthorized,
        ),
        (
            "forged",
            sign(&claims(json!({})), "other-rsa-private.pem"),
            ErrorCode::Unauthorized,
        ),
        ("not a jwt", "garbage".to_owned(), ErrorCode::Unauthorized),
    ];
    for (case, token, expected) in cases {
        let (mut socket, refusal) = relay.customer("support", &token).await;
        assert_eq!(error_code(&refusal), expected, "{case}");
        assert_eq!(socket.next_or_close().await, None, "{case}: socket closed");
    }
}

#[tokio::test]
async fn an_expired_token_refuses_sends_until_a_fresh_one_arrives() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    relay.clock.advance(std::time::Duration::from_secs(700));
    socket.say("c-1", "after expiry").await;
    let refusal = socket.next_frame().await;
    assert_eq!(error_code(&refusal), ErrorCode::TokenExpired);
    socket
        .send(&ClientFrame::Auth {
            token: relay.token("sari"),
        })
        .await;
    socket.say("c-1", "after expiry").await;
    let ack = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert_eq!(ack_seq(&ack), 1);
}

#[tokio::test]
async fn a_socket_cannot_switch_to_another_customers_token() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    socket
        .send(&ClientFrame::Auth {
            token: relay.token("budi"),
        })
        .await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::Unauthorized
    );
    assert_eq!(socket.next_or_close().await, None);
}

#[tokio::test]
async fn a_socket_whose_token_expires_is_asked_for_a_fresh_one_then_closed() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    socket.barrier().await;
    relay.clock.advance(std::time::Duration::from_secs(601));
    let ask = socket.next_frame().await;
    assert_eq!(error_code(&ask), ErrorCode::TokenExpired);
    relay.clock.advance(std::time::Duration::from_secs(61));
    let last = socket.next_frame().await;
    assert_eq!(error_code(&last), ErrorCode::TokenExpired);
    assert_eq!(socket.next_or_close().await, None, "closed");
}

#[tokio::test]
async fn a_fresh_token_keeps_an_expired_socket_open() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    socket.barrier().await;
    relay.clock.advance(std::time::Duration::from_secs(601));
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::TokenExpired
    );
    socket
        .send(&ClientFrame::Auth {
            token: relay.token("sari"),
        })
        .await;
    socket.barrier().await;
    relay.clock.advance(std::time::Duration::from_secs(120));
    let (_, seq) = socket.write("c-1", "still here").await;
    assert_eq!(seq, 1);
}
