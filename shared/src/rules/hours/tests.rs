//! Tests of the operating-hours calendar (R3): zones, holidays, ranges past midnight, `24:00`,
//! and how ranges are written. Daylight saving time is in `dst_tests`.

use super::*;

fn office() -> Hours {
    let weekday = vec!["09:00-12:00".to_owned(), "13:00-17:00".to_owned()];
    let none: Vec<String> = Vec::new();
    Hours::parse(
        "Asia/Jakarta",
        [
            &weekday, &weekday, &weekday, &weekday, &weekday, &none, &none,
        ],
        &["2026-12-25".to_owned()],
    )
    .expect("valid")
}

/// The same ranges on every day of the week.
pub(super) fn daily(zone: &str, ranges: &[&str]) -> Hours {
    let ranges: Vec<String> = ranges.iter().map(|&r| r.to_owned()).collect();
    Hours::parse(zone, [&ranges[..]; 7], &[]).expect("valid")
}

pub(super) fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

#[test]
fn r3_hours_follow_the_workstreams_time_zone() {
    let hours = office();
    // 09:30 in Jakarta (UTC+7) is 02:30 UTC on Tuesday 2026-11-24.
    assert!(hours.is_open(at("2026-11-24T02:30:00Z")));
    assert!(!hours.is_open(at("2026-11-24T01:59:59Z")), "08:59:59 local");
    assert!(!hours.is_open(at("2026-11-24T05:30:00Z")), "lunch break");
    assert!(
        !hours.is_open(at("2026-11-24T10:00:00Z")),
        "17:00 local is closed"
    );
}

#[test]
fn r3_weekends_and_holidays_are_closed() {
    let hours = office();
    assert!(!hours.is_open(at("2026-11-28T03:00:00Z")), "Saturday");
    assert!(
        !hours.is_open(at("2026-12-25T03:00:00Z")),
        "Christmas, a Friday"
    );
}

#[test]
fn r3_next_open_skips_breaks_weekends_and_holidays() {
    let hours = office();
    assert_eq!(
        hours.next_open(at("2026-11-24T05:30:00Z")),
        Some(at("2026-11-24T06:00:00Z")),
        "after lunch"
    );
    assert_eq!(
        hours.next_open(at("2026-11-27T12:00:00Z")),
        Some(at("2026-11-30T02:00:00Z")),
        "Friday evening to Monday 09:00"
    );
    assert_eq!(
        hours.next_open(at("2026-12-24T12:00:00Z")),
        Some(at("2026-12-28T02:00:00Z")),
        "over Christmas and the weekend"
    );
    assert_eq!(
        hours.local_label(at("2026-11-30T02:00:00Z")),
        "Monday 09:00 (Asia/Jakarta)"
    );
    let open_now = at("2026-11-24T02:30:00Z");
    assert_eq!(hours.next_open(open_now), Some(open_now));
}

#[test]
fn r3_hours_that_never_open_have_no_next_opening_or_change() {
    let none: &[String] = &[];
    let hours = Hours::parse("Europe/Berlin", [none; 7], &[]).expect("valid");
    assert_eq!(hours.next_open(at("2026-10-25T00:30:00Z")), None);
    assert_eq!(hours.next_change(at("2026-10-25T00:30:00Z")), None);
}

#[test]
fn bad_entries_are_named() {
    let none: &[String] = &[];
    let week = [none; 7];
    assert_eq!(
        Hours::parse("Mars/Olympus", week, &[]).map(|_| ()),
        Err(HoursError::TimeZone("Mars/Olympus".into()))
    );
    let with = |range: &str| {
        let ranges = vec![range.to_owned()];
        let mut week = [none; 7];
        week[0] = &ranges;
        Hours::parse("UTC", week, &[]).map(|_| ())
    };
    for bad in [
        "9-17",
        "09:00-25:00",
        "09:60-10:00",
        "25:00-26:00",
        "24:00-02:00",
        "09:00",
    ] {
        assert_eq!(with(bad), Err(HoursError::Range(bad.into())), "{bad}");
    }
    for empty in ["00:00-00:00", "09:00-09:00"] {
        assert_eq!(with(empty), Err(HoursError::EmptyRange(empty.into())));
    }
    assert_eq!(
        Hours::parse("UTC", [none; 7], &["25/12".into()]).map(|_| ()),
        Err(HoursError::Holiday("25/12".into()))
    );
}

#[test]
fn r3_a_bad_range_is_refused_with_how_to_write_one() {
    let range = HoursError::Range("25:00-26:00".into()).to_string();
    assert_eq!(
        range,
        "\"25:00-26:00\" is not a range like 09:00-17:00 (HH:MM-HH:MM, 24:00 allowed as an end; \
         a range that ends before it starts runs past midnight)"
    );
    let empty = HoursError::EmptyRange("00:00-00:00".into()).to_string();
    assert!(empty.contains("00:00-24:00"), "{empty}");
}

#[test]
fn a_day_may_run_until_midnight() {
    let all_day = vec!["00:00-24:00".to_owned()];
    let hours = Hours::parse("UTC", [&all_day; 7], &[]).expect("valid");
    assert!(hours.is_open(at("2026-11-24T23:59:59Z")));
}

#[test]
fn r3_a_range_ending_at_24_00_closes_at_midnight_or_joins_the_next_days_opening() {
    // Berlin in November is UTC+1. Monday 2026-11-23 18:00-24:00, Tuesday 00:00-02:00.
    let none: &[String] = &[];
    let monday = vec!["18:00-24:00".to_owned()];
    let tuesday = vec!["00:00-02:00".to_owned()];
    let mut week = [none; 7];
    week[0] = &monday;
    week[1] = &tuesday;
    let hours = Hours::parse("Europe/Berlin", week, &[]).expect("valid");
    assert!(hours.is_open(at("2026-11-23T22:59:59Z")), "Monday 23:59:59");
    assert!(hours.is_open(at("2026-11-23T23:00:00Z")), "Tuesday 00:00");
    assert!(!hours.is_open(at("2026-11-24T01:00:00Z")), "Tuesday 02:00");
    assert_eq!(
        hours.next_change(at("2026-11-23T20:00:00Z")),
        Some(at("2026-11-24T01:00:00Z")),
        "midnight is no change: Monday's range runs into Tuesday's"
    );

    let only_monday = {
        let mut week = [none; 7];
        week[0] = &monday;
        Hours::parse("Europe/Berlin", week, &[]).expect("valid")
    };
    assert!(
        !only_monday.is_open(at("2026-11-23T23:00:00Z")),
        "Tuesday 00:00"
    );
    assert_eq!(
        only_monday.next_change(at("2026-11-23T20:00:00Z")),
        Some(at("2026-11-23T23:00:00Z"))
    );
    assert_eq!(
        only_monday.next_open(at("2026-11-23T23:00:00Z")),
        Some(at("2026-11-30T17:00:00Z")),
        "a week later"
    );
    let midnight = vec!["18:00-00:00".to_owned()];
    let mut week = [none; 7];
    week[0] = &midnight;
    let written_as_00_00 = Hours::parse("Europe/Berlin", week, &[]).expect("valid");
    assert!(written_as_00_00.is_open(at("2026-11-23T22:59:59Z")));
    assert!(!written_as_00_00.is_open(at("2026-11-23T23:00:00Z")));
}

/// Monday (2026-11-23 is one) `22:00-02:00` and Sunday `22:00-02:00`, in UTC.
fn nights(holidays: &[&str]) -> Hours {
    let none: &[String] = &[];
    let night = vec!["22:00-02:00".to_owned()];
    let mut week = [none; 7];
    week[0] = &night;
    week[6] = &night;
    let holidays: Vec<String> = holidays.iter().map(|&h| h.to_owned()).collect();
    Hours::parse("UTC", week, &holidays).expect("a range past midnight is valid")
}

#[test]
fn r3_a_range_past_midnight_runs_into_the_next_day() {
    let hours = nights(&[]);
    assert!(
        !hours.is_open(at("2026-11-23T21:59:59Z")),
        "Monday 21:59:59"
    );
    assert!(hours.is_open(at("2026-11-23T22:00:00Z")), "Monday 22:00");
    assert!(hours.is_open(at("2026-11-24T00:00:00Z")), "Tuesday 00:00");
    assert!(
        hours.is_open(at("2026-11-24T01:59:59Z")),
        "Tuesday 01:59:59"
    );
    assert!(!hours.is_open(at("2026-11-24T02:00:00Z")), "Tuesday 02:00");
    assert!(!hours.is_open(at("2026-11-24T22:00:00Z")), "Tuesday 22:00");
    assert!(
        !hours.is_open(at("2026-11-25T01:00:00Z")),
        "Wednesday 01:00: Tuesday has no night"
    );
    assert_eq!(
        hours.next_open(at("2026-11-24T01:00:00Z")),
        Some(at("2026-11-24T01:00:00Z"))
    );
    assert_eq!(
        hours.next_open(at("2026-11-24T02:00:00Z")),
        Some(at("2026-11-29T22:00:00Z")),
        "Tuesday 02:00 to Sunday 22:00"
    );
    assert_eq!(
        hours.next_change(at("2026-11-23T23:00:00Z")),
        Some(at("2026-11-24T02:00:00Z"))
    );
}

#[test]
fn r3_a_range_past_midnight_runs_across_the_end_of_the_week() {
    let hours = nights(&[]);
    assert!(hours.is_open(at("2026-11-29T22:00:00Z")), "Sunday 22:00");
    assert!(hours.is_open(at("2026-11-30T01:59:59Z")), "Monday 01:59:59");
    assert!(!hours.is_open(at("2026-11-30T02:00:00Z")), "Monday 02:00");
    assert_eq!(
        hours.next_open(at("2026-11-30T02:00:00Z")),
        Some(at("2026-11-30T22:00:00Z")),
        "Monday 02:00 to Monday 22:00"
    );
    assert_eq!(
        hours.next_change(at("2026-11-29T23:00:00Z")),
        Some(at("2026-11-30T02:00:00Z")),
        "Sunday's night does not merge into Monday's, 20 hours later"
    );
}

#[test]
fn r3_a_holiday_cancels_the_whole_range_that_starts_on_it_and_no_other() {
    // Monday 2026-11-23 is a holiday: its night is closed, into Tuesday too.
    let hours = nights(&["2026-11-23"]);
    assert!(!hours.is_open(at("2026-11-23T23:00:00Z")), "Monday 23:00");
    assert!(!hours.is_open(at("2026-11-24T01:00:00Z")), "Tuesday 01:00");
    assert_eq!(
        hours.next_open(at("2026-11-23T21:00:00Z")),
        Some(at("2026-11-29T22:00:00Z"))
    );
    // Sunday's night still runs into the holiday.
    assert!(hours.is_open(at("2026-11-23T01:00:00Z")), "Monday 01:00");
    // A holiday on the day after leaves the night before open.
    let hours = nights(&["2026-11-24"]);
    assert!(hours.is_open(at("2026-11-24T01:00:00Z")), "Tuesday 01:00");
}
