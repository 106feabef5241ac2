//! Tests of the operating hours (R3) around daylight saving time: the 2026 transitions of New
//! York and Berlin at each boundary and minute by minute, and zones whose clocks change at
//! midnight or by half an hour.

use super::tests::{at, daily};
use super::*;

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

#[test]
fn r3_next_open_on_the_fall_back_night_in_new_york_is_never_in_the_past() {
    // 2026-11-01: 02:00 EDT (06:00Z) falls back to 01:00 EST.
    let hours = daily("America/New_York", &["01:30-02:30"]);
    assert!(hours.is_open(at("2026-11-01T05:30:00Z")), "01:30 EDT");
    assert!(hours.is_open(at("2026-11-01T05:59:59Z")), "01:59:59 EDT");
    assert!(
        !hours.is_open(at("2026-11-01T06:00:00Z")),
        "01:00 EST shows 01:00"
    );
    assert!(!hours.is_open(at("2026-11-01T06:29:59Z")), "01:29:59 EST");
    assert!(hours.is_open(at("2026-11-01T06:30:00Z")), "01:30 EST");
    assert!(hours.is_open(at("2026-11-01T07:29:59Z")), "02:29:59 EST");
    assert!(!hours.is_open(at("2026-11-01T07:30:00Z")), "02:30 EST");
    assert_eq!(
        hours.next_open(at("2026-11-01T06:10:00Z")),
        Some(at("2026-11-01T06:30:00Z")),
        "01:10 EST opens at 01:30 EST, not at the 01:30 EDT an hour ago"
    );
    assert_eq!(
        hours.next_open(at("2026-11-01T04:00:00Z")),
        Some(at("2026-11-01T05:30:00Z")),
        "the earlier 01:30 opens"
    );
    assert_eq!(
        hours.next_change(at("2026-11-01T05:30:00Z")),
        Some(at("2026-11-01T06:00:00Z"))
    );
}

#[test]
fn r3_a_fold_reopens_a_range_whose_times_are_shown_again() {
    // 00:00-01:30 on the New York fall-back night closes at 01:30 EDT, and the clock shows
    // 01:00-01:30 once more from 01:00 EST.
    let hours = daily("America/New_York", &["00:00-01:30"]);
    assert!(!hours.is_open(at("2026-11-01T05:45:00Z")), "01:45 EDT");
    assert_eq!(
        hours.next_open(at("2026-11-01T05:45:00Z")),
        Some(at("2026-11-01T06:00:00Z")),
        "01:00 EST"
    );
    assert!(!hours.is_open(at("2026-11-01T06:30:00Z")), "01:30 EST");
    // Berlin, 2026-10-25: 03:00 CEST (01:00Z) falls back to 02:00 CET.
    let hours = daily("Europe/Berlin", &["01:30-02:30"]);
    assert!(hours.is_open(at("2026-10-25T00:29:59Z")), "02:29:59 CEST");
    assert!(!hours.is_open(at("2026-10-25T00:30:00Z")), "02:30 CEST");
    assert_eq!(
        hours.next_open(at("2026-10-25T00:45:00Z")),
        Some(at("2026-10-25T01:00:00Z")),
        "02:00 CET"
    );
    assert!(!hours.is_open(at("2026-10-25T01:30:00Z")), "02:30 CET");
    let hours = daily("Europe/Berlin", &["02:00-03:00"]);
    assert!(hours.is_open(at("2026-10-25T00:00:00Z")), "02:00 CEST");
    assert!(hours.is_open(at("2026-10-25T01:00:00Z")), "02:00 CET");
    assert!(hours.is_open(at("2026-10-25T01:59:59Z")), "02:59:59 CET");
    assert!(!hours.is_open(at("2026-10-25T02:00:00Z")), "03:00 CET");
}

#[test]
fn r3_an_opening_in_the_spring_forward_gap_is_the_first_real_instant_after_it() {
    // 2026-03-08: 02:00 EST (07:00Z) springs forward to 03:00 EDT.
    let hours = daily("America/New_York", &["02:30-05:00"]);
    assert!(!hours.is_open(at("2026-03-08T06:59:59Z")), "01:59:59 EST");
    assert!(hours.is_open(at("2026-03-08T07:00:00Z")), "03:00 EDT");
    assert_eq!(
        hours.next_open(at("2026-03-08T05:00:00Z")),
        Some(at("2026-03-08T07:00:00Z")),
        "03:00 EDT, not 03:30"
    );
    // A closing time in the gap closes when the clock jumps past it.
    let hours = daily("America/New_York", &["00:00-02:30"]);
    assert!(hours.is_open(at("2026-03-08T06:59:59Z")), "01:59:59 EST");
    assert!(!hours.is_open(at("2026-03-08T07:00:00Z")), "03:00 EDT");
    assert_eq!(
        hours.next_change(at("2026-03-08T06:00:00Z")),
        Some(at("2026-03-08T07:00:00Z"))
    );
    // Berlin, 2026-03-29: 02:00 CET (01:00Z) springs forward to 03:00 CEST.
    let hours = daily("Europe/Berlin", &["01:30-02:30"]);
    assert!(hours.is_open(at("2026-03-29T00:59:59Z")), "01:59:59 CET");
    assert!(!hours.is_open(at("2026-03-29T01:00:00Z")), "03:00 CEST");
}

#[test]
fn r3_a_range_lost_in_the_spring_forward_gap_skips_to_the_next_real_opening() {
    for (zone, ranges, from, next) in [
        (
            "America/New_York",
            "02:00-03:00",
            "2026-03-08T05:00:00Z",
            "2026-03-09T06:00:00Z",
        ),
        (
            "America/New_York",
            "02:10-02:50",
            "2026-03-08T05:00:00Z",
            "2026-03-09T06:10:00Z",
        ),
        (
            "Europe/Berlin",
            "02:00-03:00",
            "2026-03-28T23:00:00Z",
            "2026-03-30T00:00:00Z",
        ),
    ] {
        let hours = daily(zone, &[ranges]);
        assert_eq!(hours.next_open(at(from)), Some(at(next)), "{zone} {ranges}");
    }
}

#[test]
fn r3_office_hours_close_at_17_00_on_every_transition_day() {
    for (zone, day, utc_offset) in [
        ("America/New_York", "2026-03-08", -4),
        ("America/New_York", "2026-11-01", -5),
        ("Europe/Berlin", "2026-03-29", 2),
        ("Europe/Berlin", "2026-10-25", 1),
    ] {
        let hours = daily(zone, &["09:00-17:00"]);
        let local =
            |hh: i64| at(&format!("{day}T00:00:00Z")) + SignedDuration::from_hours(hh - utc_offset);
        let second = SignedDuration::from_secs(1);
        assert!(!hours.is_open(local(9) - second), "{zone} {day} 08:59:59");
        assert!(hours.is_open(local(9)), "{zone} {day} 09:00");
        assert!(hours.is_open(local(17) - second), "{zone} {day} 16:59:59");
        assert!(!hours.is_open(local(17)), "{zone} {day} 17:00");
        assert_eq!(hours.next_open(local(3)), Some(local(9)), "{zone} {day}");
    }
}

/// Every minute of the 48 hours around `transition`: `next_open` is never in the past, is open,
/// and is the first open minute; `next_change` is the first minute whose state differs.
fn sweep(zone: &str, transition: &str) {
    sweep_ranges(zone, at(transition), &DST_RANGES);
}

/// Ranges with openings and closings at and around the transitions of New York and Berlin.
const DST_RANGES: [&[&str]; 10] = [
    &["01:30-02:30"],
    &["02:00-03:00"],
    &["00:00-02:30"],
    &["09:00-17:00"],
    &["02:30-05:00"],
    &["00:00-01:30"],
    &["22:00-02:00"],
    &["23:30-02:30", "02:45-03:15"],
    &["00:00-24:00"],
    &["12:00-00:00"],
];

fn sweep_ranges(zone: &str, transition: Timestamp, range_sets: &[&[&str]]) {
    let start = transition - SignedDuration::from_hours(24);
    for &ranges in range_sets {
        let hours = daily(zone, ranges);
        // States of every minute from `start` over four days, so that an opening up to two
        // days after the sweep is checked too.
        let open: Vec<bool> = (0..4 * 24 * 60)
            .map(|i| hours.is_open(start + minutes(i)))
            .collect();
        let time = |i: usize| start + minutes(i64::try_from(i).expect("small"));
        // For each minute, the first open minute at or after it and the first later minute
        // whose state differs from the one before, scanning backwards once.
        let mut first_open = vec![None; open.len()];
        let mut first_change = vec![None; open.len()];
        for i in (0..open.len() - 1).rev() {
            first_open[i] = if open[i] { Some(i) } else { first_open[i + 1] };
            first_change[i] = if open[i + 1] != open[i] {
                Some(i + 1)
            } else {
                first_change[i + 1]
            };
        }
        for i in 0..48 * 60 {
            let t = time(i);
            let what = format!("{zone} {ranges:?} at {t} ({})", hours.local_label(t));
            let next = hours.next_open(t).expect(&what);
            assert!(next >= t, "{what}: next_open {next} is in the past");
            assert!(hours.is_open(next), "{what}: next_open {next} is closed");
            if open[i] {
                assert_eq!(next, t, "{what}");
            }
            if let Some(first) = first_open[i] {
                assert_eq!(
                    next,
                    time(first),
                    "{what}: next_open is not the first opening"
                );
            }
            if let Some(change) = first_change[i] {
                assert_eq!(
                    hours.next_change(t),
                    Some(time(change)),
                    "{what}: next_change"
                );
            }
        }
    }
}

#[test]
fn r3_next_open_is_never_past_always_open_and_first_across_spring_forward_in_new_york() {
    sweep("America/New_York", "2026-03-08T07:00:00Z");
}

#[test]
fn r3_next_open_is_never_past_always_open_and_first_across_fall_back_in_new_york() {
    sweep("America/New_York", "2026-11-01T06:00:00Z");
}

#[test]
fn r3_next_open_is_never_past_always_open_and_first_across_spring_forward_in_berlin() {
    sweep("Europe/Berlin", "2026-03-29T01:00:00Z");
}

#[test]
fn r3_next_open_is_never_past_always_open_and_first_across_fall_back_in_berlin() {
    sweep("Europe/Berlin", "2026-10-25T01:00:00Z");
}

#[test]
fn r3_hours_are_right_across_transitions_at_midnight_and_of_half_an_hour() {
    // Santiago and Havana change their clocks at midnight, Lord Howe Island by 30 minutes.
    let ranges: [&[&str]; 5] = [
        &["00:00-01:00"],
        &["23:00-00:30"],
        &["23:30-24:00", "01:45-02:15"],
        &["00:30-23:30"],
        &["22:00-02:00"],
    ];
    for zone in ["America/Santiago", "America/Havana", "Australia/Lord_Howe"] {
        let tz = TimeZone::get(zone).expect("zone");
        for transition in tz.following(at("2026-01-01T00:00:00Z")).take(2) {
            sweep_ranges(zone, transition.timestamp(), &ranges);
        }
    }
}
