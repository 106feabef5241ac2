//! What a row of the work list says about a conversation: the customer's name, the message it
//! previews and when the conversation last moved.

use tetap_shared::{AuthorKind, Conversation, Message};

/// The name the console shows for a conversation's customer.
pub fn customer_name(conversation: &Conversation) -> String {
    conversation
        .customer
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| conversation.customer.sub.clone())
}

/// Whether `candidate` should replace `current` as a row's preview: the newest message that a
/// person wrote ("Anna joined the conversation." says nothing the agent needs in the list), a
/// system message only while no other is known.
pub fn better_preview(current: Option<&Message>, candidate: &Message) -> bool {
    let by_person = |m: &Message| m.author.kind != AuthorKind::System;
    match current {
        None => true,
        Some(current) => match (by_person(current), by_person(candidate)) {
            (true, false) => false,
            (false, true) => true,
            _ => candidate.seq >= current.seq,
        },
    }
}

/// When the conversation last moved: its newest message, else its start (RFC 3339).
pub fn last_activity(conversation: &Conversation) -> &str {
    conversation
        .last_message
        .as_ref()
        .map_or(&conversation.created_at, |m| &m.at)
}
