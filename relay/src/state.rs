//! The state every handler shares.

use crate::assets::Assets;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::customer_token::CustomerVerifier;
use crate::hub::Hub;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::{Notify, Semaphore};

/// Password hashes checked at once; argon2 is deliberately expensive, so sign-in floods queue here
/// instead of starving the runtime.
pub const CONCURRENT_PASSWORD_CHECKS: usize = 2;

/// Everything a request needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: SharedClock,
    /// Time for socket liveness (pings, idle timeouts): the system clock, like `clock`, in
    /// production. Tests move the two apart, so jumping days of conversation time does not
    /// also time out every open socket.
    pub socket_clock: SharedClock,
    pub hub: Hub,
    pub verifier: CustomerVerifier,
    pub assets: Arc<Assets>,
    pub password_checks: Arc<Semaphore>,
    pub wake: Wake,
    pub limits: crate::limits::Limits,
    /// One routing pass at a time, so two passes never hand out the same free capacity.
    pub routing_lock: Arc<tokio::sync::Mutex<()>>,
    /// This relay's own metrics registry (`/metrics`).
    pub metrics: crate::metrics::Metrics,
}

/// Wakes the background tasks when something they wait for changed.
#[derive(Clone, Default)]
pub struct Wake {
    /// The queue or an agent's capacity or presence changed.
    pub routing: Arc<Notify>,
    /// A timer was set: the next due time may be earlier.
    pub timers: Arc<Notify>,
}

impl AppState {
    /// The current time, as RFC 3339 text.
    pub fn now_text(&self) -> String {
        crate::clock::rfc3339(self.clock.now())
    }
}
