//! How a decision is written: moved onto the writer thread with the configuration and the time,
//! then counted in the metrics once durable.

use super::{DecideError, Decision, Written};
use crate::config::Config;
use crate::state::AppState;
use crate::store::{ConversationRow, StoreTx};
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Instant;
use tetap_shared::Message;

/// What a decision needs from the relay, moved into the write (it runs on the writer thread).
pub(super) struct Context {
    pub(super) config: Arc<Config>,
    pub(super) now: Timestamp,
}

impl Context {
    pub(super) fn at(&self) -> String {
        crate::clock::rfc3339(self.now)
    }
}

/// What a commit made durable, for the metrics.
pub(super) trait Committed {
    fn messages(&self) -> &[Message];
}

impl Committed for Decision {
    fn messages(&self) -> &[Message] {
        &self.messages
    }
}

impl Committed for Option<Decision> {
    fn messages(&self) -> &[Message] {
        self.as_ref().map_or(&[], |decision| &decision.messages)
    }
}

impl Committed for Written {
    fn messages(&self) -> &[Message] {
        match self {
            Written::Committed { decision, .. } => &decision.messages,
            Written::Duplicate { .. } => &[],
        }
    }
}

impl Committed for Vec<Decision> {
    fn messages(&self) -> &[Message] {
        // Presence changes store no message: nothing to count.
        &[]
    }
}

impl Committed for Vec<Message> {
    fn messages(&self) -> &[Message] {
        self
    }
}

/// Queues `work` as one write with the relay's configuration and the current time, and returns
/// the future of its result; once durable, that counts the messages it made durable and how
/// long that took (queueing behind other writes included). Queued at the call, so writes keep
/// the order of the calls however their futures are awaited.
pub(super) fn commit<T, W>(
    state: &AppState,
    work: W,
) -> impl Future<Output = Result<T, DecideError>> + Send + use<T, W>
where
    T: Committed + Send + 'static,
    W: FnOnce(&Context, &mut StoreTx<'_>) -> Result<T, DecideError> + Send + 'static,
{
    let begun = Instant::now();
    let ctx = Context {
        config: Arc::clone(&state.config),
        now: state.clock.now(),
    };
    let metrics = state.metrics.clone();
    let peers = state.peers.clone();
    let committing = Arc::new(std::sync::Mutex::new(Vec::new()));
    let written = {
        let (peers, committing) = (peers.clone(), Arc::clone(&committing));
        state.store.write(move |tx| {
            let done = work(&ctx, tx)?;
            // Committed before this relay publishes it: the other relays' catch-ups must not
            // publish it here first.
            if let Ok(mut ids) = committing.lock() {
                *ids = peers.committing(done.messages());
            }
            Ok(done)
        })
    };
    async move {
        let written = written.await;
        if written.is_err() {
            let ids = committing.lock().map(|mut ids| std::mem::take(&mut *ids));
            peers.not_committed(&ids.unwrap_or_default());
        }
        let done = written.map_err(|error| match error {
            // The store's capacity check caught what the decision's own check did not.
            DecideError::Store(crate::store::StoreError::AtCapacity) => {
                DecideError::Refused(tetap_shared::rules::RuleError::AtCapacity)
            }
            other => other,
        })?;
        metrics.messages_committed(done.messages(), begun.elapsed());
        Ok(done)
    }
}

/// The customer's name, email and language as the token and the widget give them.
pub(super) struct CustomerDetails {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) locale: String,
}

impl CustomerDetails {
    /// Whether they bring a name, email or language the row does not have yet; most messages
    /// bring none, and skip the write.
    pub(super) fn differs_from(&self, row: &ConversationRow) -> bool {
        let differs = |new: &Option<String>, stored: &Option<String>| {
            new.as_ref().is_some_and(|new| stored.as_ref() != Some(new))
        };
        differs(&self.name, &row.customer_name)
            || differs(&self.email, &row.customer_email)
            || row.locale != self.locale
    }
}
