//! Dates and times in the customer's language and time zone, formatted by the browser's `Intl`:
//! the wasm carries no time-zone database (DESIGN.md §2).

use crate::i18n::Strings;
use js_sys::Date;
use wasm_bindgen::JsValue;

/// A point in time as the browser sees it; `None` for what the relay has not stamped yet (now).
pub fn date(at: Option<&str>) -> Date {
    match at {
        Some(at) => Date::new(&JsValue::from_str(at)),
        None => Date::new_0(),
    }
}

/// The calendar day in the browser's zone, as `yyyymmdd`: equal for two times on the same day.
pub fn day(date: &Date) -> u32 {
    date.get_full_year() * 10_000 + (date.get_month() + 1) * 100 + date.get_date()
}

/// The day of `at` (`None`: today), for grouping messages.
pub fn day_of(at: Option<&str>) -> u32 {
    day(&date(at))
}

/// "09:41" or "9:41 AM", as the language writes a time of day.
pub fn time_label(date: &Date, locale: &str) -> String {
    let options = crate::wire::parse(r#"{"hour":"numeric","minute":"2-digit"}"#)
        .unwrap_or(JsValue::UNDEFINED);
    date.to_locale_time_string_with_options(locale, &options)
        .into()
}

/// "Today", "Yesterday", or the full date ("Tuesday, 24 November 2026") in the language.
pub fn day_label(date: &Date, locale: &str, strings: &Strings) -> String {
    let today = Date::new_0();
    let yesterday = Date::new_0();
    yesterday.set_date(yesterday.get_date().wrapping_sub(1));
    let key = day(date);
    if key == day(&today) {
        return strings.today.to_owned();
    }
    if key == day(&yesterday) {
        return strings.yesterday.to_owned();
    }
    let options =
        crate::wire::parse(r#"{"weekday":"long","year":"numeric","month":"long","day":"numeric"}"#)
            .unwrap_or(JsValue::UNDEFINED);
    date.to_locale_date_string(locale, &options).into()
}
