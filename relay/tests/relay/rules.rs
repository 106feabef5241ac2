//! The conversation rules R1–R11 enforced by a real relay: routing, waiting, returning, ending,
//! operating hours, timers. Each test names the rule it checks.

use super::support::TestRelay;
use serde_json::Value;
use std::time::Duration;
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ConversationState, ErrorCode, ServerFrame};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

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

fn state_of(frame: &ServerFrame) -> Option<ConversationState> {
    match frame {
        ServerFrame::State { conversation } => Some(conversation.state),
        _ => None,
    }
}

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
async fn r4_customer_cannot_end_persistent() {
    let relay = TestRelay::start().await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    sari.send(&ClientFrame::End).await;
    let refusal = sari.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(
        refusal,
        ServerFrame::Error {
            code: ErrorCode::CustomerCannotEnd,
            ..
        }
    ));
    let anna = relay.agent("anna").await;
    assert_eq!(anna.conversation(&id).await["state"], "open", "unchanged");
}

#[tokio::test]
async fn r4_either_side_ends_a_live_conversation() {
    let relay = TestRelay::start().await;
    let (mut visitor, _) = relay.customer("sales", &relay.token("v1")).await;
    let (id, _) = visitor.write("c-1", "hi").await;
    visitor.send(&ClientFrame::End).await;
    let closed = visitor
        .until(|f| state_of(f) == Some(ConversationState::Closed))
        .await;
    assert!(state_of(&closed).is_some());
    let anna = relay.agent("anna").await;
    let (_, messages) = anna.get(&format!("/conversations/{id}/messages")).await;
    let last = texts_and_kinds(&messages).pop().expect("a message");
    assert_eq!(
        last,
        ("The conversation has ended.".into(), Some("ended".into()))
    );

    let (mut other, _) = relay.customer("sales", &relay.token("v2")).await;
    let (other_id, _) = other.write("c-1", "hi").await;
    let (status, body) = anna.act(&other_id, "end").await;
    assert_eq!((status, body["state"].as_str()), (200, Some("closed")));
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
    let budi = relay.agent("budi").await;
    let mut events = budi.events().await;
    budi.presence("online").await;
    let (mut visitor, _) = relay.customer("sales", &relay.token("v1")).await;
    let (id, _) = visitor.write("c-1", "hi").await;
    events.until("assigned", &id).await;
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
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let token = relay.token("sari");
    let (mut sari, _) = relay.customer("support", &token).await;
    let (id, _) = sari.write("c-1", "hello").await;
    events.until("assigned", &id).await;
    cici.act(&id, "wait").await;
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

    relay.clock.advance(10 * MINUTE);
    let assigned = anna_events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["agent"]["id"], "anna");
}

#[tokio::test]
async fn r9_a_closed_conversation_is_never_reopened_the_next_message_starts_a_new_one() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (first, _) = sari.write("c-1", "hello").await;
    events.until("assigned", &first).await;
    let (status, body) = cici.act(&first, "end").await;
    assert_eq!((status, body["state"].as_str()), (200, Some("closed")));
    sari.until(|f| state_of(f) == Some(ConversationState::Closed))
        .await;
    let (status, body) = cici.reply(&first, "a-1", "hello?").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("conversation_closed"))
    );
    let (second, seq) = sari.write("c-2", "new question").await;
    assert_ne!(second, first);
    assert_eq!(seq, 1);
    assert_eq!(cici.conversation(&first).await["state"], "closed");
}

#[tokio::test]
async fn r9_the_waiting_timeout_closes_a_parked_conversation_only_where_configured() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut with_timeout, _) = relay.customer("claims", &relay.token("sari")).await;
    let (claims_id, _) = with_timeout.write("c-1", "claim").await;
    events.until("assigned", &claims_id).await;
    let (mut without, _) = relay.customer("support", &relay.token("budi")).await;
    let (support_id, _) = without.write("c-1", "question").await;
    events.until("assigned", &support_id).await;
    cici.act(&claims_id, "wait").await;
    cici.act(&support_id, "wait").await;

    relay.clock.advance(49 * HOUR);
    let closed = events.until_state(&claims_id, "closed").await;
    assert_eq!(closed["detail"]["state"], "closed");
    let cici = relay.agent("cici").await;
    assert_eq!(
        cici.conversation(&support_id).await["state"],
        "waiting",
        "persistent chats end only when an agent ends them"
    );
}

#[tokio::test]
async fn r3_a_persistent_conversation_outside_hours_is_kept_and_routed_when_hours_open() {
    let relay = TestRelay::start().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let (mut sari, _) = relay.customer("billing", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "invoice question").await;
    let away = sari
        .until(
            |f| matches!(f, ServerFrame::Message { message, .. } if message.system_kind.is_some()),
        )
        .await;
    let ServerFrame::Message { message, .. } = away else {
        unreachable!()
    };
    assert_eq!(message.system_kind.as_deref(), Some("away"));
    assert!(
        message.text.contains("Tuesday 20:00 (UTC)"),
        "{}",
        message.text
    );
    assert_eq!(
        cici.conversation(&id).await["state"],
        "open",
        "not routed outside hours"
    );

    relay.clock.advance(11 * HOUR);
    let assigned = events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["agent"]["id"], "cici");
}

#[tokio::test]
async fn r3_a_live_workstream_outside_hours_starts_no_chat() {
    let relay = TestRelay::start().await;
    let token = relay.token("vita");
    let (mut visitor, _) = relay.customer("evening-sales", &token).await;
    visitor.say("c-1", "hello?").await;
    let refusal = visitor.next_frame().await;
    let ServerFrame::Error { code, message, .. } = refusal else {
        panic!("expected a refusal, got {refusal:?}")
    };
    assert_eq!(code, ErrorCode::OutsideOperatingHours);
    assert!(message.contains("offline"), "{message}");
    let (_, welcome) = relay.customer("evening-sales", &token).await;
    assert!(matches!(
        welcome,
        ServerFrame::Welcome {
            conversation: None,
            ..
        }
    ));
}

#[tokio::test]
async fn r11_a_live_conversation_closes_when_the_customer_stays_away_and_persistent_never_does() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    let (mut visitor, _) = relay.customer("sales", &relay.token("v1")).await;
    let (live_id, _) = visitor.write("c-1", "hi").await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (persistent_id, _) = sari.write("c-1", "hi").await;
    visitor.close().await;
    sari.close().await;
    relay.clock.advance(2 * MINUTE);
    // Back within the grace: the first grace is cancelled, a new one starts on leaving again.
    let (mut back, _) = relay.customer("sales", &relay.token("v1")).await;
    back.barrier().await;
    back.close().await;
    relay.clock.advance(2 * MINUTE);
    assert_eq!(anna.conversation(&live_id).await["state"], "open");
    relay.clock.advance(MINUTE);
    let closed = events.until_state(&live_id, "closed").await;
    assert_eq!(closed["detail"]["mode"], "live");
    relay.clock.advance(24 * HOUR);
    let (mut probe, _) = relay.customer("support", &relay.token("probe")).await;
    probe.barrier().await;
    // A day later the agent signs in again (sessions last 12 hours): still open.
    let anna = relay.agent("anna").await;
    assert_eq!(anna.conversation(&persistent_id).await["state"], "open");
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
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    let (id, _) = sari.write("c-1", "hello").await;
    drop(sari);
    relay.restart().await;
    let cici = relay.agent("cici").await;
    let mut events = cici.events().await;
    cici.presence("online").await;
    let assigned = events.until("assigned", &id).await;
    assert_eq!(assigned["detail"]["customer"]["sub"], "sari");
}

#[tokio::test]
async fn r3_the_widget_learns_a_live_workstream_is_offline_before_anyone_writes() {
    let relay = TestRelay::start().await;
    let info = |path: &'static str| {
        let url = relay.url(path);
        async move {
            reqwest::get(url)
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let closed = info("/v1/widget/workstreams/evening-sales?locale=id").await;
    assert_eq!(
        closed["offline_notice"],
        "Kami sedang offline. Silakan kembali pada jam operasional kami."
    );
    assert_eq!(
        info("/v1/widget/workstreams/sales").await["offline_notice"],
        Value::Null
    );
    assert_eq!(
        info("/v1/widget/workstreams/billing").await["offline_notice"],
        Value::Null,
        "persistent is written to outside hours"
    );
    relay.clock.advance(11 * HOUR);
    let open = info("/v1/widget/workstreams/evening-sales").await;
    assert_eq!(open["offline_notice"], Value::Null);
}
