//! Turning stored observations into a series the trend tests can use, and saying what was done to them.
//!
//! - Flagged observations (anything but HJ 212 `N`, or rejected in review) are left out and counted.
//! - Observations without a finite value, or non-detects without a finite, non-negative limit, are left
//!   out and counted as invalid.
//! - **Non-detects.** Every non-detect, and every detected value below the highest detection limit
//!   among the series' non-detects, is set to that highest limit, so that all of them tie. Giving each
//!   non-detect its own limit would rank "< 0.5" above a measured 0.2 and "< 0.5" above "< 0.05", and a
//!   laboratory lowering its limit over the years would show as a falling trend that is only a change of
//!   method. Censoring everything at the highest limit is the simple, unbiased choice for rank tests on
//!   data with several limits (D. R. Helsel, *Statistics for Censored Environmental Data*, 2nd ed. 2012,
//!   ch. 12); the cost is information below that limit, which the report shows as
//!   `detected_recensored`. (The ½ × limit substitution of the national statistics rule is for
//!   averaging; a rank test only needs the ties.)
//! - Observations at the same instant are merged into one point, the mean of their values, so that time
//!   order is strict.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

/// One stored result of one item at one place, as the trend analysis takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub time: DateTime<Utc>,
    /// The measured value; for a non-detect without `detection_limit`, the detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    /// Not valid for evaluation (an HJ 212 flag other than `N`, or rejected in review).
    pub flagged: bool,
}

/// A time an observation can be given at: an instant, or a calendar date in China Standard Time.
pub trait SampleTime {
    fn instant(self) -> DateTime<Utc>;
}

impl SampleTime for DateTime<Utc> {
    fn instant(self) -> DateTime<Utc> {
        self
    }
}

impl SampleTime for NaiveDate {
    /// Midnight China Standard Time at the start of the date (CST has no daylight saving time).
    fn instant(self) -> DateTime<Utc> {
        let midnight = self.and_hms_opt(0, 0, 0).unwrap_or_default();
        Shanghai.from_local_datetime(&midnight).single().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    }
}

impl Observation {
    pub fn new(time: impl SampleTime, value: f64) -> Self {
        Self { time: time.instant(), value, below_detection: false, detection_limit: None, flagged: false }
    }

    /// A result below the detection limit `limit`.
    pub fn not_detected(time: impl SampleTime, limit: f64) -> Self {
        Self { time: time.instant(), value: limit, below_detection: true, detection_limit: Some(limit), flagged: false }
    }

    /// The same observation, flagged as not valid.
    pub fn flag(self) -> Self {
        Self { flagged: true, ..self }
    }
}

/// One point of a prepared series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub time: DateTime<Utc>,
    /// The value used: censored values at the censoring level, merged duplicates averaged.
    pub value: f64,
    /// Every observation merged into this point was censored.
    pub censored: bool,
}

impl Point {
    /// Calendar month 1–12 in China Standard Time.
    pub fn month(&self) -> u32 {
        self.time.with_timezone(&Shanghai).month()
    }

    pub fn year(&self) -> i32 {
        self.time.with_timezone(&Shanghai).year()
    }
}

/// What preparing the series did, reported with every result.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Guards {
    /// Observations given.
    pub received: usize,
    /// Points used, after everything below.
    pub n: usize,
    pub flagged_left_out: usize,
    /// No finite value, or a non-detect without a usable limit.
    pub invalid_left_out: usize,
    /// Observations folded into another one at the same instant.
    pub duplicate_times_merged: usize,
    /// Points that are non-detects (every merged part below detection).
    pub below_detection: usize,
    /// `below_detection / n`, 0 for an empty series.
    pub below_detection_share: f64,
    /// The highest detection limit among the non-detects: every non-detect was set to it.
    pub censoring_level: Option<f64>,
    /// Detected values below the censoring level, set to it as well.
    pub detected_recensored: usize,
    /// The first and last points' times, shown in China Standard Time (`2025-03-01T08:00:00+08:00`).
    #[serde(serialize_with = "in_china_time")]
    pub first: Option<DateTime<Utc>>,
    #[serde(serialize_with = "in_china_time")]
    pub last: Option<DateTime<Utc>>,
    /// The longest time between consecutive points.
    pub longest_gap_days: Option<f64>,
    /// Calendar months (China Standard Time) from the first point's to the last point's without a point.
    pub missing_months: u32,
}

struct Kept {
    time: DateTime<Utc>,
    value: f64,
    censored: bool,
    not_detected: bool,
}

/// A series in strict time order, ready for the trend tests.
fn in_china_time<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.with_timezone(&Shanghai).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    points: Vec<Point>,
    guards: Guards,
}

impl Series {
    /// Prepares `observations` (any order) as described in the module documentation.
    pub fn prepare(observations: &[Observation]) -> Self {
        let (mut flagged, mut invalid) = (0, 0);
        let mut kept: Vec<Kept> = Vec::with_capacity(observations.len());
        let mut level: Option<f64> = None;
        for o in observations {
            if o.flagged {
                flagged += 1;
                continue;
            }
            if o.below_detection {
                let limit = o.detection_limit.unwrap_or(o.value);
                if !limit.is_finite() || limit < 0.0 {
                    invalid += 1;
                    continue;
                }
                level = Some(level.map_or(limit, |l: f64| l.max(limit)));
                kept.push(Kept { time: o.time, value: limit + 0.0, censored: true, not_detected: true });
            } else if o.value.is_finite() {
                kept.push(Kept { time: o.time, value: o.value + 0.0, censored: false, not_detected: false });
            } else {
                invalid += 1;
            }
        }
        let mut recensored = 0;
        if let Some(level) = level {
            for k in &mut kept {
                if k.censored {
                    k.value = level;
                } else if k.value < level {
                    k.value = level;
                    k.censored = true;
                    recensored += 1;
                }
            }
        }
        kept.sort_by_key(|k| k.time);

        let mut points: Vec<Point> = Vec::with_capacity(kept.len());
        let (mut merged, mut below_detection) = (0, 0);
        let mut start = 0;
        while start < kept.len() {
            let end = start + kept[start..].iter().take_while(|k| k.time == kept[start].time).count();
            let group = &kept[start..end];
            merged += group.len() - 1;
            // Equal values (non-detects at the level) must stay exactly equal, so no arithmetic on them.
            let value = if group.iter().all(|k| k.value == group[0].value) {
                group[0].value
            } else {
                group.iter().map(|k| k.value).sum::<f64>() / group.len() as f64
            };
            // A detected value recensored to the level is censored, but not a non-detect.
            below_detection += usize::from(group.iter().all(|k| k.not_detected));
            points.push(Point { time: group[0].time, value, censored: group.iter().all(|k| k.censored) });
            start = end;
        }

        let n = points.len();
        let longest_gap_days =
            points.windows(2).map(|w| (w[1].time - w[0].time).num_seconds() as f64 / 86_400.0).max_by(f64::total_cmp);
        let missing_months = match (points.first(), points.last()) {
            (Some(first), Some(last)) => {
                let span = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
                let present: BTreeSet<(i32, u32)> = points.iter().map(|p| (p.year(), p.month())).collect();
                (span - present.len() as i32).max(0) as u32
            }
            _ => 0,
        };
        let guards = Guards {
            received: observations.len(),
            n,
            flagged_left_out: flagged,
            invalid_left_out: invalid,
            duplicate_times_merged: merged,
            below_detection,
            below_detection_share: if n == 0 { 0.0 } else { below_detection as f64 / n as f64 },
            censoring_level: level,
            detected_recensored: recensored,
            first: points.first().map(|p| p.time),
            last: points.last().map(|p| p.time),
            longest_gap_days,
            missing_months,
        };
        Self { points, guards }
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    pub fn guards(&self) -> &Guards {
        &self.guards
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Values in time order.
    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.value).collect()
    }

    /// (seconds since 1970, value) in time order, for the slope.
    pub fn timed_values(&self) -> Vec<(i64, f64)> {
        self.points.iter().map(|p| (p.time.timestamp(), p.value)).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Months, NaiveDate};

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn flagged_and_invalid_observations_are_left_out_and_counted() {
        let series = Series::prepare(&[
            Observation::new(day(2024, 1, 5), 1.0),
            Observation::new(day(2024, 2, 5), 9.0).flag(),
            Observation::new(day(2024, 3, 5), f64::NAN),
            Observation { detection_limit: None, ..Observation::not_detected(day(2024, 4, 5), f64::INFINITY) },
            Observation::new(day(2024, 5, 5), 2.0),
        ]);
        assert_eq!(series.values(), vec![1.0, 2.0]);
        let g = series.guards();
        assert_eq!((g.received, g.n, g.flagged_left_out, g.invalid_left_out), (5, 2, 1, 2));
    }

    #[test]
    fn non_detects_tie_at_the_highest_limit_and_lower_measurements_join_them() {
        // Limits 0.05 and 0.02 over the years; a measured 0.03 cannot be ranked against "< 0.05".
        let series = Series::prepare(&[
            Observation::not_detected(day(2020, 1, 5), 0.05),
            Observation::new(day(2021, 1, 5), 0.03),
            Observation::not_detected(day(2022, 1, 5), 0.02),
            Observation::new(day(2023, 1, 5), 0.08),
        ]);
        assert_eq!(series.values(), vec![0.05, 0.05, 0.05, 0.08]);
        let g = series.guards();
        assert_eq!(g.censoring_level, Some(0.05));
        assert_eq!((g.below_detection, g.detected_recensored), (2, 1));
        assert_eq!(g.below_detection_share, 0.5);
        assert_eq!(series.points().iter().map(|p| p.censored).collect::<Vec<_>>(), [true, true, true, false]);
    }

    #[test]
    fn a_non_detect_without_a_separate_limit_uses_its_value() {
        let o = Observation { detection_limit: None, ..Observation::not_detected(day(2024, 1, 5), 0.01) };
        let series = Series::prepare(&[o, Observation::new(day(2024, 2, 5), 0.5)]);
        assert_eq!(series.guards().censoring_level, Some(0.01));
        assert_eq!(series.values(), vec![0.01, 0.5]);
    }

    #[test]
    fn observations_at_one_instant_merge_into_their_mean() {
        let series = Series::prepare(&[
            Observation::new(day(2024, 1, 5), 1.0),
            Observation::new(day(2024, 1, 5), 2.0),
            Observation::new(day(2024, 1, 6), 4.0),
            Observation::not_detected(day(2024, 1, 7), 0.1),
            Observation::not_detected(day(2024, 1, 7), 0.1),
            Observation::not_detected(day(2024, 1, 7), 0.1),
        ]);
        assert_eq!(series.values(), vec![1.5, 4.0, 0.1]);
        // The three non-detects stay exactly at the level (a sum divided by three would not).
        assert_eq!(series.guards().duplicate_times_merged, 3);
        assert_eq!(series.guards().below_detection, 1);
    }

    #[test]
    fn gaps_are_measured_in_days_and_missing_months() {
        // January, February, (March, April missing), May 2024, then January 2025: 13 months spanned,
        // 4 present, 9 missing; longest gap 2024-05-20 → 2025-01-10 = 235 days.
        let series = Series::prepare(&[
            Observation::new(day(2024, 1, 10), 1.0),
            Observation::new(day(2024, 2, 10), 1.0),
            Observation::new(day(2024, 5, 20), 1.0),
            Observation::new(day(2025, 1, 10), 1.0),
        ]);
        let g = series.guards();
        assert_eq!(g.missing_months, 9);
        assert_eq!(g.longest_gap_days, Some(235.0));
        assert_eq!(g.first, Some(day(2024, 1, 10).instant()));
    }

    #[test]
    fn an_empty_series_reports_nothing_to_divide() {
        let g = Series::prepare(&[]).guards().clone();
        assert_eq!((g.n, g.below_detection_share, g.longest_gap_days, g.missing_months), (0, 0.0, None, 0));
    }

    #[test]
    fn dates_are_midnight_in_china_standard_time() {
        let t = day(2024, 3, 1).instant();
        assert_eq!(t.to_rfc3339(), "2024-02-29T16:00:00+00:00");
        let monthly: Vec<_> = (0..3).map(|k| Observation::new(day(2024, 1, 31) + Months::new(k), 1.0)).collect();
        assert_eq!(Series::prepare(&monthly).guards().missing_months, 0);
    }
}
