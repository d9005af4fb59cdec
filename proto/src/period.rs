//! Reporting periods: month `2008-06`, quarter `2008-Q2`, half `2008-H1`, year `2008`.
//!
//! A period's figures are the sum of its months, so every period can list its months.
//! Year-over-year compares with [`Period::same_period_last_year`], period-over-period
//! with [`Period::previous`] (same kind).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text_serde::text_serde;
use crate::time::{Date, days_in_month};

pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 9999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(
        "{0:?} is not a period; write a month 2008-06, a quarter 2008-Q2, a half 2008-H1 or a year 2008"
    )]
    Syntax(String),
    #[error("month {0} is outside 1..=12")]
    Month(u8),
    #[error("quarter {0} is outside 1..=4")]
    Quarter(u8),
    #[error("half {0} is outside 1..=2")]
    Half(u8),
    #[error("year {0} is outside {MIN_YEAR}..={MAX_YEAR}")]
    Year(i32),
}

fn check_year(year: i32) -> Result<(), PeriodError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(PeriodError::Year(year))
    }
}

/// One calendar month. Orders chronologically.
/// In JSON the text `2008-06`; in postcard `(year, month)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl TryFrom<(i32, u8)> for YearMonth {
    type Error = PeriodError;
    fn try_from((y, m): (i32, u8)) -> Result<Self, PeriodError> {
        YearMonth::new(y, m)
    }
}

impl From<YearMonth> for (i32, u8) {
    fn from(ym: YearMonth) -> Self {
        (ym.year, ym.month)
    }
}

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Result<Self, PeriodError> {
        check_year(year)?;
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month(month));
        }
        Ok(Self { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }

    /// Months since year 0, for arithmetic.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(i: i64) -> Option<Self> {
        let year = i32::try_from(i.div_euclid(12)).ok()?;
        let month = (i.rem_euclid(12) + 1) as u8;
        YearMonth::new(year, month).ok()
    }

    /// The month `n` months later (earlier for negative `n`), if inside the supported years.
    pub fn offset(self, n: i64) -> Option<Self> {
        Self::from_index(self.index() + n)
    }

    pub fn next(self) -> Option<Self> {
        self.offset(1)
    }

    pub fn prev(self) -> Option<Self> {
        self.offset(-1)
    }

    /// Signed number of months from `self` to `other`.
    pub fn months_until(self, other: YearMonth) -> i64 {
        other.index() - self.index()
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("valid month")
    }

    pub fn last_day(self) -> Date {
        Date::new(self.year, self.month, days_in_month(self.year, self.month)).expect("valid month")
    }

    pub fn quarter(self) -> u8 {
        (self.month - 1) / 3 + 1
    }

    pub fn half(self) -> u8 {
        (self.month - 1) / 6 + 1
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for YearMonth {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, PeriodError> {
        match s.parse::<Period>()? {
            Period::Month(m) => Ok(m),
            _ => Err(PeriodError::Syntax(s.to_owned())),
        }
    }
}

/// The kind of a period, for "the previous period of the same kind".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PeriodKind {
    Month,
    Quarter,
    Half,
    Year,
}

impl PeriodKind {
    pub fn months(self) -> u8 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Half => 6,
            PeriodKind::Year => 12,
        }
    }
}

/// A reporting period. In JSON the text `2008-06`, `2008-Q2`, `2008-H1` or `2008`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month(YearMonth),
    Quarter { year: i32, quarter: u8 },
    Half { year: i32, half: u8 },
    Year(i32),
}

text_serde!(YearMonth, (i32, u8), str::parse);

/// `Period`'s postcard form: the shape the derived impls gave it.
#[derive(Serialize, Deserialize)]
enum PeriodParts {
    Month(YearMonth),
    Quarter { year: i32, quarter: u8 },
    Half { year: i32, half: u8 },
    Year(i32),
}

impl From<Period> for PeriodParts {
    fn from(p: Period) -> Self {
        match p {
            Period::Month(m) => PeriodParts::Month(m),
            Period::Quarter { year, quarter } => PeriodParts::Quarter { year, quarter },
            Period::Half { year, half } => PeriodParts::Half { year, half },
            Period::Year(year) => PeriodParts::Year(year),
        }
    }
}

impl TryFrom<PeriodParts> for Period {
    type Error = PeriodError;
    fn try_from(p: PeriodParts) -> Result<Self, PeriodError> {
        match p {
            PeriodParts::Month(m) => Ok(Period::Month(m)),
            PeriodParts::Quarter { year, quarter } => Period::quarter(year, quarter),
            PeriodParts::Half { year, half } => Period::half(year, half),
            PeriodParts::Year(year) => Period::year(year),
        }
    }
}

text_serde!(Period, PeriodParts, str::parse);

impl Period {
    pub fn month(year: i32, month: u8) -> Result<Self, PeriodError> {
        Ok(Period::Month(YearMonth::new(year, month)?))
    }
    pub fn quarter(year: i32, quarter: u8) -> Result<Self, PeriodError> {
        check_year(year)?;
        if !(1..=4).contains(&quarter) {
            return Err(PeriodError::Quarter(quarter));
        }
        Ok(Period::Quarter { year, quarter })
    }
    pub fn half(year: i32, half: u8) -> Result<Self, PeriodError> {
        check_year(year)?;
        if !(1..=2).contains(&half) {
            return Err(PeriodError::Half(half));
        }
        Ok(Period::Half { year, half })
    }
    pub fn year(year: i32) -> Result<Self, PeriodError> {
        check_year(year)?;
        Ok(Period::Year(year))
    }

    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Month(_) => PeriodKind::Month,
            Period::Quarter { .. } => PeriodKind::Quarter,
            Period::Half { .. } => PeriodKind::Half,
            Period::Year(_) => PeriodKind::Year,
        }
    }

    /// The calendar year the period lies in.
    pub fn calendar_year(self) -> i32 {
        match self {
            Period::Month(m) => m.year(),
            Period::Quarter { year, .. } | Period::Half { year, .. } | Period::Year(year) => year,
        }
    }

    pub fn first_month(self) -> YearMonth {
        let (year, month) = match self {
            Period::Month(m) => return m,
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            Period::Half { year, half } => (year, (half - 1) * 6 + 1),
            Period::Year(year) => (year, 1),
        };
        YearMonth::new(year, month).expect("periods hold valid months")
    }

    pub fn last_month(self) -> YearMonth {
        self.first_month()
            .offset(i64::from(self.kind().months()) - 1)
            .expect("a period never ends past its own year")
    }

    /// Number of months in the period (1, 3, 6 or 12).
    pub fn month_count(self) -> u8 {
        self.kind().months()
    }

    /// The months of the period, in order.
    pub fn months(self) -> impl DoubleEndedIterator<Item = YearMonth> + ExactSizeIterator + Clone {
        let first = self.first_month();
        (0..u32::from(self.month_count()))
            .map(move |i| first.offset(i64::from(i)).expect("inside the year"))
    }

    pub fn contains(self, month: YearMonth) -> bool {
        self.first_month() <= month && month <= self.last_month()
    }

    /// Whether every month of `other` lies in `self`.
    pub fn covers(self, other: Period) -> bool {
        self.contains(other.first_month()) && self.contains(other.last_month())
    }

    /// The previous period of the same kind (`2008-Q1` → `2007-Q4`), or `None` before year 1900.
    pub fn previous(self) -> Option<Period> {
        let first = self.first_month().offset(-i64::from(self.month_count()))?;
        Some(Self::of_kind_starting(self.kind(), first))
    }

    /// The next period of the same kind.
    pub fn next(self) -> Option<Period> {
        let first = self.first_month().offset(i64::from(self.month_count()))?;
        Some(Self::of_kind_starting(self.kind(), first))
    }

    /// The same period one year earlier (`2008-H1` → `2007-H1`).
    pub fn same_period_last_year(self) -> Option<Period> {
        let first = self.first_month().offset(-12)?;
        Some(Self::of_kind_starting(self.kind(), first))
    }

    /// A key ordering periods by the month they end, the shorter first: 2008-04, 2008-05,
    /// 2008-06, 2008-Q2, 2008-H1 — the order in which reports on them are written.
    pub fn by_end(self) -> (YearMonth, u8) {
        (self.last_month(), self.month_count())
    }

    /// The period of `kind` that contains `month`.
    pub fn containing(kind: PeriodKind, month: YearMonth) -> Period {
        match kind {
            PeriodKind::Month => Period::Month(month),
            PeriodKind::Quarter => Period::Quarter {
                year: month.year(),
                quarter: month.quarter(),
            },
            PeriodKind::Half => Period::Half {
                year: month.year(),
                half: month.half(),
            },
            PeriodKind::Year => Period::Year(month.year()),
        }
    }

    fn of_kind_starting(kind: PeriodKind, first: YearMonth) -> Period {
        Self::containing(kind, first)
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Chronological by first month, then shorter first.
impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.first_month(), self.month_count()).cmp(&(other.first_month(), other.month_count()))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => m.fmt(f),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Half { year, half } => write!(f, "{year:04}-H{half}"),
            Period::Year(year) => write!(f, "{year:04}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, PeriodError> {
        let syntax = || PeriodError::Syntax(s.to_owned());
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !digits(year) {
            return Err(syntax());
        }
        let year: i32 = year.parse().map_err(|_| syntax())?;
        let Some(rest) = rest else {
            return Period::year(year);
        };
        let small = |p: &str| -> Result<u8, PeriodError> {
            if !digits(p) || p.len() > 2 {
                return Err(syntax());
            }
            p.parse().map_err(|_| syntax())
        };
        if let Some(q) = rest.strip_prefix('Q') {
            if q.len() != 1 {
                return Err(syntax());
            }
            Period::quarter(year, small(q)?)
        } else if let Some(h) = rest.strip_prefix('H') {
            if h.len() != 1 {
                return Err(syntax());
            }
            Period::half(year, small(h)?)
        } else if rest.len() == 2 {
            Period::month(year, small(rest)?)
        } else {
            Err(syntax())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_kind() {
        for s in ["2008-06", "2008-Q2", "2008-H1", "2008"] {
            assert_eq!(p(s).to_string(), s);
        }
        for bad in [
            "2008-13",
            "2008-Q5",
            "2008-H3",
            "08",
            "2008-6",
            "2008-Q",
            "2008-",
            "x",
            "2008-06-01",
            "2008-q2",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn months_and_neighbours() {
        let h1 = p("2008-H1");
        let months: Vec<String> = h1.months().map(|m| m.to_string()).collect();
        assert_eq!(
            months,
            [
                "2008-01", "2008-02", "2008-03", "2008-04", "2008-05", "2008-06"
            ]
        );
        assert_eq!(h1.previous(), Some(p("2007-H2")));
        assert_eq!(h1.same_period_last_year(), Some(p("2007-H1")));
        assert_eq!(p("2008-Q1").previous(), Some(p("2007-Q4")));
        assert_eq!(p("2008-01").previous(), Some(p("2007-12")));
        assert_eq!(p("2008").previous(), Some(p("2007")));
        assert_eq!(p("2008-Q4").last_month().to_string(), "2008-12");
        assert!(p("2008").covers(p("2008-Q3")));
        assert!(!p("2008-H1").covers(p("2008-Q3")));
        assert_eq!(p("1900-01").previous(), None);
    }
}
