//! Rate limits and connection caps: token buckets keyed by whatever is being limited (an agent
//! id or an IP for sign-in, a socket for messages) and a per-IP count of open sockets.

use jiff::Timestamp;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    last: Timestamp,
}

/// A bucket's size and refill rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

impl Bucket {
    /// A full bucket.
    pub fn full(rate: Rate, now: Timestamp) -> Self {
        Self {
            tokens: rate.burst,
            last: now,
        }
    }

    /// Takes a token if there is one; otherwise says how many seconds until there is.
    pub fn take(&mut self, rate: Rate, now: Timestamp) -> Result<(), u64> {
        let elapsed = now.duration_since(self.last).as_secs_f64().max(0.0);
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / rate.per_second).ceil() as u64)
        }
    }
}

/// Buckets by key, shared by all requests; cheap to clone.
#[derive(Clone)]
pub struct Limiter<K> {
    rate: Rate,
    buckets: Arc<Mutex<HashMap<K, Bucket>>>,
}

/// Keys kept before full buckets are forgotten, so a flood of keys cannot grow memory forever.
const MAX_KEYS: usize = 100_000;

impl<K: Eq + Hash + Clone> Limiter<K> {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Arc::default(),
        }
    }

    /// Whether `key` has a token left, without taking it; `Err(seconds)` to wait when not.
    pub fn peek(&self, key: &K, now: Timestamp) -> Result<(), u64> {
        let buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match buckets.get(key) {
            Some(bucket) => {
                let mut probe = *bucket;
                probe.take(self.rate, now)
            }
            None => Ok(()),
        }
    }

    /// Takes a token for `key`; `Err(seconds)` to wait when there is none.
    pub fn check(&self, key: &K, now: Timestamp) -> Result<(), u64> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_KEYS {
            let rate = self.rate;
            buckets.retain(|_, bucket| {
                let mut probe = *bucket;
                probe.take(rate, now).is_err() || probe.tokens + 1.0 < rate.burst
            });
        }
        buckets
            .entry(key.clone())
            .or_insert_with(|| Bucket::full(self.rate, now))
            .take(self.rate, now)
    }
}

/// Open sockets per client IP, with a cap.
#[derive(Clone, Default)]
pub struct ConnectionCounter {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open socket; counted until dropped.
pub struct ConnectionSlot {
    counter: ConnectionCounter,
    ip: IpAddr,
}

impl ConnectionCounter {
    /// A slot for another socket from `ip`, or `None` when it already has `max` open.
    pub fn acquire(&self, ip: IpAddr, max: usize) -> Option<ConnectionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            counter: self.clone(),
            ip,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.counter.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The relay's limits, shared by all handlers.
#[derive(Clone)]
pub struct Limits {
    /// Sign-in attempts per agent id.
    pub login_per_agent: Limiter<String>,
    /// Sign-in attempts per client IP.
    pub login_per_ip: Limiter<IpAddr>,
    /// Customer messages per customer (all their sockets).
    pub messages_per_customer: Limiter<crate::store::CustomerIdentity>,
    /// Open customer sockets per client IP.
    pub customer_sockets: ConnectionCounter,
}

/// Frames other than messages one customer socket may send (messages have the per-customer
/// bucket): a burst for a reconnect's catch-up (reads, history pages), then a pace no widget
/// reaches. Over it, a frame is answered `rate_limited` and not acted on.
pub const FRAMES_PER_SOCKET: Rate = Rate {
    burst: 120.0,
    per_second: 20.0,
};

/// Sign-in: 5 attempts, then one every 12 s per agent; 20, then one every 3 s per IP.
pub const LOGIN_PER_AGENT: Rate = Rate {
    burst: 5.0,
    per_second: 1.0 / 12.0,
};
pub const LOGIN_PER_IP: Rate = Rate {
    burst: 20.0,
    per_second: 1.0 / 3.0,
};
impl Limits {
    /// The limits of this configuration.
    pub fn new(server: &crate::config::ServerConfig) -> Self {
        let messages = Rate {
            burst: f64::from(server.message_burst.max(1)),
            per_second: f64::from(server.messages_per_second.max(1)),
        };
        Self {
            login_per_agent: Limiter::new(LOGIN_PER_AGENT),
            login_per_ip: Limiter::new(LOGIN_PER_IP),
            messages_per_customer: Limiter::new(messages),
            customer_sockets: ConnectionCounter::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("time")
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let rate = Rate {
            burst: 3.0,
            per_second: 1.0,
        };
        let mut bucket = Bucket::full(rate, at(0));
        for _ in 0..3 {
            assert_eq!(bucket.take(rate, at(0)), Ok(()));
        }
        assert_eq!(bucket.take(rate, at(0)), Err(1));
        assert_eq!(bucket.take(rate, at(1)), Ok(()));
        assert_eq!(bucket.take(rate, at(1)), Err(1));
    }

    #[test]
    fn limiters_keep_keys_apart() {
        let limiter = Limiter::new(Rate {
            burst: 1.0,
            per_second: 0.1,
        });
        assert_eq!(limiter.check(&"anna", at(0)), Ok(()));
        assert_eq!(limiter.check(&"anna", at(0)), Err(10));
        assert_eq!(limiter.check(&"budi", at(0)), Ok(()));
    }

    #[test]
    fn connection_slots_are_capped_and_freed_on_drop() {
        let counter = ConnectionCounter::default();
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        let first = counter.acquire(ip, 2).expect("first");
        let _second = counter.acquire(ip, 2).expect("second");
        assert!(counter.acquire(ip, 2).is_none());
        drop(first);
        assert!(counter.acquire(ip, 2).is_some());
    }
}
