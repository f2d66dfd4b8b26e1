//! Overdue self-checks: which calendar periods an outfall's required monitoring frequency has made due, and
//! which of them still have no sample.
//!
//! A frequency (HJ 819-2017 and the permit give one per outfall and item: 每日, 每月, 1次/季度, …) cuts time
//! into calendar periods in China Standard Time: days, ISO weeks (Monday to Sunday), months, quarters,
//! half-years (January–June, July–December) and years. A period is satisfied by at least one sample taken
//! inside it; a sample taken during the grace after a period belongs to the next period, never the last.
//!
//! Deadlines: the **due date** of a period is its last day plus the grace, and is the last day on which the
//! period is still on time. A period is *due* once the due date has passed (`today > due_date`); an unsatisfied
//! due period is overdue by `today − due_date` days, so the day after the due date is 1 day late.
//!
//! The first period of an outfall that started mid-period counts only when the outfall was active on at least
//! half of its days (a month activated on the 16th of 30 counts; on the 17th it does not, and the first
//! period owed is the next month). Counting every partial period would ask a yearly outfall opened on
//! 30 December for a sample within two days; never counting it would let one opened on 2 January skip a year.
//! Half is the simplest rule between the two that people can check by hand. Daily periods are never partial.
//!
//! The grace defaults ([`Grace::default_for`]) and the escalation threshold ([`Escalation`]) are practice,
//! not national text: configure them.
//!
//! Pure code: dates in, periods out. Instants are turned into dates with [`china_date`].

use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

/// A required self-monitoring frequency (监测频次).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Frequency {
    pub const ALL: [Frequency; 6] =
        [Self::Daily, Self::Weekly, Self::Monthly, Self::Quarterly, Self::HalfYearly, Self::Yearly];

    /// Stable key: `daily`, `weekly`, `monthly`, `quarterly`, `half_yearly`, `yearly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::HalfYearly => "half_yearly",
            Self::Yearly => "yearly",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Daily => "每日",
            Self::Weekly => "每周",
            Self::Monthly => "每月",
            Self::Quarterly => "每季度",
            Self::HalfYearly => "每半年",
            Self::Yearly => "每年",
        }
    }

    /// The key or a common English word (`half-yearly`, `semiannual`, `annual`, any case), or Chinese as
    /// permits write it: `每月`, `月`, `1次/月`, `每季度`, `1次/季`, `每半年`, `每年一次`, …
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let key = s.to_ascii_lowercase().replace(['-', ' '], "_");
        let english = match key.as_str() {
            "daily" | "day" => Some(Self::Daily),
            "weekly" | "week" => Some(Self::Weekly),
            "monthly" | "month" => Some(Self::Monthly),
            "quarterly" | "quarter" => Some(Self::Quarterly),
            "half_yearly" | "halfyearly" | "half_year" | "semiannual" | "semi_annual" | "semiannually" => {
                Some(Self::HalfYearly)
            }
            "yearly" | "year" | "annual" | "annually" => Some(Self::Yearly),
            _ => None,
        };
        english.or_else(|| Self::parse_zh(s))
    }

    fn parse_zh(s: &str) -> Option<Self> {
        let unit = if let Some(rest) = s.strip_prefix('每') {
            rest.strip_suffix("一次").or_else(|| rest.strip_suffix("1次")).unwrap_or(rest)
        } else {
            ["1次/", "一次/", "次/"].iter().find_map(|p| s.strip_prefix(p)).unwrap_or(s)
        };
        match unit {
            "日" | "天" => Some(Self::Daily),
            "周" | "星期" => Some(Self::Weekly),
            "月" => Some(Self::Monthly),
            "季" | "季度" => Some(Self::Quarterly),
            "半年" => Some(Self::HalfYearly),
            "年" => Some(Self::Yearly),
            _ => None,
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The date of an instant in China Standard Time: sampling times and "today" are judged in it.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Shanghai).date_naive()
}

/// One calendar period of a frequency, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PeriodSpan {
    pub frequency: Frequency,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 { ymd(year + 1, 1, 1) } else { ymd(year, month + 1, 1) };
    next?.pred_opt()
}

impl PeriodSpan {
    /// The period of `frequency` that `date` falls in.
    pub fn containing(frequency: Frequency, date: NaiveDate) -> Self {
        let year = date.year();
        // From the first day of month `first` to the last day of month `last` of the date's year. Every
        // month number below is 1..=12, so this fails only at the ends of chrono's date range.
        let months = |first: u32, last: u32| Some((ymd(year, first, 1)?, month_end(year, last)?));
        let span = match frequency {
            Frequency::Daily => Some((date, date)),
            Frequency::Weekly => {
                let back = u64::from(date.weekday().num_days_from_monday());
                date.checked_sub_days(Days::new(back))
                    .and_then(|monday| Some((monday, monday.checked_add_days(Days::new(6))?)))
            }
            Frequency::Monthly => months(date.month(), date.month()),
            Frequency::Quarterly => {
                let first = (date.month() - 1) / 3 * 3 + 1;
                months(first, first + 2)
            }
            Frequency::HalfYearly => {
                if date.month() <= 6 {
                    months(1, 6)
                } else {
                    months(7, 12)
                }
            }
            Frequency::Yearly => months(1, 12),
        };
        let (first_day, last_day) = span.unwrap_or((date, date));
        Self { frequency, first_day, last_day }
    }

    /// The period after this one (itself at the end of chrono's date range).
    pub fn next(self) -> Self {
        self.last_day.succ_opt().map_or(self, |day| Self::containing(self.frequency, day))
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day <= date && date <= self.last_day
    }

    /// Number of days in the period.
    pub fn days(self) -> i64 {
        (self.last_day - self.first_day).num_days() + 1
    }

    /// The last day on which a sample of this period is on time.
    pub fn due_date(self, grace: Grace) -> NaiveDate {
        self.last_day.checked_add_days(Days::new(grace.as_days().into())).unwrap_or(self.last_day)
    }

    /// Machine form: `2026-03-05`, `2026-W10` (ISO week), `2026-03`, `2026-Q1`, `2026-H1`, `2026`.
    pub fn code(self) -> String {
        let d = self.first_day;
        match self.frequency {
            Frequency::Daily => d.to_string(),
            Frequency::Weekly => {
                let week = d.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Frequency::Monthly => format!("{}-{:02}", d.year(), d.month()),
            Frequency::Quarterly => format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
            Frequency::HalfYearly => format!("{}-H{}", d.year(), if d.month() <= 6 { 1 } else { 2 }),
            Frequency::Yearly => d.year().to_string(),
        }
    }

    /// How notices name the period: `2026年3月5日`, `2026年3月2日—3月8日`, `2026年3月`, `2026年第1季度`,
    /// `2026年上半年`, `2026年`.
    pub fn label_zh(self) -> String {
        let (d, e) = (self.first_day, self.last_day);
        match self.frequency {
            Frequency::Daily => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Frequency::Weekly if d.year() == e.year() => {
                format!("{}年{}月{}日—{}月{}日", d.year(), d.month(), d.day(), e.month(), e.day())
            }
            Frequency::Weekly => {
                format!("{}年{}月{}日—{}年{}月{}日", d.year(), d.month(), d.day(), e.year(), e.month(), e.day())
            }
            Frequency::Monthly => format!("{}年{}月", d.year(), d.month()),
            Frequency::Quarterly => format!("{}年第{}季度", d.year(), (d.month() - 1) / 3 + 1),
            Frequency::HalfYearly => format!("{}年{}", d.year(), if d.month() <= 6 { "上半年" } else { "下半年" }),
            Frequency::Yearly => format!("{}年", d.year()),
        }
    }
}

impl fmt::Display for PeriodSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// Days after a period's end during which its sample may still be reported without being late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Grace {
    days: u32,
}

impl Grace {
    pub const fn days(days: u32) -> Self {
        Self { days }
    }

    pub const fn as_days(self) -> u32 {
        self.days
    }

    /// Defaults [practice, configure them]: analysis of a daily sample and its reporting take a few days
    /// (3); a week 5; a month 10; a quarter or a half-year 15; a year 31, so that the yearly sample is due by
    /// 31 January, when the yearly self-monitoring report is due under the 2013 self-monitoring disclosure
    /// rules (《国家重点监控企业自行监测及信息公开办法（试行）》).
    pub const fn default_for(frequency: Frequency) -> Self {
        Self::days(match frequency {
            Frequency::Daily => 3,
            Frequency::Weekly => 5,
            Frequency::Monthly => 10,
            Frequency::Quarterly | Frequency::HalfYearly => 15,
            Frequency::Yearly => 31,
        })
    }
}

/// Whether the first period, which contains `active_from`, is owed: only when the outfall was active on at
/// least half of its days.
fn first_period_counts(period: PeriodSpan, active_from: NaiveDate) -> bool {
    let active_days = (period.last_day - active_from).num_days() + 1;
    2 * active_days >= period.days()
}

/// The periods of `frequency`, from the first owed by an outfall active since `active_from`, whose due date
/// has passed by `today` (in order). Empty when the outfall starts after today.
pub fn due_periods(frequency: Frequency, active_from: NaiveDate, today: NaiveDate, grace: Grace) -> Vec<PeriodSpan> {
    let mut due = Vec::new();
    let mut period = PeriodSpan::containing(frequency, active_from);
    if !first_period_counts(period, active_from) {
        period = period.next();
    }
    while period.due_date(grace) < today {
        due.push(period);
        let next = period.next();
        if next == period {
            break;
        }
        period = next;
    }
    due
}

/// A due period without a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub period: PeriodSpan,
    /// The last day on which the period was on time.
    pub due_date: NaiveDate,
    /// Days since the due date: 1 on the day after it.
    pub days_late: u32,
}

/// The due periods (see [`due_periods`]) in which none of `submitted_sampling_dates` (any order) falls.
/// Sampling dates are what counts, not when they were submitted: a sample taken inside its period and
/// submitted late satisfies the period from the day it arrives.
pub fn overdue(
    frequency: Frequency,
    active_from: NaiveDate,
    today: NaiveDate,
    grace: Grace,
    submitted_sampling_dates: &[NaiveDate],
) -> Vec<Overdue> {
    let mut dates = submitted_sampling_dates.to_vec();
    dates.sort_unstable();
    let has_sample = |p: PeriodSpan| {
        let i = dates.partition_point(|d| *d < p.first_day);
        dates.get(i).is_some_and(|d| *d <= p.last_day)
    };
    due_periods(frequency, active_from, today, grace)
        .into_iter()
        .filter(|p| !has_sample(*p))
        .map(|period| {
            let due_date = period.due_date(grace);
            let days_late = u32::try_from((today - due_date).num_days()).unwrap_or(u32::MAX);
            Overdue { period, due_date, days_late }
        })
        .collect()
}

/// Who is told about an overdue self-check: the enterprise first, then the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Remind the enterprise's environmental officer.
    WarnEnterprise,
    /// Tell the environment bureau: the reminder has not helped.
    WarnBureau,
}

impl Stage {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::WarnEnterprise => "提醒企业",
            Self::WarnBureau => "报告生态环境局",
        }
    }
}

/// When an overdue self-check goes from the enterprise to the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Days late from which the bureau is told.
    pub bureau_after_days: u32,
}

impl Default for Escalation {
    /// 15 days late [practice, configure it]: a monthly check due on the 10th reaches the bureau on the 25th.
    fn default() -> Self {
        Self { bureau_after_days: 15 }
    }
}

impl Escalation {
    /// The enterprise while fewer than `bureau_after_days` days late, the bureau from then on.
    pub fn stage(&self, days_late: u32) -> Stage {
        if days_late >= self.bureau_after_days { Stage::WarnBureau } else { Stage::WarnEnterprise }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn codes(periods: &[PeriodSpan]) -> Vec<String> {
        periods.iter().map(|p| p.code()).collect()
    }

    fn late(found: &[Overdue]) -> Vec<(String, NaiveDate, u32)> {
        found.iter().map(|o| (o.period.code(), o.due_date, o.days_late)).collect()
    }

    #[test]
    fn frequencies_parse_from_keys_english_words_and_chinese() {
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(f));
            assert_eq!(Frequency::parse(f.name_zh()), Some(f));
        }
        let cases = [
            ("Monthly", Frequency::Monthly),
            (" half-yearly ", Frequency::HalfYearly),
            ("semiannual", Frequency::HalfYearly),
            ("annual", Frequency::Yearly),
            ("每天", Frequency::Daily),
            ("1次/月", Frequency::Monthly),
            ("1次/季度", Frequency::Quarterly),
            ("每季", Frequency::Quarterly),
            ("1次/半年", Frequency::HalfYearly),
            ("每年一次", Frequency::Yearly),
            ("季度", Frequency::Quarterly),
        ];
        for (s, f) in cases {
            assert_eq!(Frequency::parse(s), Some(f), "{s}");
        }
        for bad in ["", "2次/年", "每两月", "fortnightly", "每"] {
            assert_eq!(Frequency::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_are_calendar_periods_with_inclusive_ends() {
        let span = |f, s| {
            let p = PeriodSpan::containing(f, d(s));
            (p.first_day, p.last_day)
        };
        assert_eq!(span(Frequency::Daily, "2026-03-05"), (d("2026-03-05"), d("2026-03-05")));
        // 2026-03-05 is a Thursday.
        assert_eq!(span(Frequency::Weekly, "2026-03-05"), (d("2026-03-02"), d("2026-03-08")));
        assert_eq!(span(Frequency::Monthly, "2026-04-30"), (d("2026-04-01"), d("2026-04-30")));
        assert_eq!(span(Frequency::Quarterly, "2026-08-15"), (d("2026-07-01"), d("2026-09-30")));
        assert_eq!(span(Frequency::HalfYearly, "2026-06-30"), (d("2026-01-01"), d("2026-06-30")));
        assert_eq!(span(Frequency::HalfYearly, "2026-07-01"), (d("2026-07-01"), d("2026-12-31")));
        assert_eq!(span(Frequency::Yearly, "2026-12-31"), (d("2026-01-01"), d("2026-12-31")));
        assert_eq!(span(Frequency::Monthly, "2024-02-10"), (d("2024-02-01"), d("2024-02-29")));
        assert_eq!(span(Frequency::Monthly, "2025-02-10"), (d("2025-02-01"), d("2025-02-28")));
        let q4 = PeriodSpan::containing(Frequency::Quarterly, d("2025-11-11"));
        assert_eq!((q4.code(), q4.next().code()), ("2025-Q4".into(), "2026-Q1".into()));
        assert_eq!(q4.label_zh(), "2025年第4季度");
        assert_eq!(PeriodSpan::containing(Frequency::HalfYearly, d("2025-09-01")).label_zh(), "2025年下半年");
    }

    #[test]
    fn an_iso_week_across_new_year_belongs_to_the_year_of_its_thursday() {
        // Monday 2025-12-29 to Sunday 2026-01-04 contains Thursday 1 January 2026: ISO week 2026-W01.
        let w = PeriodSpan::containing(Frequency::Weekly, d("2026-01-03"));
        assert_eq!((w.first_day, w.last_day), (d("2025-12-29"), d("2026-01-04")));
        assert_eq!(w.code(), "2026-W01");
        assert_eq!(w.label_zh(), "2025年12月29日—2026年1月4日");
    }

    #[test]
    fn china_date_is_the_date_in_shanghai() {
        let t: DateTime<Utc> = "2026-01-31T16:30:00Z".parse().expect("instant");
        assert_eq!(china_date(t), d("2026-02-01"));
        let t: DateTime<Utc> = "2026-01-31T15:59:59Z".parse().expect("instant");
        assert_eq!(china_date(t), d("2026-01-31"));
    }

    #[test]
    fn monthly_checks_across_new_year_find_the_missing_december() {
        let grace = Grace::days(10);
        let due = due_periods(Frequency::Monthly, d("2025-11-01"), d("2026-02-15"), grace);
        // January is due on 10 February and so overdue-able on the 15th; February is not due yet.
        assert_eq!(codes(&due), ["2025-11", "2025-12", "2026-01"]);
        let found =
            overdue(Frequency::Monthly, d("2025-11-01"), d("2026-02-15"), grace, &[d("2026-01-05"), d("2025-11-20")]);
        // December was due on 10 January: 21 more days in January and 15 in February make 36 days late.
        assert_eq!(late(&found), [("2025-12".into(), d("2026-01-10"), 36)]);
    }

    #[test]
    fn the_due_date_itself_is_on_time_and_the_day_after_is_one_day_late() {
        let grace = Grace::days(10);
        let start = d("2026-01-01");
        assert!(overdue(Frequency::Monthly, start, d("2026-02-10"), grace, &[]).is_empty());
        let found = overdue(Frequency::Monthly, start, d("2026-02-11"), grace, &[]);
        assert_eq!(late(&found), [("2026-01".into(), d("2026-02-10"), 1)]);
    }

    #[test]
    fn a_january_sample_reported_inside_the_grace_is_on_time_but_a_sample_taken_in_the_grace_is_february() {
        let grace = Grace::days(10);
        let start = d("2026-01-01");
        // Sampled on 28 January, reported on 8 February: on 11 February January is satisfied.
        assert!(overdue(Frequency::Monthly, start, d("2026-02-11"), grace, &[d("2026-01-28")]).is_empty());
        // Sampled on 3 February, inside January's grace: it is February's sample, and January stays missing.
        let found = overdue(Frequency::Monthly, start, d("2026-02-11"), grace, &[d("2026-02-03")]);
        assert_eq!(late(&found), [("2026-01".into(), d("2026-02-10"), 1)]);
    }

    #[test]
    fn a_missing_quarter_is_found_with_its_days_late() {
        let grace = Grace::days(15);
        let samples = [d("2025-02-10"), d("2025-05-05"), d("2025-12-01")];
        let due = due_periods(Frequency::Quarterly, d("2025-01-01"), d("2026-01-20"), grace);
        // Q4 2025 was due on 15 January 2026, so by the 20th all four quarters are due.
        assert_eq!(codes(&due), ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
        let found = overdue(Frequency::Quarterly, d("2025-01-01"), d("2026-01-20"), grace, &samples);
        // Q3 was due on 15 October: 16 days of October, 30 of November, 31 of December, 20 of January = 97.
        assert_eq!(late(&found), [("2025-Q3".into(), d("2025-10-15"), 97)]);
    }

    #[test]
    fn half_yearly_checks_run_across_the_year_boundary() {
        let grace = Grace::days(15);
        // Active from 1 March 2024: 122 of H1's 182 days (a leap year), more than half, so H1 2024 is owed.
        let due = due_periods(Frequency::HalfYearly, d("2024-03-01"), d("2025-07-20"), grace);
        assert_eq!(codes(&due), ["2024-H1", "2024-H2", "2025-H1"]);
        let found = overdue(
            Frequency::HalfYearly,
            d("2024-03-01"),
            d("2025-07-20"),
            grace,
            &[d("2024-06-30"), d("2025-03-03")],
        );
        // H2 2024 was due on 15 January 2025: 16 + 28 + 31 + 30 + 31 + 30 + 20 = 186 days by 20 July.
        assert_eq!(late(&found), [("2024-H2".into(), d("2025-01-15"), 186)]);
    }

    #[test]
    fn yearly_checks_are_due_at_the_end_of_january_and_a_short_first_year_is_not_owed() {
        let grace = Grace::default_for(Frequency::Yearly);
        // From 1 July 2024: 184 of 366 days, at least half: 2024 is owed, due 31 January 2025.
        assert!(due_periods(Frequency::Yearly, d("2024-07-01"), d("2025-01-31"), grace).is_empty());
        let found = overdue(Frequency::Yearly, d("2024-07-01"), d("2025-02-01"), grace, &[]);
        assert_eq!(late(&found), [("2024".into(), d("2025-01-31"), 1)]);
        // From 3 July 2024: 182 of 366 days, less than half: the first year owed is 2025.
        assert!(overdue(Frequency::Yearly, d("2024-07-03"), d("2025-02-01"), grace, &[]).is_empty());
        let due = due_periods(Frequency::Yearly, d("2024-07-03"), d("2026-02-01"), grace);
        assert_eq!(codes(&due), ["2025"]);
    }

    #[test]
    fn february_of_a_leap_year_ends_on_the_29th() {
        let grace = Grace::days(10);
        let start = d("2024-01-01");
        // 29 February + 10 days = 10 March; a sample on the 29th satisfies February.
        assert!(
            overdue(Frequency::Monthly, start, d("2024-03-11"), grace, &[d("2024-01-15"), d("2024-02-29")]).is_empty()
        );
        assert!(overdue(Frequency::Monthly, start, d("2024-03-10"), grace, &[d("2024-01-15")]).is_empty());
        let found = overdue(Frequency::Monthly, start, d("2024-03-11"), grace, &[d("2024-01-15"), d("2024-03-01")]);
        assert_eq!(late(&found), [("2024-02".into(), d("2024-03-10"), 1)]);
        assert_eq!(found[0].period.days(), 29);
        // A year later February has 28 days and is due on 10 March as well (28 February + 10).
        let feb = PeriodSpan::containing(Frequency::Monthly, d("2025-02-14"));
        assert_eq!((feb.days(), feb.due_date(grace)), (28, d("2025-03-10")));
    }

    #[test]
    fn an_outfall_activated_mid_quarter_owes_that_quarter_only_if_active_for_half_of_it() {
        let grace = Grace::days(15);
        let today = d("2025-10-20");
        // Q2 has 91 days. From 15 May: 17 + 30 = 47 days, at least half: Q2 is owed.
        assert_eq!(codes(&due_periods(Frequency::Quarterly, d("2025-05-15"), today, grace)), ["2025-Q2", "2025-Q3"]);
        // From 20 May: 12 + 30 = 42 days, less than half: the first quarter owed is Q3.
        assert_eq!(codes(&due_periods(Frequency::Quarterly, d("2025-05-20"), today, grace)), ["2025-Q3"]);
        // A sample taken before activation but inside the owed quarter still counts for it.
        let found = overdue(Frequency::Quarterly, d("2025-05-15"), today, grace, &[d("2025-04-30")]);
        assert_eq!(late(&found), [("2025-Q3".into(), d("2025-10-15"), 5)]);
    }

    #[test]
    fn half_a_period_exactly_is_enough_to_be_owed() {
        // April has 30 days; from the 16th the outfall is active on 15 of them.
        let due = due_periods(Frequency::Monthly, d("2026-04-16"), d("2026-06-01"), Grace::days(10));
        assert_eq!(codes(&due), ["2026-04"]);
        let due = due_periods(Frequency::Monthly, d("2026-04-17"), d("2026-06-11"), Grace::days(10));
        assert_eq!(codes(&due), ["2026-05"]);
    }

    #[test]
    fn weekly_and_daily_checks() {
        // From Wednesday 31 December 2025, 5 of the 7 days of ISO week 2026-W01 are active: it is owed.
        let grace = Grace::days(5);
        let found = overdue(Frequency::Weekly, d("2025-12-31"), d("2026-01-20"), grace, &[d("2026-01-08")]);
        // W01 ended 4 January, due the 9th: 11 days late on the 20th. W02 (5–11 January) has its sample;
        // W03 (12–18 January) is due on the 23rd and not yet owed.
        assert_eq!(late(&found), [("2026-W01".into(), d("2026-01-09"), 11)]);

        let grace = Grace::days(3);
        let samples = [d("2026-03-01"), d("2026-03-03")];
        let found = overdue(Frequency::Daily, d("2026-03-01"), d("2026-03-07"), grace, &samples);
        // Days up to 3 March are due by the 7th (3 + 3 = 6 < 7): only 2 March is missing, due on the 5th.
        assert_eq!(late(&found), [("2026-03-02".into(), d("2026-03-05"), 2)]);
    }

    #[test]
    fn an_outfall_that_starts_after_today_owes_nothing() {
        assert!(due_periods(Frequency::Monthly, d("2026-09-01"), d("2026-08-01"), Grace::days(10)).is_empty());
        assert!(overdue(Frequency::Daily, d("2026-09-01"), d("2026-08-01"), Grace::days(0), &[]).is_empty());
    }

    #[test]
    fn the_enterprise_is_warned_first_and_the_bureau_from_the_threshold_on() {
        let e = Escalation::default();
        assert_eq!((e.stage(1), e.stage(14)), (Stage::WarnEnterprise, Stage::WarnEnterprise));
        assert_eq!((e.stage(15), e.stage(400)), (Stage::WarnBureau, Stage::WarnBureau));
        let quick = Escalation { bureau_after_days: 3 };
        assert_eq!((quick.stage(2), quick.stage(3)), (Stage::WarnEnterprise, Stage::WarnBureau));
    }
}
