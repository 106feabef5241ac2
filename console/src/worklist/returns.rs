//! R7's "returned stays visible until handled": the relay stores a customer's return on the
//! conversation (`returned_at`) until it is picked up or the customer writes, so the work list
//! shows it from the data it has (after a reload too), and it re-sends `customer_returned` for
//! every still-marked conversation whenever the event stream (re)connects — so one return may
//! arrive many times, and must be told to the agent once.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use tetap_shared::{Conversation, ConversationId};

/// Whether the list marks the conversation "customer is back".
pub fn is_returned(conversation: &Conversation) -> bool {
    conversation.returned_at.is_some()
}

/// Returned conversations before the others, the longest-waiting return first (the customer who
/// has waited longest for their agent comes first, as the queue is first come, first served);
/// `Equal` between two unmarked ones, so the caller's own order decides.
pub fn returned_first(a: &Conversation, b: &Conversation) -> Ordering {
    match (&a.returned_at, &b.returned_at) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The returns the agent has been told about in this console session, by conversation: the
/// `returned_at` each notice was about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Told(BTreeMap<ConversationId, String>);

impl Told {
    /// Whether a `customer_returned` event's return is news, remembering it: a re-sent event of
    /// the same return (same `returned_at`) is not. A return without `returned_at` (from a relay
    /// that does not store it yet) is always news: such a relay sends it once per waiting period.
    pub fn is_news(&mut self, detail: &Conversation) -> bool {
        match &detail.returned_at {
            None => true,
            Some(at) => self.0.insert(detail.id.clone(), at.clone()).as_ref() != Some(at),
        }
    }

    /// Forgets the return of a conversation that was picked up, or left the list: a later
    /// return of it is news again.
    pub fn forget(&mut self, id: &ConversationId) {
        self.0.remove(id);
    }

    /// Keeps only the returns of conversations for which `still_marked` holds.
    pub fn retain(&mut self, mut still_marked: impl FnMut(&ConversationId) -> bool) {
        self.0.retain(|id, _| still_marked(id));
    }
}
