//! Times as the console shows them: "time since" in the work list and the clock time of a
//! message. The relay writes RFC 3339 UTC; the browser's `Date` parses it and its `Intl` formats
//! it in the agent's own time zone, so no time-zone database ships with the console.

use wasm_bindgen::JsValue;

/// How long ago something happened, rounded down to a unit worth showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ago {
    /// Less than a minute (or a time slightly in the future: clocks differ).
    JustNow,
    Minutes(u64),
    Hours(u64),
    Days(u64),
}

/// Milliseconds since the epoch of an RFC 3339 time; `None` when it does not parse.
pub fn parse_ms(rfc3339: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(rfc3339);
    (!ms.is_nan()).then_some(ms)
}

/// The browser's clock, in milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// How long before `now_ms` the time `then_ms` was.
pub fn ago(now_ms: f64, then_ms: f64) -> Ago {
    let seconds = ((now_ms - then_ms) / 1000.0).max(0.0) as u64;
    match seconds {
        s if s < 60 => Ago::JustNow,
        s if s < 3600 => Ago::Minutes(s / 60),
        s if s < 86_400 => Ago::Hours(s / 3600),
        s => Ago::Days(s / 86_400),
    }
}

/// The time of day of `rfc3339` in the agent's time zone and language (`14:05`), or the text
/// itself when it does not parse.
pub fn clock_time(rfc3339: &str, locale_tag: &str) -> String {
    let Some(ms) = parse_ms(rfc3339) else {
        return rfc3339.to_owned();
    };
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    date.to_locale_time_string_with_options(locale_tag, &options)
        .as_string()
        .unwrap_or_else(|| rfc3339.to_owned())
}
