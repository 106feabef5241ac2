//! Waiting before trying again: the event stream's reconnect delay (exponential backoff with
//! jitter, so a relay restart is not met by every console at once) and the sign-in's slowed retry
//! after a wrong password.

/// First reconnect delay, in milliseconds.
pub const BASE_MS: u32 = 500;
/// The longest wait between two reconnect attempts, in milliseconds.
pub const MAX_MS: u32 = 30_000;
/// The longest pause a wrong password imposes before the next sign-in attempt, in seconds.
pub const MAX_SIGN_IN_PAUSE_S: u32 = 30;

/// The delay before reconnect attempt `attempt` (0 for the first retry). `random` is uniform in
/// `[0, 1)`; the result lies in `[ceiling / 2, ceiling)` where `ceiling` doubles per attempt up to
/// [`MAX_MS`] ("equal jitter": never zero, never in lock-step).
pub fn reconnect_delay_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = BASE_MS.saturating_mul(1 << attempt.min(16)).min(MAX_MS);
    let half = ceiling / 2;
    let jitter = (f64::from(half) * random.clamp(0.0, 1.0)) as u32;
    (half + jitter).min(ceiling)
}

/// Seconds the sign-in form stays disabled after `failures` wrong passwords in a row: none before
/// the first, then 1, 2, 4, … up to [`MAX_SIGN_IN_PAUSE_S`]. The relay limits guessing too; this
/// keeps an honest typo cheap and a guessing script slow.
pub fn sign_in_pause_s(failures: u32) -> u32 {
    match failures {
        0 => 0,
        n => (1u32 << (n - 1).min(16)).min(MAX_SIGN_IN_PAUSE_S),
    }
}
