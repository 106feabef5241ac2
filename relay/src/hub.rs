//! Fan-out of committed events to open sockets: every socket of a customer (all their tabs and
//! devices) and every agent event stream.
//!
//! Only what the store has committed is published; a socket that falls behind is closed and its
//! client resumes from the store, so the hub never has to be lossless.

use crate::store::CustomerIdentity;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tetap_shared::{AgentEvent, ServerFrame};
use tokio::sync::broadcast;

/// Frames queued per customer socket before a slow one is dropped (and resumes from the
/// store). Every slot is allocated up front, per customer, so it stays small.
const CUSTOMER_BACKLOG: usize = 32;
/// Events queued per agent event stream. An agent sees every queued conversation of their
/// workstreams, and one group commit (on PostgreSQL up to 256 writes) publishes its decisions
/// at once: a backlog of 32 closed busy consoles in bursts. Agents are few; 1,024 slots cost
/// about 40 KB each.
const AGENT_BACKLOG: usize = 1024;

/// Channels by key; a key's channel lives while it has subscribers.
struct Topics<K, T> {
    channels: Mutex<HashMap<K, broadcast::Sender<Arc<T>>>>,
    backlog: usize,
}

impl<K: Eq + Hash + Clone, T> Topics<K, T> {
    fn new(backlog: usize) -> Self {
        Self {
            channels: Mutex::new(HashMap::new()),
            backlog,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, broadcast::Sender<Arc<T>>>> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn subscribe(&self, key: &K) -> broadcast::Receiver<Arc<T>> {
        self.lock()
            .entry(key.clone())
            .or_insert_with(|| broadcast::channel(self.backlog).0)
            .subscribe()
    }

    fn publish(&self, key: &K, item: T) {
        let mut topics = self.lock();
        if let Some(sender) = topics.get(key)
            && sender.send(Arc::new(item)).is_err()
        {
            topics.remove(key);
        }
    }

    fn subscribers(&self, key: &K) -> usize {
        self.lock()
            .get(key)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    fn counts(&self) -> Vec<(K, usize)> {
        self.lock()
            .iter()
            .map(|(key, sender)| (key.clone(), sender.receiver_count()))
            .filter(|(_, count)| *count > 0)
            .collect()
    }

    fn release(&self, key: &K) {
        let mut topics = self.lock();
        if topics.get(key).is_some_and(|s| s.receiver_count() == 0) {
            topics.remove(key);
        }
    }
}

/// The relay's in-memory publish/subscribe; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    customers: Arc<Topics<CustomerIdentity, ServerFrame>>,
    agents: Arc<Topics<String, AgentEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            customers: Arc::new(Topics::new(CUSTOMER_BACKLOG)),
            agents: Arc::new(Topics::new(AGENT_BACKLOG)),
        }
    }
}

impl Hub {
    /// Starts receiving the customer's frames.
    pub fn subscribe_customer(
        &self,
        identity: &CustomerIdentity,
    ) -> broadcast::Receiver<Arc<ServerFrame>> {
        self.customers.subscribe(identity)
    }

    /// Sends a frame to every socket of the customer.
    pub fn publish_customer(&self, identity: &CustomerIdentity, frame: ServerFrame) {
        self.customers.publish(identity, frame);
    }

    /// How many sockets the customer has open.
    pub fn customer_sockets(&self, identity: &CustomerIdentity) -> usize {
        self.customers.subscribers(identity)
    }

    /// Every customer with sockets open on this relay, and how many.
    pub fn customer_socket_counts(&self) -> Vec<(CustomerIdentity, u32)> {
        self.customers
            .counts()
            .into_iter()
            .map(|(identity, count)| (identity, u32::try_from(count).unwrap_or(u32::MAX)))
            .collect()
    }

    /// Forgets a customer's channel when its last socket is gone.
    pub fn release_customer(&self, identity: &CustomerIdentity) {
        self.customers.release(identity);
    }

    /// Starts receiving an agent's events.
    pub fn subscribe_agent(&self, agent: &str) -> broadcast::Receiver<Arc<AgentEvent>> {
        self.agents.subscribe(&agent.to_owned())
    }

    /// Sends an event to every event stream of the agent.
    pub fn publish_agent(&self, agent: &str, event: AgentEvent) {
        self.agents.publish(&agent.to_owned(), event);
    }

    /// How many event streams the agent has open on this relay.
    pub fn agent_streams(&self, agent: &str) -> usize {
        self.agents.subscribers(&agent.to_owned())
    }

    /// Every agent with an event stream open on this relay.
    pub fn agents_listening(&self) -> Vec<String> {
        self.agents
            .counts()
            .into_iter()
            .map(|(agent, _)| agent)
            .collect()
    }

    /// Forgets an agent's channel when their last stream is gone.
    pub fn release_agent(&self, agent: &str) {
        self.agents.release(&agent.to_owned());
    }
}
