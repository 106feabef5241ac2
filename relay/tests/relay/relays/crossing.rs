//! One conversation seen from three relays: the customer's first tab on relay A, their second
//! tab on relay B, the agent's API and event stream on relay C. Every message reaches every
//! side once, with no gap; typing and read receipts cross too; a cut listening connection
//! loses nothing.

use super::group::{Relays, customer, on, sign_in};
use crate::relay::faults::RelayProcess;
use crate::relay::support::{AgentClient, AgentEvents, CustomerSocket};
use serde_json::json;
use std::collections::BTreeMap;
use tetap_shared::frames::{ClientFrame, ServerFrame};

/// The `seq`s one client was told of, in arrival order: its own messages by their `ack`,
/// everybody else's by `message` frames.
#[derive(Default)]
struct Received(Vec<u64>);

impl Received {
    fn note(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Message { message, .. } => self.0.push(message.seq),
            ServerFrame::Ack { seq, .. } => self.0.push(*seq),
            _ => {}
        }
    }

    /// Every `seq` from 1 to `last` exactly once, whatever the arrival order.
    fn assert_whole(&self, who: &str, last: u64) {
        let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
        for seq in &self.0 {
            *counts.entry(*seq).or_default() += 1;
        }
        let twice: Vec<u64> = counts
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(s, _)| *s)
            .collect();
        assert!(twice.is_empty(), "{who} received these twice: {twice:?}");
        let seqs: Vec<u64> = counts.into_keys().collect();
        assert_eq!(
            seqs,
            (1..=last).collect::<Vec<_>>(),
            "{who}: every message, no gap"
        );
    }
}

/// Agent anna online with her event stream, and two tabs of customer sari.
struct Scene {
    anna: AgentClient,
    events: AgentEvents,
    first_tab: CustomerSocket,
    second_tab: CustomerSocket,
}

impl Scene {
    /// Anna on `agent_relay`, sari's first tab on `first`, her second on `second`.
    async fn on(agent_relay: &RelayProcess, first: &RelayProcess, second: &RelayProcess) -> Self {
        let anna = sign_in(agent_relay, "anna").await;
        anna.presence("online").await;
        let events = anna.events().await;
        let (first_tab, _) = customer(first, "support", "sari").await;
        let (second_tab, _) = customer(second, "support", "sari").await;
        Self {
            anna,
            events,
            first_tab,
            second_tab,
        }
    }
}

/// Sends a customer message and waits for its ack, noting every message frame meanwhile.
async fn write(socket: &mut CustomerSocket, seen: &mut Received, client_id: &str) -> (String, u64) {
    socket.say(client_id, &format!("text of {client_id}")).await;
    loop {
        let frame = socket.next_frame().await;
        seen.note(&frame);
        if let ServerFrame::Ack {
            client_id: acked,
            conversation,
            seq,
            ..
        } = frame
            && acked == client_id
        {
            return (conversation.0, seq);
        }
    }
}

impl Received {
    /// Whether every `seq` from 1 to `last` has arrived. Across relays they may arrive out of
    /// order (a relay publishes its own commit at once, another's when its note comes); the
    /// widget and the console place each message by its `seq`.
    fn has_all(&self, last: u64) -> bool {
        (1..=last).all(|seq| self.0.contains(&seq))
    }
}

/// Reads frames until the client has been told of every message up to `last`, noting each.
async fn drain_to(socket: &mut CustomerSocket, seen: &mut Received, last: u64) {
    while !seen.has_all(last) {
        let frame = socket.next_frame().await;
        seen.note(&frame);
    }
}

/// Reads agent events until one is a message of `conversation` with `last`, noting every one.
async fn drain_events_to(
    events: &mut AgentEvents,
    seen: &mut Received,
    conversation: &str,
    last: u64,
) {
    while !seen.has_all(last) {
        let event = events.until("message", conversation).await;
        seen.0.push(event["message"]["seq"].as_u64().expect("seq"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_on_three_relays_reaches_every_side_once_and_whole() {
    let group = Relays::start(3, "", "").await;
    let [a, b, c] = [&group.relays[0], &group.relays[1], &group.relays[2]];
    let Scene {
        anna,
        mut events,
        mut first_tab,
        mut second_tab,
    } = Scene::on(c, a, b).await;
    let (mut first, mut second, mut agent) = <[Received; 3]>::default().into();

    let (conversation, _) = write(&mut first_tab, &mut first, "first-0").await;
    // Routing may run on any relay; the agent's stream on C hears of it either way.
    loop {
        let event = events.next().await;
        if event["conversation"] != conversation.as_str() {
            continue;
        }
        match event["type"].as_str() {
            Some("message") => agent.0.push(event["message"]["seq"].as_u64().expect("seq")),
            Some("assigned") => break,
            _ => {}
        }
    }
    let mut last = 0;
    for round in 0..10 {
        write(&mut first_tab, &mut first, &format!("first-{}", round + 1)).await;
        write(&mut second_tab, &mut second, &format!("second-{round}")).await;
        let (status, reply) = anna
            .reply(&conversation, &format!("anna-{round}"), "an answer")
            .await;
        assert_eq!(status, 201, "{reply}");
        last = reply["seq"].as_u64().expect("seq");
    }
    drain_to(&mut first_tab, &mut first, last).await;
    drain_to(&mut second_tab, &mut second, last).await;
    drain_events_to(&mut events, &mut agent, &conversation, last).await;
    let stored = anna.conversation(&conversation).await["last_seq"].as_u64();
    assert_eq!(
        stored,
        Some(last),
        "the agent's last answer is the conversation's last message"
    );
    first.assert_whole("the first tab (relay A)", last);
    second.assert_whole("the second tab (relay B)", last);
    agent.assert_whole("the agent's events (relay C)", last);

    // Typing and read receipts, both ways, each across relays.
    first_tab.send(&ClientFrame::Typing).await;
    events.until("typing", &conversation).await;
    on(&anna, b)
        .post(&format!("/conversations/{conversation}/typing"), json!({}))
        .await;
    for tab in [&mut first_tab, &mut second_tab] {
        tab.until(|frame| matches!(frame, ServerFrame::Typing { .. }))
            .await;
    }
    second_tab
        .send(&ClientFrame::Read {
            conversation: conversation.as_str().into(),
            seq: last,
        })
        .await;
    let read = events.until("read", &conversation).await;
    assert_eq!(read["seq"].as_u64(), Some(last));
    // The agent's own answer counts as read up to it: the customer writes once more.
    let (_, unread) = write(&mut first_tab, &mut first, "first-unread").await;
    let (status, _) = on(&anna, a)
        .post(
            &format!("/conversations/{conversation}/read"),
            json!({ "seq": unread }),
        )
        .await;
    assert_eq!(status, 204);
    let agent_read = second_tab
        .until(|frame| matches!(frame, ServerFrame::Read { .. }))
        .await;
    assert!(matches!(agent_read, ServerFrame::Read { seq, .. } if seq == unread));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_committed_while_the_listeners_are_cut_still_reach_the_other_relays() {
    let group = Relays::start(2, "", "").await;
    let [a, b] = [&group.relays[0], &group.relays[1]];
    let Scene {
        mut events,
        first_tab: mut on_a,
        second_tab: mut on_b,
        ..
    } = Scene::on(b, a, b).await;
    let (mut seen_a, mut seen_b, mut agent) = <[Received; 3]>::default().into();
    let (conversation, _) = write(&mut on_a, &mut seen_a, "before-cut").await;
    drain_to(&mut on_b, &mut seen_b, 1).await;

    // Both relays' listening connections are cut at once; what is committed before they
    // listen again is never notified.
    let mut sql = group.sql().await;
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'tetap-relay listener' AND datname = current_database()",
    )
    .fetch_all(&mut sql)
    .await
    .expect("terminate the listeners");
    assert_eq!(cut, [true, true], "one listening connection per relay");
    let mut last = 0;
    for n in 0..5 {
        last = write(&mut on_a, &mut seen_a, &format!("after-cut-{n}"))
            .await
            .1;
    }
    drain_to(&mut on_b, &mut seen_b, last).await;
    drain_events_to(&mut events, &mut agent, &conversation, last).await;
    seen_b.assert_whole("the customer's tab on relay B", last);
    agent.assert_whole("the agent's events on relay B", last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r7_a_customer_returning_on_one_relay_is_told_to_their_agent_on_another() {
    let group = Relays::start(2, "", "").await;
    let [a, b] = [&group.relays[0], &group.relays[1]];
    let Scene {
        anna,
        mut events,
        mut first_tab,
        second_tab,
    } = Scene::on(b, a, a).await;
    second_tab.close().await;
    let mut seen = Received::default();
    let (conversation, _) = write(&mut first_tab, &mut seen, "hello").await;
    events.until("assigned", &conversation).await;
    // The agent moves it to waiting through relay A; her stream on B hears of it.
    let (status, body) = on(&anna, a).act(&conversation, "wait").await;
    assert_eq!(status, 200, "{body}");
    events.until_state(&conversation, "waiting").await;
    first_tab.send(&ClientFrame::Open).await;
    let returned = events.until("customer_returned", &conversation).await;
    assert_eq!(returned["detail"]["state"], "waiting");
    // Her message picks it up again for anna (R7, R8): the message, then the state.
    let (_, seq) = write(&mut first_tab, &mut seen, "back-again").await;
    let message = events.until("message", &conversation).await;
    assert_eq!(message["message"]["seq"].as_u64(), Some(seq));
    let picked_up = events.until("state", &conversation).await;
    assert_eq!(picked_up["detail"]["state"], "active");
    assert_eq!(picked_up["detail"]["agent"]["id"], "anna");
}
