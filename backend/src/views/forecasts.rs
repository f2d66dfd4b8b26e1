//! `GET /api/v1/sections/{code}/forecast`: the stored forecasts and anomaly result of one section.

use serde::Serialize;
use serde_json::Value;

use models::entities::{anomaly_models, forecast_models};

use super::local_time;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionForecast {
    pub section: String,
    pub count: usize,
    /// By item, in the standard's order; empty before the first run of `early_warning`.
    pub forecasts: Vec<ForecastView>,
    /// An automatic station's latest anomaly score; `null` for a manual section or before the first score.
    pub anomaly: Option<AnomalyView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ForecastView {
    /// Item key, e.g. `nh3n`.
    pub parameter: &'static str,
    pub name_zh: &'static str,
    pub unit: &'static str,
    /// `linear_harmonic`, or the baseline used where the regression did not beat it (`persistence`,
    /// `seasonal_naive`).
    pub model: String,
    /// Whether a baseline was used instead of the regression.
    pub baseline: bool,
    /// Why, in figures.
    pub reason: String,
    pub version: String,
    /// `daily` (an automatic station's daily means) or `monthly`.
    pub cadence: String,
    pub skill: SkillView,
    pub trained_at: String,
    pub training: TrainingView,
    /// Feature names of the regression.
    pub features: Vec<String>,
    pub forecast_at: String,
    /// The target class and its limit (`upper`: met at or below it; `lower`: DO, met at or above it).
    pub target: &'static str,
    pub limit: LimitView,
    /// One step per day or month after the last value, with the 80 % interval.
    pub forecast: Vec<StepView>,
    /// The first step expected beyond the limit (P ≥ 0.5); `null` when none within the horizon.
    pub breach: Option<BreachView>,
    /// The largest probability of any step crossing the limit.
    pub max_probability: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SkillView {
    /// The regression's backtest MAE; `null` when it could not be fitted.
    pub mae: Option<f64>,
    pub persistence_mae: f64,
    /// `null` without about a year of history.
    pub seasonal_naive_mae: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrainingView {
    pub n: i32,
    /// The first and last period trained on (the day, or the first day of the month).
    pub from: String,
    pub to: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LimitView {
    pub value: f64,
    pub bound: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StepView {
    /// Midnight China Standard Time at the start of the day or month, RFC 3339.
    pub time: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub probability: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BreachView {
    pub time: String,
    pub probability: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnomalyView {
    pub version: String,
    pub trained_at: String,
    pub training_n: i32,
    /// The sampling time of the reading scored.
    pub at: Option<String>,
    /// Squared Mahalanobis distance from the station's own history.
    pub score: Option<f64>,
    pub p: Option<f64>,
    /// Readings with p below this are anomalous.
    pub p_threshold: f64,
    pub anomalous: bool,
    /// Each item's part in the score, largest first.
    #[schema(value_type = Vec<Object>)]
    pub contributions: Value,
    /// Readings scored over the last 24 hours, and how many were anomalous.
    pub recent_scored: i32,
    pub recent_anomalous: i32,
}

/// A stored date (a period's label) as midnight China Standard Time.
fn day_time(date: chrono::NaiveDate) -> String {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match chrono::TimeZone::from_local_datetime(&chrono_tz::Asia::Shanghai, &midnight).single() {
        Some(t) => local_time(t.with_timezone(&chrono::Utc)),
        None => date.to_string(),
    }
}

impl SectionForecast {
    pub fn new(section: String, rows: Vec<forecast_models::Model>, anomaly: Option<anomaly_models::Model>) -> Self {
        let forecasts: Vec<ForecastView> = rows.into_iter().map(ForecastView::from).collect();
        Self { section, count: forecasts.len(), forecasts, anomaly: anomaly.map(AnomalyView::from) }
    }
}

#[derive(serde::Deserialize)]
struct StoredStep {
    time: chrono::NaiveDate,
    value: f64,
    low: f64,
    high: f64,
    probability: f64,
}

impl From<forecast_models::Model> for ForecastView {
    fn from(r: forecast_models::Model) -> Self {
        let info = r.parameter.info();
        let steps: Vec<StoredStep> = serde_json::from_str(&r.forecast).unwrap_or_default();
        Self {
            parameter: info.key,
            name_zh: info.name_zh,
            unit: info.unit,
            baseline: r.model != "linear_harmonic",
            model: r.model,
            reason: r.reason,
            version: r.version,
            cadence: r.cadence,
            skill: SkillView {
                mae: r.mae,
                persistence_mae: r.persistence_mae,
                seasonal_naive_mae: r.seasonal_naive_mae,
            },
            trained_at: local_time(r.trained_at),
            training: TrainingView { n: r.training_n, from: day_time(r.training_from), to: day_time(r.training_to) },
            features: serde_json::from_str(&r.features).unwrap_or_default(),
            forecast_at: local_time(r.forecast_at),
            target: r.target_class.label(),
            limit: LimitView { value: r.limit_value, bound: r.limit_bound },
            forecast: steps
                .into_iter()
                .map(|s| StepView {
                    time: day_time(s.time),
                    value: s.value,
                    low: s.low,
                    high: s.high,
                    probability: s.probability,
                })
                .collect(),
            breach: match (r.breach_on, r.breach_probability) {
                (Some(on), Some(probability)) => Some(BreachView { time: day_time(on), probability }),
                _ => None,
            },
            max_probability: r.max_probability,
        }
    }
}

impl From<anomaly_models::Model> for AnomalyView {
    fn from(a: anomaly_models::Model) -> Self {
        Self {
            version: a.version,
            trained_at: local_time(a.trained_at),
            training_n: a.training_n,
            at: a.scored_at.map(local_time),
            score: a.score,
            p: a.p,
            p_threshold: a.p_threshold,
            anomalous: a.anomalous,
            contributions: serde_json::from_str(&a.contributions).unwrap_or(Value::Array(Vec::new())),
            recent_scored: a.recent_scored,
            recent_anomalous: a.recent_anomalous,
        }
    }
}
