//! Older pages and earlier conversations: what the log can still show above its first message,
//! and the `history` frame that asks the relay for it (keyset by `seq`, one request at a time),
//! or, once every listed conversation is loaded, the `earlier` frame for the next page of the
//! relay's list (R9).

use crate::chat::Chat;
use tetap_shared::ConversationId;
use tetap_shared::frames::ClientFrame;

/// `before` for the newest page of a conversation: above any `seq`, exact as a JSON number.
const NEWEST: u64 = (1 << 53) - 1;

impl Chat {
    /// Whether anything older than the log's first entry can be loaded from the relay.
    pub fn has_older(&self) -> bool {
        self.threads.first().is_some_and(|t| t.more_before)
            || self.next_earlier().is_some()
            || self.more_earlier
    }

    pub(crate) fn next_earlier(&self) -> Option<&ConversationId> {
        self.earlier
            .iter()
            .rev()
            .find(|id| !self.threads.iter().any(|t| t.id == **id))
    }

    /// The `history` frame for the page above the log's first entry (of its first conversation,
    /// else of the newest earlier conversation not loaded yet), marking it as asked for; when
    /// every listed one is loaded, the `earlier` frame for the relay's next page of them. `None`
    /// while one is under way or when there is nothing older.
    pub fn request_older(&mut self) -> Option<ClientFrame> {
        if self.loading.is_some() || self.listing.is_some() {
            return None;
        }
        let (conversation, before) = match self.threads.first() {
            Some(first) if first.more_before => (
                first.id.clone(),
                self.first_seq(&first.id).unwrap_or(NEWEST),
            ),
            _ => match self.next_earlier() {
                Some(id) => (id.clone(), NEWEST),
                None => {
                    let before = self.oldest_listed.clone().filter(|_| self.more_earlier)?;
                    self.listing = Some(before.clone());
                    return Some(ClientFrame::Earlier { before });
                }
            },
        };
        self.loading = Some(conversation.clone());
        Some(ClientFrame::History {
            conversation,
            before,
            limit: None,
        })
    }

    /// Every conversation id the log knows, oldest first, for storage.
    pub fn known_conversations(&self) -> Vec<ConversationId> {
        let mut ids: Vec<ConversationId> = self
            .earlier
            .iter()
            .filter(|id| !self.threads.iter().any(|t| t.id == **id))
            .cloned()
            .collect();
        ids.extend(self.threads.iter().map(|t| t.id.clone()));
        ids
    }
}
