//! R7 in the work list as the agent sees it: a returned conversation is marked in words (part of
//! the row's accessible name, in the agent's language) and listed first among the waiting ones,
//! from the data of a fresh mount, until an update says the return was handled.

use crate::dom::Dom;
use crate::fixtures::*;
use leptos::prelude::*;
use leptos::task::tick;
use tetap_console::i18n::{Locale, LocaleStrings};
use tetap_console::list_view::ListView;
use tetap_console::worklist::WorkList;
use tetap_shared::ConversationState::{Active, Waiting};
use tetap_shared::{AgentEvent, Conversation};
use wasm_bindgen_test::*;

/// The list as a reloaded console fetches it: Dewi came back to her waiting conversation; Rudi's
/// is waiting too, with newer messages (so by activity alone it would come first); Sari's is
/// active.
fn fetched() -> Vec<Conversation> {
    let mut dewi = conversation("w", Waiting, Some(ME), "Dewi");
    dewi.returned_at = Some("2026-11-24T09:05:00Z".into());
    let mut rudi = conversation("r", Waiting, Some(ME), "Rudi");
    rudi.last_message = Some(message(30, tetap_shared::AuthorKind::Customer, "newer"));
    vec![conversation("a", Active, Some(ME), "Sari"), rudi, dewi]
}

fn mount(locale: Locale, list: RwSignal<WorkList>) -> Dom {
    Dom::new().mount(move || {
        view! {
            <ListView
                strings=locale.strings()
                list
                selected=RwSignal::new(None)
                now_ms=0.0
                on_select=Callback::new(|_| {})
            />
        }
    })
}

#[wasm_bindgen_test]
async fn r7_after_a_reload_the_list_marks_the_returned_conversation_and_lists_it_first() {
    let mut list = WorkList::new(ME);
    list.replace_all(fetched(), None);
    let dom = mount(Locale::En, RwSignal::new(list));
    tick().await;
    assert_eq!(
        dom.texts("[data-group=waiting] .row-name"),
        ["Dewi", "Rudi"]
    );
    let row = "[data-conversation=w]";
    assert_eq!(dom.attr(row, "data-returned").as_deref(), Some("true"));
    assert_eq!(
        dom.text(&format!("{row} .row-returned")),
        "Customer is back"
    );
    let name = dom.html(row).inner_text();
    assert!(
        name.contains("Customer is back"),
        "the mark is in the row's accessible name: {name:?}"
    );
    assert!(
        dom.find(&format!(
            "{row} [aria-hidden] .row-returned, {row} .row-returned[aria-hidden]"
        ))
        .is_none(),
        "the mark is not hidden from screen readers"
    );
    assert_eq!(dom.all(".row-returned").len(), 1, "only Dewi came back");
    assert_eq!(dom.attr("[data-conversation=r]", "data-returned"), None);
}

#[wasm_bindgen_test]
async fn r7_the_returned_mark_speaks_indonesian() {
    let mut list = WorkList::new(ME);
    list.replace_all(fetched(), None);
    let dom = mount(Locale::Id, RwSignal::new(list));
    tick().await;
    assert_eq!(
        dom.text("[data-conversation=w] .row-returned"),
        "Pelanggan kembali"
    );
}

#[wasm_bindgen_test]
async fn r7_the_returned_mark_stays_until_an_update_says_returned_at_is_null() {
    let list = RwSignal::new(WorkList::new(ME));
    let dom = mount(Locale::En, list);
    let mut dewi = conversation("w", Waiting, Some(ME), "Dewi");
    dewi.returned_at = Some("2026-11-24T09:05:00Z".into());
    list.update(|l| {
        l.apply(
            &AgentEvent::CustomerReturned {
                conversation: id("w"),
                detail: dewi.clone(),
            },
            None,
        );
    });
    tick().await;
    assert!(dom.find("[data-conversation=w] .row-returned").is_some());

    // A new message alone does not handle the return: the relay's state event does.
    list.update(|l| {
        l.apply(
            &message_event("w", message(2, tetap_shared::AuthorKind::Agent, "Hi again")),
            None,
        );
    });
    tick().await;
    assert!(dom.find("[data-conversation=w] .row-returned").is_some());

    list.update(|l| {
        l.apply(
            &state_event(&conversation("w", Active, Some(ME), "Dewi")),
            None,
        );
    });
    tick().await;
    assert!(dom.find(".row-returned").is_none());
    assert_eq!(dom.attr("[data-conversation=w]", "data-returned"), None);
    assert_eq!(dom.texts("[data-group=active] .row-name"), ["Dewi"]);
}
