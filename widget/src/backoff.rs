//! How long to wait before reconnecting: exponential backoff with jitter, so that a relay restart
//! is not met by every widget reconnecting in the same instant.

/// First retry delay, in milliseconds.
pub const BASE_MS: u32 = 500;
/// The longest wait between two attempts, in milliseconds.
pub const MAX_MS: u32 = 30_000;

/// The delay before reconnect attempt `attempt` (0 for the first retry). `random` is uniform in
/// `[0, 1)`; the result lies in `[ceiling / 2, ceiling)` where `ceiling` doubles per attempt up to
/// [`MAX_MS`] ("equal jitter": never zero, never in lock-step).
pub fn delay_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = BASE_MS.saturating_mul(1 << attempt.min(16)).min(MAX_MS);
    let half = ceiling / 2;
    let jitter = (f64::from(half) * random.clamp(0.0, 1.0)) as u32;
    (half + jitter).min(ceiling)
}
