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
