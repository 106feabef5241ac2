//! The conversation rules R1–R11 enforced by a real relay: routing, waiting, returning, ending,
//! operating hours, timers. Each test names the rule it checks; the clock steps, the message
//! reader and the ways to know routing or the timers have looked, shared by its submodules, live
//! here.

mod ending;
mod hours;
mod model;
mod races;
mod routing;
mod stored;
mod waiting;

use crate::relay::support::agent::AgentEvents;
use crate::relay::support::{AgentClient, CustomerSocket, FRAME_DEADLINE, TestRelay};
use serde_json::Value;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// The live `sales` workstream's reconnect grace (the default).
const RECONNECT_GRACE: Duration = Duration::from_secs(180);

/// Wakes routing (`agent`, online, says so again) and returns once a pass has run since: a
/// "not routed" checked after this was decided by routing, not merely not reached yet.
async fn routing_pass(relay: &TestRelay, agent: &AgentClient) {
    const PASSES: &str = "tetap_routing_passes_total";
    let before = relay.metric(PASSES).await;
    agent.presence("online").await;
    relay.metric_above(PASSES, before).await;
}

/// Moves the clock on by `by` (at least `RECONNECT_GRACE`) and returns once the timer task has
/// fired every timer due by then, so "not yet" can be asserted. The probe: a live chat whose
/// customer leaves `RECONNECT_GRACE` before the end is closed by that grace (R11) exactly then,
/// and timers fire in the order they come due, so once it is closed every timer due earlier has
/// fired too.
async fn advance_until_timers_fired(relay: &TestRelay, by: Duration) {
    relay.clock.advance(by - RECONNECT_GRACE);
    let (mut probe, _) = relay.customer("sales", &relay.token("timer-probe")).await;
    let (id, _) = probe.write("probe", "probe").await;
    probe.close().await;
    relay.clock.advance(RECONNECT_GRACE);
    // Signed in now: a session lasts 12 hours of the moved clock. Budi serves sales.
    let budi = relay.agent("budi").await;
    let deadline = tokio::time::Instant::now() + FRAME_DEADLINE;
    while budi.conversation(&id).await["state"] != "closed" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the probe's reconnect grace never closed it"
        );
    }
}

/// What a rule test starts from: the agent, their event stream, the customer's socket and the
/// conversation id.
type Started = (AgentClient, AgentEvents, CustomerSocket, String);

/// A conversation routing gave `agent` (online, watching events) when `sub` wrote in
/// `workstream` (R10).
async fn assigned(relay: &TestRelay, agent: &str, workstream: &str, sub: &str) -> Started {
    let client = relay.agent(agent).await;
    let mut events = client.events().await;
    client.presence("online").await;
    let (mut customer, _) = relay.customer(workstream, &relay.token(sub)).await;
    let (id, _) = customer.write("c-1", "hello").await;
    events.until("assigned", &id).await;
    (client, events, customer, id)
}

/// A conversation [`assigned`] to `agent`, then parked with ✖ (R6).
async fn parked(relay: &TestRelay, agent: &str, workstream: &str, sub: &str) -> Started {
    let started = assigned(relay, agent, workstream, sub).await;
    let (status, body) = started.0.act(&started.3, "wait").await;
    assert_eq!(status, 200, "{body}");
    started
}

fn texts_and_kinds(messages: &Value) -> Vec<(String, Option<String>)> {
    messages
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["text"].as_str().unwrap_or_default().to_owned(),
                m["system_kind"].as_str().map(str::to_owned),
            )
        })
        .collect()
}
