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
    /// This relay as one running instance: the lease on its customers' sockets (R11).
    pub instance: crate::presence::Instance,
    /// The other relays on the same database: told of this relay's commits, heard from.
    pub peers: crate::peers::Peers,
    /// Points where tests hold the relay still to drive a race deterministically.
    pub hooks: Hooks,
}

/// Waits a test may put into the relay's work; empty in production.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Awaited by a routing pass after it chose an agent for a conversation and before that
    /// assignment's write is queued, with the conversation id and the agent.
    pub before_assign: Option<BeforeAssign>,
}

/// See [`Hooks::before_assign`].
pub type BeforeAssign =
    Arc<dyn Fn(String, String) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

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
