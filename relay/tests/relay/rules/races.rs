//! Decisions taken at commit, not from an earlier read (R8, R10): a routing pass held between
//! choosing an agent and writing the assignment, while an agent accepts or goes offline.

use crate::relay::support::TestRelay;
use serde_json::Value;

const PASSES: &str = "tetap_routing_passes_total";

/// Lets the held pass write, and waits until that pass is over.
async fn release_and_finish(relay: &TestRelay, held: &mut crate::relay::support::gate::HeldPass) {
    let before = relay.metric(PASSES).await;
    held.release();
    relay.metric_above(PASSES, before).await;
}

fn agent_id(conversation: &Value) -> Option<&str> {
    conversation["agent"]["id"].as_str()
}

#[tokio::test]
async fn r10_an_accept_committed_while_routing_plans_is_seen_by_the_assignment() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    anna.presence("online").await;
    // Anna (capacity 2) has one conversation.
    let (mut first, _) = relay.customer("support", &relay.token("race-1")).await;
    let (first_id, _) = first.write("m1", "one").await;
    events.until("assigned", &first_id).await;
    assert_eq!(anna.load().await, 1);

    // Routing plans the next conversation for Anna and is held before its write…
    let mut held = relay.gate.arm();
    let (mut planned, _) = relay.customer("support", &relay.token("race-2")).await;
    let (planned_id, _) = planned.write("m2", "two").await;
    assert_eq!(held.chosen().await, (planned_id.clone(), "anna".to_owned()));
    // …while another conversation arrives and Anna accepts it herself: she is full.
    let (mut accepted, _) = relay.customer("support", &relay.token("race-3")).await;
    let (accepted_id, _) = accepted.write("m3", "three").await;
    let (status, body) = anna.act(&accepted_id, "accept").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(anna.load().await, 2);

    release_and_finish(&relay, &mut held).await;
    assert_eq!(anna.load().await, 2, "never beyond capacity 2");
    let planned = anna.conversation(&planned_id).await;
    assert_eq!(planned["state"], "open", "the stale plan leaves it queued");
    assert_eq!(agent_id(&planned), None);
    assert_eq!(
        agent_id(&anna.conversation(&accepted_id).await),
        Some("anna")
    );
}

#[tokio::test]
async fn r10_going_offline_while_routing_plans_leaves_the_live_chat_queued() {
    let relay = TestRelay::start().await;
    let budi = relay.agent("budi").await;
    budi.presence("online").await;

    let mut held = relay.gate.arm();
    let (mut customer, _) = relay.customer("sales", &relay.token("race-live")).await;
    let (id, _) = customer.write("m1", "is anyone there?").await;
    assert_eq!(held.chosen().await, (id.clone(), "budi".to_owned()));
    budi.presence("offline").await;

    release_and_finish(&relay, &mut held).await;
    let conversation = budi.conversation(&id).await;
    assert_eq!(
        conversation["state"], "open",
        "nobody offline holds a live chat"
    );
    assert_eq!(agent_id(&conversation), None);
    assert_eq!(budi.load().await, 0);
    let (_, messages) = budi.get(&format!("/conversations/{id}/messages")).await;
    let joined = messages
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["system_kind"] == "agent_joined");
    assert!(!joined, "no \"Budi joined\" for a chat nobody will answer");
}

#[tokio::test]
async fn r10_an_offline_agent_cannot_take_a_conversation_from_the_queue() {
    let relay = TestRelay::start().await;
    let budi = relay.agent("budi").await;
    let (mut customer, _) = relay.customer("sales", &relay.token("queue-offline")).await;
    let (id, _) = customer.write("m1", "hello").await;
    let (status, body) = budi.act(&id, "accept").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("agent_offline"))
    );
    let (status, body) = budi.reply(&id, "r1", "hi").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("agent_offline"))
    );
    budi.presence("online").await;
    let conversation = budi.conversation(&id).await;
    // Online now, routing gives it to him (or he takes it): either way it is his.
    if conversation["state"] == "open" {
        let (status, body) = budi.act(&id, "accept").await;
        assert_eq!(status, 200, "{body}");
    }
    let conversation = budi.conversation(&id).await;
    assert_eq!(agent_id(&conversation), Some("budi"));
}
