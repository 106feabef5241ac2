//! The rows of the rendered log: the messages of the window with a day separator wherever the
//! day changes and a divider where one conversation ends and the next begins.

use crate::chat::Entry;
use tetap_shared::ConversationId;

/// One row of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// The day of the message below it; `at` as that message has it (`None`: today).
    Day {
        key: String,
        at: Option<String>,
    },
    /// An earlier conversation ended above; a later one starts below.
    Divider {
        key: String,
    },
    Message(Entry),
}

impl Row {
    /// A key unique in the log and stable while the row is rendered.
    pub fn key(&self) -> String {
        match self {
            Row::Day { key, .. } | Row::Divider { key } => key.clone(),
            Row::Message(entry) => format!("m{}{}", entry.status.as_str(), entry.key),
        }
    }
}

/// The rows for `entries` (a contiguous stretch of the log). `day_of` gives the calendar day of
/// a time (`None`: now); `closed` says whether a conversation is over.
pub fn rows(
    entries: &[Entry],
    day_of: impl Fn(Option<&str>) -> u32,
    closed: impl Fn(&ConversationId) -> bool,
) -> Vec<Row> {
    let mut rows = Vec::with_capacity(entries.len() + 4);
    let mut previous: Option<(&Entry, u32)> = None;
    for entry in entries {
        let day = day_of(entry.at.as_deref());
        let divider = previous.is_some_and(|(before, _)| match &before.conversation {
            // Unsent messages join the current conversation, or start the next one.
            Some(id) => {
                before.conversation != entry.conversation
                    && (entry.conversation.is_some() || closed(id))
            }
            None => false,
        });
        if divider {
            rows.push(Row::Divider {
                key: format!("v{}", entry.key),
            });
        }
        if divider || previous.is_none_or(|(_, before)| before != day) {
            rows.push(Row::Day {
                key: format!("d{}", entry.key),
                at: entry.at.clone(),
            });
        }
        rows.push(Row::Message(entry.clone()));
        previous = Some((entry, day));
    }
    rows
}
