//! The store's interface for writes: what one write transaction offers, on every engine. The
//! rules' decisions are written against it once ([`StoreTx`]) and run unchanged on SQLite and
//! PostgreSQL, each read and write of a decision inside the one transaction that commits it.
//!
//! Methods are synchronous: an engine runs each write on its writer thread, where a statement
//! is a direct call (SQLite) or one blocking round trip on the writer's own connection
//! (PostgreSQL), and the decision between statements is plain Rust.

use super::{
    ConversationRow, CustomerIdentity, MessageAuthorRow, NewConversation, NewMessage, Reader,
    SavedState, StoreError,
};
use tetap_shared::rules::Timer;
use tetap_shared::{ConversationId, Message};

/// What a write is about to look up, which an engine may read ahead for every write of a batch
/// at once ([`super::Store::write_again`]): the customer's current conversation (locked, as
/// [`ConversationWrites::current_conversation`] locks it) and their message with `client_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookahead {
    pub identity: CustomerIdentity,
    pub client_id: Option<String>,
}

/// One write transaction on any engine: what [`super::Store::write`] hands a write.
pub type StoreTx<'a> = dyn StoreWrites + 'a;

/// Every part of a write transaction.
pub trait StoreWrites:
    ConversationWrites + MessageWrites + AgentWrites + PresenceWrites + TimerWrites + SecretWrites
{
}

impl<T> StoreWrites for T where
    T: ConversationWrites
        + MessageWrites
        + AgentWrites
        + PresenceWrites
        + TimerWrites
        + SecretWrites
{
}

/// Conversation rows inside a write. Reading a conversation in a write holds it until the write
/// commits (a row lock on PostgreSQL; SQLite's writer is alone), so what the rules decided from
/// is what they commit against.
pub trait ConversationWrites {
    /// One conversation by id, as this transaction sees it.
    fn conversation(&mut self, id: &ConversationId) -> Result<Option<ConversationRow>, StoreError>;

    /// The customer's conversation that is not closed, as this transaction sees it.
    fn current_conversation(
        &mut self,
        identity: &CustomerIdentity,
    ) -> Result<Option<ConversationRow>, StoreError>;

    /// The agent's conversations that are not closed, as this transaction sees them.
    fn conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError>;

    /// Creates an `open` conversation, queued now.
    fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
    ) -> Result<ConversationRow, StoreError>;

    /// Keeps the customer's latest name, email and locale on the conversation.
    fn update_customer(
        &mut self,
        id: &ConversationId,
        name: Option<&str>,
        email: Option<&str>,
        locale: &str,
    ) -> Result<(), StoreError>;

    /// Stores a decision of the rules. Entering the queue stamps `queued_at` (FIFO); leaving it
    /// clears it; closing stamps `closed_at`. An assignment beyond the agent's capacity that is
    /// not R8's exception is refused with [`StoreError::AtCapacity`] by the database itself.
    fn save_state(&mut self, id: &ConversationId, saved: &SavedState<'_>)
    -> Result<(), StoreError>;
}

/// Messages inside a write.
pub trait MessageWrites {
    /// A message this customer already committed with `client_id`, in any of their
    /// conversations of the workstream (a resend may arrive after the conversation closed).
    fn customer_message_by_client_id(
        &mut self,
        identity: &CustomerIdentity,
        client_id: &str,
    ) -> Result<Option<(ConversationId, Message)>, StoreError>;

    /// The message with `client_id` in this conversation, if committed before.
    fn message_by_client_id(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
    ) -> Result<Option<Message>, StoreError>;

    /// Appends a message with the conversation's next sequence number: no gap, no repeat.
    fn insert_message(
        &mut self,
        conversation: &ConversationId,
        author: &MessageAuthorRow,
        system_kind: Option<&str>,
        new: &NewMessage,
    ) -> Result<Message, StoreError>;

    /// Marks everything up to `seq` (at most the last message) as read by `reader`.
    fn mark_read(
        &mut self,
        conversation: &ConversationId,
        reader: Reader,
        seq: u64,
    ) -> Result<(), StoreError>;
}

/// Agents' presence, capacity and sign-in sessions inside a write.
pub trait AgentWrites {
    /// Stores the agent's presence.
    fn set_presence(&mut self, agent_id: &str, online: bool) -> Result<(), StoreError>;

    /// Whether the agent is online, as this transaction sees it; holds the agent's row until
    /// the write commits, so decisions about one agent take turns.
    fn is_online(&mut self, agent_id: &str) -> Result<bool, StoreError>;

    /// The agent's `active` conversations, as this transaction sees them; holds the agent's row
    /// like [`AgentWrites::is_online`].
    fn agent_load(&mut self, agent_id: &str) -> Result<u32, StoreError>;

    /// Stores each configured agent's capacity (and forgets it for the others).
    fn record_capacities(&mut self, agents: &[(String, u32)]) -> Result<(), StoreError>;

    /// Records a session by the hash of its token.
    fn create_session(
        &mut self,
        token_hash: &str,
        agent_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError>;

    /// Ends a session.
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
}

/// Customer presence as data (R11) inside a write: the relay instances that are running, each
/// with a lease it renews, and the customer sockets each holds open.
pub trait PresenceWrites {
    /// Records `instance` as running until `lease_until` (new, or renewed); true when its row
    /// was still there (false: its lease had lapsed and its sockets were forgotten).
    fn renew_instance(
        &mut self,
        instance: &str,
        now: &str,
        lease_until: &str,
    ) -> Result<bool, StoreError>;

    /// Forgets the instances whose lease lapsed before `now`, and with them their sockets;
    /// `instance` (the caller, alive by definition) is kept whatever its lease says.
    fn expire_instances(&mut self, instance: &str, now: &str) -> Result<usize, StoreError>;

    /// Forgets `instance` and its sockets (a relay stopping).
    fn remove_instance(&mut self, instance: &str) -> Result<(), StoreError>;

    /// Counts one more socket of the customer on `instance`.
    fn add_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError>;

    /// Counts one socket of the customer on `instance` less (its row goes with the last one).
    fn remove_customer_socket(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
    ) -> Result<(), StoreError>;

    /// Records that `instance` holds `sockets` sockets of the customer (after its lease lapsed
    /// and its rows were forgotten).
    fn restore_customer_sockets(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        sockets: u32,
    ) -> Result<(), StoreError>;

    /// Whether the customer has a socket open on `instance` or on any instance whose lease
    /// runs past `now`.
    fn customer_connected(
        &mut self,
        identity: &CustomerIdentity,
        instance: &str,
        now: &str,
    ) -> Result<bool, StoreError>;

    /// Live conversations that are not closed, whose customer has no socket on any running
    /// instance and whose reconnect grace is not running (R11).
    fn abandoned_live_conversations(
        &mut self,
        instance: &str,
        now: &str,
    ) -> Result<Vec<ConversationRow>, StoreError>;
}

/// Timers and queue waits inside a write.
pub trait TimerWrites {
    /// Starts (or restarts) a timer.
    fn set_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        due_at: &str,
    ) -> Result<(), StoreError>;

    /// Stops a timer; stopping one that is not running is fine.
    fn cancel_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
    ) -> Result<(), StoreError>;

    /// Claims the timer if it is due at `now`: true for exactly one write however many try, and
    /// the timer is gone when that write commits (fired once).
    fn take_due_timer(
        &mut self,
        conversation: &ConversationId,
        timer: Timer,
        now: &str,
    ) -> Result<bool, StoreError>;

    /// Records how long a conversation waited in the queue.
    fn record_wait(
        &mut self,
        workstream: &str,
        waited_seconds: u64,
        at: &str,
    ) -> Result<(), StoreError>;
}

/// The relay's own secrets inside a write.
pub trait SecretWrites {
    /// The secret called `name`: the stored one, or `fresh`, stored now, if there is none yet.
    /// Two relays starting at once on one database agree: the first insert wins.
    fn relay_secret(&mut self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError>;
}
