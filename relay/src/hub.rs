//! Fan-out of committed events to every open socket of a customer (all their tabs and devices).
//!
//! Only what the store has committed is published; a socket that falls behind is closed and its
//! client resumes from the store, so the hub never has to be lossless.

use crate::store::CustomerIdentity;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tetap_shared::ServerFrame;
use tokio::sync::broadcast;

/// Frames queued per customer before a slow socket is dropped.
const CUSTOMER_BACKLOG: usize = 256;

/// The relay's in-memory publish/subscribe; cheap to clone.
#[derive(Clone, Default)]
pub struct Hub {
    customers: Arc<Mutex<HashMap<CustomerIdentity, broadcast::Sender<Arc<ServerFrame>>>>>,
}

impl Hub {
    /// Starts receiving the customer's frames.
    pub fn subscribe_customer(
        &self,
        identity: &CustomerIdentity,
    ) -> broadcast::Receiver<Arc<ServerFrame>> {
        let mut customers = self.lock();
        customers
            .entry(identity.clone())
            .or_insert_with(|| broadcast::channel(CUSTOMER_BACKLOG).0)
            .subscribe()
    }

    /// Sends a frame to every socket of the customer; forgets customers with no socket left.
    pub fn publish_customer(&self, identity: &CustomerIdentity, frame: ServerFrame) {
        let mut customers = self.lock();
        if let Some(sender) = customers.get(identity)
            && sender.send(Arc::new(frame)).is_err()
        {
            customers.remove(identity);
        }
    }

    /// Forgets a customer's channel when its last socket is gone.
    pub fn release_customer(&self, identity: &CustomerIdentity) {
        let mut customers = self.lock();
        if customers
            .get(identity)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            customers.remove(identity);
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<CustomerIdentity, broadcast::Sender<Arc<ServerFrame>>>>
    {
        self.customers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
