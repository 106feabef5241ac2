//! The widget's logic without the view, in headless Chromium: the chat model, the loader
//! protocol's checks, backoff, URL parameters, languages, identity and the relay's frames as the
//! widget reads them. The messages and welcomes that several submodules feed in are built here.
#![cfg(target_arch = "wasm32")]

use tetap_shared::frames::{ConversationInfo, ServerFrame};
use tetap_shared::{
    AgentRef, AuthorKind, ConversationState, CustomerRef, Message, MessageAuthor, Mode,
};
use tetap_widget::backoff;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod logic {
    pub mod chat;
    pub mod identity;
    pub mod loader;
    pub mod settings;
    pub mod wire;
}

fn message(seq: u64, kind: AuthorKind, client_id: Option<&str>, text: &str) -> Message {
    Message {
        seq,
        id: format!("m{seq}"),
        client_id: client_id.map(str::to_owned),
        author: MessageAuthor {
            kind,
            id: "x".into(),
            name: None,
        },
        system_kind: None,
        text: text.into(),
        at: "2026-11-24T01:00:00Z".into(),
    }
}

fn welcome(conversation: Option<&str>) -> ServerFrame {
    ServerFrame::Welcome {
        protocol: 1,
        workstream: "support".into(),
        mode: Mode::Persistent,
        customer: CustomerRef {
            sub: "cust-1".into(),
            name: None,
            email: None,
        },
        conversation: conversation.map(|id| ConversationInfo {
            id: id.into(),
            mode: Mode::Persistent,
            state: ConversationState::Active,
            agent: Some(AgentRef {
                id: "anna".into(),
                name: "Anna".into(),
            }),
            last_seq: 0,
        }),
        visitor_token: None,
        agent_read_seq: 0,
        earlier: Vec::new(),
        earlier_modes: Vec::new(),
        more_earlier: false,
    }
}

#[wasm_bindgen_test]
fn backoff_grows_is_jittered_and_capped() {
    assert_eq!(backoff::delay_ms(0, 0.0), 250);
    assert_eq!(backoff::delay_ms(0, 0.999), 499);
    assert!(backoff::delay_ms(3, 0.5) > backoff::delay_ms(2, 0.5));
    for attempt in [10, 20, 1000, u32::MAX] {
        let delay = backoff::delay_ms(attempt, 0.999);
        assert!(
            (backoff::MAX_MS / 2..backoff::MAX_MS).contains(&delay),
            "{attempt}: {delay}"
        );
    }
    assert_ne!(
        backoff::delay_ms(4, 0.1),
        backoff::delay_ms(4, 0.9),
        "jitter spreads retries"
    );
}
