//! Where the relay's "now" comes from: the system clock in production, a hand-moved clock in tests.

use jiff::Timestamp;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;

/// A future that completes once the clock has reached a time.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of the current time. Rules, timers and token checks take time from here, never from
/// the OS, so tests can cross expiry times and timers without waiting.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
    /// Completes when `now() >= at`.
    fn sleep_until(&self, at: Timestamp) -> Sleep;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let wait = at
            .duration_since(Timestamp::now())
            .try_into()
            .unwrap_or(std::time::Duration::ZERO);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that moves only when told to.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<watch::Sender<Timestamp>>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(watch::Sender::new(start)))
    }

    /// Moves the clock forward by `by`, waking whatever sleeps until a time now reached.
    pub fn advance(&self, by: std::time::Duration) {
        let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
        self.0
            .send_modify(|now| *now = now.saturating_add(by).unwrap_or(*now));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.borrow()
    }

    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let mut changes = self.0.subscribe();
        Box::pin(async move {
            // An error means the clock is gone: nothing will ever come due, so sleep forever.
            if changes.wait_for(|now| *now >= at).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// RFC 3339 UTC with milliseconds and a fixed width, so stored times sort as text.
pub fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses a stored time.
pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}
