//! Rules that hold across a restart because their state is stored, not remembered by a process:
//! the customer's return (R7), every conversation timer (R8, R9, R11) and a live chat going on at
//! closing time (R3).

use super::{HOUR, MINUTE, assigned, parked};
use crate::relay::support::TestRelay;
use serde_json::Value;
use std::time::Duration;
use tetap_shared::ErrorCode;
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// The `at` of the conversation's newest system message of `kind`, as a timestamp.
async fn system_message_at(
    agent: &crate::relay::support::AgentClient,
    id: &str,
    kind: &str,
) -> Option<jiff::Timestamp> {
    let (_, messages) = agent.get(&format!("/conversations/{id}/messages")).await;
    messages
        .as_array()
        .expect("messages")
        .iter()
        .rev()
        .find(|m| m["system_kind"] == kind)
        .and_then(|m| m["at"].as_str()?.parse().ok())
}

fn later(at: jiff::Timestamp, by: Duration) -> jiff::Timestamp {
    at.checked_add(jiff::SignedDuration::try_from(by).expect("span"))
        .expect("time")
}

/// Waits on `agent`'s events until the conversation is in `state`.
async fn until_state(relay: &TestRelay, agent: &str, id: &str, state: &str) -> Value {
    let client = relay.agent(agent).await;
    loop {
        let conversation = client.conversation(id).await;
        if conversation["state"] == state {
            return conversation;
        }
        // Each look is an HTTP round trip; the relay's background task commits meanwhile.
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn r7_a_return_is_stored_listed_and_told_again_to_a_stream_that_reconnects() {
    let mut relay = TestRelay::start().await;
    let (cici, events, sari, id) = parked(&relay, "cici", "support", "sari").await;
    let token = relay.token("sari");
    events.close().await;
    sari.close().await;

    // The console is offline when the customer comes back.
    let (mut back, _) = relay.customer("support", &token).await;
    back.send(&ClientFrame::Open).await;
    back.barrier().await;
    let listed = cici.conversation(&id).await;
    assert_eq!(listed["state"], "waiting");
    let returned_at = listed["returned_at"]
        .as_str()
        .expect("returned_at")
        .to_owned();

    // A stream opened later, even after a restart, is told.
    relay.restart().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    let told = events.until("customer_returned", &id).await;
    assert_eq!(told["detail"]["returned_at"], returned_at.as_str());

    // Picked up, the mark is gone: the next stream is told nothing about it.
    let (status, body) = cici.act(&id, "accept").await;
    assert_eq!((status, body["returned_at"].clone()), (200, Value::Null));
    let mut events = cici.events().await;
    let (mut other, _) = relay.customer("support", &relay.token("other")).await;
    let (other_id, _) = other.write("o-1", "someone else").await;
    let first = events.next().await;
    assert_eq!(
        (first["type"].as_str(), first["conversation"].as_str()),
        (Some("message"), Some(other_id.as_str())),
        "no customer_returned for a handled return: {first}"
    );
}

#[tokio::test]
async fn r7_the_customer_writing_clears_the_return() {
    let relay = TestRelay::start().await;
    let (cici, mut events, mut sari, id) = parked(&relay, "cici", "support", "sari").await;
    sari.send(&ClientFrame::Open).await;
    events.until("customer_returned", &id).await;
    assert!(cici.conversation(&id).await["returned_at"].is_string());
    sari.write("c-2", "still there?").await;
    let conversation = cici.conversation(&id).await;
    assert_eq!(conversation["state"], "active");
    assert_eq!(conversation["returned_at"], Value::Null);
}

#[tokio::test]
async fn r9_the_waiting_timeout_fires_after_a_restart_and_not_before_its_time() {
    let mut relay = TestRelay::start().await;
    let (_, _, sari, id) = parked(&relay, "anna", "claims", "sari").await;
    let due = later(relay.now(), 48 * HOUR);
    drop(sari);

    relay.restart().await;
    relay.clock.advance(48 * HOUR - MINUTE);
    relay.clock.advance(2 * MINUTE);
    until_state(&relay, "anna", &id, "closed").await;
    let anna = relay.agent("anna").await;
    let ended = system_message_at(&anna, &id, "ended").await.expect("ended");
    assert!(ended >= due, "closed at {ended}, due {due}");
}

#[tokio::test]
async fn r8_the_affinity_grace_fires_after_a_restart_and_not_before_its_time() {
    let mut relay = TestRelay::start().await;
    let (anna, _, mut sari, id) = parked(&relay, "anna", "support", "sari").await;
    anna.presence("offline").await;
    // Her agent offline, the returning customer waits for her (R8) for the grace.
    sari.write("c-2", "back again").await;
    let due = later(relay.now(), 10 * MINUTE);
    assert_eq!(anna.conversation(&id).await["state"], "open");

    relay.restart().await;
    let cici = relay.agent("cici").await;
    let mut cici_events = cici.events().await;
    cici.presence("online").await;
    relay.clock.advance(9 * MINUTE);
    relay.clock.advance(2 * MINUTE);
    cici_events.until("assigned", &id).await;
    let joined = system_message_at(&cici, &id, "agent_joined")
        .await
        .expect("joined");
    assert!(joined >= due, "handed on at {joined}, due {due}");
    assert_eq!(cici.conversation(&id).await["agent"]["id"], "cici");
}

#[tokio::test]
async fn r11_the_reconnect_grace_fires_after_a_restart_and_not_before_its_time() {
    let mut relay = TestRelay::start().await;
    let (_, _, visitor, id) = assigned(&relay, "budi", "sales", "v1").await;
    visitor.close().await;
    let due = later(relay.now(), 3 * MINUTE);

    relay.restart().await;
    relay.clock.advance(2 * MINUTE);
    relay.clock.advance(2 * MINUTE);
    until_state(&relay, "budi", &id, "closed").await;
    let budi = relay.agent("budi").await;
    let ended = system_message_at(&budi, &id, "ended").await.expect("ended");
    assert!(ended >= due, "closed at {ended}, due {due}");
}

#[tokio::test]
async fn r3_a_live_chat_going_on_at_closing_time_continues_and_a_new_one_is_refused() {
    let relay = TestRelay::start().await;
    // evening-sales is open Tuesdays 20:00–22:00 UTC; the clock starts Tuesday 09:00.
    relay.clock.advance(12 * HOUR + 59 * MINUTE);
    let (mut going_on, _) = relay.customer("evening-sales", &relay.token("early")).await;
    let (id, _) = going_on.write("c-1", "just in time").await;
    relay.clock.advance(2 * MINUTE);

    going_on.say("c-2", "one more question").await;
    let answer = going_on
        .until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
        .await;
    let ServerFrame::Ack { conversation, .. } = answer else {
        panic!("the chat going on at closing time was cut off: {answer:?}");
    };
    assert_eq!(conversation.0, id, "the same chat continues after closing");

    let (mut late, _) = relay.customer("evening-sales", &relay.token("late")).await;
    late.say("l-1", "hello?").await;
    let refusal = late.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    let ServerFrame::Error {
        code, client_id, ..
    } = refusal
    else {
        unreachable!()
    };
    assert_eq!(
        (code, client_id.as_deref()),
        (ErrorCode::OutsideOperatingHours, Some("l-1"))
    );
}
