//! The Mann–Kendall test and the seasonal Kendall test of Hirsch and Slack (season = calendar month in
//! China Standard Time), each with its Theil–Sen slope.
//!
//! S = Σᵢ<ⱼ sign(xⱼ − xᵢ) is counted in O(n log n) as in W. R. Knight ("A computer method for calculating
//! Kendall's tau with ungrouped data", JASA 61, 1966): with P = n(n − 1)/2 pairs, T pairs of equal values
//! and D pairs that decrease, S = P − T − 2D. D is the number of inversions of the values in time order,
//! ties ranked in time order so that they are not counted; Knight counts them with a merge sort, here a
//! radix partition of the ranks does it in the same O(n log n) with fewer mispredicted branches. Var(S) = [n(n − 1)(2n + 5) − Σ t(t − 1)(2t + 5)] / 18 over groups of t
//! equal values; Z = (S − 1)/√Var(S) for S > 0, (S + 1)/√Var(S) for S < 0, 0 for S = 0; the two-sided
//! p-value is erfc(|Z|/√2). All counts are 64-bit and the variance numerator 128-bit, so a million
//! values (P ≈ 5·10¹¹, numerator ≈ 2·10¹⁸) are far from overflow.

use serde::Serialize;

use super::series::Series;
use super::{Alpha, Trend, inversions, sen};

/// Fewest points for a Mann–Kendall verdict: from n = 10 the normal approximation of S is the customary
/// one (R. O. Gilbert, *Statistical Methods for Environmental Pollution Monitoring*, 1987, ch. 16);
/// below that an exact table would be needed, which this module does not implement.
pub const MIN_N_MANN_KENDALL: usize = 10;

/// Fewest points for a seasonal Kendall verdict, which must also span [`MIN_YEARS_SEASONAL_KENDALL`]
/// calendar years: Hirsch, Slack and Smith (1982) found the normal approximation adequate for monthly
/// data from three years on.
pub const MIN_N_SEASONAL_KENDALL: usize = 10;
pub const MIN_YEARS_SEASONAL_KENDALL: usize = 3;

/// Kendall's S of a series in time order, with its tie-corrected variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KendallScore {
    pub n: usize,
    pub s: i64,
    pub var_s: f64,
    /// 18 · Var(S), exactly.
    var_numerator: i128,
}

/// S and Var(S) of `values` in time order, in O(n log n). Values must be finite.
pub fn kendall_score(values: &[f64]) -> KendallScore {
    let n = values.len();
    let ties = tie_groups(values);
    let decreasing =
        inversions::count(&inversions::ranks_by(values, |a, b| (a + 0.0).total_cmp(&(b + 0.0)).is_lt())) as i64;
    let pairs = (n as i64) * (n as i64 - 1) / 2;
    let tied: i64 = ties.iter().map(|&t| t * (t - 1) / 2).sum();
    let n = n as i128;
    let var_numerator = n * (n - 1) * (2 * n + 5)
        - ties.iter().map(|&t| i128::from(t) * i128::from(t - 1) * i128::from(2 * t + 5)).sum::<i128>();
    KendallScore {
        n: values.len(),
        s: pairs - tied - 2 * decreasing,
        var_s: var_numerator as f64 / 18.0,
        var_numerator,
    }
}

/// The sizes of the groups of equal values larger than one.
fn tie_groups(values: &[f64]) -> Vec<i64> {
    let mut sorted: Vec<f64> = values.iter().map(|v| v + 0.0).collect(); // -0.0 and 0.0 are one value
    sorted.sort_unstable_by(f64::total_cmp);
    sorted.chunk_by(|a, b| a == b).filter(|g| g.len() > 1).map(|g| g.len() as i64).collect()
}

/// Z with the continuity correction; 0 when S is 0 or has no variance.
pub fn z_score(s: i64, var_s: f64) -> f64 {
    if var_s <= 0.0 {
        return 0.0;
    }
    match s.signum() {
        1 => (s - 1) as f64 / var_s.sqrt(),
        -1 => (s + 1) as f64 / var_s.sqrt(),
        _ => 0.0,
    }
}

/// Two-sided p-value of a standard normal Z: P(|N(0, 1)| ≥ |z|) = erfc(|z|/√2).
pub fn two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

fn verdict(enough: bool, s: i64, p: f64, alpha: Alpha) -> Trend {
    if !enough {
        Trend::InsufficientData
    } else if p < alpha.get() && s > 0 {
        Trend::Increasing
    } else if p < alpha.get() && s < 0 {
        Trend::Decreasing
    } else {
        Trend::NoTrend
    }
}

/// The Mann–Kendall test of a series, with Kendall's tau (S over all pairs) and the Theil–Sen slope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MannKendall {
    pub s: i64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
    /// S / (n(n − 1)/2); `None` for fewer than two points.
    pub tau: Option<f64>,
    /// Theil–Sen slope per year of 365.25 days, over the real time between samples.
    pub slope_per_year: Option<f64>,
    pub trend: Trend,
}

pub fn mann_kendall(series: &Series, alpha: Alpha) -> MannKendall {
    let score = kendall_score(&series.values());
    let z = z_score(score.s, score.var_s);
    let p = two_sided_p(z);
    let n = score.n as i64;
    MannKendall {
        s: score.s,
        var_s: score.var_s,
        z,
        p,
        tau: (n >= 2).then(|| score.s as f64 / (n * (n - 1) / 2) as f64),
        slope_per_year: sen::theil_sen(&series.timed_values()),
        trend: verdict(score.n >= MIN_N_MANN_KENDALL, score.s, p, alpha),
    }
}

/// The seasonal Kendall test: S and Var(S) summed over calendar months, each month's values tested as a
/// series of their own; the slope is the median over pairs in the same month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeasonalKendall {
    pub s: i64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
    pub slope_per_year: Option<f64>,
    pub trend: Trend,
}

pub fn seasonal_kendall(series: &Series, alpha: Alpha) -> SeasonalKendall {
    let mut by_month: [Vec<f64>; 12] = Default::default();
    for point in series.points() {
        by_month[point.month() as usize - 1].push(point.value);
    }
    let (mut s, mut var_numerator) = (0i64, 0i128);
    for values in &by_month {
        let score = kendall_score(values);
        s += score.s;
        var_numerator += score.var_numerator;
    }
    let var_s = var_numerator as f64 / 18.0;
    let z = z_score(s, var_s);
    let p = two_sided_p(z);
    let years: std::collections::BTreeSet<i32> = series.points().iter().map(|p| p.year()).collect();
    let enough = series.len() >= MIN_N_SEASONAL_KENDALL && years.len() >= MIN_YEARS_SEASONAL_KENDALL;
    let grouped: Vec<(u32, i64, f64)> =
        series.points().iter().map(|p| (p.month(), p.time.timestamp(), p.value)).collect();
    SeasonalKendall {
        s,
        var_s,
        z,
        p,
        slope_per_year: sen::theil_sen_grouped(&grouped),
        trend: verdict(enough, s, p, alpha),
    }
}

/// S by comparing every pair: the O(n²) reference for tests.
#[cfg(test)]
pub(crate) fn kendall_s_quadratic(values: &[f64]) -> i64 {
    let mut s = 0i64;
    for i in 0..values.len() {
        for j in i + 1..values.len() {
            s += match values[j].partial_cmp(&values[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::analysis::series::Observation;

    fn monthly(values: &[f64]) -> Series {
        let start = NaiveDate::from_ymd_opt(2015, 1, 15).unwrap();
        let observations: Vec<Observation> = values
            .iter()
            .enumerate()
            .map(|(k, &v)| Observation::new(start.checked_add_months(chrono::Months::new(k as u32)).unwrap(), v))
            .collect();
        Series::prepare(&observations)
    }

    #[test]
    fn a_hand_worked_rising_series_with_ties() {
        // x = 1, 2, 2, 3, 5, 4, 5, 6, 7, 7 (n = 10). Later values greater minus smaller, per value:
        //   1: 9 − 0 = 9;  2: 7 − 0 = 7;  2: 7;  3: 6;  5: 3 − 1 = 2 (6, 7, 7 above, 4 below, 5 tied);
        //   4: 4;  5: 3;  6: 2;  7: 0.   S = 9 + 7 + 7 + 6 + 2 + 4 + 3 + 2 + 0 = 40.
        // Ties: three pairs (2, 5, 7), each t = 2: t(t − 1)(2t + 5) = 18, Σ = 54.
        // Var(S) = (10·9·25 − 54)/18 = 2196/18 = 122.  Z = (40 − 1)/√122 = 39/11.045361 = 3.530894.
        // p = 2(1 − Φ(3.5309)) = 4.1416e-4 (C's erfc via Python: 4.141575e-4); tau = 40/45.
        let series = monthly(&[1.0, 2.0, 2.0, 3.0, 5.0, 4.0, 5.0, 6.0, 7.0, 7.0]);
        let mk = mann_kendall(&series, Alpha::default());
        assert_eq!(mk.s, 40);
        assert_eq!(mk.var_s, 122.0);
        assert!((mk.z - 39.0 / 122f64.sqrt()).abs() < 1e-15);
        assert!((mk.z - 3.530_894).abs() < 1e-6);
        assert!((mk.p - 4.141_575e-4).abs() < 1e-10, "{}", mk.p);
        assert_eq!(mk.tau, Some(40.0 / 45.0));
        assert_eq!(mk.trend, Trend::Increasing);
    }

    #[test]
    fn a_falling_series_without_ties() {
        // 10 distinct values falling except one swap: 10, 9, 8, 7, 5, 6, 4, 3, 2, 1.
        // All 45 pairs decrease except (5, 6): S = 1 − 44 = −43. Var = 2250/18 = 125.
        // Z = (−43 + 1)/√125 = −3.756594…
        let series = monthly(&[10.0, 9.0, 8.0, 7.0, 5.0, 6.0, 4.0, 3.0, 2.0, 1.0]);
        let mk = mann_kendall(&series, Alpha::default());
        assert_eq!((mk.s, mk.var_s), (-43, 125.0));
        assert!((mk.z + 42.0 / 125f64.sqrt()).abs() < 1e-15);
        assert_eq!(mk.trend, Trend::Decreasing);
    }

    #[test]
    fn an_all_equal_series_has_no_variance_and_no_trend() {
        let mk = mann_kendall(&monthly(&[0.5; 24]), Alpha::default());
        assert_eq!((mk.s, mk.var_s, mk.z, mk.p), (0, 0.0, 0.0, 1.0));
        assert_eq!(mk.tau, Some(0.0));
        assert_eq!(mk.slope_per_year, Some(0.0));
        assert_eq!(mk.trend, Trend::NoTrend);
    }

    #[test]
    fn three_points_give_statistics_but_no_verdict() {
        // S = 3, Var = 3·2·11/18 = 11/3: a perfect rise, but far too short to say so.
        let mk = mann_kendall(&monthly(&[1.0, 2.0, 3.0]), Alpha::default());
        assert_eq!(mk.s, 3);
        assert!((mk.var_s - 11.0 / 3.0).abs() < 1e-15);
        assert_eq!(mk.trend, Trend::InsufficientData);
        let empty = mann_kendall(&monthly(&[]), Alpha::default());
        assert_eq!((empty.s, empty.var_s, empty.tau, empty.slope_per_year), (0, 0.0, None, None));
        assert_eq!(empty.trend, Trend::InsufficientData);
    }

    #[test]
    fn nine_points_are_one_short_of_a_verdict() {
        let rising: Vec<f64> = (0..9).map(f64::from).collect();
        assert_eq!(mann_kendall(&monthly(&rising), Alpha::default()).trend, Trend::InsufficientData);
        let rising: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(mann_kendall(&monthly(&rising), Alpha::default()).trend, Trend::Increasing);
    }

    #[test]
    fn the_seasonal_test_sums_each_months_own_score() {
        // Three years, January and July only. January 1, 2, 3: S = 3, Var = 3·2·11/18 = 66/18.
        // July 9, 9, 8: pairs (9, 9) 0, (9, 8) −1, (9, 8) −1, S = −2; one tie group of t = 2 takes
        // 2·1·9 = 18 off: Var = 48/18. Total S = 1, Var(S) = 114/18, Z = (1 − 1)/√… = 0.
        let mut observations = Vec::new();
        for (year, jan, jul) in [(2020, 1.0, 9.0), (2021, 2.0, 9.0), (2022, 3.0, 8.0)] {
            observations.push(Observation::new(NaiveDate::from_ymd_opt(year, 1, 10).unwrap(), jan));
            observations.push(Observation::new(NaiveDate::from_ymd_opt(year, 7, 10).unwrap(), jul));
        }
        let sk = seasonal_kendall(&Series::prepare(&observations), Alpha::default());
        assert_eq!(sk.s, 1);
        assert!((sk.var_s - 114.0 / 18.0).abs() < 1e-15);
        assert_eq!((sk.z, sk.p), (0.0, 1.0));
        // Six points over three years: below the minimum of ten.
        assert_eq!(sk.trend, Trend::InsufficientData);
    }

    #[test]
    fn months_are_calendar_months_in_china_standard_time() {
        // 2024-01-31 20:00 UTC is 1 February 04:00 in Beijing: a February value.
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-31T20:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let series = Series::prepare(&[Observation::new(t, 1.0)]);
        assert_eq!(series.points()[0].month(), 2);
    }

    proptest! {
        #[test]
        fn fast_s_equals_pairwise_s(raw in prop::collection::vec(0u8..8, 0..400)) {
            let values: Vec<f64> = raw.iter().map(|&k| f64::from(k) / 4.0).collect();
            prop_assert_eq!(kendall_score(&values).s, kendall_s_quadratic(&values));
        }
    }
}
