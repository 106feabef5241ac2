//! Values the console's tests build on: conversations, messages and events as the relay sends them.
#![allow(dead_code)]

use tetap_shared::{
    AgentEvent, AgentRef, AuthorKind, Conversation, ConversationId, ConversationState, CustomerRef,
    Message, MessageAuthor, Mode,
};

/// The signed-in agent of every test.
pub const ME: &str = "anna";

pub fn id(text: &str) -> ConversationId {
    ConversationId::from(text)
}

pub fn agent(id: &str) -> Option<AgentRef> {
    Some(AgentRef {
        id: id.into(),
        name: if id == ME {
            "Anna".into()
        } else {
            "Budi".into()
        },
    })
}

/// A conversation of customer `name` in `state`, assigned to `agent_id` (if any).
pub fn conversation(
    conversation: &str,
    state: ConversationState,
    agent_id: Option<&str>,
    name: &str,
) -> Conversation {
    Conversation {
        id: id(conversation),
        workstream: "support".into(),
        mode: Mode::Persistent,
        state,
        agent: agent_id.and_then(agent),
        affinity_agent: agent_id.map(str::to_owned),
        customer: CustomerRef {
            sub: format!("sub-{conversation}"),
            name: Some(name.into()),
            email: None,
        },
        last_seq: 1,
        unread: 1,
        customer_read_seq: 0,
        created_at: "2026-11-24T09:00:00Z".into(),
        returned_at: None,
        last_message: Some(message(1, AuthorKind::Customer, "Hello")),
    }
}

pub fn message(seq: u64, kind: AuthorKind, text: &str) -> Message {
    Message {
        seq,
        id: format!("m{seq}"),
        client_id: (kind != AuthorKind::System).then(|| format!("c{seq}")),
        author: MessageAuthor {
            kind,
            id: match kind {
                AuthorKind::Agent => ME.into(),
                AuthorKind::Customer => "sub-1".into(),
                AuthorKind::System => String::new(),
            },
            name: match kind {
                AuthorKind::Agent => Some("Anna".into()),
                _ => None,
            },
        },
        system_kind: None,
        text: text.into(),
        at: format!("2026-11-24T09:{:02}:00Z", seq.min(59)),
    }
}

pub fn system(seq: u64, kind: &str, text: &str) -> Message {
    Message {
        system_kind: Some(kind.into()),
        ..message(seq, AuthorKind::System, text)
    }
}

pub fn state_event(detail: &Conversation) -> AgentEvent {
    AgentEvent::State {
        conversation: detail.id.clone(),
        detail: detail.clone(),
    }
}

pub fn message_event(conversation: &str, message: Message) -> AgentEvent {
    AgentEvent::Message {
        conversation: id(conversation),
        message,
    }
}
