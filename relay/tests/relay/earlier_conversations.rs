//! R9 over a real socket: every earlier conversation of a customer stays readable, however many
//! there are — `welcome` names the newest page and `earlier` frames page back to the first —
//! and only the customer's own are ever listed.

use super::support::{CustomerSocket, TestRelay};
use std::time::Duration;
use tetap_shared::frames::{ClientFrame, EARLIER_PAGE, EarlierConversation};
use tetap_shared::{ConversationId, ConversationState, Mode, ServerFrame};

/// Starts and ends `count` live conversations of the socket's customer; returns their ids,
/// oldest first. The clock moves now and then, so some share a creation time and some do not.
async fn closed_conversations(
    relay: &TestRelay,
    socket: &mut CustomerSocket,
    count: usize,
) -> Vec<ConversationId> {
    let mut started = Vec::new();
    for n in 0..count {
        if n % 7 == 0 {
            relay.clock.advance(Duration::from_secs(1));
        }
        let (id, _) = socket
            .write(
                &format!("q-{}-{n}", started.len()),
                &format!("question {n}"),
            )
            .await;
        socket.send(&ClientFrame::End).await;
        socket
            .until(|f| {
                matches!(f, ServerFrame::State { conversation }
                    if conversation.id.0 == id && conversation.state == ConversationState::Closed)
            })
            .await;
        started.push(ConversationId(id));
    }
    started
}

/// Asks for the page below `before`; returns it and whether older ones exist.
async fn page_below(
    socket: &mut CustomerSocket,
    before: &ConversationId,
) -> (Vec<EarlierConversation>, bool) {
    socket
        .send(&ClientFrame::Earlier {
            before: before.clone(),
        })
        .await;
    match socket
        .until(|f| matches!(f, ServerFrame::Earlier { .. }))
        .await
    {
        ServerFrame::Earlier {
            before: answered,
            conversations,
            more,
        } => {
            assert_eq!(answered, *before, "the answer names what it answers");
            (conversations, more)
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn r9_every_earlier_conversation_is_readable_page_by_page() {
    let relay = TestRelay::start().await;
    let token = relay.token("sari");
    let (mut socket, _) = relay.customer("sales", &token).await;
    let started = closed_conversations(&relay, &mut socket, 45).await;

    // Another device: the newest page comes with the welcome, the rest page by page.
    let (mut device, welcome) = relay.customer("sales", &token).await;
    let ServerFrame::Welcome {
        earlier,
        earlier_modes,
        more_earlier,
        conversation,
        ..
    } = welcome
    else {
        panic!("expected welcome, got {welcome:?}");
    };
    assert_eq!(conversation, None, "every conversation is over");
    assert_eq!(earlier.len(), EARLIER_PAGE as usize);
    assert_eq!(earlier_modes, vec![Mode::Live; earlier.len()]);
    assert!(more_earlier);
    let mut seen = earlier;
    let mut pages = 1;
    let mut more = more_earlier;
    while more {
        let (page, more_below) = page_below(&mut device, &seen[0]).await;
        assert!(!page.is_empty() && page.len() <= EARLIER_PAGE as usize);
        assert!(page.iter().all(|c| c.mode == Mode::Live));
        let mut older: Vec<ConversationId> = page.into_iter().map(|c| c.id).collect();
        older.append(&mut seen);
        seen = older;
        more = more_below;
        pages += 1;
    }
    assert_eq!(pages, 3, "20 + 20 + 5");
    assert_eq!(seen, started, "all 45, oldest first, none twice");

    // The oldest of them is readable.
    device
        .send(&ClientFrame::History {
            conversation: started[0].clone(),
            before: u64::MAX >> 11,
            limit: None,
        })
        .await;
    let ServerFrame::Messages { messages, .. } = device
        .until(|f| matches!(f, ServerFrame::Messages { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(
        messages.iter().any(|m| m.text == "question 0"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn r9_another_customers_conversation_lists_nothing() {
    let relay = TestRelay::start().await;
    let (mut sari, _) = relay.customer("sales", &relay.token("sari")).await;
    let saris = closed_conversations(&relay, &mut sari, 3).await;
    let (mut budi, _) = relay.customer("sales", &relay.token("budi")).await;
    let budis = closed_conversations(&relay, &mut budi, 2).await;

    // Budi's own older one is listed below his newest; none of Sari's ever is.
    assert_eq!(
        page_below(&mut budi, &budis[1]).await,
        (
            vec![EarlierConversation {
                id: budis[0].clone(),
                mode: Mode::Live
            }],
            false
        )
    );
    for before in [&saris[2], &saris[1], &"no-such-conversation".into()] {
        assert_eq!(page_below(&mut budi, before).await, (vec![], false));
    }
    // The same customer in another workstream is another identity (R2).
    let (mut elsewhere, _) = relay.customer("support", &relay.token("sari")).await;
    assert_eq!(page_below(&mut elsewhere, &saris[2]).await, (vec![], false));
    assert_eq!(page_below(&mut sari, &saris[2]).await.0.len(), 2);
}
