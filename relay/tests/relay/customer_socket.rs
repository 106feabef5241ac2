//! The customer WebSocket: hello, idempotent sends, resume, history, refusals.

use super::support::TestRelay;
use tetap_shared::frames::{ClientFrame, Cursor, MAX_TEXT_BYTES};
use tetap_shared::{ConversationState, ErrorCode, ServerFrame};

pub(super) fn ack_seq(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::Ack { seq, .. } => *seq,
        other => panic!("expected an ack, got {other:?}"),
    }
}

pub(super) fn error_code(frame: &ServerFrame) -> ErrorCode {
    match frame {
        ServerFrame::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn r9_opening_the_widget_starts_no_conversation() {
    let relay = TestRelay::start().await;
    let (_socket, welcome) = relay.customer("support", &relay.token("sari")).await;
    match welcome {
        ServerFrame::Welcome {
            conversation,
            customer,
            ..
        } => {
            assert_eq!(conversation, None);
            assert_eq!(customer.sub, "sari");
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_is_acknowledged_after_commit_and_pushed_to_every_tab() {
    let relay = TestRelay::start().await;
    let token = relay.token("sari");
    let (mut first_tab, _) = relay.customer("support", &token).await;
    let (mut second_tab, _) = relay.customer("support", &token).await;
    first_tab.say("c-1", "Halo, my order is late").await;
    let ack = first_tab
        .until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await;
    assert_eq!(ack_seq(&ack), 1);
    let pushed = second_tab
        .until(|f| matches!(f, ServerFrame::Message { .. }))
        .await;
    let ServerFrame::Message { message, .. } = pushed else {
        unreachable!()
    };
    assert_eq!(message.text, "Halo, my order is late");
    assert_eq!(message.client_id.as_deref(), Some("c-1"));
    // The sending tab has it from the ack: no echo of its own message comes back to it, while
    // the state of the conversation it started does.
    let after_ack = first_tab.barrier().await;
    assert!(
        !after_ack
            .iter()
            .any(|f| matches!(f, ServerFrame::Message { .. })),
        "{after_ack:?}"
    );
    assert!(
        after_ack
            .iter()
            .any(|f| matches!(f, ServerFrame::State { .. })),
        "{after_ack:?}"
    );
}

#[tokio::test]
async fn resending_a_client_id_returns_the_stored_message_never_a_copy() {
    let relay = TestRelay::start().await;
    let token = relay.token("sari");
    let (mut socket, _) = relay.customer("support", &token).await;
    socket.say("same-id", "once").await;
    let first = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    // The resend comes over a new socket, as after a reconnect.
    let (mut again, _) = relay.customer("support", &token).await;
    again.say("same-id", "once").await;
    let second = again.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert_eq!(first, second);
    let (_, welcome) = relay.customer("support", &token).await;
    let ServerFrame::Welcome {
        conversation: Some(conversation),
        ..
    } = welcome
    else {
        panic!("expected a conversation")
    };
    assert_eq!(conversation.last_seq, 1, "stored exactly once");
}

#[tokio::test]
async fn r1_the_history_survives_a_relay_restart_and_another_device() {
    let mut relay = TestRelay::start().await;
    let (mut laptop, _) = relay.customer("support", &relay.token("sari")).await;
    for (i, text) in ["first", "second", "third"].iter().enumerate() {
        laptop.say(&format!("c-{i}"), text).await;
        laptop.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    }
    drop(laptop);
    relay.restart().await;
    let (mut phone, welcome) = relay.customer("support", &relay.token("sari")).await;
    assert!(matches!(
        welcome,
        ServerFrame::Welcome { conversation: Some(ref c), .. } if c.last_seq == 3 && c.state == ConversationState::Open
    ));
    let ServerFrame::Messages {
        messages,
        more_before,
        ..
    } = phone.next_frame().await
    else {
        panic!("expected the newest page")
    };
    let texts: Vec<_> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["first", "second", "third"]);
    assert!(!more_before);
}

#[tokio::test]
async fn r2_another_customer_never_sees_the_conversation() {
    let relay = TestRelay::start().await;
    let (mut sari, _) = relay.customer("support", &relay.token("sari")).await;
    sari.say("c-1", "private").await;
    sari.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    let (_, welcome) = relay.customer("support", &relay.token("budi")).await;
    assert!(matches!(
        welcome,
        ServerFrame::Welcome {
            conversation: None,
            ..
        }
    ));
}

#[tokio::test]
async fn a_resuming_socket_gets_exactly_what_it_missed() {
    let relay = TestRelay::start().await;
    let token = relay.token("sari");
    let (mut socket, _) = relay.customer("support", &token).await;
    let mut conversation = None;
    for i in 1..=4 {
        socket.say(&format!("c-{i}"), &format!("message {i}")).await;
        if let ServerFrame::Ack {
            conversation: c, ..
        } = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await
        {
            conversation = Some(c);
        }
    }
    let cursor = Cursor {
        conversation: conversation.expect("conversation"),
        after_seq: 2,
    };
    let (mut resumed, _) = relay
        .customer_resuming("support", &token, Some(cursor))
        .await;
    let ServerFrame::Messages { messages, .. } = resumed.next_frame().await else {
        panic!("expected the missed messages")
    };
    let seqs: Vec<_> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, [3, 4]);
}

#[tokio::test]
async fn older_pages_come_by_keyset_below_a_sequence_number() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    let mut conversation = None;
    for i in 1..=7 {
        socket.say(&format!("c-{i}"), &format!("m{i}")).await;
        if let ServerFrame::Ack {
            conversation: c, ..
        } = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await
        {
            conversation = Some(c);
        }
    }
    let conversation = conversation.expect("conversation");
    socket
        .send(&ClientFrame::History {
            conversation: conversation.clone(),
            before: 6,
            limit: Some(3),
        })
        .await;
    let frame = socket
        .until(|f| matches!(f, ServerFrame::Messages { .. }))
        .await;
    let ServerFrame::Messages {
        messages,
        more_before,
        ..
    } = frame
    else {
        unreachable!()
    };
    assert_eq!(
        messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert!(more_before);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_the_socket_stays_usable() {
    let relay = TestRelay::start().await;
    let (mut socket, _) = relay.customer("support", &relay.token("sari")).await;
    socket.send_text("{not json").await;
    assert_eq!(error_code(&socket.next_frame().await), ErrorCode::BadFrame);
    socket.send_text(r#"{"type":"launch_missiles"}"#).await;
    assert_eq!(error_code(&socket.next_frame().await), ErrorCode::BadFrame);
    socket.say("c-1", &"x".repeat(MAX_TEXT_BYTES + 1)).await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::MessageTooLong
    );
    socket.say("c-2", "   ").await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::EmptyMessage
    );
    socket.say("bad id!", "hello").await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::BadClientId
    );
    socket.say("c-3", "still here").await;
    let ack = socket.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert_eq!(ack_seq(&ack), 1, "nothing refused was stored");
}

#[tokio::test]
async fn the_first_frame_must_be_a_hello_of_this_protocol() {
    let relay = TestRelay::start().await;
    let mut socket = relay.raw_socket().await;
    socket.say("c-1", "hi").await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::HelloRequired
    );
    assert_eq!(socket.next_or_close().await, None);

    let mut socket = relay.raw_socket().await;
    socket
        .send(&ClientFrame::Hello {
            protocol: 99,
            workstream: "support".into(),
            token: relay.token("sari"),
            resume: None,
            locale: None,
        })
        .await;
    assert_eq!(
        error_code(&socket.next_frame().await),
        ErrorCode::UnsupportedProtocol
    );

    let (_, refusal) = relay.customer("nope", &relay.token("sari")).await;
    assert_eq!(error_code(&refusal), ErrorCode::UnknownWorkstream);
}

#[tokio::test]
async fn a_websocket_upgrade_from_a_foreign_origin_is_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let relay = TestRelay::start().await;
    let mut request = format!("ws://{}/v1/customer/ws", relay.addr)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("Origin", "https://evil.test".parse().expect("header"));
    let error = tokio_tungstenite::connect_async(request)
        .await
        .expect_err("refused");
    let tokio_tungstenite::tungstenite::Error::Http(response) = error else {
        panic!("expected an HTTP refusal, got {error:?}")
    };
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn r9_welcome_names_earlier_conversations_and_how_far_the_agent_read() {
    let relay = TestRelay::start().await;
    let token = relay.token("sari");
    let (mut socket, _) = relay.customer("support", &token).await;
    let (first, _) = socket.write("c-1", "first question").await;
    let anna = relay.agent("anna").await;
    anna.act(&first, "accept").await;
    let (status, _) = anna.act(&first, "end").await;
    assert_eq!(status, 200);
    let (second, _) = socket.write("c-2", "second question").await;
    let response = anna
        .http
        .post(format!("{}/conversations/{second}/read", anna.base))
        .bearer_auth(&anna.token)
        .json(&serde_json::json!({ "seq": 1 }))
        .send()
        .await
        .expect("read");
    assert_eq!(response.status(), 204);
    // Another device: it learns of the closed conversation and the read mark from the relay.
    let (_, welcome) = relay.customer("support", &token).await;
    let ServerFrame::Welcome {
        earlier,
        agent_read_seq,
        conversation,
        ..
    } = welcome
    else {
        panic!("expected welcome")
    };
    assert_eq!(earlier, vec![first.as_str().into()]);
    assert_eq!(conversation.map(|c| c.id.0), Some(second));
    assert_eq!(agent_read_seq, 1);
}
