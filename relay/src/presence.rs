//! This relay as a running instance (R11): its id, its lease on the customer sockets it holds,
//! and the task that renews the lease and sweeps the leases of relays that stopped.

use crate::state::AppState;
use crate::{decide, fanout};
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Duration;

/// Renewals per lease period: a lease survives two missed renewals.
const RENEWALS_PER_LEASE: u32 = 3;

/// This relay instance; cheap to clone.
#[derive(Clone, Debug)]
pub struct Instance(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    id: String,
    lease: Duration,
}

impl Instance {
    /// A new instance id, with sockets leased for `lease` at a time.
    pub fn new(lease: Duration) -> Self {
        Self(Arc::new(Inner {
            id: uuid::Uuid::new_v4().to_string(),
            lease,
        }))
    }

    /// The instance id stored with its sockets.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The end of a lease taken at `now`, as stored text.
    pub fn lease_until(&self, now: Timestamp) -> String {
        let lease =
            jiff::SignedDuration::try_from(self.0.lease).unwrap_or(jiff::SignedDuration::MAX);
        crate::clock::rfc3339(now.saturating_add(lease).unwrap_or(now))
    }

    fn renew_every(&self) -> Duration {
        self.0.lease / RENEWALS_PER_LEASE
    }
}

/// Renews the lease and sweeps at once and then every third of a lease, until the relay stops.
pub async fn task(state: AppState) {
    loop {
        publish(
            &state,
            decide::sweep_presence(&state).await,
            "presence sweep failed",
        );
        state.metrics.presence_swept();
        let every = jiff::SignedDuration::try_from(state.instance.renew_every())
            .unwrap_or(jiff::SignedDuration::from_secs(5));
        let now = state.clock.now();
        state
            .clock
            .sleep_until(now.saturating_add(every).unwrap_or(now))
            .await;
    }
}

/// Forgets this relay's sockets as it stops gracefully (the grace of its live chats starts now).
pub async fn retire(state: &AppState) {
    let retired = decide::retire_instance(state).await;
    publish(state, retired, "could not retire this relay's sockets");
}

/// Publishes what a sweep or a retirement decided, or logs why it failed.
fn publish(
    state: &AppState,
    decided: Result<Vec<decide::Decision>, decide::DecideError>,
    failed: &str,
) {
    match decided {
        Ok(decisions) => decisions
            .iter()
            .for_each(|decision| fanout::publish(state, decision)),
        Err(error) => tracing::error!(%error, "{failed}"),
    }
}
