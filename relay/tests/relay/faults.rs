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

mod check;
mod customers;
mod relay_process;
mod scale;

pub(super) use check::{agent_token, assert_store_matches, sign_in_as};
pub(super) use customers::Customers;
use customers::connected;
pub(super) use relay_process::{RelayProcess, customer_ws_url, token};
pub(super) use scale::Scale;

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tetap_shared::frames::{ClientFrame, ServerFrame};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Kills happen once this share (in percent) of all messages is acknowledged: 300 and 650 of
/// the default 1,000. Shares rather than counts, so that every scale is killed at the same stages.
const KILL_AT_PERCENT: [usize; 2] = [30, 65];
/// Longest any single step may take before the test fails.
pub(crate) const STEP: Duration = Duration::from_secs(60);

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
    let mut socket = connected(&relay.ws_url(), "sari", None).await;
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
    let mut socket = connected(&relay.ws_url(), "sari", None).await;
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
