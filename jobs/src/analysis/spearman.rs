//! Spearman's rank correlation of period order against period value, the multi-period trend of the
//! national evaluation method (地表水环境质量评价办法, 2011; `shared/reference/STANDARDS.md` §2).
//!
//! The caller passes one value per period in period order (for the national method, annual means, or
//! means of equal periods); periods are numbered 1..N. Values are ranked with average ranks for ties.
//! Without ties rs = 1 − 6 Σ d² / (N³ − N), as the method writes it. With ties that formula is no longer
//! the correlation of the ranks and overstates |rs|, so rs is then the Pearson correlation of the ranks
//! (the definition the formula is a shortcut of; also what scipy's `spearmanr` computes). A trend is
//! significant when |rs| ≥ Wp, the exact one-sided critical value at α = 0.05 for N = 4..30; the
//! comparison is done in integers, since rs often equals Wp exactly (N = 5, Σd² = 2: rs = 0.9). Above
//! 30 periods Wp = z₀.₉₅ / √(N − 1), the normal approximation of rs, whose variance under no trend is
//! 1/(N − 1). The method fixes α = 0.05 (one-sided); the `alpha` of the Kendall tests does not apply.

use std::cmp::Ordering;

use serde::Serialize;

use super::Trend;

/// Fewest periods the method allows.
pub const MIN_N_SPEARMAN: usize = 4;

/// Exact one-sided critical values Wp of rs at α = 0.05, in thousandths, for N = 4..=30 (N, Wp·1000),
/// as tabulated in the national method; `jobs/data/spearman_critical_values.csv` holds the same table.
pub const CRITICAL_VALUES_0_05: [(usize, u32); 27] = [
    (4, 1000),
    (5, 900),
    (6, 829),
    (7, 714),
    (8, 643),
    (9, 600),
    (10, 564),
    (11, 536),
    (12, 503),
    (13, 484),
    (14, 464),
    (15, 446),
    (16, 429),
    (17, 414),
    (18, 401),
    (19, 391),
    (20, 380),
    (21, 370),
    (22, 361),
    (23, 353),
    (24, 344),
    (25, 337),
    (26, 331),
    (27, 324),
    (28, 318),
    (29, 312),
    (30, 306),
];

/// z₀.₉₅, the standard normal quantile for a one-sided α of 0.05.
pub const Z_0_95: f64 = 1.644_853_626_951_472_2;

/// Where the critical value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticalFrom {
    /// The exact table, N = 4..30.
    Table,
    /// z₀.₉₅ / √(N − 1), N > 30.
    NormalApproximation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spearman {
    /// `None` with fewer than two periods or when every value is the same.
    pub rs: Option<f64>,
    /// Wp; `None` below [`MIN_N_SPEARMAN`] periods.
    pub critical: Option<f64>,
    pub significant: bool,
    /// `increasing` is a significant rise of the value (for most items a deterioration; for DO and the
    /// class I–III share an improvement: the caller interprets).
    pub trend: Trend,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_from: Option<CriticalFrom>,
}

/// The critical value Wp for N periods, and where it came from.
pub fn critical_value(n: usize) -> Option<(f64, CriticalFrom)> {
    if n < MIN_N_SPEARMAN {
        None
    } else if let Some(&(_, w)) = CRITICAL_VALUES_0_05.iter().find(|(k, _)| *k == n) {
        Some((f64::from(w) / 1000.0, CriticalFrom::Table))
    } else {
        Some((Z_0_95 / ((n - 1) as f64).sqrt(), CriticalFrom::NormalApproximation))
    }
}

/// Twice each value's average rank (1-based), so that half ranks stay integers, and whether any tied.
fn doubled_ranks(values: &[f64]) -> (Vec<i64>, bool) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let key = |i: usize| values[i] + 0.0;
    order.sort_unstable_by(|&a, &b| key(a).total_cmp(&key(b)));
    let mut ranks = vec![0i64; values.len()];
    let mut tied = false;
    let mut start = 0;
    for k in 1..=order.len() {
        if k == order.len() || key(order[k]).total_cmp(&key(order[start])) != Ordering::Equal {
            // Positions start+1 ..= k share the rank (start + 1 + k)/2; doubled: start + 1 + k.
            for &i in &order[start..k] {
                ranks[i] = (start + 1 + k) as i64;
            }
            tied |= k - start > 1;
            start = k;
        }
    }
    (ranks, tied)
}

/// Spearman's rs and its test for values in period order.
pub fn spearman(values: &[f64]) -> Spearman {
    let n = values.len();
    let (ranks, tied) = doubled_ranks(values);
    // Scaled sums of the doubled ranks: x = 2·period, y = 2·rank. C = NΣxy − ΣxΣy, A and B alike.
    let nn = n as i128;
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy, mut d2) = (0i128, 0i128, 0i128, 0i128, 0i128, 0i128);
    for (k, &y) in ranks.iter().enumerate() {
        let x = 2 * (k as i128 + 1);
        let y = i128::from(y);
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
        d2 += (x - y) * (x - y);
    }
    let c = nn * sxy - sx * sy;
    let a = nn * sxx - sx * sx;
    let b = nn * syy - sy * sy;
    let rs = if n < 2 || b == 0 {
        None
    } else if tied {
        Some(c as f64 / ((a as f64) * (b as f64)).sqrt())
    } else {
        // d2 holds (2d)²: Σd² = d2/4, so rs = 1 − 6·(d2/4)/(N³ − N).
        Some(1.0 - (6 * d2) as f64 / (4 * (nn * nn * nn - nn)) as f64)
    };
    let critical = critical_value(n);
    let significant = match (rs, critical) {
        (Some(rs), Some((w, CriticalFrom::NormalApproximation))) => rs.abs() >= w,
        (Some(_), Some((_, CriticalFrom::Table))) => {
            // |C|/√(AB) ≥ w/1000 ⇔ 10⁶·C² ≥ w²·A·B, exactly (N ≤ 30 keeps this far inside i128).
            let w = CRITICAL_VALUES_0_05.iter().find(|(k, _)| *k == n).map_or(1000, |&(_, w)| i128::from(w));
            1_000_000 * c * c >= w * w * a * b
        }
        _ => false,
    };
    let trend = match rs {
        _ if n < MIN_N_SPEARMAN => Trend::InsufficientData,
        Some(rs) if significant && rs > 0.0 => Trend::Increasing,
        Some(rs) if significant && rs < 0.0 => Trend::Decreasing,
        _ => Trend::NoTrend,
    };
    Spearman { rs, critical: critical.map(|c| c.0), significant, trend, critical_from: critical.map(|c| c.1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_reference_table_is_embedded() {
        let csv = include_str!("../../data/spearman_critical_values.csv");
        let mut rows = 0;
        for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split(',').collect();
            let n: usize = fields[0].parse().unwrap();
            // "0.829" → 829, read as text so that no rounding enters the comparison.
            let (whole, frac) = fields[1].split_once('.').unwrap();
            let thousandths: u32 = whole.parse::<u32>().unwrap() * 1000 + frac.parse::<u32>().unwrap();
            assert_eq!(frac.len(), 3, "{line}");
            assert_eq!(CRITICAL_VALUES_0_05[n - 4], (n, thousandths), "{line}");
            rows += 1;
        }
        assert_eq!(rows, CRITICAL_VALUES_0_05.len());
    }

    #[test]
    fn z_0_95_leaves_five_percent_in_the_upper_tail() {
        let upper = 0.5 * libm::erfc(Z_0_95 / std::f64::consts::SQRT_2);
        assert!((upper - 0.05).abs() < 1e-15, "{upper}");
    }

    #[test]
    fn five_periods_one_swap_reach_the_critical_value_exactly() {
        // Values 1.2, 1.5, 1.4, 1.9, 2.1: ranks 1, 3, 2, 4, 5; d = 0, −1, 1, 0, 0; Σd² = 2;
        // rs = 1 − 6·2/(125 − 5) = 0.9 = Wp(5): significant (|rs| ≥ Wp), rising.
        let sp = spearman(&[1.2, 1.5, 1.4, 1.9, 2.1]);
        assert_eq!(sp.rs, Some(0.9));
        assert_eq!(sp.critical, Some(0.9));
        assert!(sp.significant);
        assert_eq!(sp.trend, Trend::Increasing);
        assert_eq!(sp.critical_from, Some(CriticalFrom::Table));
    }

    #[test]
    fn ties_use_the_correlation_of_average_ranks() {
        // Values 3, 1, 2, 2, 5, 6: ranks 4, 1, 2.5, 2.5, 5, 6 against periods 1..6 (both mean 3.5).
        // Σ(dev·dev) = −1.25 + 3.75 + 0.5 − 0.5 + 2.25 + 6.25 = 11; Σdev² = 17.5 (periods) and 17
        // (ranks): rs = 11/√297.5 = 0.637748. (The no-tie formula would give 1 − 6·12.5/210 = 0.642857.)
        // Wp(6) = 0.829: not significant.
        let sp = spearman(&[3.0, 1.0, 2.0, 2.0, 5.0, 6.0]);
        let rs = sp.rs.unwrap();
        assert!((rs - 11.0 / 297.5f64.sqrt()).abs() < 1e-15, "{rs}");
        assert!((rs - 0.637_748).abs() < 1e-6);
        assert_eq!((sp.significant, sp.trend), (false, Trend::NoTrend));
    }

    #[test]
    fn a_fall_over_four_periods_needs_a_perfect_order() {
        // N = 4: Wp = 1, only a perfectly monotone series is significant.
        assert_eq!(spearman(&[4.0, 3.0, 2.0, 1.0]).trend, Trend::Decreasing);
        assert_eq!(spearman(&[4.0, 3.0, 1.0, 2.0]).trend, Trend::NoTrend);
    }

    #[test]
    fn fewer_than_four_periods_are_insufficient() {
        let sp = spearman(&[1.0, 2.0, 3.0]);
        assert_eq!((sp.rs, sp.critical, sp.significant, sp.trend), (Some(1.0), None, false, Trend::InsufficientData));
        assert_eq!(spearman(&[]).rs, None);
    }

    #[test]
    fn equal_values_have_no_correlation_and_no_trend() {
        let sp = spearman(&[2.0; 8]);
        assert_eq!((sp.rs, sp.significant, sp.trend), (None, false, Trend::NoTrend));
    }

    #[test]
    fn above_thirty_periods_the_normal_approximation_applies() {
        // N = 40: Wp = 1.6448536/√39 = 1.6448536/6.2449980 = 0.263387.
        let (w, from) = critical_value(40).unwrap();
        assert!((w - 0.263_387).abs() < 1e-6, "{w}");
        assert_eq!(from, CriticalFrom::NormalApproximation);
        // N = 31 continues the table smoothly: 1.6448536/5.4772256 = 0.300308 after 0.306 at N = 30.
        assert!((critical_value(31).unwrap().0 - 0.300_308).abs() < 1e-6);
    }
}
