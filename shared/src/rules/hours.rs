//! Operating hours (R3, R10) with real time zones and holidays. Behind the `calendar` feature:
//! only the relay carries a time-zone database; the widget formats times with the browser's Intl.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::collections::BTreeSet;

/// Seconds in a day: a range may end at `24:00`.
const DAY: u32 = 24 * 3600;

/// How far `next_open` and `next_change` look, in local days: a year and a week, so a yearly
/// holiday on a weekly opening day cannot hide the next opening.
const HORIZON_DAYS: i32 = 372;

/// A week of opening ranges in one time zone, minus holidays.
///
/// Hours follow the wall clock of the zone: an instant is open when the local date and time it
/// shows lie within a range. So around daylight saving time:
/// - in a gap (spring forward) a start or end that does not exist takes effect at the first real
///   instant after it — `02:30-05:00` on the US spring-forward day opens at 03:00 EDT, and a range
///   lying wholly in the gap (`02:00-02:30` there) does not open that day;
/// - in a fold (fall back) each instant belongs to the local time it shows, so a range opens at
///   the earlier of two instants showing its start, and a range touching the repeated hour is
///   open during both passes of it that fall inside the range (`01:30-02:30` on the US fall-back
///   night: open 01:30–02:00 EDT, closed 01:00–01:30 EST, open again 01:30–02:30 EST).
///
/// A range that ends before it starts runs past midnight: Monday's `22:00-02:00` is Monday 22:00
/// until Tuesday 02:00 local. That tail belongs to the day the range starts: a holiday on Monday
/// cancels the whole range, a holiday on Tuesday leaves Monday's tail open.
#[derive(Clone, Debug)]
pub struct Hours {
    zone: TimeZone,
    /// Monday first; each range is `[start, end)` in seconds from the local midnight that starts
    /// its day; `end` beyond [`DAY`] runs into the next day.
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<Date>,
}

/// What is wrong with an `[[hours]]` entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HoursError {
    #[error("unknown time zone \"{0}\"")]
    TimeZone(String),
    #[error(
        "\"{0}\" is not a range like 09:00-17:00 (HH:MM-HH:MM, 24:00 allowed as an end; \
         a range that ends before it starts runs past midnight)"
    )]
    Range(String),
    #[error(
        "\"{0}\" opens and closes at the same time: write 00:00-24:00 for a whole day, \
         or leave the day out to keep it closed"
    )]
    EmptyRange(String),
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

    /// Whether `at` falls within the opening hours, judged by the local time `at` shows.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = self.zone.to_datetime(at);
        let today = local.date();
        let second = seconds_of_day(local.time());
        // A range of yesterday may run past midnight into today.
        let yesterday = today.yesterday().ok().map(|d| (d, second + DAY));
        [(today, second)]
            .into_iter()
            .chain(yesterday)
            .any(|(day, second)| {
                !self.holidays.contains(&day)
                    && self
                        .ranges(day.weekday())
                        .iter()
                        .any(|&(start, end)| start <= second && second < end)
            })
    }

    /// `at` itself when open, else the first open instant after `at` within a year and a week.
    /// Always `Some(t)` with `t >= at` and `is_open(t)`, unless the hours never open.
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(at) {
            return Some(at);
        }
        self.first_boundary(at, false, |t| self.is_open(t))
    }

    /// The first instant strictly after `at` at which the hours open or close, within a year and
    /// a week; `None` when they never change. A scheduler can sleep until then and re-check.
    pub fn next_change(&self, at: Timestamp) -> Option<Timestamp> {
        self.first_boundary(at, true, |t| {
            t.checked_sub(SignedDuration::from_nanos(1))
                .is_ok_and(|before| self.is_open(before) != self.is_open(t))
        })
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

    /// The earliest instant after `at` where `accept` holds, among the only instants where being
    /// open can change: those showing a range's start (or end, with `ends`) and the zone's
    /// transitions, where the wall clock jumps over a gap or back into a fold.
    fn first_boundary(
        &self,
        at: Timestamp,
        ends: bool,
        accept: impl Fn(Timestamp) -> bool,
    ) -> Option<Timestamp> {
        let mut best: Option<Timestamp> = None;
        let consider = |best: &mut Option<Timestamp>, t: Timestamp| {
            if t > at && best.is_none_or(|b| t < b) && accept(t) {
                *best = Some(t);
            }
        };
        // A fold can show the wall clock of the day before `at`'s local date again.
        let first = self
            .zone
            .to_datetime(at)
            .date()
            .checked_sub(2.days())
            .ok()?;
        let mut horizon = None;
        for offset in 0..=HORIZON_DAYS + 2 {
            let day = first.checked_add(offset.days()).ok()?;
            let earliest = earliest_instant(day)?;
            horizon = Some(earliest);
            if best.is_some_and(|b| b < earliest) {
                break;
            }
            if self.holidays.contains(&day) {
                continue;
            }
            for &(start, end) in self.ranges(day.weekday()) {
                for second in [Some(start), ends.then_some(end)].into_iter().flatten() {
                    for t in self.instants_showing(day, second).into_iter().flatten() {
                        consider(&mut best, t);
                    }
                }
            }
        }
        let limit = best.or(horizon)?;
        // Transitions come in order, strictly after `at`, and below `limit`: the first one
        // accepted is earlier than any other candidate.
        if let Some(t) = self
            .zone
            .following(at)
            .map(|transition| transition.timestamp())
            .take_while(|&t| t < limit)
            .find(|&t| accept(t))
        {
            best = Some(t);
        }
        best
    }

    /// The instants whose local time is `second` after `day`'s midnight: none in a gap (the
    /// transition out of it is a candidate of its own), two in a fold.
    fn instants_showing(&self, day: Date, second: u32) -> [Option<Timestamp>; 2] {
        let Some(local) = local_datetime(day, second) else {
            return [None, None];
        };
        match self.zone.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => [offset.to_timestamp(local).ok(), None],
            AmbiguousOffset::Gap { .. } => [None, None],
            AmbiguousOffset::Fold { before, after } => [
                before.to_timestamp(local).ok(),
                after.to_timestamp(local).ok(),
            ],
        }
    }
}

/// No instant showing a local time on `day` or later comes before this, whatever the offset.
fn earliest_instant(day: Date) -> Option<Timestamp> {
    Offset::MAX
        .to_timestamp(day.to_datetime(Time::midnight()))
        .ok()
}

fn local_datetime(day: Date, second: u32) -> Option<DateTime> {
    day.to_datetime(Time::midnight())
        .checked_add(i64::from(second).seconds())
        .ok()
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
        clock(start).filter(|&s| s < DAY).ok_or_else(error)?,
        clock(end).ok_or_else(error)?,
    );
    if start == end {
        return Err(HoursError::EmptyRange(text.to_owned()));
    }
    // An end before the start is on the next day (`22:00-02:00`, `22:00-00:00`).
    Ok((start, if end < start { end + DAY } else { end }))
}

#[cfg(test)]
mod dst_tests;
#[cfg(test)]
mod tests;
