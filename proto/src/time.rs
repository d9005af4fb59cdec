//! Calendar dates and instants, as plain integers on the wire.
//!
//! `Date` is a civil (proleptic Gregorian) date; `Timestamp` is milliseconds since the
//! Unix epoch, UTC. The clock is never read here: callers pass "now" in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::period::YearMonth;
use crate::text_serde::text_serde;

/// A calendar date, e.g. the day a partnership was signed.
/// In JSON the text `2007-12-18`; in postcard its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

#[derive(Serialize, Deserialize)]
struct DateParts(i32, u8, u8);

text_serde!(Date, DateParts, str::parse);

impl TryFrom<DateParts> for Date {
    type Error = DateError;
    fn try_from(p: DateParts) -> Result<Self, DateError> {
        Date::new(p.0, p.1, p.2)
    }
}

impl From<Date> for DateParts {
    fn from(d: Date) -> Self {
        DateParts(d.year, d.month, d.day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date; write YYYY-MM-DD, e.g. 2007-12-18")]
    Syntax(String),
    #[error("{year:04}-{month:02}-{day:02} does not exist")]
    NoSuchDay { year: i32, month: u8, day: u8 },
    #[error("year {0} is outside 1900..=9999")]
    YearRange(i32),
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1900..=9999).contains(&year) {
            return Err(DateError::YearRange(year));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay { year, month, day });
        }
        Ok(Self { year, month, day })
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// The month this date falls in.
    pub fn year_month(self) -> YearMonth {
        YearMonth::new(self.year, self.month).expect("a valid date has a valid month")
    }

    /// The last millisecond of this day, UTC: "as of the end of the day".
    pub fn last_instant(self) -> Timestamp {
        Timestamp((self.days_since_epoch() + 1) * MILLIS_PER_DAY - 1)
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Date::days_since_epoch`]. Fails outside the supported years.
    pub fn from_days_since_epoch(days: i64) -> Result<Self, DateError> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = i32::try_from(year).map_err(|_| DateError::YearRange(i32::MAX))?;
        Date::new(year, month, day)
    }

    /// This date plus `days` (may be negative).
    pub fn add_days(self, days: i64) -> Result<Self, DateError> {
        Self::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        Timestamp(self.days_since_epoch() * MILLIS_PER_DAY)
    }

    /// The last millisecond of this day on the calendar of `zone`: "as of the end of the
    /// day" where the partnership keeps its calendar.
    pub fn last_instant_in(self, zone: &TimeZone) -> Timestamp {
        match self.add_days(1) {
            Ok(next) => Timestamp(next.start_in(zone).0 - 1),
            Err(_) => self.last_instant(),
        }
    }

    /// The first instant of this date on the calendar of `zone`.
    pub fn start_in(self, zone: &TimeZone) -> Timestamp {
        let local = jiff::civil::Date::new(
            i16::try_from(self.year).unwrap_or(i16::MAX),
            i8::try_from(self.month).unwrap_or(1),
            i8::try_from(self.day).unwrap_or(1),
        )
        .ok()
        .and_then(|d| zone.zone.to_timestamp(d.at(0, 0, 0, 0)).ok());
        local.map_or_else(|| self.start(), |t| Timestamp(t.as_millisecond()))
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, DateError> {
        let syntax = || DateError::Syntax(s.to_owned());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(syntax());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(syntax());
            }
            part.parse().map_err(|_| syntax())
        };
        let year = num(0..4)? as i32;
        let month = num(5..7)? as u8;
        let day = num(8..10)? as u8;
        Date::new(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// An instant: milliseconds since 1970-01-01T00:00:00Z. In JSON the text
/// `2008-07-10T08:30:00.000Z`; in postcard the milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

#[derive(Serialize, Deserialize)]
struct TimestampMillis(i64);

impl From<Timestamp> for TimestampMillis {
    fn from(t: Timestamp) -> Self {
        TimestampMillis(t.0)
    }
}

impl From<TimestampMillis> for Timestamp {
    fn from(m: TimestampMillis) -> Self {
        Timestamp(m.0)
    }
}

text_serde!(Timestamp, TimestampMillis, str::parse);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an instant; write YYYY-MM-DDTHH:MM:SS(.mmm)Z, e.g. 2008-07-10T08:30:00Z")]
pub struct TimestampError(String);

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    /// Reads what `Display` writes, in UTC (`Z`); the milliseconds may be left out.
    fn from_str(s: &str) -> Result<Self, TimestampError> {
        let bad = || TimestampError(s.to_owned());
        let (date, rest) = s.split_once('T').ok_or_else(bad)?;
        let date: Date = date.parse().map_err(|_| bad())?;
        let rest = rest.strip_suffix('Z').ok_or_else(bad)?;
        let (hms, milli) = match rest.split_once('.') {
            Some((hms, milli)) if milli.len() == 3 => (hms, milli),
            Some(_) => return Err(bad()),
            None => (rest, "000"),
        };
        let digits = |t: &str, max: i64| -> Result<i64, TimestampError> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<i64>().ok().filter(|n| *n <= max).ok_or_else(bad)
        };
        let parts: Vec<&str> = hms.split(':').collect();
        let [h, m, sec] = parts.as_slice() else {
            return Err(bad());
        };
        if h.len() != 2 || m.len() != 2 || sec.len() != 2 {
            return Err(bad());
        }
        let ms = digits(h, 23)? * 3_600_000
            + digits(m, 59)? * 60_000
            + digits(sec, 59)? * 1000
            + digits(milli, 999)?;
        Ok(Timestamp(date.days_since_epoch() * MILLIS_PER_DAY + ms))
    }
}

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    /// The UTC date of this instant.
    pub fn date(self) -> Date {
        Date::from_days_since_epoch(self.0.div_euclid(MILLIS_PER_DAY))
            .unwrap_or_else(|_| Date::new(1970, 1, 1).expect("epoch is a date"))
    }
    /// The date of this instant on the calendar of `zone`.
    pub fn date_in(self, zone: &TimeZone) -> Date {
        let local_ms = self.0.saturating_add(zone.offset_millis(self));
        Timestamp(local_ms).date()
    }
    /// Whole milliseconds from `self` to `later` (negative if `later` is earlier).
    pub fn millis_until(self, later: Timestamp) -> i64 {
        later.0 - self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.date();
        let ms = self.0.rem_euclid(MILLIS_PER_DAY);
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(f, "{date}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
    }
}

/// The IANA time zone a partnership keeps its calendar in: "today", the end of a month and
/// the 10th are judged there, not in UTC. Read from the tz database bundled into the
/// binary, so every machine agrees on a day.
#[derive(Clone)]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone; write an IANA name such as Asia/Shanghai")]
pub struct TimeZoneError(String);

impl TimeZone {
    /// Where the partnerships this system was made for keep their calendar.
    pub const DEFAULT: &'static str = "Asia/Shanghai";

    /// The zone of the IANA name `name`, spelled as the database spells it (so
    /// `asia/shanghai` is `Asia/Shanghai`). `Etc/Unknown`, the database's stand-in for
    /// "no zone", is none.
    pub fn new(name: &str) -> Result<Self, TimeZoneError> {
        let unknown = || TimeZoneError(name.to_owned());
        let zone = jiff::tz::db().get(name).map_err(|_| unknown())?;
        let canonical = zone
            .iana_name()
            .filter(|n| !n.eq_ignore_ascii_case("Etc/Unknown"))
            .ok_or_else(unknown)?
            .to_owned();
        Ok(Self {
            name: canonical,
            zone,
        })
    }

    /// A partnership's zone until it chooses another: [`TimeZone::DEFAULT`], read from
    /// the database once per process.
    pub fn partnership_default() -> &'static Self {
        static DEFAULT: std::sync::OnceLock<TimeZone> = std::sync::OnceLock::new();
        DEFAULT.get_or_init(|| {
            Self::new(Self::DEFAULT).expect("the bundled tz database holds Asia/Shanghai")
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `instant`, in milliseconds.
    fn offset_millis(&self, instant: Timestamp) -> i64 {
        let Ok(t) = jiff::Timestamp::from_millisecond(instant.0) else {
            return 0;
        };
        i64::from(self.zone.to_offset(t).seconds()) * 1000
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::partnership_default().clone()
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TimeZone {}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.name)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for TimeZone {
    type Err = TimeZoneError;
    fn from_str(s: &str) -> Result<Self, TimeZoneError> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let d: Date = "2007-12-18".parse().unwrap();
        assert_eq!(d.to_string(), "2007-12-18");
        assert!("2007-02-29".parse::<Date>().is_err());
        assert!("2008-02-29".parse::<Date>().is_ok());
        assert!("2008-2-29".parse::<Date>().is_err());
        assert!("2008-+2-29".parse::<Date>().is_err());
    }

    #[test]
    fn epoch_days_round_trip() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        let d = Date::new(2008, 7, 10).unwrap();
        assert_eq!(
            Date::from_days_since_epoch(d.days_since_epoch()).unwrap(),
            d
        );
        assert_eq!(d.add_days(-10).unwrap(), Date::new(2008, 6, 30).unwrap());
        assert_eq!(d.start().date(), d);
        assert_eq!(d.start().to_string(), "2008-07-10T00:00:00.000Z");
    }

    /// 07:30 in Beijing on 1 December is still 30 November in UTC: the partnership's
    /// calendar says December (the case that refused a November file as not yet ended).
    #[test]
    fn a_day_is_judged_in_the_partnerships_zone() {
        let beijing = TimeZone::partnership_default().clone();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(at("2026-11-30T23:30:00Z").date(), day("2026-11-30"));
        assert_eq!(
            at("2026-11-30T23:30:00Z").date_in(&beijing),
            day("2026-12-01")
        );
        // 23:59 and 00:01 Beijing time on the last night of November.
        assert_eq!(
            at("2026-11-30T15:59:00Z").date_in(&beijing),
            day("2026-11-30")
        );
        assert_eq!(
            at("2026-11-30T16:01:00Z").date_in(&beijing),
            day("2026-12-01")
        );
        assert_eq!(
            at("2026-11-30T15:59:59.999Z").date_in(&beijing),
            day("2026-11-30")
        );
        assert_eq!(
            at("2026-11-30T16:00:00Z").date_in(&beijing),
            day("2026-12-01")
        );
        // A zone with summer time moves its offset.
        let ny = TimeZone::new("America/New_York").unwrap();
        assert_eq!(at("2026-07-01T03:59:00Z").date_in(&ny), day("2026-06-30"));
        assert_eq!(at("2026-07-01T04:01:00Z").date_in(&ny), day("2026-07-01"));
        assert_eq!(at("2026-01-01T04:59:00Z").date_in(&ny), day("2025-12-31"));
        assert_eq!(beijing.name(), "Asia/Shanghai");
        assert_eq!(
            day("2026-12-01").start_in(&beijing),
            at("2026-11-30T16:00:00Z")
        );
        assert_eq!(day("2026-07-01").start_in(&ny), at("2026-07-01T04:00:00Z"));
        assert_eq!(
            day("2026-11-30").last_instant_in(&beijing),
            at("2026-11-30T15:59:59.999Z")
        );
        assert_eq!(
            day("2026-06-30").last_instant_in(&ny),
            at("2026-07-01T03:59:59.999Z")
        );
        let err = TimeZone::new("Mars/Olympus").unwrap_err().to_string();
        assert!(
            err.contains("Mars/Olympus") && err.contains("IANA"),
            "{err}"
        );
    }

    /// A name is kept as the database spells it, so two spellings of one zone are one
    /// zone; the database's placeholder for "no zone" is no zone.
    #[test]
    fn a_zone_is_named_as_the_database_names_it() {
        let ny = TimeZone::new("america/NEW_YORK").unwrap();
        assert_eq!(ny.name(), "America/New_York");
        assert_eq!(ny, TimeZone::new("America/New_York").unwrap());
        assert_eq!(TimeZone::new("utc").unwrap().name(), "UTC");
        for nothing in ["Etc/Unknown", "etc/unknown", "", "Asia/", "/"] {
            assert!(TimeZone::new(nothing).is_err(), "{nothing:?}");
        }
    }
}
