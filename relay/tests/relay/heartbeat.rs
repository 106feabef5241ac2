//! Socket liveness: a quiet socket is pinged; one that never answers is closed with 1001, so a
//! vanished peer frees its slot; one that answers stays open. Time is the relay's socket clock,
//! moved by hand.

use super::support::{TestRelay, WsStream};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;

const DEADLINE: Duration = Duration::from_secs(20);
const PING_AFTER: Duration = Duration::from_secs(30);
/// From the ping to the idle timeout (75 s of silence in all).
const PING_TO_TIMEOUT: Duration = Duration::from_secs(45);
const CLOSE_GOING_AWAY: u16 = 1001;

/// The next frame, control frames included.
async fn next_message(stream: &mut WsStream) -> Message {
    tokio::time::timeout(DEADLINE, stream.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a frame")
}

/// Reads the TCP stream under the WebSocket until the relay closes it. Bypassing the WebSocket
/// keeps the client silent: tungstenite would send its pong on the next read.
async fn raw_until_closed(stream: &mut WsStream) -> Vec<u8> {
    let MaybeTlsStream::Plain(tcp) = stream.get_mut() else {
        panic!("a plain TCP socket");
    };
    let mut bytes = Vec::new();
    tokio::time::timeout(DEADLINE, tcp.read_to_end(&mut bytes))
        .await
        .expect("closed in time")
        .expect("read");
    bytes
}

/// The close code of an unmasked close frame (opcode 0x88, short length, then the code).
fn close_code(bytes: &[u8]) -> Option<u16> {
    match bytes {
        [0x88, _, high, low, ..] => Some(u16::from_be_bytes([*high, *low])),
        _ => None,
    }
}

#[tokio::test]
async fn a_customer_socket_that_never_answers_a_ping_is_closed() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    relay.socket_clock.advance(PING_AFTER);
    assert!(matches!(
        next_message(socket.stream()).await,
        Message::Ping(_)
    ));
    relay.socket_clock.advance(PING_TO_TIMEOUT);
    let bytes = raw_until_closed(socket.stream()).await;
    assert_eq!(close_code(&bytes), Some(CLOSE_GOING_AWAY), "got {bytes:?}");
}

#[tokio::test]
async fn a_customer_socket_that_answers_stays_open_and_keeps_working() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    relay.socket_clock.advance(PING_AFTER);
    assert!(matches!(
        next_message(socket.stream()).await,
        Message::Ping(_)
    ));
    // The pong goes out with the flush; the barrier proves the relay has read it.
    socket.stream().flush().await.expect("pong");
    socket.barrier().await;
    relay.socket_clock.advance(PING_TO_TIMEOUT);
    let after = next_message(socket.stream()).await;
    assert!(
        matches!(after, Message::Ping(_)),
        "pinged again, not closed: {after:?}"
    );
    let (_, seq) = socket.write("after-ping", "still here").await;
    assert_eq!(seq, 1);
}

#[tokio::test]
async fn a_silent_socket_sees_no_ping_before_its_time() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    relay
        .socket_clock
        .advance(PING_AFTER - Duration::from_secs(1));
    // The first frame after the probe is its answer, not a ping.
    socket
        .send_text("{\"type\":\"history\",\"conversation\":\"none\",\"before\":1}")
        .await;
    let first = next_message(socket.stream()).await;
    assert!(matches!(first, Message::Text(_)), "no ping yet: {first:?}");
}

#[tokio::test]
async fn an_agent_event_stream_that_never_answers_a_ping_is_closed() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    relay.socket_clock.advance(PING_AFTER);
    assert!(matches!(
        next_message(events.stream()).await,
        Message::Ping(_)
    ));
    relay.socket_clock.advance(PING_TO_TIMEOUT);
    let bytes = raw_until_closed(events.stream()).await;
    assert_eq!(close_code(&bytes), Some(CLOSE_GOING_AWAY), "got {bytes:?}");
}
