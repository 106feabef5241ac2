//! Anonymous visitors (R2): a live workstream with `anonymous = true` gives a visitor a
//! relay-signed id that survives a restart; a persistent workstream never takes one.

use super::identity_fixtures::{config, refusal, welcomed_subject};
use super::support::TestRelay;
use tetap_shared::{ErrorCode, ServerFrame};

fn visitor_token(welcome: &ServerFrame) -> String {
    match welcome {
        ServerFrame::Welcome {
            visitor_token: Some(token),
            ..
        } => token.clone(),
        other => panic!("expected a welcome with a visitor token, got {other:?}"),
    }
}

#[tokio::test]
async fn r2_an_anonymous_visitor_keeps_their_id_and_conversation_across_a_restart() {
    let mut relay = TestRelay::start_with(None, &config(None, None)).await;
    let (mut socket, welcome) = relay.customer("visitors", "").await;
    let visitor = welcomed_subject(&welcome);
    let token = visitor_token(&welcome);
    assert_eq!(visitor.len(), 36, "a random UUID: {visitor}");
    let (first, seq) = socket.write("c-1", "Do you ship to Bali?").await;
    assert_eq!(seq, 1);
    drop(socket);

    relay.restart().await;
    let (_, welcome) = relay.customer("visitors", &token).await;
    assert_eq!(welcomed_subject(&welcome), visitor);
    let ServerFrame::Welcome {
        conversation: Some(conversation),
        ..
    } = &welcome
    else {
        panic!("expected the visitor's conversation, got {welcome:?}")
    };
    // The same conversation, with the message in it (system notices such as the queue position
    // may follow it, depending on how far routing got before the restart).
    assert_eq!(conversation.id.0, first);
    assert!(conversation.last_seq >= 1, "{conversation:?}");
    // Each visit renews the token; the renewed one names the same visitor.
    let (_, again) = relay.customer("visitors", &visitor_token(&welcome)).await;
    assert_eq!(welcomed_subject(&again), visitor);

    // Another empty hello is another visitor, who sees nothing of the first.
    let (_, stranger) = relay.customer("visitors", "").await;
    assert_ne!(welcomed_subject(&stranger), visitor);
    assert!(matches!(
        stranger,
        ServerFrame::Welcome {
            conversation: None,
            ..
        }
    ));
}

#[tokio::test]
async fn r2_a_visitor_token_is_good_only_on_its_own_anonymous_live_workstream() {
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    let (_, welcome) = relay.customer("visitors", "").await;
    let token = visitor_token(&welcome);
    // Persistent workstreams never take a visitor: neither its token nor an empty one.
    let (_, answer) = relay.customer("support", &token).await;
    assert_eq!(
        refusal(&answer),
        (
            ErrorCode::Unauthorized,
            "the token's algorithm is not accepted here".into()
        )
    );
    let (_, answer) = relay.customer("support", "").await;
    assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized);
    // A live workstream without `anonymous` neither.
    let (_, answer) = relay.customer("sales", "").await;
    assert_eq!(refusal(&answer).0, ErrorCode::Unauthorized);
    // Another anonymous workstream: the token is bound to the one that issued it.
    let (_, answer) = relay.customer("visitors-2", &token).await;
    assert_eq!(
        refusal(&answer),
        (
            ErrorCode::Unauthorized,
            "the token is meant for another audience".into()
        )
    );
}

#[tokio::test]
async fn a_forged_or_expired_visitor_token_is_refused() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let relay = TestRelay::start_with(None, &config(None, None)).await;
    let (_, welcome) = relay.customer("visitors", "").await;
    let token = visitor_token(&welcome);
    // Someone else's id in the payload, the relay's signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("JSON");
    claims["sub"] = "someone-else".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let (_, answer) = relay.customer("visitors", &forged).await;
    assert_eq!(
        refusal(&answer),
        (
            ErrorCode::Unauthorized,
            "the token's signature does not verify".into()
        )
    );
    relay
        .clock
        .advance(std::time::Duration::from_secs(31 * 86_400));
    let (_, answer) = relay.customer("visitors", &token).await;
    assert_eq!(refusal(&answer).0, ErrorCode::TokenExpired);
}
