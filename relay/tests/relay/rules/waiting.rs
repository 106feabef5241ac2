//! Parking a conversation (R6), the customer coming back to it (R7) and going back to the same
//! agent, or to anyone once the agent's grace is over (R8).

use super::{MINUTE, SECOND, advance_until_timers_fired, assigned, parked, routing_pass};
use crate::relay::support::TestRelay;
use serde_json::{Value, json};
use tetap_shared::frames::ClientFrame;

#[tokio::test]
async fn r6_wait_frees_capacity_for_the_next_conversation() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let mut ids = Vec::new();
    for sub in ["a", "b", "c"] {
        let (mut customer, _) = relay.customer("support", &relay.token(sub)).await;
        ids.push(customer.write("m", "hi").await.0);
    }
    events.until("assigned", &ids[0]).await;
    events.until("assigned", &ids[1]).await;
    assert_eq!(
        cici.conversation(&ids[2]).await["state"],
        "open",
        "cici is full"
    );
    let (status, parked) = cici.act(&ids[0], "wait").await;
    assert_eq!((status, parked["state"].as_str()), (200, Some("waiting")));
    assert_eq!(parked["agent"]["id"], "cici", "still hers (R8)");
    let assigned = events.until("assigned", &ids[2]).await;
    assert_eq!(assigned["detail"]["agent"]["id"], "cici");
    assert_eq!(cici.load().await, 2, "waiting uses no capacity");
}

#[tokio::test]
async fn r6_wait_in_live_mode_returns_the_conversation_to_the_queue() {
    let relay = TestRelay::start().await;
    let (budi, mut events, _visitor, id) = assigned(&relay, "budi", "sales", "v1").await;
    budi.presence("offline").await;
    let state = events.until("state", &id).await;
    assert_eq!(
        state["detail"]["state"], "open",
        "live: offline returns it to the queue"
    );
    budi.presence("online").await;
    events.until("assigned", &id).await;
    let (status, body) = budi.act(&id, "wait").await;
    assert_eq!((status, body["state"].as_str()), (200, Some("open")));
    assert_eq!(body["agent"], Value::Null);
}

#[tokio::test]
async fn r7_a_returning_customer_notifies_the_agent_once_and_writing_picks_it_up() {
    let relay = TestRelay::start().await;
    let (cici, mut events, sari, id) = parked(&relay, "cici", "support", "sari").await;
    let token = relay.token("sari");
    drop(sari);

    let (mut back, _) = relay.customer("support", &token).await;
    back.send(&ClientFrame::Open).await;
    let returned = events.until("customer_returned", &id).await;
    assert_eq!(returned["detail"]["state"], "waiting");
    back.send(&ClientFrame::Open).await;
    back.write("c-2", "I'm back").await;
    // The next events are the message and the pick-up, not a second customer_returned.
    loop {
        let event = events.next().await;
        assert_ne!(
            event["type"], "customer_returned",
            "one notice per waiting period"
        );
        if event["type"] == "state" && event["conversation"] == id.as_str() {
            assert_eq!(event["detail"]["state"], "active");
            assert_eq!(event["detail"]["agent"]["id"], "cici");
            break;
        }
    }
    assert_eq!(cici.load().await, 1);
}

#[tokio::test]
async fn r7_the_agent_can_pick_a_waiting_conversation_up() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    events.until("assigned", &id).await;
    cici.act(&id, "wait").await;
    let (status, body) = cici.act(&id, "accept").await;
    assert_eq!((status, body["state"].as_str()), (200, Some("active")));
}

#[tokio::test]
async fn r8_a_returning_customer_goes_back_to_their_agent_even_at_full_capacity() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (sari_id, _) = sari.write("c-1", "hello").await;
    events.until("assigned", &sari_id).await;
    cici.act(&sari_id, "wait").await;
    for sub in ["x", "y"] {
        let (mut customer, _) = relay.customer("support", &relay.token(sub)).await;
        let (id, _) = customer.write("m", "hi").await;
        events.until("assigned", &id).await;
    }
    assert_eq!(cici.load().await, 2, "full");
    sari.write("c-2", "one more question").await;
    let back = events.until("state", &sari_id).await;
    assert_eq!(back["detail"]["state"], "active");
    assert_eq!(back["detail"]["agent"]["id"], "cici");
    assert_eq!(
        cici.load().await,
        3,
        "over capacity for a returning customer"
    );
}

#[tokio::test]
async fn r8_with_the_agent_offline_it_waits_for_the_grace_then_goes_to_anyone() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let anna = relay.agent("anna").await;
    let mut cici_events = cici.events().await;
    let mut anna_events = anna.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    cici_events.until("assigned", &id).await;
    cici.act(&id, "wait").await;
    cici.presence("offline").await;
    anna.presence("online").await;

    sari.write("c-2", "anyone there?").await;
    // The conversation goes back to the queue, kept for cici (R8).
    loop {
        let queued = anna_events.until_state(&id, "open").await;
        if queued["detail"]["affinity_agent"] == "cici" {
            break;
        }
    }

    // A second before the grace (10 min from the customer's message) ends, with its timer not
    // fired and a routing pass made, it is still kept for cici: nobody else has it.
    advance_until_timers_fired(&relay, 10 * MINUTE - SECOND).await;
    routing_pass(&relay, &anna).await;
    let kept = anna.conversation(&id).await;
    assert_eq!(
        (&kept["state"], &kept["agent"], &kept["affinity_agent"]),
        (&json!("open"), &Value::Null, &json!("cici")),
        "kept for cici until the grace ends: {kept}"
    );

    relay.clock.advance(SECOND);
    let assigned = anna_events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["agent"]["id"], "anna");
}
