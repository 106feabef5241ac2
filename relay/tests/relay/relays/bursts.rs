//! A burst: many customers on one relay write at once into queued conversations, so group
//! commit publishes many decisions together and the other relay reads them in one batch of
//! notes. The agent watching the queue from the other relay gets every message once; her
//! stream is not dropped as a slow consumer.

use super::group::{Relays, customer, sign_in};
use std::collections::BTreeSet;

const CUSTOMERS: usize = 10;
const EACH: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_into_queued_conversations_reaches_the_agent_on_another_relay_whole() {
    let group = Relays::start(2, "", "").await;
    let [a, b] = [&group.relays[0], &group.relays[1]];
    // Offline: every conversation stays queued, and she sees all of them (R10).
    let anna = sign_in(b, "anna").await;
    let mut events = anna.events().await;
    let mut sockets = Vec::new();
    for i in 0..CUSTOMERS {
        let (mut socket, _) = customer(a, "support", &format!("bursting-{i}")).await;
        socket.write(&format!("first-{i}"), "hello").await;
        sockets.push(socket);
    }
    for n in 0..CUSTOMERS * EACH {
        sockets[n % CUSTOMERS]
            .say(&format!("burst-{n}"), "and more")
            .await;
    }
    let mut seen = BTreeSet::new();
    while seen.len() < CUSTOMERS * (EACH + 1) {
        let event = events.until("message", "").await;
        let client_id = event["message"]["client_id"]
            .as_str()
            .expect("client id")
            .to_owned();
        assert!(seen.insert(client_id.clone()), "{client_id} arrived twice");
    }
}

/// A customer leaves relay B and writes on relay A, where B does not follow; an agent then
/// watches from B. B's safety poll must not publish the conversation's history to her again:
/// the first message event she gets is the next new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_stopped_following_a_conversation_does_not_publish_its_history_again() {
    let group = Relays::start(2, "", "").await;
    let [a, b] = [&group.relays[0], &group.relays[1]];
    let (mut on_b, _) = customer(b, "support", "wanderer").await;
    on_b.write("on-b", "hello from b").await;
    on_b.close().await;
    let (mut on_a, _) = customer(a, "support", "wanderer").await;
    for n in 0..EACH {
        on_a.write(&format!("on-a-{n}"), "and from a").await;
    }
    let anna = sign_in(b, "anna").await;
    let mut events = anna.events().await;
    // B's next safety poll runs with anna watching the queue.
    let series = "tetap_relay_catch_ups_total";
    let polls = crate::relay::support::metric_at(&b.http("/metrics"), series).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut every = tokio::time::interval(std::time::Duration::from_millis(50));
    while crate::relay::support::metric_at(&b.http("/metrics"), series).await <= polls {
        assert!(
            tokio::time::Instant::now() < deadline,
            "relay B never polled"
        );
        every.tick().await;
    }
    on_a.write("after-poll", "something new").await;
    let first = events.until("message", "").await;
    assert_eq!(
        first["message"]["client_id"], "after-poll",
        "the history was published again: {first}"
    );
}
