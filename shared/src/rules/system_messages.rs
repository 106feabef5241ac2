//! System messages (R5): which ones a mode shows, their default texts in English and Indonesian,
//! and per-workstream, per-locale overrides with `{placeholder}` parameters.

use crate::api::Mode;
use std::collections::BTreeMap;

/// The `system_kind` values the relay writes.
pub const QUEUE_POSITION: &str = "queue_position";
pub const WAIT_TIME: &str = "wait_time";
pub const AGENT_JOINED: &str = "agent_joined";
pub const ENDED: &str = "ended";
pub const OFFLINE: &str = "offline";
pub const AWAY: &str = "away";

/// R5: live chat shows the queue position and the average wait; persistent never does.
pub fn shows_queue_messages(mode: Mode) -> bool {
    mode == Mode::Live
}

/// R5, widget side: a system message the widget must not show even if a relay sent it.
pub fn hidden_in_widget(mode: Mode, system_kind: &str) -> bool {
    mode == Mode::Persistent && matches!(system_kind, QUEUE_POSITION | WAIT_TIME)
}

/// The built-in text of a kind in a locale (`en` when the locale is unknown).
pub fn default_text(kind: &str, locale: &str) -> Option<&'static str> {
    let indonesian = locale.split(['-', '_']).next() == Some("id");
    Some(match (kind, indonesian) {
        (QUEUE_POSITION, false) => "You are number {position} in line.",
        (QUEUE_POSITION, true) => "Anda nomor {position} dalam antrean.",
        (WAIT_TIME, false) => "The average wait is about {minutes} min.",
        (WAIT_TIME, true) => "Rata-rata waktu tunggu sekitar {minutes} menit.",
        (AGENT_JOINED, false) => "{agent} joined the conversation.",
        (AGENT_JOINED, true) => "{agent} bergabung dalam percakapan.",
        (ENDED, false) => "The conversation has ended.",
        (ENDED, true) => "Percakapan telah berakhir.",
        (OFFLINE, false) => "We are offline right now. Please come back during our opening hours.",
        (OFFLINE, true) => "Kami sedang offline. Silakan kembali pada jam operasional kami.",
        (AWAY, false) => "We are away right now and will reply when we are back, {back_at}.",
        (AWAY, true) => "Kami sedang tidak di tempat dan akan membalas saat kembali, {back_at}.",
        _ => return None,
    })
}

/// The text of a system message: the workstream's override for the locale (then for `en`) or the
/// built-in text, with `{name}` placeholders filled from `params`.
pub fn render(
    kind: &str,
    locale: &str,
    overrides: &BTreeMap<String, BTreeMap<String, String>>,
    params: &[(&str, &str)],
) -> String {
    let language = locale.split(['-', '_']).next().unwrap_or("en");
    let template = [language, "en"]
        .iter()
        .find_map(|l| overrides.get(*l).and_then(|texts| texts.get(kind)))
        .map(String::as_str)
        .or_else(|| default_text(kind, language))
        .unwrap_or(kind);
    let mut text = template.to_owned();
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The average of recent waits, rounded up to whole minutes (at least 1); `None` without data.
pub fn average_wait_minutes(recent_waits_seconds: &[u64]) -> Option<u64> {
    if recent_waits_seconds.is_empty() {
        return None;
    }
    let total: u64 = recent_waits_seconds.iter().sum();
    let average = total / recent_waits_seconds.len() as u64;
    Some(average.div_ceil(60).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r5_persistent_never_shows_wait_time_or_queue_position() {
        assert!(!shows_queue_messages(Mode::Persistent));
        assert!(shows_queue_messages(Mode::Live));
    }

    /// `hidden_in_widget` is the very function the widget filters its log with (its `merge`
    /// module calls it for every stored message, by the conversation's own mode).
    #[test]
    fn r5_the_widget_hides_wait_time_and_queue_position_in_persistent_conversations_only() {
        let table = [
            (Mode::Persistent, WAIT_TIME, true),
            (Mode::Persistent, QUEUE_POSITION, true),
            (Mode::Persistent, AGENT_JOINED, false),
            (Mode::Persistent, ENDED, false),
            (Mode::Persistent, OFFLINE, false),
            (Mode::Persistent, AWAY, false),
            (Mode::Persistent, "a_kind_added_later", false),
            (Mode::Live, WAIT_TIME, false),
            (Mode::Live, QUEUE_POSITION, false),
            (Mode::Live, AGENT_JOINED, false),
            (Mode::Live, ENDED, false),
            (Mode::Live, OFFLINE, false),
            (Mode::Live, AWAY, false),
        ];
        for (mode, kind, hidden) in table {
            assert_eq!(hidden_in_widget(mode, kind), hidden, "{mode:?} {kind}");
        }
    }

    #[test]
    fn r5_live_texts_can_be_overridden_per_workstream_and_locale() {
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "en".to_owned(),
            BTreeMap::from([(QUEUE_POSITION.to_owned(), "Position {position}".to_owned())]),
        );
        assert_eq!(
            render(QUEUE_POSITION, "en-GB", &overrides, &[("position", "4")]),
            "Position 4"
        );
        assert_eq!(
            render(QUEUE_POSITION, "id", &BTreeMap::new(), &[("position", "2")]),
            "Anda nomor 2 dalam antrean."
        );
        // No Indonesian override: the English override wins over the built-in Indonesian text,
        // because the site chose its words.
        assert_eq!(
            render(QUEUE_POSITION, "id", &overrides, &[("position", "3")]),
            "Position 3"
        );
    }

    #[test]
    fn every_kind_has_english_and_indonesian_defaults() {
        for kind in [
            QUEUE_POSITION,
            WAIT_TIME,
            AGENT_JOINED,
            ENDED,
            OFFLINE,
            AWAY,
        ] {
            assert!(default_text(kind, "en").is_some(), "{kind}");
            assert_ne!(default_text(kind, "en"), default_text(kind, "id"), "{kind}");
        }
    }

    #[test]
    fn the_average_wait_rounds_up_to_whole_minutes() {
        assert_eq!(average_wait_minutes(&[]), None);
        assert_eq!(average_wait_minutes(&[10]), Some(1));
        assert_eq!(average_wait_minutes(&[60, 180]), Some(2));
        assert_eq!(average_wait_minutes(&[61]), Some(2));
    }
}
