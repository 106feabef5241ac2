//! Who a new conversation goes to (R10), what a live customer is told while queued (R5), that
//! the queue survives a restart, and that an assigned conversation is its agent's alone.

use super::{HOUR, MINUTE, texts_and_kinds};
use crate::relay::support::TestRelay;
use tetap_shared::ServerFrame;

#[tokio::test]
async fn r10_an_online_agent_with_capacity_gets_a_new_conversation_pushed() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    anna.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    let assigned = events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["state"], "active");
    assert_eq!(assigned["detail"]["agent"]["id"], "anna");
    let joined = sari
        .until(
            |f| matches!(f, ServerFrame::Message { message, .. } if message.system_kind.is_some()),
        )
        .await;
    let ServerFrame::Message { message, .. } = joined else {
        unreachable!()
    };
    assert_eq!(message.text, "Anna joined the conversation.");
    assert_eq!(anna.load().await, 1);
}

#[tokio::test]
async fn r10_routing_prefers_the_least_loaded_agent_and_respects_capacity() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let cici = relay.agent("cici").await;
    let mut anna_events = anna.events().await;
    anna.presence("online").await;
    let (mut first, _) = relay.customer("support", &relay.token("c1")).await;
    let (first_id, _) = first.write("m", "one").await;
    anna_events.until("assigned", &first_id).await;

    let mut cici_events = cici.events().await;
    cici.presence("online").await;
    let (mut second, _) = relay.customer("support", &relay.token("c2")).await;
    let (second_id, _) = second.write("m", "two").await;
    let assigned = cici_events.until("assigned", &second_id).await;
    assert_eq!(
        assigned["detail"]["agent"]["id"], "cici",
        "cici had no load"
    );

    // Anna at 1 of 2, Cici at 1 of 2: a third and fourth fill both; a fifth waits in the queue.
    for sub in ["c3", "c4"] {
        let (mut customer, _) = relay.customer("support", &relay.token(sub)).await;
        customer.write("m", "more").await;
    }
    let (mut fifth, _) = relay.customer("support", &relay.token("c5")).await;
    let (fifth_id, _) = fifth.write("m", "five").await;
    let (_, list) = anna.get("/conversations").await;
    let queued = list
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["state"] == "open")
        .count();
    // The fifth may still be on its way through routing: wait until both agents are full.
    for agent in [&anna, &cici] {
        while agent.load().await < 2 {
            anna_events.next().await;
        }
    }
    assert!(queued <= 3);
    let fifth = anna.conversation(&fifth_id).await;
    assert_eq!(fifth["state"], "open", "nobody has free capacity");
    let (status, body) = anna.act(&fifth_id, "accept").await;
    assert_eq!((status, body["error"].as_str()), (409, Some("at_capacity")));
}

#[tokio::test]
async fn r5_persistent_never_gets_queue_messages_and_live_gets_them_with_overrides() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let (mut persistent, _) = relay.customer("support", &relay.token("sari")).await;
    let (persistent_id, _) = persistent.write("c-1", "hello").await;
    persistent.barrier().await;
    let (_, messages) = anna
        .get(&format!("/conversations/{persistent_id}/messages"))
        .await;
    assert_eq!(texts_and_kinds(&messages), [("hello".to_owned(), None)]);

    let (mut live, _) = relay.customer("sales", &relay.token("vita")).await;
    let (live_id, _) = live.write("c-1", "hello").await;
    live.barrier().await;
    let (_, messages) = anna
        .get(&format!("/conversations/{live_id}/messages"))
        .await;
    assert_eq!(
        texts_and_kinds(&messages),
        [
            ("hello".to_owned(), None),
            (
                "You are #1 in the sales queue.".to_owned(),
                Some("queue_position".to_owned())
            ),
        ]
    );
}

#[tokio::test]
async fn r5_live_wait_time_comes_from_recent_waits() {
    let relay = TestRelay::start().await;
    let budi = relay.agent("budi").await;
    let mut events = budi.events().await;
    let (mut first, _) = relay.customer("sales", &relay.token("v1")).await;
    let (first_id, _) = first.write("c-1", "hi").await;
    relay.clock.advance(4 * MINUTE);
    budi.presence("online").await;
    events.until("assigned", &first_id).await;
    budi.presence("offline").await;
    let (mut second, _) = relay.customer("sales", &relay.token("v2")).await;
    let (second_id, _) = second.write("c-1", "hi").await;
    second.barrier().await;
    let (_, messages) = budi
        .get(&format!("/conversations/{second_id}/messages"))
        .await;
    let kinds = texts_and_kinds(&messages);
    assert!(
        kinds.contains(&(
            "The average wait is about 4 min.".to_owned(),
            Some("wait_time".to_owned())
        )),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn an_agent_acting_on_another_agents_conversation_is_refused() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let anna = relay.agent("anna").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    events.until("assigned", &id).await;
    for action in ["wait", "end", "accept"] {
        let (status, body) = anna.act(&id, action).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("not_your_conversation")),
            "{action}"
        );
    }
    let (status, body) = anna.reply(&id, "a-1", "mine now?").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("not_your_conversation"))
    );
    let budi = relay.agent("budi").await;
    let (status, _) = budi.act(&id, "end").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn presence_survives_a_restart_and_so_does_the_queue() {
    let mut relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    cici.presence("online").await;
    // Outside billing's hours (R3) it stays queued, across the restart, whoever is online.
    let (mut sari, _) = relay.customer("billing", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    drop(sari);
    relay.restart().await;

    // Signed in on the restarted relay, she has not said it again: the store remembers.
    let cici = relay.agent("cici").await;
    assert_eq!(cici.get("/me").await.1["presence"], "online");
    let mut events = cici.events().await;
    relay.clock.advance(11 * HOUR);
    let assigned = events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["customer"]["sub"], "sari");
    assert_eq!(assigned["detail"]["agent"]["id"], "cici");
}
