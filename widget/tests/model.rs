//! The log's model without the view, in headless Chromium: read receipts, typing, conversations
//! in order, older pages, earlier conversations paged in and their modes, links, the rendered
//! window and the rows with their separators. The messages, acks and conversation infos that
//! several submodules feed in are built here.
#![cfg(target_arch = "wasm32")]

use tetap_shared::frames::{ConversationInfo, ServerFrame};
use tetap_shared::{AuthorKind, ConversationState, Message, MessageAuthor, Mode};
use tetap_widget::chat::Chat;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod model {
    pub mod delivery;
    pub mod earlier;
    pub mod history;
    pub mod rendering;
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

fn info(id: &str, mode: Mode, state: ConversationState) -> ConversationInfo {
    ConversationInfo {
        id: id.into(),
        mode,
        state,
        agent: None,
        last_seq: 0,
    }
}

fn texts(chat: &Chat) -> Vec<&str> {
    chat.entries.iter().map(|e| e.text.as_str()).collect()
}

fn ack(client_id: &str, conversation: &str, seq: u64) -> ServerFrame {
    ServerFrame::Ack {
        client_id: client_id.into(),
        conversation: conversation.into(),
        seq,
        id: format!("id{seq}"),
        at: "2026-11-24T01:00:00Z".into(),
    }
}
