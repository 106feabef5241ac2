//! How conversations close: who may end them (R4), that closed stays closed and the waiting
//! timeout (R9), and the live reconnect grace (R11).

use super::{HOUR, MINUTE, SECOND, advance_until_timers_fired, texts_and_kinds};
use crate::relay::support::TestRelay;
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ConversationState, ErrorCode, ServerFrame};

fn state_of(frame: &ServerFrame) -> Option<ConversationState> {
    match frame {
        ServerFrame::State { conversation } => Some(conversation.state),
        _ => None,
    }
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

    // A second before the two days, with every timer due by then fired, still waiting.
    advance_until_timers_fired(&relay, 48 * HOUR - SECOND).await;
    // A session lasts 12 hours: cici signs in again.
    let cici = relay.agent("cici").await;
    assert_eq!(
        cici.conversation(&claims_id).await["state"],
        "waiting",
        "not closed before its waiting_timeout of 2d"
    );

    relay.clock.advance(SECOND);
    let closed = events.until_state(&claims_id, "closed").await;
    assert_eq!(closed["detail"]["state"], "closed");
    assert_eq!(
        cici.conversation(&support_id).await["state"],
        "waiting",
        "persistent chats end only when an agent ends them"
    );
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
