//! A socket's messages sent back to back, without waiting for acknowledgements: the relay queues
//! their writes together, and still stores each once, in the order sent, and answers in order.

use super::support::TestRelay;
use tetap_shared::frames::ClientFrame;
use tetap_shared::{ConversationId, ServerFrame};

/// Messages the relay queues per socket at once (`PIPELINED_MESSAGES`).
const QUEUED_PER_SOCKET: usize = 32;
/// More than the relay queues per socket at once, so the socket is also held back unread.
const BURST: usize = 40;

fn text(i: usize) -> String {
    format!("message {i}")
}

#[tokio::test]
async fn messages_sent_back_to_back_are_stored_once_in_the_order_sent_and_acked_in_it() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    for i in 0..BURST {
        socket.say(&format!("b-{i}"), &text(i)).await;
    }
    // A resend of an early message in the same burst is the stored one, not a copy.
    socket.say("b-3", &text(3)).await;
    let mut acks = Vec::new();
    let mut echoes = Vec::new();
    while acks.len() < BURST + 1 {
        match socket.next_frame().await {
            ServerFrame::Ack { client_id, seq, .. } => acks.push((client_id, seq)),
            ServerFrame::Message { message, .. } => echoes.push(message),
            _ => {}
        }
    }
    for frame in socket.barrier().await {
        if let ServerFrame::Message { message, .. } = frame {
            echoes.push(message);
        }
    }
    assert!(
        echoes.is_empty(),
        "the sending tab had its own messages back: {echoes:?}"
    );
    let expected: Vec<(String, u64)> = (0..BURST)
        .map(|i| (format!("b-{i}"), i as u64 + 1))
        .chain([("b-3".to_owned(), 4)])
        .collect();
    assert_eq!(
        acks, expected,
        "acks in the order sent, seq 1.. without gaps"
    );

    let (mut other_tab, welcome) = relay.customer("support", &relay.token("sari")).await;
    let ServerFrame::Welcome {
        conversation: Some(conversation),
        ..
    } = welcome
    else {
        panic!("expected the conversation in the welcome")
    };
    assert_eq!(conversation.last_seq, BURST as u64, "each stored once");
    let ServerFrame::Messages { messages, .. } = other_tab
        .until(|f| matches!(f, ServerFrame::Messages { .. }))
        .await
    else {
        unreachable!()
    };
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    let sent: Vec<String> = (0..BURST).map(text).collect();
    assert_eq!(texts, sent, "stored in the order sent");
}

#[tokio::test]
async fn a_frame_after_queued_messages_is_answered_after_their_acks_and_sees_them() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    let (conversation, _) = socket.write("first", "first").await;
    // As many as the relay queues per socket: their acknowledgements, and the echoes it must
    // not send back, all come due before the history request is answered.
    for i in 0..QUEUED_PER_SOCKET {
        socket.say(&format!("q-{i}"), &text(i)).await;
    }
    socket
        .send(&ClientFrame::History {
            conversation: ConversationId(conversation.clone()),
            before: u64::MAX,
            limit: Some(50),
        })
        .await;
    let mut acks = 0;
    let page = loop {
        match socket.next_frame().await {
            ServerFrame::Ack { .. } => acks += 1,
            ServerFrame::Messages { messages, .. } => break messages,
            ServerFrame::Message { message, .. } => {
                panic!("the sending tab had its own message back: {message:?}")
            }
            _ => {}
        }
    };
    assert_eq!(acks, QUEUED_PER_SOCKET, "every ack before the history page");
    assert_eq!(
        page.len(),
        QUEUED_PER_SOCKET + 1,
        "the page has every acknowledged message"
    );
    assert_eq!(
        page.last().map(|m| m.text.clone()),
        Some(text(QUEUED_PER_SOCKET - 1))
    );
    let (_, seq) = socket.write("after", "still open").await;
    assert_eq!(
        seq,
        QUEUED_PER_SOCKET as u64 + 2,
        "the socket is still usable"
    );
}

#[tokio::test]
async fn messages_queued_when_the_socket_closes_still_reach_the_agent_in_order() {
    let relay = TestRelay::start().await;
    let anna = relay.agent("anna").await;
    let mut events = anna.events().await;
    anna.presence("online").await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    let (conversation, _) = socket.write("first", "first").await;
    events.until("assigned", &conversation).await;
    for i in 0..10 {
        socket.say(&format!("g-{i}"), &text(i)).await;
    }
    // Closed without reading a single ack: the relay has read the messages, and a message it
    // has read is stored and told to the agent even when its socket is gone.
    socket.close().await;
    for i in 0..10 {
        let event = events.until("message", &conversation).await;
        assert_eq!(event["message"]["text"], text(i), "{event}");
    }
}
