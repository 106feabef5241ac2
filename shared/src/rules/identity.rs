//! Who a conversation belongs to (R1, R2): an authenticated identity, not a browser; and what a
//! returning client is sent first.

use crate::api::Mode;
use crate::frames::Cursor;
use crate::ids::ConversationId;

/// R2: only a live workstream configured with `anonymous = true` admits relay-signed visitors;
/// a persistent conversation always belongs to an authenticated customer.
pub fn accepts_visitors(mode: Mode, anonymous: bool) -> bool {
    mode == Mode::Live && anonymous
}

/// What a connecting client gets first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryStart {
    /// Everything after this `seq`: the client already has the rest.
    After(u64),
    /// The newest page: the client has nothing of this conversation.
    Newest,
}

/// R1: a client that comes back (another tab, device or day) resumes the same conversation
/// exactly after the last message it has; a cursor of another conversation (closed since) does
/// not apply, so the client gets the current conversation's newest page.
pub fn history_start(current: &ConversationId, resume: Option<&Cursor>) -> HistoryStart {
    match resume {
        Some(cursor) if &cursor.conversation == current => HistoryStart::After(cursor.after_seq),
        _ => HistoryStart::Newest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_a_returning_client_resumes_right_after_what_it_has() {
        let current = ConversationId::from("c2");
        let cursor = Cursor {
            conversation: "c2".into(),
            after_seq: 41,
        };
        assert_eq!(
            history_start(&current, Some(&cursor)),
            HistoryStart::After(41)
        );
    }

    #[test]
    fn r1_a_new_device_or_a_stale_cursor_gets_the_newest_page() {
        let current = ConversationId::from("c2");
        let stale = Cursor {
            conversation: "c1".into(),
            after_seq: 9,
        };
        assert_eq!(history_start(&current, Some(&stale)), HistoryStart::Newest);
        assert_eq!(history_start(&current, None), HistoryStart::Newest);
    }

    #[test]
    fn r2_persistent_never_admits_anonymous_visitors() {
        assert!(!accepts_visitors(Mode::Persistent, true));
        assert!(!accepts_visitors(Mode::Persistent, false));
        assert!(!accepts_visitors(Mode::Live, false));
        assert!(accepts_visitors(Mode::Live, true));
    }
}
