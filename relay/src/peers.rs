//! Several relays on one PostgreSQL database acting as one. After a decision commits, the relay
//! publishes it to its own sockets and tells the other relays with a note (ids only, sent after
//! the commit: a NOTIFY inside the write would serialise every commit); each relay listens on a
//! connection of its own, reads what a note points at from the tables, and publishes it to its
//! sockets. Notes are lost while a listener reconnects or when a relay dies between commit and
//! note, so a relay catches up from the tables after every reconnect and on a slow poll.

mod catch_up;
mod note;
mod sent;

use crate::decide::Decision;
use crate::state::AppState;
use crate::store::{ConversationRow, Shared};
use note::{Note, What};
use sent::Sent;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tetap_shared::{AgentRef, ConversationId, Message};
use tokio::sync::mpsc;

/// How often a relay reads the tables for what it was not told, in case a note was lost.
const SAFETY_POLL: Duration = Duration::from_secs(5);
/// Notes sent in one statement, and read before acting on them together.
const NOTES_AT_ONCE: usize = 512;
/// How long to wait before listening again after the database refused.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(1);

/// This relay's side of the conversation between relays; cheap to clone.
#[derive(Clone)]
pub struct Peers(Arc<Inner>);

struct Inner {
    /// This relay's instance id, which its notes carry.
    relay: String,
    /// Whether other relays may share the database (PostgreSQL).
    shared: bool,
    notes: mpsc::UnboundedSender<String>,
    outbox: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    sent: Mutex<Sent>,
    /// Ids of messages this relay is committing and has not published yet.
    committing: Mutex<HashSet<String>>,
}

impl Peers {
    /// The relay `relay` (its instance id); it tells others only when `shared`.
    pub fn new(relay: &str, shared: bool) -> Self {
        let (notes, outbox) = mpsc::unbounded_channel();
        Self(Arc::new(Inner {
            relay: relay.to_owned(),
            shared,
            notes,
            outbox: Mutex::new(Some(outbox)),
            sent: Mutex::new(Sent::default()),
            committing: Mutex::default(),
        }))
    }

    fn sent(&self) -> MutexGuard<'_, Sent> {
        self.0
            .sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn tell(&self, conversation: &ConversationId, what: What) {
        if self.0.shared {
            let note = Note {
                relay: self.0.relay.clone(),
                conversation: conversation.clone(),
                what,
            };
            // Closed only when the relay stops: then nobody is left to tell.
            let _ = self.0.notes.send(note.to_payload());
        }
    }

    fn committing_ids(&self) -> MutexGuard<'_, HashSet<String>> {
        self.0
            .committing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks messages this relay is about to commit, so that a catch-up reading them from the
    /// tables before this relay publishes them leaves them to [`Peers::committed`] (the sender
    /// gets its ack, not an echo); returns their ids.
    pub fn committing(&self, messages: &[Message]) -> Vec<String> {
        if !self.0.shared || messages.is_empty() {
            return Vec::new();
        }
        let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        self.committing_ids().extend(ids.iter().cloned());
        ids
    }

    /// Forgets messages whose write failed.
    pub fn not_committed(&self, ids: &[String]) {
        if !ids.is_empty() {
            let mut committing = self.committing_ids();
            ids.iter().for_each(|id| {
                committing.remove(id);
            });
        }
    }

    /// Publishes a decision this relay committed to its own sockets, and tells the others.
    pub fn committed(&self, state: &AppState, decision: &Decision) {
        if !self.0.shared {
            crate::fanout::publish_here(state, decision);
            return;
        }
        {
            let mut sent = self.sent();
            let ids: Vec<String> = decision.messages.iter().map(|m| m.id.clone()).collect();
            self.not_committed(&ids);
            // A catch-up may have read a message between its commit and this publication.
            let mut fresh = decision.messages.clone();
            sent.unpublished(&decision.after.id, &mut fresh);
            if fresh.len() == decision.messages.len() {
                crate::fanout::publish_here(state, decision);
            } else {
                let mut unread = decision.clone();
                unread.messages = fresh;
                crate::fanout::publish_here(state, &unread);
            }
            sent.record(&decision.after, &decision.messages);
        }
        let note = Note::of(&self.0.relay, decision);
        let _ = self.0.notes.send(note.to_payload());
    }

    /// Publishes what another relay committed, without what this relay published already.
    fn arrived(&self, state: &AppState, mut decision: Decision) {
        let mut sent = self.sent();
        sent.unpublished(&decision.after.id, &mut decision.messages);
        {
            let committing = self.committing_ids();
            decision.messages.retain(|m| !committing.contains(&m.id));
        }
        let told = sent.get(&decision.after.id);
        let moved = told.is_none_or(|track| {
            track.state != decision.after.state || track.agent != decision.after.agent_id
        });
        if decision.messages.is_empty() && !moved && decision.notices.is_empty() {
            return;
        }
        crate::fanout::publish_here(state, &decision);
        sent.record(&decision.after, &decision.messages);
    }

    /// Follows a conversation a client of this relay just read from the store: what was
    /// committed after that read is published here, whichever relay committed it.
    pub fn follow(&self, row: &ConversationRow) {
        if self.0.shared {
            self.sent().seed(row);
        }
    }

    /// Tells the other relays' agents that the customer is typing.
    pub fn customer_typing(&self, conversation: &ConversationId) {
        self.tell(conversation, What::CustomerTyping);
    }

    /// Tells the other relays' customer sockets that the agent is typing.
    pub fn agent_typing(&self, conversation: &ConversationId, agent: &AgentRef) {
        let agent = agent.clone();
        self.tell(conversation, What::AgentTyping { agent });
    }

    /// Tells the other relays' agents how far the customer has read.
    pub fn customer_read(&self, conversation: &ConversationId, seq: u64) {
        self.tell(conversation, What::CustomerRead { seq });
    }

    /// Tells the other relays' customer sockets how far the agent has read.
    pub fn agent_read(&self, conversation: &ConversationId, seq: u64) {
        self.tell(conversation, What::AgentRead { seq });
    }
}

/// Sends this relay's notes, in order, many per statement; a note that cannot be sent is
/// caught up by the other relays' poll.
pub async fn send_task(state: AppState) {
    let outbox = state
        .peers
        .0
        .outbox
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let (Some(mut outbox), Some(shared)) = (outbox, state.store.shared()) else {
        return;
    };
    let mut notes = Vec::with_capacity(NOTES_AT_ONCE);
    while outbox.recv_many(&mut notes, NOTES_AT_ONCE).await > 0 {
        if let Err(error) = shared.notify(&notes).await {
            tracing::warn!(%error, count = notes.len(), "notes to the other relays not sent");
        }
        notes.clear();
    }
}

/// What the listening connection heard.
enum Heard {
    Note(String),
    /// The connection was lost and made again: notes may have been missed.
    Reconnected,
}

/// Listens to the other relays and publishes what they committed; catches up after every
/// (re)connection and on the safety poll. Returns at once where the database is not shared.
pub async fn listen_task(state: AppState) {
    let Some(shared) = state.store.shared() else {
        return;
    };
    let (heard, mut hearing) = mpsc::channel::<Heard>(NOTES_AT_ONCE * 4);
    // The listening connection is read by a task of its own: a read cut short by the poll
    // could lose part of a notification.
    let listening = tokio::spawn(listen(state.clone(), heard));
    let _stop_listening = AbortOnDrop(listening);
    let mut poll = tokio::time::interval(SAFETY_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut payloads = Vec::with_capacity(NOTES_AT_ONCE);
    loop {
        tokio::select! {
            count = hearing.recv_many(&mut payloads, NOTES_AT_ONCE) => {
                if count == 0 {
                    return;
                }
                let mut notes = Vec::with_capacity(payloads.len());
                let mut reconnected = false;
                for payload in payloads.drain(..) {
                    match payload {
                        Heard::Note(payload) => notes.extend(Note::parse(&payload)),
                        Heard::Reconnected => reconnected = true,
                    }
                }
                notes.retain(|note| note.relay != state.peers.0.relay);
                if let Err(error) = catch_up::notes(&state, shared, notes).await {
                    tracing::warn!(%error, "notes from the other relays not read; catching up");
                    reconnected = true;
                }
                if reconnected {
                    catch_up_logged(&state, shared).await;
                }
            }
            _ = poll.tick() => catch_up_logged(&state, shared).await,
        }
    }
}

async fn catch_up_logged(state: &AppState, shared: Shared<'_>) {
    state.metrics.relays_caught_up();
    if let Err(error) = catch_up::everything(state, shared).await {
        tracing::warn!(%error, "catching up with the other relays failed");
    }
}

/// Holds the listening connection and forwards what it hears.
async fn listen(state: AppState, heard: mpsc::Sender<Heard>) {
    let Some(shared) = state.store.shared() else {
        return;
    };
    loop {
        let mut listener = match shared.listen().await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen to the other relays; retrying");
                tokio::time::sleep(RETRY_AFTER_ERROR).await;
                continue;
            }
        };
        // Listening from here on: whatever was committed before is in the tables.
        if heard.send(Heard::Reconnected).await.is_err() {
            return;
        }
        loop {
            let next = match listener.next().await {
                Ok(Some(payload)) => Heard::Note(payload),
                // Connected again already (sqlx reconnects before saying so).
                Ok(None) => Heard::Reconnected,
                Err(error) => {
                    tracing::warn!(%error, "listening to the other relays stopped; reconnecting");
                    break;
                }
            };
            if heard.send(next).await.is_err() {
                return;
            }
            while let Some(payload) = listener.buffered() {
                if heard.send(Heard::Note(payload)).await.is_err() {
                    return;
                }
            }
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
