//! Operating hours (R3, R10) with real time zones and holidays. Behind the `calendar` feature:
//! only the relay carries a time-zone database; the widget formats times with the browser's Intl.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::collections::BTreeSet;

/// Seconds in a day: a range may end at `24:00`.
const DAY: u32 = 24 * 3600;

/// A week of opening ranges in one time zone, minus holidays.
#[derive(Clone, Debug)]
pub struct Hours {
    zone: TimeZone,
    /// Monday first; each range is `[start, end)` in seconds of the local day.
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<Date>,
}

/// What is wrong with an `[[hours]]` entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HoursError {
    #[error("unknown time zone \"{0}\"")]
    TimeZone(String),
    #[error("\"{0}\" is not a range like 09:00-17:00")]
    Range(String),
    #[error("\"{0}\" is not a date like 2026-12-25")]
    Holiday(String),
}

impl Hours {
    /// Builds the hours from the config's strings: `week[0]` is Monday's ranges.
    pub fn parse(
        timezone: &str,
        week: [&[String]; 7],
        holidays: &[String],
    ) -> Result<Self, HoursError> {
        let zone =
            TimeZone::get(timezone).map_err(|_| HoursError::TimeZone(timezone.to_owned()))?;
        let mut parsed: [Vec<(u32, u32)>; 7] = Default::default();
        for (day, ranges) in week.iter().enumerate() {
            for range in ranges.iter() {
                parsed[day].push(parse_range(range)?);
            }
            parsed[day].sort_unstable();
        }
        let holidays = holidays
            .iter()
            .map(|h| {
                h.parse::<Date>()
                    .map_err(|_| HoursError::Holiday(h.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            zone,
            week: parsed,
            holidays,
        })
    }

    /// Whether `at` falls within the opening hours.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.zone.clone());
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let second = seconds_of_day(local.time());
        self.ranges(local.weekday())
            .iter()
            .any(|&(start, end)| start <= second && second < end)
    }

    /// `at` itself when open, else the next opening instant within a year and a week, if any.
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(at) {
            return Some(at);
        }
        let local = at.to_zoned(self.zone.clone());
        let now_second = seconds_of_day(local.time());
        for offset in 0..=372 {
            let date = local.date().checked_add(offset.days()).ok()?;
            if self.holidays.contains(&date) {
                continue;
            }
            for &(start, _) in self.ranges(date.weekday()) {
                if offset == 0 && start <= now_second {
                    continue;
                }
                let time = Time::new(
                    i8::try_from(start / 3600).ok()?,
                    i8::try_from(start % 3600 / 60).ok()?,
                    0,
                    0,
                )
                .ok()?;
                let opens = date.to_datetime(time).to_zoned(self.zone.clone()).ok()?;
                return Some(opens.timestamp());
            }
        }
        None
    }

    /// `at` as the workstream's local weekday and time, e.g. "Monday 09:00 (Asia/Jakarta)".
    pub fn local_label(&self, at: Timestamp) -> String {
        let local = at.to_zoned(self.zone.clone());
        let zone = self.zone.iana_name().unwrap_or("UTC");
        format!("{} ({zone})", local.strftime("%A %H:%M"))
    }

    fn ranges(&self, day: Weekday) -> &[(u32, u32)] {
        &self.week[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }
}

fn seconds_of_day(time: Time) -> u32 {
    let [h, m, s] =
        [time.hour(), time.minute(), time.second()].map(|v| u32::from(v.unsigned_abs()));
    h * 3600 + m * 60 + s
}

fn parse_range(text: &str) -> Result<(u32, u32), HoursError> {
    let error = || HoursError::Range(text.to_owned());
    let (start, end) = text.split_once('-').ok_or_else(error)?;
    let clock = |part: &str| -> Option<u32> {
        let (h, m) = part.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 3600 + m * 60)
    };
    let (start, end) = (
        clock(start).ok_or_else(error)?,
        clock(end).ok_or_else(error)?,
    );
    if start < end && end <= DAY {
        Ok((start, end))
    } else {
        Err(error())
    }
}

#[cfg(test)]
mod tests {
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

    fn at(text: &str) -> Timestamp {
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
    fn bad_entries_are_named() {
        let none: &[String] = &[];
        let week = [none; 7];
        assert_eq!(
            Hours::parse("Mars/Olympus", week, &[]).map(|_| ()),
            Err(HoursError::TimeZone("Mars/Olympus".into()))
        );
        for bad in ["9-17", "17:00-09:00", "09:00-25:00", "09:60-10:00"] {
            let ranges = vec![bad.to_owned()];
            let mut week = [none; 7];
            week[0] = &ranges;
            assert_eq!(
                Hours::parse("UTC", week, &[]).map(|_| ()),
                Err(HoursError::Range(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            Hours::parse("UTC", [none; 7], &["25/12".into()]).map(|_| ()),
            Err(HoursError::Holiday("25/12".into()))
        );
    }

    #[test]
    fn a_day_may_run_until_midnight() {
        let all_day = vec!["00:00-24:00".to_owned()];
        let hours = Hours::parse("UTC", [&all_day; 7], &[]).expect("valid");
        assert!(hours.is_open(at("2026-11-24T23:59:59Z")));
    }
}
