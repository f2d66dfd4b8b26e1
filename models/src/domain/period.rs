//! Assessment periods: a month, a quarter, a year, or the year to date, in China Standard Time.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    /// The month an instant falls in, in China Standard Time.
    pub fn of_instant(t: DateTime<Utc>) -> Self {
        Self::of(t.with_timezone(&Shanghai).date_naive())
    }

    /// The month as the integer `yyyymm`, the key monthly totals are stored under.
    pub fn key(self) -> i32 {
        self.year * 100 + self.month as i32
    }

    pub fn from_key(key: i32) -> Option<Self> {
        Self::new(key.div_euclid(100), u32::try_from(key.rem_euclid(100)).ok()?)
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    /// Midnight China Standard Time on the first day of the month, as UTC.
    pub fn start(self) -> DateTime<Utc> {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        Shanghai
            .from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map_or_else(|| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(), |t| t.with_timezone(&Utc))
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// A period over which section values are averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month(YearMonth),
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year(i32),
    /// January through `through` (inclusive) of `year`.
    YearToDate {
        year: i32,
        through: u32,
    },
}

/// The first year a period may lie in: nothing older is kept by any bureau's system.
pub const FIRST_YEAR: i32 = 1980;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("'{0}' is not a period: use 2026-10 (month), 2026-Q3 (quarter), 2026 (year) or 2026-YTD (year to date)")]
    Malformed(String),
    #[error("the year {year} is outside {FIRST_YEAR}–{last}")]
    OutOfRange { year: i32, last: i32 },
    #[error("{0} has not begun: it has no year to date yet")]
    NotBegun(i32),
}

impl PeriodError {
    /// The same, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Malformed(_) => "格式应为 2026-10（月）、2026-Q3（季度）、2026（年）或 2026-YTD（年初至今）".into(),
            Self::OutOfRange { year, last } => format!("年份 {year} 超出 {FIRST_YEAR}–{last} 的范围"),
            Self::NotBegun(year) => format!("{year} 年尚未开始，没有年初至今的数据"),
        }
    }
}

impl Period {
    /// `2026-10`, `2026-Q3`, `2026`, `2026-YTD`, in the years [`FIRST_YEAR`] to next year, every form alike.
    /// The year to date of the current year runs through the month of `today`; of an earlier year, through
    /// December; next year, which has not begun, has none.
    pub fn parse(s: &str, today: NaiveDate) -> Result<Period, PeriodError> {
        let bad = || PeriodError::Malformed(s.trim().chars().take(32).collect());
        let t = s.trim().to_ascii_uppercase();
        let (year, rest) = match t.split_once('-') {
            Some((y, rest)) => (y, Some(rest)),
            None => (t.as_str(), None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let last = today.year() + 1;
        if !(FIRST_YEAR..=last).contains(&year) {
            return Err(PeriodError::OutOfRange { year, last });
        }
        match rest {
            None => Ok(Period::Year(year)),
            Some("YTD") => {
                let through = match year.cmp(&today.year()) {
                    std::cmp::Ordering::Less => 12,
                    std::cmp::Ordering::Equal => today.month(),
                    std::cmp::Ordering::Greater => return Err(PeriodError::NotBegun(year)),
                };
                Ok(Period::YearToDate { year, through })
            }
            Some(q) if q.starts_with('Q') => match q[1..].parse::<u32>() {
                Ok(quarter @ 1..=4) if q.len() == 2 => Ok(Period::Quarter { year, quarter }),
                _ => Err(bad()),
            },
            Some(m) if m.len() == 2 => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                YearMonth::new(year, month).map(Period::Month).ok_or_else(bad)
            }
            Some(_) => Err(bad()),
        }
    }

    /// The first and last month of the period.
    pub fn month_range(self) -> (YearMonth, YearMonth) {
        let months = self.months();
        let first = months.first().copied().unwrap_or(YearMonth { year: 1980, month: 1 });
        (first, months.last().copied().unwrap_or(first))
    }

    /// The months the period spans, in order.
    pub fn months(self) -> Vec<YearMonth> {
        let (year, first, last) = match self {
            Period::Month(m) => return vec![m],
            Period::Quarter { year, quarter } => (year, quarter * 3 - 2, quarter * 3),
            Period::Year(year) => (year, 1, 12),
            Period::YearToDate { year, through } => (year, 1, through.clamp(1, 12)),
        };
        (first..=last).filter_map(|m| YearMonth::new(year, m)).collect()
    }

    /// `[start, end)` in UTC.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let months = self.months();
        let first = months.first().copied().unwrap_or(YearMonth { year: 1970, month: 1 });
        let last = months.last().copied().unwrap_or(first);
        (first.start(), last.next().start())
    }

    /// The period just before, of the same kind. For a year to date: the same months of last year.
    pub fn previous(self) -> Period {
        match self {
            Period::Month(m) => Period::Month(m.previous()),
            Period::Quarter { year, quarter: 1 } => Period::Quarter { year: year - 1, quarter: 4 },
            Period::Quarter { year, quarter } => Period::Quarter { year, quarter: quarter - 1 },
            Period::Year(year) => Period::Year(year - 1),
            Period::YearToDate { .. } => self.same_period_last_year(),
        }
    }

    /// The same months one year earlier (同比).
    pub fn same_period_last_year(self) -> Period {
        match self {
            Period::Month(m) => Period::Month(YearMonth { year: m.year - 1, month: m.month }),
            Period::Quarter { year, quarter } => Period::Quarter { year: year - 1, quarter },
            Period::Year(year) => Period::Year(year - 1),
            Period::YearToDate { year, through } => Period::YearToDate { year: year - 1, through },
        }
    }

    /// Machine form, as accepted by [`Period::parse`] (a year to date loses its `through`).
    pub fn code(self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Period::Year(year) => year.to_string(),
            Period::YearToDate { year, .. } => format!("{year}-YTD"),
        }
    }

    /// How reports name the period: `2026年10月`, `2026年第3季度`, `2026年`, `2026年1—10月`.
    pub fn label_zh(self) -> String {
        match self {
            Period::Month(m) => format!("{}年{}月", m.year, m.month),
            Period::Quarter { year, quarter } => format!("{year}年第{quarter}季度"),
            Period::Year(year) => format!("{year}年"),
            Period::YearToDate { year, through: 1 } => format!("{year}年1月"),
            Period::YearToDate { year, through } => format!("{year}年1—{through}月"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
    }

    #[test]
    fn every_period_form_parses_and_spans_its_months() {
        let p = |s| Period::parse(s, today()).expect(s);
        assert_eq!(p("2026-10").months(), vec![YearMonth { year: 2026, month: 10 }]);
        assert_eq!(p("2026-q3").months().iter().map(|m| m.month).collect::<Vec<_>>(), vec![7, 8, 9]);
        assert_eq!(p("2025").months().len(), 12);
        assert_eq!(p("2026-YTD"), Period::YearToDate { year: 2026, through: 11 });
        assert_eq!(p("2025-YTD").months().len(), 12);
        for bad in ["2026-13", "2026-Q5", "26", "2026-1", "2027-YTD", "soon", "2026-Q12"] {
            assert!(Period::parse(bad, today()).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_form_is_refused_outside_1980_to_next_year() {
        let p = |s| Period::parse(s, today());
        for bad in ["9120-10", "0000-12", "1979", "1979-Q4", "2028-01", "2028", "1979-YTD"] {
            assert!(matches!(p(bad), Err(PeriodError::OutOfRange { .. })), "{bad}: {:?}", p(bad));
        }
        for good in ["1980-01", "1980", "1980-YTD", "2027-12", "2027-Q1", "2027"] {
            assert!(p(good).is_ok(), "{good}");
        }
        assert_eq!(p("2027-YTD"), Err(PeriodError::NotBegun(2027)));
    }

    #[test]
    fn bounds_are_china_standard_time_months() {
        let (start, end) = Period::parse("2026-10", today()).expect("p").bounds();
        assert_eq!(start, "2026-09-30T16:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        assert_eq!(end, "2026-10-31T16:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        let (start, end) = Period::Year(2025).bounds();
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2024-12-31T16:00:00+00:00".into(), "2025-12-31T16:00:00+00:00".into())
        );
    }

    #[test]
    fn previous_and_last_year_periods() {
        let jan = Period::Month(YearMonth { year: 2026, month: 1 });
        assert_eq!(jan.previous(), Period::Month(YearMonth { year: 2025, month: 12 }));
        assert_eq!(Period::Quarter { year: 2026, quarter: 1 }.previous(), Period::Quarter { year: 2025, quarter: 4 });
        let ytd = Period::YearToDate { year: 2026, through: 10 };
        assert_eq!(ytd.previous(), Period::YearToDate { year: 2025, through: 10 });
        assert_eq!(ytd.label_zh(), "2026年1—10月");
        assert_eq!(Period::Quarter { year: 2026, quarter: 3 }.code(), "2026-Q3");
    }
}
