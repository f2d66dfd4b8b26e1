//! Trend statistics of one item at one place: Mann–Kendall, seasonal Kendall (with Theil–Sen slopes on
//! real time) and the national method's Spearman test. Pure code: observations in, numbers out.

mod exact;
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
