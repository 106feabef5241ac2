//! Putting stored messages in their place in the log: each conversation's thread in the order
//! the browser saw them, entries by thread then `seq`, the customer's own messages settled by
//! their `client_id` (never shown twice), and what a batch means for older pages.

use crate::chat::{Chat, Effect, Entry, Status, Thread, incoming};
use tetap_shared::rules::system_messages::hidden_in_widget;
use tetap_shared::{ConversationId, Message};

impl Chat {
    /// The newest `seq` of `conversation` in the log.
    pub(crate) fn last_seq(&self, conversation: &ConversationId) -> Option<u64> {
        self.entries
            .iter()
            .rev()
            .filter(|e| e.conversation.as_ref() == Some(conversation))
            .find_map(|e| e.seq)
    }

    pub(crate) fn first_seq(&self, conversation: &ConversationId) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| e.conversation.as_ref() == Some(conversation))
            .find_map(|e| e.seq)
    }

    /// A batch of stored messages: the newest page, what was missed, or an older page.
    pub(crate) fn batch(
        &mut self,
        conversation: ConversationId,
        messages: Vec<Message>,
        more_before: bool,
    ) -> Effect {
        if self.loading.as_ref() == Some(&conversation) {
            self.loading = None;
        }
        let known = self.last_seq(&conversation);
        let first = self.first_seq(&conversation);
        let oldest = messages.first().map(|m| m.seq);
        // Only the oldest page we hold says whether there is more above it.
        if first.is_none() || oldest < first {
            self.thread(&conversation).more_before = more_before;
        }
        let fresh = self.insert_all(&conversation, messages);
        // A resume batch holds what was missed while offline: that counts as new.
        match known {
            Some(known) => incoming(fresh.into_iter().filter(|m| m.seq > known)),
            None => Effect::Nothing,
        }
    }

    pub(crate) fn by_client_id(&mut self, client_id: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.client_id.as_deref() == Some(client_id))
    }

    /// The thread of `id`, added when new: in the order of `earlier` (the conversations this
    /// browser saw, oldest first), and after those when it is not one of them (it just started).
    pub(crate) fn thread(&mut self, id: &ConversationId) -> &mut Thread {
        let index = match self.threads.iter().position(|t| t.id == *id) {
            Some(index) => index,
            None => {
                let thread = Thread {
                    id: id.clone(),
                    more_before: false,
                    agent_read: 0,
                };
                let age = |id: &ConversationId| self.earlier.iter().position(|e| e == id);
                let at = match age(id) {
                    Some(mine) => self
                        .threads
                        .iter()
                        .position(|t| age(&t.id).is_none_or(|theirs| theirs > mine))
                        .unwrap_or(self.threads.len()),
                    None => self.threads.len(),
                };
                self.threads.insert(at, thread);
                at
            }
        };
        &mut self.threads[index]
    }

    /// Marks the customer's message stored and moves it to its place by `seq`.
    pub(crate) fn settle(
        &mut self,
        client_id: &str,
        conversation: &ConversationId,
        seq: u64,
        at: Option<String>,
    ) {
        let Some(index) = self
            .entries
            .iter()
            .position(|e| e.client_id.as_deref() == Some(client_id))
        else {
            return;
        };
        let mut entry = self.entries.remove(index);
        let read = self.thread(conversation).agent_read >= seq;
        entry.status = if read { Status::Read } else { Status::Sent };
        entry.seq = Some(seq);
        entry.conversation = Some(conversation.clone());
        if at.is_some() {
            entry.at = at;
        }
        let position = self.position_for(conversation, seq);
        self.entries.insert(position, entry);
    }

    /// Merges stored messages, skipping what we already show (by `client_id`, then by `seq`), and
    /// returns the ones that were not there before.
    pub(crate) fn insert_all(
        &mut self,
        conversation: &ConversationId,
        messages: Vec<Message>,
    ) -> Vec<Message> {
        // R5 by the conversation's own mode, with the very rule the relay's tests check.
        let mode = self.mode_of(conversation);
        let read_upto = self.thread(conversation).agent_read;
        let mut fresh = Vec::new();
        for message in messages {
            if let (Some(mode), Some(kind)) = (mode, message.system_kind.as_deref())
                && hidden_in_widget(mode, kind)
            {
                continue;
            }
            if let Some(client_id) = message.client_id.as_deref()
                && self.by_client_id(client_id).is_some()
            {
                // Our own message, echoed (this tab) or acked late: it is stored now.
                let client_id = client_id.to_owned();
                self.settle(&client_id, conversation, message.seq, Some(message.at));
                continue;
            }
            let at = self.position_for(conversation, message.seq);
            let duplicate = self.entries.get(at.wrapping_sub(1)).is_some_and(|e| {
                e.conversation.as_ref() == Some(conversation) && e.seq == Some(message.seq)
            });
            if duplicate {
                continue;
            }
            let read = message.seq <= read_upto;
            self.entries
                .insert(at, Entry::from_message(conversation, message.clone(), read));
            fresh.push(message);
        }
        fresh
    }

    /// Where a message of `conversation` numbered `seq` goes: after everything of earlier threads
    /// and of its own with a `seq` not above it, before the unsent tail.
    pub(crate) fn position_for(&self, conversation: &ConversationId, seq: u64) -> usize {
        let rank = |id: &ConversationId| self.threads.iter().position(|t| t.id == *id);
        let target = (rank(conversation), seq);
        self.entries
            .partition_point(|e| match (&e.conversation, e.seq) {
                (Some(id), Some(s)) => (rank(id), s) <= target,
                _ => false,
            })
    }
}
