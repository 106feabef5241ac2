//! How a decision is written: moved onto the writer thread with the configuration and the time,
//! then counted in the metrics once durable.

use super::{DecideError, Decision, Written};
use crate::config::Config;
use crate::state::AppState;
use crate::store::{ConversationRow, Lookahead, StoreTx};
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
    let ctx = context(state);
    let committing = Committing::new(state);
    let marking = committing.clone();
    let written = state.store.write(move |tx| marking.mark(work(&ctx, tx)));
    durable(state, begun, committing, written)
}

/// Like [`commit`], for a decision that may be taken more than once in its transaction (only
/// the last is kept), so the store may defer its messages and read `lookahead` ahead for it
/// with the rest of its batch. Each run decides from what it reads in `tx` alone.
pub(super) fn commit_again<T, W>(
    state: &AppState,
    lookahead: Lookahead,
    mut work: W,
) -> impl Future<Output = Result<T, DecideError>> + Send + use<T, W>
where
    T: Committed + Send + 'static,
    W: FnMut(&Context, &mut StoreTx<'_>) -> Result<T, DecideError> + Send + 'static,
{
    let begun = Instant::now();
    let ctx = context(state);
    let committing = Committing::new(state);
    let marking = committing.clone();
    let written = state
        .store
        .write_again(Some(lookahead), move |tx| marking.mark(work(&ctx, tx)));
    durable(state, begun, committing, written)
}

/// The messages a write is committing, marked for the relay's peers until it publishes them:
/// another relay's note or a catch-up may read them from the tables first, and must leave
/// them to this relay (the sender gets its ack, not an echo). A write taken again unmarks
/// what its earlier run made. Nothing at all where no other relay can exist (SQLite).
#[derive(Clone)]
struct Committing {
    peers: crate::peers::Peers,
    ids: Option<Arc<std::sync::Mutex<Vec<String>>>>,
}

impl Committing {
    fn new(state: &AppState) -> Self {
        Self {
            peers: state.peers.clone(),
            ids: state.store.is_shared().then(Arc::default),
        }
    }

    fn mark<T: Committed>(&self, done: Result<T, DecideError>) -> Result<T, DecideError> {
        if let Some(ids) = &self.ids {
            let mut ids = ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            self.peers.not_committed(&ids);
            *ids = match &done {
                Ok(done) => self.peers.committing(done.messages()),
                Err(_) => Vec::new(),
            };
        }
        done
    }

    /// The write failed: nothing it marked will be published.
    fn failed(&self) {
        if let Some(ids) = &self.ids {
            let ids = std::mem::take(&mut *ids.lock().unwrap_or_else(|p| p.into_inner()));
            self.peers.not_committed(&ids);
        }
    }
}

fn context(state: &AppState) -> Context {
    Context {
        config: Arc::clone(&state.config),
        now: state.clock.now(),
    }
}

/// Waits for `written`, queued at `begun`, then counts what it made durable.
fn durable<T, F>(
    state: &AppState,
    begun: Instant,
    committing: Committing,
    written: F,
) -> impl Future<Output = F::Output> + Send + use<T, F>
where
    T: Committed + Send,
    F: Future<Output = Result<T, DecideError>> + Send,
{
    let metrics = state.metrics.clone();
    async move {
        let written = written.await;
        if written.is_err() {
            committing.failed();
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
