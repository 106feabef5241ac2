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

/// A sleep kept across a loop's turns and set again only when it must ring earlier or has rung,
/// so a busy socket does not build a new timer for every frame it reads. Whoever waits on it
/// checks, when it rings, whether the time has really come.
pub struct Alarm {
    at: Timestamp,
    sleep: Option<Sleep>,
}

impl Alarm {
    /// An alarm not set yet.
    pub fn unset() -> Self {
        Self {
            at: Timestamp::MAX,
            sleep: None,
        }
    }

    /// Makes sure the alarm rings by `at` (on `clock`).
    pub fn no_later_than(&mut self, clock: &dyn Clock, at: Timestamp) {
        if self.sleep.is_none() || at < self.at {
            self.at = at;
            self.sleep = Some(clock.sleep_until(at));
        }
    }

    /// Completes when the alarm rings; it is then unset. Never completes while unset.
    pub async fn rung(&mut self) {
        match self.sleep.as_mut() {
            Some(sleep) => sleep.await,
            None => std::future::pending().await,
        }
        self.sleep = None;
    }
}

/// RFC 3339 UTC with milliseconds and a fixed width, so stored times sort as text.
pub fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses a stored time.
pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(clock: &ManualClock, seconds: u64) -> Timestamp {
        clock
            .now()
            .saturating_add(jiff::SignedDuration::from_secs(seconds as i64))
            .unwrap_or(Timestamp::MAX)
    }

    /// Whether the alarm has rung by now: one poll, no waiting.
    async fn has_rung(alarm: &mut Alarm) -> bool {
        tokio::select! {
            biased;
            () = alarm.rung() => true,
            () = std::future::ready(()) => false,
        }
    }

    #[tokio::test]
    async fn an_alarm_moves_only_earlier_until_it_rings_then_takes_any_time() {
        let clock = ManualClock::new(Timestamp::UNIX_EPOCH);
        let mut alarm = Alarm::unset();
        assert!(!has_rung(&mut alarm).await, "an unset alarm never rings");
        alarm.no_later_than(&clock, at(&clock, 10));
        alarm.no_later_than(&clock, at(&clock, 20));
        clock.advance(Duration::from_secs(9));
        assert!(!has_rung(&mut alarm).await, "not before its time");
        clock.advance(Duration::from_secs(1));
        assert!(
            has_rung(&mut alarm).await,
            "a later time leaves the earlier one set"
        );
        alarm.no_later_than(&clock, at(&clock, 30));
        alarm.no_later_than(&clock, at(&clock, 5));
        clock.advance(Duration::from_secs(5));
        assert!(has_rung(&mut alarm).await, "an earlier time sets it again");
        assert!(!has_rung(&mut alarm).await, "once rung, it is unset");
    }
}
