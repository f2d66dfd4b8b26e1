//! Trend statistics of one item at one place: Mann–Kendall, seasonal Kendall (with Theil–Sen slopes on
//! real time) and the national method's Spearman test. Pure code: observations in, numbers out.
//!
//! [`analyze`] prepares the series ([`series`]: flagged values out, non-detects tied at the highest
//! detection limit, duplicates merged, gaps measured) and runs the methods asked for. A method gives no
//! verdict below its minimum size ([`kendall::MIN_N_MANN_KENDALL`],
//! [`kendall::MIN_N_SEASONAL_KENDALL`], [`spearman::MIN_N_SPEARMAN`]): its trend is then
//! `insufficient data`, while the statistics are still reported.
//!
//! The work is O(n log n) throughout, but the exact slope of a long series is CPU work: call it from
//! `spawn_blocking`.

pub mod anomaly;
mod exact;
pub mod forecast;
mod inversions;
pub mod kendall;
pub mod sen;
pub mod series;
pub mod spearman;

use serde::Serialize;

pub use kendall::{KendallScore, MannKendall, SeasonalKendall, kendall_score, mann_kendall, seasonal_kendall};
pub use sen::{theil_sen, theil_sen_grouped};
pub use series::{Guards, Observation, Point, SampleTime, Series};
pub use spearman::{CriticalFrom, Spearman, spearman};

/// A verdict on the direction of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Trend {
    #[serde(rename = "increasing")]
    Increasing,
    #[serde(rename = "decreasing")]
    Decreasing,
    #[serde(rename = "no trend")]
    NoTrend,
    #[serde(rename = "insufficient data")]
    InsufficientData,
}

/// Significance level of the two-sided Kendall tests, strictly between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Alpha(f64);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("significance level {0} is not strictly between 0 and 1")]
pub struct AlphaError(pub f64);

impl Alpha {
    pub fn parse(alpha: f64) -> Result<Self, AlphaError> {
        if alpha > 0.0 && alpha < 1.0 { Ok(Self(alpha)) } else { Err(AlphaError(alpha)) }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Alpha {
    fn default() -> Self {
        Self(0.05)
    }
}

/// Which tests to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Methods {
    pub mann_kendall: bool,
    pub seasonal_kendall: bool,
    pub spearman: bool,
}

impl Methods {
    pub fn all() -> Self {
        Self { mann_kendall: true, seasonal_kendall: true, spearman: true }
    }
}

/// The result of [`analyze`], as `riverchief analyze trend` prints it. Methods not asked for are left
/// out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendReport {
    /// Points in the series, after [`Guards`].
    pub n: usize,
    pub alpha: Alpha,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mann_kendall: Option<MannKendall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seasonal_kendall: Option<SeasonalKendall>,
    /// On the series' points taken as consecutive periods: for the national method pass one value per
    /// period (e.g. annual means), not raw samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spearman: Option<Spearman>,
    pub guards: Guards,
}

/// Prepares `observations` (any order) and runs `methods` on them.
pub fn analyze(observations: &[Observation], methods: Methods, alpha: Alpha) -> TrendReport {
    let series = Series::prepare(observations);
    TrendReport {
        n: series.len(),
        alpha,
        mann_kendall: methods.mann_kendall.then(|| mann_kendall(&series, alpha)),
        seasonal_kendall: methods.seasonal_kendall.then(|| seasonal_kendall(&series, alpha)),
        spearman: methods.spearman.then(|| spearman(&series.values())),
        guards: series.guards().clone(),
    }
}

#[cfg(test)]
mod reference_tests;

#[cfg(test)]
mod tests {
    use chrono::{Months, NaiveDate};
    use serde_json::Value;

    use super::*;

    fn monthly(values: &[f64]) -> Vec<Observation> {
        let start = NaiveDate::from_ymd_opt(2020, 1, 10).unwrap();
        values.iter().enumerate().map(|(k, &v)| Observation::new(start + Months::new(k as u32), v)).collect()
    }

    #[test]
    fn the_report_has_the_documented_json_shape() {
        let values: Vec<f64> =
            (0..60).map(|k| 1.0 + 0.01 * f64::from(k) + if k % 2 == 0 { 0.05 } else { 0.0 }).collect();
        let report = analyze(&monthly(&values), Methods::all(), Alpha::default());
        let json: Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["n"], 60);
        assert_eq!(json["alpha"], 0.05);
        for key in ["s", "var_s", "z", "p", "tau", "slope_per_year", "trend"] {
            assert!(json["mann_kendall"].get(key).is_some(), "mann_kendall.{key}");
        }
        for key in ["s", "var_s", "z", "p", "slope_per_year", "trend"] {
            assert!(json["seasonal_kendall"].get(key).is_some(), "seasonal_kendall.{key}");
        }
        for key in ["rs", "critical", "significant", "trend"] {
            assert!(json["spearman"].get(key).is_some(), "spearman.{key}");
        }
        assert_eq!(json["mann_kendall"]["trend"], "increasing");
        assert_eq!(json["spearman"]["critical_from"], "normal_approximation");
        assert_eq!(json["guards"]["n"], 60);
        assert_eq!(json["guards"]["missing_months"], 0);
        assert!(json["guards"]["first"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{}", json["guards"]["first"]);
    }

    #[test]
    fn methods_not_asked_for_are_left_out() {
        let report =
            analyze(&monthly(&[1.0, 2.0, 3.0]), Methods { spearman: true, ..Methods::default() }, Alpha::default());
        let json: Value = serde_json::to_value(&report).unwrap();
        assert!(json.get("mann_kendall").is_none() && json.get("seasonal_kendall").is_none());
        assert_eq!(json["spearman"]["trend"], "insufficient data");
        assert_eq!(json["spearman"]["critical"], Value::Null);
    }

    #[test]
    fn alpha_must_lie_strictly_between_zero_and_one() {
        assert!(Alpha::parse(0.0).is_err());
        assert!(Alpha::parse(1.0).is_err());
        assert!(Alpha::parse(f64::NAN).is_err());
        assert_eq!(Alpha::parse(0.1).map(Alpha::get), Ok(0.1));
    }

    #[test]
    fn a_stricter_alpha_can_withhold_a_verdict() {
        // Hand-worked in kendall.rs: this series has p = 4.14e-4.
        let observations = monthly(&[1.0, 2.0, 2.0, 3.0, 5.0, 4.0, 5.0, 6.0, 7.0, 7.0]);
        let strict = Alpha::parse(1e-4).unwrap();
        let report = analyze(&observations, Methods { mann_kendall: true, ..Methods::default() }, strict);
        assert_eq!(report.mann_kendall.unwrap().trend, Trend::NoTrend);
    }
}
