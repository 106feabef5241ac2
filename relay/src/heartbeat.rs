//! When a quiet socket is pinged and when a silent one is given up: a peer that vanished without
//! closing (a laptop lid, a dropped mobile network) must not hold a connection slot forever.
//!
//! Browsers answer a WebSocket ping with a pong on their own, so a live widget or console never
//! notices. Time comes from the relay's [`Clock`](crate::clock::Clock), so tests cross these
//! times without waiting.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use jiff::{SignedDuration, Timestamp};

/// Silence after which the relay pings.
pub const PING_AFTER: SignedDuration = SignedDuration::from_secs(30);
/// Silence after which the socket is closed (the ping went unanswered for 45 s).
pub const IDLE_TIMEOUT: SignedDuration = SignedDuration::from_secs(75);
/// Close code for a peer that went silent: "going away" (RFC 6455); clients reconnect.
pub const CLOSE_IDLE: u16 = 1001;

/// What a socket should do when its heartbeat is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// Nothing yet: the peer spoke since the deadline was computed.
    Wait,
    /// Send a ping.
    Ping,
    /// Close the socket: the peer has been silent for [`IDLE_TIMEOUT`].
    GiveUp,
}

/// One socket's liveness.
#[derive(Clone, Copy, Debug)]
pub struct Heartbeat {
    last_heard: Timestamp,
    pinged: bool,
}

impl Heartbeat {
    /// A socket that was just heard from.
    pub fn new(now: Timestamp) -> Self {
        Self {
            last_heard: now,
            pinged: false,
        }
    }

    /// The peer sent something (a frame, a pong).
    pub fn heard(&mut self, now: Timestamp) {
        self.last_heard = self.last_heard.max(now);
        self.pinged = false;
    }

    /// When [`Heartbeat::beat`] has something to do.
    pub fn due(&self) -> Timestamp {
        let after = if self.pinged {
            IDLE_TIMEOUT
        } else {
            PING_AFTER
        };
        self.last_heard
            .saturating_add(after)
            .unwrap_or(Timestamp::MAX)
    }

    /// Acts on `socket` as the heartbeat says at `now`: pings it, or closes it with
    /// [`CLOSE_IDLE`] once it has been silent for [`IDLE_TIMEOUT`]. False when the socket is done.
    pub async fn keep_alive(&mut self, socket: &mut WebSocket, now: Timestamp) -> bool {
        let message = match self.beat(now) {
            Beat::Wait => return true,
            Beat::Ping => Message::Ping(Default::default()),
            Beat::GiveUp => Message::Close(Some(CloseFrame {
                code: CLOSE_IDLE,
                reason: "no answer to ping".into(),
            })),
        };
        let gave_up = matches!(message, Message::Close(_));
        // Boxed: kept inline, the write's state would size every idle session's future.
        Box::pin(socket.send(message)).await.is_ok() && !gave_up
    }

    /// What to do at `now`; remembers that the ping was sent.
    pub fn beat(&mut self, now: Timestamp) -> Beat {
        let silent = now.duration_since(self.last_heard);
        if silent >= IDLE_TIMEOUT {
            Beat::GiveUp
        } else if silent >= PING_AFTER && !self.pinged {
            self.pinged = true;
            Beat::Ping
        } else {
            Beat::Wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_quiet_socket_is_pinged_once_then_given_up() {
        let mut heartbeat = Heartbeat::new(at(0));
        assert_eq!(heartbeat.due(), at(30));
        assert_eq!(heartbeat.beat(at(29)), Beat::Wait);
        assert_eq!(heartbeat.beat(at(30)), Beat::Ping);
        assert_eq!(heartbeat.due(), at(75));
        assert_eq!(heartbeat.beat(at(60)), Beat::Wait);
        assert_eq!(heartbeat.beat(at(75)), Beat::GiveUp);
    }

    #[test]
    fn an_answer_starts_the_quiet_period_over() {
        let mut heartbeat = Heartbeat::new(at(0));
        assert_eq!(heartbeat.beat(at(30)), Beat::Ping);
        heartbeat.heard(at(40));
        assert_eq!(heartbeat.due(), at(70));
        assert_eq!(heartbeat.beat(at(75)), Beat::Ping);
        assert_eq!(heartbeat.beat(at(114)), Beat::Wait);
        assert_eq!(heartbeat.beat(at(115)), Beat::GiveUp);
    }

    #[test]
    fn a_late_timestamp_never_moves_the_last_word_back() {
        let mut heartbeat = Heartbeat::new(at(10));
        heartbeat.heard(at(5));
        assert_eq!(heartbeat.due(), at(40));
    }
}
