//! Which part of the log is in the DOM. A conversation may hold thousands of messages; the view
//! renders at most [`MAX_RENDERED`] of them: the newest while the customer follows the
//! conversation, an older stretch while they read back. Reading further up first moves this
//! window over what is loaded, then asks the relay for an older page.

use std::ops::Range;

/// The most messages rendered at once.
pub const MAX_RENDERED: usize = 150;
/// How far one step up or down moves the window.
pub const STEP: usize = 50;

/// Where the window is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    /// The newest messages; new ones come into view as they arrive.
    #[default]
    Tail,
    /// A stretch starting at this index of the log, while the customer reads back.
    At(usize),
}

/// What to do when the customer reaches the top of what is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Up {
    /// Render this window: older messages that are loaded already come into view.
    Show(Window),
    /// Everything loaded is in view: ask the relay for an older page (shown at the top when it
    /// comes, since the window now starts at the first message).
    Fetch(Window),
}

impl Window {
    /// The indexes of the log to render, for a log of `len` messages.
    pub fn range(self, len: usize) -> Range<usize> {
        match self {
            Window::Tail => len.saturating_sub(MAX_RENDERED)..len,
            Window::At(start) => {
                let start = start.min(len.saturating_sub(1));
                start..len.min(start + MAX_RENDERED)
            }
        }
    }

    /// The customer reached the top of the rendered messages.
    pub fn up(self, len: usize) -> Up {
        let start = self.range(len).start;
        if start == 0 {
            Up::Fetch(Window::At(0))
        } else {
            Up::Show(Window::At(start.saturating_sub(STEP)))
        }
    }

    /// The customer reached the bottom of the rendered messages: newer ones come into view, and
    /// the window follows the conversation again once the newest message is in it.
    pub fn down(self, len: usize) -> Window {
        match self {
            Window::Tail => Window::Tail,
            Window::At(_) => {
                let range = self.range(len);
                if range.end >= len {
                    Window::Tail
                } else {
                    let start = (range.start + STEP).min(len.saturating_sub(MAX_RENDERED));
                    Window::At(start).follow_if_at_end(len)
                }
            }
        }
    }

    fn follow_if_at_end(self, len: usize) -> Window {
        if self.range(len).end >= len {
            Window::Tail
        } else {
            self
        }
    }
}
