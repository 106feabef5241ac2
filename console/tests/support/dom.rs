//! A fresh element to mount a component into, and the DOM steps the view tests repeat.
#![allow(dead_code)]

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Event, EventInit, HtmlElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent,
    KeyboardEventInit,
};

/// A mounted component's root; removed from the page when dropped.
pub struct Dom {
    pub root: HtmlElement,
    pub mounted: Option<Box<dyn std::any::Any>>,
}

impl Dom {
    pub fn new() -> Self {
        let root: HtmlElement = document()
            .create_element("div")
            .expect("div")
            .dyn_into()
            .expect("an HTML element");
        document()
            .body()
            .expect("body")
            .append_child(&root)
            .expect("attached");
        Dom {
            root,
            mounted: None,
        }
    }

    /// Mounts `view` into the root.
    pub fn mount<V: IntoView + 'static>(mut self, view: impl FnOnce() -> V + 'static) -> Self {
        let handle = leptos::mount::mount_to(self.root.clone(), view);
        self.mounted = Some(Box::new(handle));
        self
    }

    pub fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    pub fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into().ok())
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_else(|| panic!("no {selector}"))
    }

    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .filter_map(|e| e.text_content())
            .collect()
    }

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .get_attribute(name)
    }

    pub fn html(&self, selector: &str) -> HtmlElement {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .dyn_into()
            .expect("an HTML element")
    }

    pub fn click(&self, selector: &str) {
        self.html(selector).click();
    }

    pub fn disabled(&self, selector: &str) -> bool {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .has_attribute("disabled")
    }

    /// Sets an input's or a textarea's value and fires `input`, as typing does.
    pub fn type_into(&self, selector: &str, text: &str) {
        let element = self
            .find(selector)
            .unwrap_or_else(|| panic!("no {selector}"));
        if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(text);
        } else if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            input.set_value(text);
        }
        let init = EventInit::new();
        init.set_bubbles(true);
        let input = Event::new_with_event_init_dict("input", &init).expect("event");
        element.dispatch_event(&input).expect("dispatched");
    }

    /// A keydown on the element; returns false when the page cancelled it.
    pub fn press(&self, selector: &str, key: &str, shift: bool) -> bool {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_shift_key(shift);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .dispatch_event(&event)
            .expect("dispatched")
    }
}

impl Drop for Dom {
    fn drop(&mut self) {
        self.mounted.take();
        self.root.remove();
    }
}
