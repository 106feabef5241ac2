//! Durability across relays: customers spread over three relays keep writing while one relay
//! is SIGKILLed twice; they reconnect to a surviving relay and resend. Every acknowledged
//! message is stored once, in order, and every customer's view equals the store.

use super::group::Relays;
use crate::relay::faults::{Customers, Scale, assert_store_matches};
use tokio::sync::watch;

/// The share of all messages (in percent) acknowledged at each kill, as in the one-relay test.
const KILL_AT_PERCENT: [usize; 2] = [30, 65];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_two_sigkills_of_one_of_three_relays() {
    let scale = Scale::from_env();
    let mut group = Relays::start(3, "", "").await;
    let urls: Vec<String> = group.relays.iter().map(|relay| relay.ws_url()).collect();
    let (generation_tx, generation) = watch::channel(0u64);
    let customers = Customers::spawn_across(scale, &urls, &generation);
    for percent in KILL_AT_PERCENT {
        customers.wait_for_acks(scale.acks_at(percent)).await;
        let victim = &mut group.relays[0];
        victim.kill().await;
        victim.start().await;
        generation_tx.send_modify(|g| *g += 1);
    }
    let outcomes = customers.finish().await;
    // Read back through a relay that was never killed.
    assert_store_matches(&group.relays[1], scale, outcomes).await;
}
