//! What the widget is set up with: URL parameters, the locale and the workstream endpoint's body.

use tetap_shared::Mode;
use tetap_widget::i18n::{Locale, LocaleStrings};
use tetap_widget::params::{Params, Theme, sanitize_color};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn url_parameters_are_read_and_colours_sanitised() {
    let params = Params::parse(
        "?workstream=support&host=https%3A%2F%2Fshop.example.com%2F&locale=id&theme=dark&color=%230a7",
    );
    assert_eq!(params.workstream, "support");
    assert_eq!(params.host, "https://shop.example.com");
    assert_eq!(params.locale.as_deref(), Some("id"));
    assert_eq!(params.theme, Theme::Dark);
    assert_eq!(params.color.as_deref(), Some("#0a7"));
    assert_eq!(Params::parse("").theme, Theme::Auto);
    for bad in ["red;background:url(x)", "#12", "#zzzzzz", "var(--x)", ""] {
        assert_eq!(sanitize_color(bad), None, "{bad}");
    }
    assert_eq!(sanitize_color("teal").as_deref(), Some("teal"));
}

#[wasm_bindgen_test]
fn the_locale_comes_from_the_parameter_then_the_browser() {
    assert_eq!(Locale::pick(["id-ID"]), Locale::Id);
    assert_eq!(Locale::pick(["fr", "id"]), Locale::Id);
    assert_eq!(Locale::pick(["en-GB", "id"]), Locale::En);
    assert_eq!(Locale::pick(["fr"]), Locale::En);
    assert_eq!(Locale::Id.strings().send, "Kirim");
}

#[wasm_bindgen_test]
fn the_workstream_endpoint_body_is_read() {
    let body = js_sys::JSON::parse(
        r#"{"id":"support","mode":"persistent","allowed_origins":["https://shop.example.com"]}"#,
    )
    .expect("json");
    let info = tetap_widget::workstream::info(&body).expect("valid");
    assert_eq!(info.mode, Mode::Persistent);
    assert_eq!(info.allowed_origins, ["https://shop.example.com"]);
    assert_eq!(info.offline_notice, None);
    let closed = js_sys::JSON::parse(
        r#"{"id":"sales","mode":"live","allowed_origins":[],"offline_notice":"We are offline."}"#,
    )
    .expect("json");
    let closed = tetap_widget::workstream::info(&closed).expect("valid");
    assert_eq!(closed.offline_notice.as_deref(), Some("We are offline."));
    let bad = js_sys::JSON::parse(r#"{"id":"support","mode":"later","allowed_origins":[]}"#)
        .expect("json");
    assert_eq!(tetap_widget::workstream::info(&bad), None);
}

#[wasm_bindgen_test]
fn the_workstream_says_whether_it_takes_anonymous_visitors() {
    let body = |json: &str| {
        let value = js_sys::JSON::parse(json).expect("json");
        tetap_widget::workstream::info(&value).expect("valid")
    };
    let live = body(r#"{"id":"chat","mode":"live","allowed_origins":[],"anonymous":true}"#);
    assert!(live.anonymous);
    let older_relay = body(r#"{"id":"chat","mode":"live","allowed_origins":[]}"#);
    assert!(!older_relay.anonymous);
}
