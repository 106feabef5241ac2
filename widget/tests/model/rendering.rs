//! What the view is given to draw: links in the text, the window of rendered messages and the
//! rows with their day and conversation separators.

use crate::message;
use tetap_shared::frames::ServerFrame;
use tetap_shared::{AuthorKind, ConversationId, Mode};
use tetap_widget::chat::Chat;
use tetap_widget::links::{Piece, split};
use tetap_widget::rows::{Row, rows};
use tetap_widget::window::{MAX_RENDERED, STEP, Up, Window};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn only_http_and_https_addresses_become_links() {
    assert_eq!(
        split("see https://a.test/x?y=1, or http://b.test."),
        [
            Piece::Text("see "),
            Piece::Link("https://a.test/x?y=1"),
            Piece::Text(", or "),
            Piece::Link("http://b.test"),
            Piece::Text("."),
        ]
    );
    assert_eq!(
        split("(https://a.test/wiki/X_(y))"),
        [
            Piece::Text("("),
            Piece::Link("https://a.test/wiki/X_(y)"),
            Piece::Text(")"),
        ]
    );
    for text in [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "xhttp://a.test",
        "http://",
        "https://.",
        "ftp://a.test",
    ] {
        assert!(
            split(text).iter().all(|p| matches!(p, Piece::Text(_))),
            "{text}"
        );
    }
    assert_eq!(
        split("<a href=\"https://a.test\">"),
        [
            Piece::Text("<a href=\""),
            Piece::Link("https://a.test"),
            Piece::Text("\">"),
        ]
    );
    assert_eq!(
        split("HTTPS://A.TEST ünï"),
        [Piece::Link("HTTPS://A.TEST"), Piece::Text(" ünï")]
    );
}

#[wasm_bindgen_test]
fn the_window_follows_the_newest_and_moves_over_what_is_loaded() {
    let len = 1000;
    assert_eq!(Window::Tail.range(len), len - MAX_RENDERED..len);
    assert_eq!(Window::Tail.range(10), 0..10);
    let Up::Show(up) = Window::Tail.up(len) else {
        panic!("loaded messages come first")
    };
    assert_eq!(up.range(len).start, len - MAX_RENDERED - STEP);
    assert_eq!(up.range(len).len(), MAX_RENDERED);
    assert_eq!(Window::At(0).up(len), Up::Fetch(Window::At(0)));
    assert_eq!(Window::Tail.up(10), Up::Fetch(Window::At(0)));
    assert_eq!(up.down(len), Window::Tail, "back at the newest");
    assert_eq!(Window::At(0).down(len), Window::At(STEP));
}

fn entry_rows(at: &[(&str, &str)]) -> Vec<tetap_widget::chat::Entry> {
    let mut chat = Chat::new(Mode::Persistent);
    for (i, (conversation, time)) in at.iter().enumerate() {
        let mut m = message(i as u64 + 1, AuthorKind::Agent, None, "t");
        m.id = format!("k{i}");
        m.at = (*time).into();
        chat.apply(ServerFrame::Message {
            conversation: (*conversation).into(),
            message: m,
        });
    }
    chat.entries
}

fn shape(rows: &[Row]) -> String {
    rows.iter()
        .map(|row| match row {
            Row::Day { .. } => 'D',
            Row::Divider { .. } => '|',
            Row::Message(_) => 'm',
        })
        .collect()
}

#[wasm_bindgen_test]
fn rows_separate_days_and_conversations() {
    let entries = entry_rows(&[
        ("c1", "2026-11-23T12:00:00Z"),
        ("c1", "2026-11-23T13:00:00Z"),
        ("c1", "2026-11-24T12:00:00Z"),
        ("c2", "2026-11-24T12:30:00Z"),
    ]);
    let day = |at: Option<&str>| tetap_widget::time::day_of(at);
    let closed = |id: &ConversationId| id.0 == "c1";
    assert_eq!(shape(&rows(&entries, day, closed)), "DmmDm|Dm");
    assert_eq!(shape(&rows(&entries[1..], day, closed)), "DmDm|Dm");
    let keys: Vec<String> = rows(&entries, day, closed).iter().map(Row::key).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "keys are unique: {keys:?}");
}
