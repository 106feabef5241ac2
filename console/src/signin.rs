//! The sign-in form's state: what went wrong last, and how long the next attempt must wait after
//! wrong passwords (a slowed retry: 1 s, 2 s, 4 s, … up to 30 s).

use crate::backoff::sign_in_pause_s;

/// Why the last attempt did not sign the agent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// 401: unknown agent or wrong password (the relay does not say which).
    WrongPassword,
    /// 429: the relay's own limit.
    TooManyAttempts,
    /// The relay could not be reached, or failed.
    Unreachable,
    /// The session ended while the console was open.
    SessionEnded,
}

/// The sign-in form's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignIn {
    /// Wrong passwords in a row.
    pub failures: u32,
    pub problem: Option<Problem>,
    /// Seconds before the form takes another attempt.
    pub wait_s: u32,
    /// An attempt is under way.
    pub busy: bool,
}

impl SignIn {
    /// The form after the session ended (or a sign-out): says so, takes an attempt at once.
    pub fn session_ended() -> Self {
        SignIn {
            problem: Some(Problem::SessionEnded),
            ..SignIn::default()
        }
    }

    /// Whether the submit button takes an attempt now.
    pub fn can_submit(&self) -> bool {
        !self.busy && self.wait_s == 0
    }

    /// An attempt starts.
    pub fn start(&mut self) {
        self.busy = true;
    }

    /// The attempt failed with `problem`; wrong passwords slow the next attempt down.
    pub fn fail(&mut self, problem: Problem) {
        self.busy = false;
        self.problem = Some(problem);
        match problem {
            Problem::WrongPassword => {
                self.failures = self.failures.saturating_add(1);
                self.wait_s = sign_in_pause_s(self.failures);
            }
            Problem::TooManyAttempts => {
                self.wait_s = crate::backoff::MAX_SIGN_IN_PAUSE_S;
            }
            Problem::Unreachable | Problem::SessionEnded => {}
        }
    }

    /// One second of the pause passed.
    pub fn tick(&mut self) {
        self.wait_s = self.wait_s.saturating_sub(1);
    }
}
