//! `GET /api/v1/sections/{code}/trends`: the stored trend results of one section.

use serde::Serialize;

use models::domain::Code;
use models::entities::trend_results;

use super::local_time;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionTrends {
    pub section: String,
    /// When the results were computed (the latest run of `trend_analysis`); `null` before the first.
    pub computed_at: Option<String>,
    pub count: usize,
    /// By item (the standard's order), then window.
    pub trends: Vec<TrendView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrendView {
    /// Item key, e.g. `nh3n`.
    pub parameter: &'static str,
    pub name_zh: &'static str,
    pub unit: &'static str,
    /// `12m`, `36m`, `60m` (monthly means ending with the last complete month) or `90d` (an automatic
    /// station's daily means ending yesterday).
    pub window: &'static str,
    pub computed_at: String,
    /// Points tested, after the guards.
    pub n: i32,
    pub mann_kendall: MannKendallView,
    /// Run on the 36- and 60-month windows only; `null` otherwise.
    pub seasonal_kendall: Option<SeasonalKendallView>,
    /// What preparing the series did: n, below-detection share, gaps and missing months, values left out.
    #[schema(value_type = Object)]
    pub guards: serde_json::Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MannKendallView {
    pub s: i64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
    pub tau: Option<f64>,
    /// Theil–Sen slope, in the item's unit per year.
    pub slope_per_year: Option<f64>,
    /// `increasing`, `decreasing`, `no trend` or `insufficient data` (α = 0.05).
    pub trend: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SeasonalKendallView {
    pub s: i64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
    pub slope_per_year: Option<f64>,
    pub trend: &'static str,
}

impl SectionTrends {
    pub fn new(section: String, rows: Vec<trend_results::Model>) -> Self {
        let computed_at = rows.iter().map(|r| r.computed_at).max().map(local_time);
        let trends: Vec<TrendView> = rows.into_iter().map(TrendView::from).collect();
        Self { section, computed_at, count: trends.len(), trends }
    }
}

impl From<trend_results::Model> for TrendView {
    fn from(r: trend_results::Model) -> Self {
        let info = r.parameter.info();
        let seasonal_kendall = match (r.sk_s, r.sk_var_s, r.sk_z, r.sk_p, r.sk_trend) {
            (Some(s), Some(var_s), Some(z), Some(p), Some(trend)) => {
                Some(SeasonalKendallView { s, var_s, z, p, slope_per_year: r.sk_slope_per_year, trend: trend.as_str() })
            }
            _ => None,
        };
        Self {
            parameter: info.key,
            name_zh: info.name_zh,
            unit: info.unit,
            window: r.window.as_str(),
            computed_at: local_time(r.computed_at),
            n: r.n,
            mann_kendall: MannKendallView {
                s: r.s,
                var_s: r.var_s,
                z: r.z,
                p: r.p,
                tau: r.tau,
                slope_per_year: r.slope_per_year,
                trend: r.trend.as_str(),
            },
            seasonal_kendall,
            guards: serde_json::from_str(&r.guards).unwrap_or(serde_json::Value::Null),
        }
    }
}
