//! What this relay has published of each conversation its clients follow: every `seq` up to a
//! mark, those above it, and the state and agent last told. A message is published here at
//! most once by the notes and the catch-ups, and none is skipped: a gap below the mark is never
//! closed over.

use crate::store::ConversationRow;
use std::collections::{BTreeSet, HashMap};
use tetap_shared::{ConversationId, ConversationState, Message};

#[derive(Default)]
pub(super) struct Sent(HashMap<ConversationId, Track>);

pub(super) struct Track {
    /// Every `seq` up to this one was published (or was in the store when the relay's
    /// clients first read the conversation).
    upto: u64,
    /// Published above `upto`, after a gap that a late note or a catch-up fills.
    above: BTreeSet<u64>,
    pub(super) state: ConversationState,
    pub(super) agent: Option<String>,
}

impl Sent {
    /// Starts following a conversation as a client read it from the store, unless followed
    /// already.
    pub(super) fn seed(&mut self, row: &ConversationRow) {
        self.0.entry(row.id.clone()).or_insert_with(|| Track {
            upto: row.last_seq,
            above: BTreeSet::new(),
            state: row.state,
            agent: row.agent_id.clone(),
        });
    }

    pub(super) fn get(&self, id: &ConversationId) -> Option<&Track> {
        self.0.get(id)
    }

    /// From where a catch-up reads: after the last `seq` with none missing before it.
    pub(super) fn upto(&self, id: &ConversationId) -> Option<u64> {
        self.0.get(id).map(|track| track.upto)
    }

    /// Keeps the messages not published yet.
    pub(super) fn unpublished(&self, id: &ConversationId, messages: &mut Vec<Message>) {
        if let Some(track) = self.0.get(id) {
            messages.retain(|m| !track.has(m.seq));
        }
    }

    /// Records what was just published about `row`.
    pub(super) fn record(&mut self, row: &ConversationRow, messages: &[Message]) {
        let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
        let track = self.published(&row.id, row.last_seq, &seqs);
        track.state = row.state;
        track.agent.clone_from(&row.agent_id);
    }

    /// Records `seqs` as published; a conversation followed from here on counts everything
    /// before the first of them (or up to `last_seq`) as its clients' to have read.
    fn published(&mut self, id: &ConversationId, last_seq: u64, seqs: &[u64]) -> &mut Track {
        let first_unseen = seqs.first().map_or(last_seq, |seq| seq.saturating_sub(1));
        let track = self.0.entry(id.clone()).or_insert_with(|| Track {
            upto: first_unseen,
            above: BTreeSet::new(),
            state: ConversationState::Open,
            agent: None,
        });
        for &seq in seqs {
            if seq > track.upto {
                track.above.insert(seq);
            }
        }
        while track.above.remove(&(track.upto + 1)) {
            track.upto += 1;
        }
        track
    }

    /// The conversations followed.
    pub(super) fn ids(&self) -> Vec<ConversationId> {
        self.0.keys().cloned().collect()
    }

    /// Stops following `ids`.
    pub(super) fn forget(&mut self, ids: &[ConversationId]) {
        for id in ids {
            self.0.remove(id);
        }
    }

    /// Stops following the conversations `keep` refuses.
    pub(super) fn retain(&mut self, keep: impl Fn(&ConversationId) -> bool) {
        self.0.retain(|id, _| keep(id));
    }
}

impl Track {
    fn has(&self, seq: u64) -> bool {
        seq <= self.upto || self.above.contains(&seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ConversationId {
        ConversationId("c1".to_owned())
    }

    fn has(sent: &Sent, seqs: &[u64]) -> Vec<bool> {
        let track = sent.get(&id()).expect("followed");
        seqs.iter().map(|&seq| track.has(seq)).collect()
    }

    #[test]
    fn a_message_published_once_is_not_published_again() {
        let mut sent = Sent::default();
        sent.published(&id(), 3, &[2, 3]);
        assert_eq!(has(&sent, &[1, 2, 3, 4]), [true, true, true, false]);
    }

    #[test]
    fn a_gap_stays_open_until_its_message_is_published() {
        let mut sent = Sent::default();
        sent.published(&id(), 4, &[]);
        sent.published(&id(), 6, &[6]);
        assert_eq!(sent.upto(&id()), Some(4));
        assert_eq!(has(&sent, &[5, 6]), [false, true]);
        sent.published(&id(), 6, &[5]);
        assert_eq!(sent.upto(&id()), Some(6));
    }

    #[test]
    fn following_starts_where_the_first_published_message_is() {
        let mut sent = Sent::default();
        sent.published(&id(), 9, &[8, 9]);
        assert_eq!(sent.upto(&id()), Some(9));
        assert_eq!(has(&sent, &[7]), [true]);
    }
}
