//! Exceedance forecast of one item at one place: where the series goes over the next days (station data)
//! or months (manual sections), with a prediction interval, and when it is expected to cross the target
//! class's limit. Pure code: observations in, numbers out.
//!
//! - **Cadence.** The series is resampled to days or calendar months in China Standard Time (the mean of
//!   each period; a period without a value stays a gap and is never filled in). Unless given, the cadence
//!   is inferred from the median spacing of the points: under [`DAILY_BELOW_DAYS`] days is daily.
//!   Preparation is [`Series::prepare`]'s: flagged values out, non-detects at the censoring level.
//! - **Model** (`linear_harmonic`). Ordinary least squares (linfa-linear) of the period's value on: the
//!   time trend in years; `sin`/`cos` of the annual cycle, 1 harmonic once the training history spans a
//!   year and 2 from two years (shorter histories get none, since a fraction of a cycle is only a
//!   disguised trend); the value one period earlier (lag 1); and the mean of the last 7 days' or 3
//!   months' values that exist. A row needs its own value and lag 1. The horizon is forecast
//!   recursively, each forecast feeding the next step's lags. Concentrations are never below 0, so
//!   forecasts are clipped there.
//! - **Backtest on rolling origins.** Up to [`BACKTEST_ORIGINS`] origins, half the backtest horizon
//!   apart, the latest `h` periods before the end (`h` the horizon, shortened when the history
//!   is short); at each, the model is refitted on the history up to the origin and forecasts `1..=h`
//!   steps, and so do the baselines: *persistence* (the origin's value) and *seasonal naive* (the value
//!   one year before the target, from the history known at the origin, the nearest day within ±3 for
//!   daily data). The MAEs are over the same (origin, step) pairs for every method. Seasonal naive takes
//!   part only when it can forecast half the pairs and every step of the final forecast (so about a year
//!   of history); otherwise its MAE is `null`.
//! - **Choice.** The model is used when its MAE is below the best baseline's; otherwise that baseline is,
//!   and `reason` says so.
//! - **Interval.** From the chosen method's own backtest errors: the mean squared error at each step is
//!   fitted, weighted by its count, as σ²(s) = a + b·s with a, b ≥ 0. This spans white noise (b = 0, the
//!   spread does not grow) and a random walk (a = 0, σ ∝ √s) without estimating one variance per step
//!   from a handful of origins, and extends to steps the backtest could not reach. The interval is the
//!   central [`INTERVAL`] (80 %) of N(forecast, σ²(s)): wide enough to be honest, narrow enough to be read.
//! - **Breach.** At each step P(crossing) = P(N(forecast, σ²) > limit) for an upper limit, P(< limit) for
//!   dissolved oxygen's lower limit, by `erfc`. The first step with P ≥ 0.5 is the expected breach.
//! - **Guards.** Fewer than [`MIN_DAILY`] daily or [`MIN_MONTHLY`] monthly values is
//!   [`ForecastError::InsufficientData`], not a forecast.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use linfa::Dataset;
use linfa::traits::Fit;
use linfa_linear::LinearRegression;
use models::domain::gb3838::{Direction, Parameter, WaterBodyKind, WaterClass};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::series::{Guards, Observation, Series};

/// Stored with every fitted model; a change to the features or the recursion changes it.
pub const FORECAST_MODEL_VERSION: &str = "forecast/linear_harmonic/1";
/// Fewest daily values to forecast from: two months.
pub const MIN_DAILY: usize = 60;
/// Fewest monthly values to forecast from: two years, so that a season can be told from a trend.
pub const MIN_MONTHLY: usize = 24;
/// Median spacing (days) below which a series is daily.
pub const DAILY_BELOW_DAYS: f64 = 15.0;
/// Coverage of the prediction interval.
pub const INTERVAL: f64 = 0.8;
/// Φ⁻¹(0.9): the central 80 % of a normal distribution lies within ±1.2816 σ.
const Z_INTERVAL: f64 = 1.281_551_565_544_600_5;
pub const BACKTEST_ORIGINS: usize = 8;
/// Longest horizons: a year of days, three years of months.
pub const MAX_DAILY_STEPS: usize = 366;
pub const MAX_MONTHLY_STEPS: usize = 36;

/// Days or calendar months, in China Standard Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Daily,
    Monthly,
}

impl Cadence {
    /// Daily when the median time between consecutive points is under [`DAILY_BELOW_DAYS`]; `None` for
    /// fewer than two points.
    pub fn infer(series: &Series) -> Option<Self> {
        let mut gaps: Vec<f64> =
            series.points().windows(2).map(|w| (w[1].time - w[0].time).num_seconds() as f64 / 86_400.0).collect();
        if gaps.is_empty() {
            return None;
        }
        gaps.sort_unstable_by(f64::total_cmp);
        let median = if gaps.len() % 2 == 1 {
            gaps[gaps.len() / 2]
        } else {
            (gaps[gaps.len() / 2 - 1] + gaps[gaps.len() / 2]) / 2.0
        };
        Some(if median < DAILY_BELOW_DAYS { Self::Daily } else { Self::Monthly })
    }

    /// Fewest values to forecast from.
    pub fn minimum(self) -> usize {
        match self {
            Self::Daily => MIN_DAILY,
            Self::Monthly => MIN_MONTHLY,
        }
    }

    fn max_steps(self) -> usize {
        match self {
            Self::Daily => MAX_DAILY_STEPS,
            Self::Monthly => MAX_MONTHLY_STEPS,
        }
    }

    /// The default horizon: 30 days, or 6 months.
    pub fn default_steps(self) -> usize {
        match self {
            Self::Daily => 30,
            Self::Monthly => 6,
        }
    }

    /// Periods in a year, for seasonal naive.
    fn season(self) -> usize {
        match self {
            Self::Daily => 365,
            Self::Monthly => 12,
        }
    }

    fn years_per_period(self) -> f64 {
        match self {
            Self::Daily => 1.0 / 365.25,
            Self::Monthly => 1.0 / 12.0,
        }
    }

    /// Values averaged into lag-mean feature.
    fn lag_window(self) -> usize {
        match self {
            Self::Daily => 7,
            Self::Monthly => 3,
        }
    }

    /// How far seasonal naive looks around the date one year earlier when that day has no value.
    fn seasonal_slack(self) -> usize {
        match self {
            Self::Daily => 3,
            Self::Monthly => 0,
        }
    }

    /// A period's number: days or months since the common era, in China Standard Time.
    fn period_of(self, t: DateTime<Utc>) -> i64 {
        let date = t.with_timezone(&Shanghai).date_naive();
        match self {
            Self::Daily => i64::from(date.num_days_from_ce()),
            Self::Monthly => i64::from(date.year()) * 12 + i64::from(date.month0()),
        }
    }

    fn period_of_date(self, date: NaiveDate) -> i64 {
        match self {
            Self::Daily => i64::from(date.num_days_from_ce()),
            Self::Monthly => i64::from(date.year()) * 12 + i64::from(date.month0()),
        }
    }

    /// A period's label: the day, or the first day of the month.
    fn label(self, period: i64) -> NaiveDate {
        let date = match self {
            Self::Daily => i32::try_from(period).ok().and_then(NaiveDate::from_num_days_from_ce_opt),
            Self::Monthly => i32::try_from(period.div_euclid(12))
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, period.rem_euclid(12) as u32 + 1, 1)),
        };
        date.unwrap_or_default()
    }
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Daily => "daily",
            Self::Monthly => "monthly",
        })
    }
}

/// How far ahead to forecast, as written on the command line (`30d`, `6m`, `6mo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    Days(u32),
    Months(u32),
}

impl Horizon {
    /// `30d`, `6m` or `6mo` (a positive whole number and a unit).
    pub fn parse(text: &str) -> Result<Self, ForecastError> {
        let text = text.trim();
        let bad = || ForecastError::Horizon(text.to_string());
        let digits = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u32 = text[..digits].parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        match text[digits..].to_ascii_lowercase().as_str() {
            "d" => Ok(Self::Days(n)),
            "m" | "mo" => Ok(Self::Months(n)),
            _ => Err(bad()),
        }
    }

    /// Periods of `cadence` covering the horizon (a month is 30.44 days, rounded up).
    pub fn steps(self, cadence: Cadence) -> usize {
        let days_per_month = 365.25 / 12.0;
        match (self, cadence) {
            (Self::Days(n), Cadence::Daily) | (Self::Months(n), Cadence::Monthly) => n as usize,
            (Self::Days(n), Cadence::Monthly) => (f64::from(n) / days_per_month).ceil() as usize,
            (Self::Months(n), Cadence::Daily) => (f64::from(n) * days_per_month).ceil() as usize,
        }
    }
}

/// Which side of the limit is a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The class is met at or below the limit (NH3-N, TP, CODMn, COD): a breach is rising above it.
    Upper,
    /// The class is met at or above the limit (dissolved oxygen): a breach is falling below it.
    Lower,
}

/// The target class's limit for the item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    pub value: f64,
    pub bound: Bound,
}

impl Limit {
    /// The GB 3838 limit of `class` for `parameter` on this kind of water body, with the direction the
    /// standard gives it. pH (a range), temperature and 劣V have no single limit.
    pub fn for_class(parameter: Parameter, class: WaterClass, kind: WaterBodyKind) -> Result<Self, ForecastError> {
        let none = || ForecastError::NoLimit { parameter: parameter.key(), class: class.label() };
        let bound = match parameter.info().direction {
            Direction::UpperBound => Bound::Upper,
            Direction::LowerBound => Bound::Lower,
            Direction::Range { .. } | Direction::Unclassified => return Err(none()),
        };
        let value = parameter.limit_for(class, kind).ok_or_else(none)?;
        Ok(Self { value, bound })
    }

    /// P(crossing) for a value distributed N(mean, sd²).
    pub fn crossing_probability(self, mean: f64, sd: f64) -> f64 {
        let beyond = match self.bound {
            Bound::Upper => mean - self.value,
            Bound::Lower => self.value - mean,
        };
        if sd <= 0.0 {
            return if beyond >= 0.0 { 1.0 } else { 0.0 };
        }
        0.5 * libm::erfc(-beyond / (sd * std::f64::consts::SQRT_2))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("too little data for a {cadence} forecast: {have} values, at least {need} needed")]
    InsufficientData { cadence: Cadence, have: usize, need: usize },
    #[error("horizon '{0}' is not a positive number of days or months (write 30d, 6m or 6mo)")]
    Horizon(String),
    #[error("a horizon of {steps} periods is longer than the {max} a {cadence} forecast allows")]
    HorizonTooLong { cadence: Cadence, steps: usize, max: usize },
    #[error("{parameter} has no single class {class} limit to forecast a breach of")]
    NoLimit { parameter: &'static str, class: &'static str },
    #[error("the backtest found no value to compare a forecast with")]
    NoBacktest,
}

/// The forecasting method used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    LinearHarmonic,
    Persistence,
    SeasonalNaive,
}

impl ModelKind {
    /// The method's name, as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            Self::LinearHarmonic => "linear_harmonic",
            Self::Persistence => "persistence",
            Self::SeasonalNaive => "seasonal_naive",
        }
    }
}

/// Backtest MAEs, each over the same (origin, step) pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skill {
    /// The regression's; `null` when it could not be fitted at the origins (e.g. a constant series).
    pub mae: Option<f64>,
    pub persistence_mae: f64,
    /// `null` without about a year of history.
    pub seasonal_naive_mae: Option<f64>,
    pub origins: usize,
    /// (origin, step) pairs compared.
    pub pairs: usize,
    /// Steps ahead the backtest reached (the horizon, or less on a short history).
    pub steps: usize,
}

/// Spread of the forecast error at step s: σ²(s) = base + growth · s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorVariance {
    pub base: f64,
    pub growth: f64,
}

impl ErrorVariance {
    pub fn sd(self, step: usize) -> f64 {
        (self.base + self.growth * step as f64).max(0.0).sqrt()
    }

    /// Weighted least squares of the mean squared error at each step on the step, with both
    /// coefficients kept non-negative. `steps[s - 1] = (count, sum of squared errors)`.
    fn fit(steps: &[(usize, f64)]) -> Self {
        let pts: Vec<(f64, f64, f64)> = steps
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(i, &(n, sse))| ((i + 1) as f64, sse / n as f64, n as f64))
            .collect();
        let w: f64 = pts.iter().map(|p| p.2).sum();
        if w == 0.0 {
            return Self { base: 0.0, growth: 0.0 };
        }
        let mean_s = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / w;
        let mean_m = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / w;
        let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mean_s).powi(2)).sum();
        let sxy: f64 = pts.iter().map(|p| p.2 * (p.0 - mean_s) * (p.1 - mean_m)).sum();
        let growth = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let base = mean_m - growth * mean_s;
        if growth < 0.0 {
            Self { base: mean_m, growth: 0.0 }
        } else if base < 0.0 {
            let num: f64 = pts.iter().map(|p| p.2 * p.0 * p.1).sum();
            let den: f64 = pts.iter().map(|p| p.2 * p.0 * p.0).sum();
            Self { base: 0.0, growth: num / den }
        } else {
            Self { base, growth }
        }
    }
}

/// Everything needed to forecast again from newer values without refitting: stored as JSON by a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedForecastModel {
    pub version: String,
    /// The method used (the regression's coefficients are kept even when a baseline won).
    pub model: ModelKind,
    pub trained_at: DateTime<Utc>,
    pub cadence: Cadence,
    /// Values (periods with a value) it was trained on.
    pub n: usize,
    /// The period the trend counts from.
    pub first_period: NaiveDate,
    pub last_period: NaiveDate,
    /// Feature names, in the order of `coefficients`.
    pub features: Vec<String>,
    pub harmonics: usize,
    pub lag_window: usize,
    pub intercept: Option<f64>,
    pub coefficients: Vec<f64>,
    /// Of the chosen method's errors.
    pub error_variance: ErrorVariance,
    pub skill: Skill,
}

/// One forecast period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastStep {
    /// The day, or the first day of the month.
    pub time: NaiveDate,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// P(crossing the limit) at this step.
    pub probability: f64,
}

/// The first step expected beyond the limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub time: NaiveDate,
    pub probability: f64,
    /// Periods after the last value.
    pub step: usize,
}

/// The result of [`forecast`], as `riverchief analyze forecast` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub model: ModelKind,
    /// Why this method was used, in figures.
    pub reason: String,
    pub skill: Skill,
    pub forecast: Vec<ForecastStep>,
    /// `null` when no step reaches P ≥ 0.5 within the horizon.
    pub breach: Option<Breach>,
    /// Coverage of `low..high`.
    pub interval: f64,
    pub cadence: Cadence,
    pub limit: Limit,
    /// Values after resampling.
    pub n: usize,
    pub last_period: NaiveDate,
    pub guards: Guards,
    /// For storing; not printed.
    #[serde(skip)]
    pub fitted: FittedForecastModel,
}

/// What to forecast with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastOptions {
    /// Inferred from the spacing when `None`.
    pub cadence: Option<Cadence>,
    /// [`Cadence::default_steps`] when `None`.
    pub horizon: Option<Horizon>,
    /// Stamped on the fitted model.
    pub trained_at: DateTime<Utc>,
}

/// A series on a regular grid of periods; `None` is a gap.
#[derive(Debug, Clone, PartialEq)]
struct Grid {
    cadence: Cadence,
    /// Number of the first period.
    start: i64,
    values: Vec<Option<f64>>,
}

impl Grid {
    /// The mean of each period's points, from the first point's period to the last's.
    fn resample(series: &Series, cadence: Cadence) -> Self {
        let points = series.points();
        let Some(first) = points.first() else {
            return Self { cadence, start: 0, values: Vec::new() };
        };
        let start = cadence.period_of(first.time);
        let end = points.last().map_or(start, |p| cadence.period_of(p.time));
        let len = usize::try_from(end - start + 1).unwrap_or(0);
        let mut sums = vec![(0.0, 0usize); len];
        for p in points {
            let slot = &mut sums[(cadence.period_of(p.time) - start) as usize];
            slot.0 += p.value;
            slot.1 += 1;
        }
        let values = sums.into_iter().map(|(s, n)| (n > 0).then(|| s / n as f64)).collect();
        Self { cadence, start, values }
    }

    fn present(&self) -> usize {
        self.values.iter().flatten().count()
    }
}

/// The regression's features, from the training span.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spec {
    cadence: Cadence,
    /// Number of the period the trend counts from.
    start: i64,
    harmonics: usize,
    lag_window: usize,
}

impl Spec {
    fn for_span(cadence: Cadence, start: i64, periods: usize) -> Self {
        let years = periods.saturating_sub(1) as f64 * cadence.years_per_period();
        let harmonics = if years >= 2.0 {
            2
        } else if years >= 1.0 {
            1
        } else {
            0
        };
        Self { cadence, start, harmonics, lag_window: cadence.lag_window() }
    }

    fn names(&self) -> Vec<String> {
        let mut names = vec!["trend_years".to_string()];
        for k in 1..=self.harmonics {
            names.push(format!("sin_annual_{k}"));
            names.push(format!("cos_annual_{k}"));
        }
        names.push("lag_1".into());
        names.push(format!("lag_mean_{}", self.lag_window));
        names
    }

    /// The features of period `t` (offset from `start`) given the values before it; `None` without the
    /// lag-1 value.
    fn row(&self, t: usize, values: &[Option<f64>]) -> Option<Vec<f64>> {
        let lag1 = values.get(t.checked_sub(1)?).copied().flatten()?;
        let window: Vec<f64> = values[t.saturating_sub(self.lag_window)..t].iter().flatten().copied().collect();
        let lag_mean = window.iter().sum::<f64>() / window.len() as f64;
        let ypp = self.cadence.years_per_period();
        let mut row = vec![t as f64 * ypp];
        // Phase of the annual cycle from the period's own number, so that it does not depend on `start`.
        let phase = 2.0 * std::f64::consts::PI * ((self.start + t as i64) as f64 * ypp).fract();
        for k in 1..=self.harmonics {
            row.push((k as f64 * phase).sin());
            row.push((k as f64 * phase).cos());
        }
        row.push(lag1);
        row.push(lag_mean);
        Some(row)
    }
}

/// A fitted regression.
#[derive(Debug, Clone, PartialEq)]
struct Linear {
    spec: Spec,
    intercept: f64,
    coefficients: Vec<f64>,
}

impl Linear {
    /// Fitted on the grid's values up to and including `origin`; `None` when there are too few rows for
    /// the features or the least-squares problem is singular.
    fn fit(grid: &Grid, origin: usize) -> Option<Self> {
        let spec = Spec::for_span(grid.cadence, grid.start, origin + 1);
        let history = &grid.values[..=origin];
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (t, value) in history.iter().enumerate() {
            if let (Some(v), Some(row)) = (value, spec.row(t, history)) {
                x.extend(row);
                y.push(*v);
            }
        }
        let p = spec.names().len();
        if y.len() < (3 * (p + 1)).max(10) {
            return None;
        }
        let x = Array2::from_shape_vec((y.len(), p), x).ok()?;
        let fitted = LinearRegression::new().fit(&Dataset::new(x, Array1::from(y))).ok()?;
        let linear = Self { spec, intercept: fitted.intercept(), coefficients: fitted.params().to_vec() };
        (linear.intercept.is_finite() && linear.coefficients.iter().all(|c| c.is_finite())).then_some(linear)
    }

    /// Forecasts `steps` periods after `origin` (which must have a value), each step's forecast becoming
    /// the next one's lag.
    fn path(&self, values: &[Option<f64>], origin: usize, steps: usize) -> Vec<f64> {
        let mut known = values[..=origin].to_vec();
        let mut out = Vec::with_capacity(steps);
        for s in 1..=steps {
            let t = origin + s;
            let forecast = self.spec.row(t, &known).map_or(f64::NAN, |row| {
                self.intercept + row.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum::<f64>()
            });
            let forecast = forecast.max(0.0);
            known.push(Some(forecast));
            out.push(forecast);
        }
        out
    }
}

/// Seasonal naive: the value one (or more) years before period `target`, known at `origin`.
fn seasonal_naive(grid: &Grid, origin: usize, target: usize) -> Option<f64> {
    let season = grid.cadence.season();
    let years = (target - origin).div_ceil(season);
    let base = target.checked_sub(years * season)?;
    let slack = grid.cadence.seasonal_slack();
    (0..=slack).find_map(|d| {
        let before = base.checked_sub(d).and_then(|i| grid.values.get(i).copied().flatten());
        let after = (base + d <= origin).then(|| grid.values.get(base + d).copied().flatten()).flatten();
        before.or(after)
    })
}

/// Where the backtest's origins go.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BacktestPlan {
    /// Fewest periods before the first origin.
    min_train: usize,
    origins: usize,
}

impl BacktestPlan {
    fn for_cadence(cadence: Cadence) -> Self {
        Self { min_train: cadence.minimum() / 2, origins: BACKTEST_ORIGINS }
    }

    /// Periods between origins: half the backtest horizon, so that the origins' forecasts overlap.
    fn stride(steps: usize) -> usize {
        (steps / 2).max(1)
    }
}

/// One forecast compared with the value that came.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pair {
    step: usize,
    actual: f64,
    model: Option<f64>,
    persistence: f64,
    seasonal: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Backtest {
    origins: Vec<usize>,
    steps: usize,
    pairs: Vec<Pair>,
}

fn backtest(grid: &Grid, steps: usize, plan: BacktestPlan) -> Backtest {
    let m = grid.values.len();
    let steps = steps.min(m.saturating_sub(plan.min_train + 1)).max(1);
    let stride = BacktestPlan::stride(steps);
    let mut origins: Vec<usize> = Vec::new();
    let first_allowed = plan.min_train.saturating_sub(1);
    let Some(latest) = m.checked_sub(1 + steps) else {
        return Backtest { origins, steps, pairs: Vec::new() };
    };
    for j in 0..plan.origins {
        let Some(mut o) = latest.checked_sub(j * stride) else { break };
        // An origin needs a value to persist and to lag on: step back to one.
        while o > first_allowed && grid.values[o].is_none() {
            o -= 1;
        }
        if o < first_allowed || grid.values[o].is_none() {
            break;
        }
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    let mut pairs = Vec::new();
    for &o in &origins {
        let path = Linear::fit(grid, o).map(|l| l.path(&grid.values, o, steps));
        let last = grid.values[o].unwrap_or_default();
        for s in 1..=steps {
            if let Some(actual) = grid.values.get(o + s).copied().flatten() {
                pairs.push(Pair {
                    step: s,
                    actual,
                    model: path.as_ref().map(|p| p[s - 1]),
                    persistence: last,
                    seasonal: seasonal_naive(grid, o, o + s),
                });
            }
        }
    }
    Backtest { origins, steps, pairs }
}

impl Pair {
    fn by(&self, kind: ModelKind) -> Option<f64> {
        match kind {
            ModelKind::LinearHarmonic => self.model,
            ModelKind::Persistence => Some(self.persistence),
            ModelKind::SeasonalNaive => self.seasonal,
        }
    }
}

/// One method's backtest: its MAE and the variance of its error by step.
#[derive(Debug, Clone, Copy, PartialEq)]
struct MethodScore {
    mae: f64,
    variance: ErrorVariance,
}

/// The methods' scores over the pairs every method taking part can forecast.
#[derive(Debug, Clone, PartialEq)]
struct Scores {
    skill: Skill,
    model: Option<MethodScore>,
    persistence: MethodScore,
    seasonal: Option<MethodScore>,
}

impl Scores {
    fn of(&self, kind: ModelKind) -> Option<MethodScore> {
        match kind {
            ModelKind::LinearHarmonic => self.model,
            ModelKind::Persistence => Some(self.persistence),
            ModelKind::SeasonalNaive => self.seasonal,
        }
    }
}

fn score(bt: &Backtest, seasonal_in_play: bool) -> Option<Scores> {
    let model_pairs = bt.pairs.iter().filter(|p| p.model.is_some()).count();
    // The regression takes part when it could be fitted for at least half the pairs.
    let model_in_play = model_pairs > 0 && model_pairs * 2 >= bt.pairs.len();
    let common: Vec<&Pair> = bt
        .pairs
        .iter()
        .filter(|p| (!model_in_play || p.model.is_some()) && (!seasonal_in_play || p.seasonal.is_some()))
        .collect();
    if common.is_empty() {
        return None;
    }
    let method = |kind: ModelKind| {
        let mut abs = 0.0;
        let mut by_step = vec![(0usize, 0.0); bt.steps];
        for p in &common {
            let e = p.by(kind).unwrap_or_default() - p.actual;
            abs += e.abs();
            by_step[p.step - 1].0 += 1;
            by_step[p.step - 1].1 += e * e;
        }
        MethodScore { mae: abs / common.len() as f64, variance: ErrorVariance::fit(&by_step) }
    };
    let model = model_in_play.then(|| method(ModelKind::LinearHarmonic));
    let persistence = method(ModelKind::Persistence);
    let seasonal = seasonal_in_play.then(|| method(ModelKind::SeasonalNaive));
    Some(Scores {
        skill: Skill {
            mae: model.map(|m| m.mae),
            persistence_mae: persistence.mae,
            seasonal_naive_mae: seasonal.map(|m| m.mae),
            origins: bt.origins.len(),
            pairs: common.len(),
            steps: bt.steps,
        },
        model,
        persistence,
        seasonal,
    })
}

/// Forecast steps from the forecast values and the error variance, after period number `last`.
fn steps_from(values: &[f64], variance: ErrorVariance, limit: Limit, cadence: Cadence, last: i64) -> Vec<ForecastStep> {
    values
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            let sd = variance.sd(i + 1);
            ForecastStep {
                time: cadence.label(last + i as i64 + 1),
                value,
                low: (value - Z_INTERVAL * sd).max(0.0),
                high: value + Z_INTERVAL * sd,
                probability: limit.crossing_probability(value, sd),
            }
        })
        .collect()
}

/// Forecasts `observations` (any order) and finds the first expected crossing of `limit`.
pub fn forecast(
    observations: &[Observation],
    limit: Limit,
    options: ForecastOptions,
) -> Result<Forecast, ForecastError> {
    let series = Series::prepare(observations);
    let cadence = match options.cadence.or_else(|| Cadence::infer(&series)) {
        Some(c) => c,
        None => {
            return Err(ForecastError::InsufficientData {
                cadence: Cadence::Daily,
                have: series.len(),
                need: MIN_DAILY,
            });
        }
    };
    let grid = Grid::resample(&series, cadence);
    let n = grid.present();
    if n < cadence.minimum() {
        return Err(ForecastError::InsufficientData { cadence, have: n, need: cadence.minimum() });
    }
    let steps = options.horizon.map_or(cadence.default_steps(), |h| h.steps(cadence));
    if steps > cadence.max_steps() {
        return Err(ForecastError::HorizonTooLong { cadence, steps, max: cadence.max_steps() });
    }
    let mut result = forecast_grid(&grid, limit, steps, BacktestPlan::for_cadence(cadence), options.trained_at)?;
    result.guards = series.guards().clone();
    Ok(result)
}

fn forecast_grid(
    grid: &Grid,
    limit: Limit,
    steps: usize,
    plan: BacktestPlan,
    trained_at: DateTime<Utc>,
) -> Result<Forecast, ForecastError> {
    let cadence = grid.cadence;
    let origin = grid.values.len() - 1; // the last period has a value: the grid ends at the last point
    let last = grid.values[origin].unwrap_or_default();
    let seasonal_path: Option<Vec<f64>> =
        (1..=steps).map(|s| seasonal_naive(grid, origin, origin + s)).collect::<Option<Vec<f64>>>();
    let bt = backtest(grid, steps, plan);
    let seasonal_covered = bt.pairs.iter().filter(|p| p.seasonal.is_some()).count();
    let seasonal_in_play = seasonal_path.is_some() && seasonal_covered * 2 >= bt.pairs.len() && seasonal_covered > 0;
    let scores = score(&bt, seasonal_in_play).ok_or(ForecastError::NoBacktest)?;
    let skill = scores.skill.clone();
    let linear = Linear::fit(grid, origin).filter(|_| skill.mae.is_some());

    let (best_baseline, best_mae) = match skill.seasonal_naive_mae {
        Some(s) if s < skill.persistence_mae => (ModelKind::SeasonalNaive, s),
        _ => (ModelKind::Persistence, skill.persistence_mae),
    };
    let (model, reason) = match (skill.mae, &linear) {
        (Some(mae), Some(_)) if mae < best_mae => (
            ModelKind::LinearHarmonic,
            format!(
                "linear_harmonic backtest MAE {mae:.4} beats {} ({best_mae:.4}) by {:.0}%",
                best_baseline.name(),
                100.0 * (1.0 - mae / best_mae)
            ),
        ),
        (Some(mae), Some(_)) => (
            best_baseline,
            format!(
                "linear_harmonic backtest MAE {mae:.4} does not beat {} ({best_mae:.4}): the baseline is used",
                best_baseline.name()
            ),
        ),
        _ => (
            best_baseline,
            format!(
                "linear_harmonic could not be fitted (too few rows or collinear features): {} is used",
                best_baseline.name()
            ),
        ),
    };
    let values: Vec<f64> = match (model, &linear, &seasonal_path) {
        (ModelKind::LinearHarmonic, Some(l), _) => l.path(&grid.values, origin, steps),
        (ModelKind::SeasonalNaive, _, Some(path)) => path.clone(),
        _ => vec![last; steps],
    };
    let variance = scores.of(model).map_or(ErrorVariance { base: 0.0, growth: 0.0 }, |m| m.variance);
    let last_number = grid.start + origin as i64;
    let forecast = steps_from(&values, variance, limit, cadence, last_number);
    let breach = forecast.iter().enumerate().find(|(_, f)| f.probability >= 0.5).map(|(i, f)| Breach {
        time: f.time,
        probability: f.probability,
        step: i + 1,
    });

    let spec = linear.as_ref().map_or(Spec::for_span(cadence, grid.start, grid.values.len()), |l| l.spec);
    let fitted = FittedForecastModel {
        version: FORECAST_MODEL_VERSION.to_string(),
        model,
        trained_at,
        cadence,
        n: grid.present(),
        first_period: cadence.label(grid.start),
        last_period: cadence.label(last_number),
        features: spec.names(),
        harmonics: spec.harmonics,
        lag_window: spec.lag_window,
        intercept: linear.as_ref().map(|l| l.intercept),
        coefficients: linear.as_ref().map(|l| l.coefficients.clone()).unwrap_or_default(),
        error_variance: variance,
        skill: skill.clone(),
    };
    Ok(Forecast {
        model,
        reason,
        skill,
        forecast,
        breach,
        interval: INTERVAL,
        cadence,
        limit,
        n: grid.present(),
        last_period: cadence.label(last_number),
        guards: Guards::default(),
        fitted,
    })
}

impl FittedForecastModel {
    /// Forecasts `steps` periods after the last of `observations` with the stored coefficients and error
    /// variance, without refitting (e.g. an hourly job scoring the newest values against a model trained
    /// overnight). The observations must reach back [`lag_window`](Self::lag_window) periods, or one
    /// year for seasonal naive.
    pub fn forecast(&self, observations: &[Observation], limit: Limit, steps: usize) -> Vec<ForecastStep> {
        let grid = Grid::resample(&Series::prepare(observations), self.cadence);
        let Some(origin) = grid.values.len().checked_sub(1) else { return Vec::new() };
        let last = grid.values[origin].unwrap_or_default();
        let start = self.cadence.period_of_date(self.first_period);
        let values: Vec<f64> = match (self.model, self.intercept) {
            (ModelKind::LinearHarmonic, Some(intercept)) => {
                // Put the values where the trained grid would have them, so the trend counts from the same start.
                let offset = usize::try_from(grid.start - start).unwrap_or(0);
                let mut shifted = vec![None; offset];
                shifted.extend(grid.values.iter().copied());
                let spec =
                    Spec { cadence: self.cadence, start, harmonics: self.harmonics, lag_window: self.lag_window };
                let linear = Linear { spec, intercept, coefficients: self.coefficients.clone() };
                linear.path(&shifted, shifted.len() - 1, steps)
            }
            (ModelKind::SeasonalNaive, _) => {
                (1..=steps).map(|s| seasonal_naive(&grid, origin, origin + s).unwrap_or(last)).collect()
            }
            _ => vec![last; steps],
        };
        steps_from(&values, self.error_variance, limit, self.cadence, grid.start + origin as i64)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Days, Months, TimeZone};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};
    use serde_json::Value;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn trained_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap()
    }

    fn options(horizon: Option<Horizon>) -> ForecastOptions {
        ForecastOptions { cadence: None, horizon, trained_at: trained_at() }
    }

    /// `f(t)` plus N(0, sd²) noise on `n` consecutive days from `start`.
    fn daily(start: NaiveDate, n: usize, sd: f64, seed: u64, f: impl Fn(f64) -> f64) -> Vec<Observation> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let noise = Normal::new(0.0, sd).unwrap();
        (0..n).map(|t| Observation::new(start + Days::new(t as u64), f(t as f64) + noise.sample(&mut rng))).collect()
    }

    fn nh3n_iii() -> Limit {
        Limit::for_class(Parameter::Nh3n, WaterClass::III, WaterBodyKind::River).unwrap()
    }

    /// 2 mg/L rising 0.3 a year, ±0.8 over the year, noise σ = 0.15: monthly samples on the 15th.
    fn planted_monthly(k: u32) -> f64 {
        let years = f64::from(k) / 12.0;
        2.0 + 0.3 * years + 0.8 * (2.0 * std::f64::consts::PI * f64::from(k % 12) / 12.0).sin()
    }

    fn planted_monthly_series(months: u32) -> Vec<Observation> {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let noise = Normal::new(0.0, 0.15).unwrap();
        (0..months)
            .map(|k| Observation::new(day(2017, 1, 15) + Months::new(k), planted_monthly(k) + noise.sample(&mut rng)))
            .collect()
    }

    #[test]
    fn a_planted_trend_and_season_is_forecast_better_than_both_baselines_and_near_the_truth() {
        let codmn_iii = Limit::for_class(Parameter::Codmn, WaterClass::III, WaterBodyKind::River).unwrap();
        let result = forecast(&planted_monthly_series(96), codmn_iii, options(Some(Horizon::Months(12)))).unwrap();
        assert_eq!(result.cadence, Cadence::Monthly);
        assert_eq!(result.model, ModelKind::LinearHarmonic, "{}", result.reason);
        let skill = &result.skill;
        let mae = skill.mae.unwrap();
        let seasonal = skill.seasonal_naive_mae.unwrap();
        assert!(mae < skill.persistence_mae && mae < seasonal, "{skill:?}");
        // The noise alone has a mean absolute value of 0.15·√(2/π) = 0.12.
        assert!(mae < 0.2, "{skill:?}");
        assert_eq!(result.forecast.len(), 12);
        assert_eq!(result.forecast[0].time, day(2025, 1, 1));
        let errors: Vec<f64> =
            result.forecast.iter().enumerate().map(|(i, f)| (f.value - planted_monthly(96 + i as u32)).abs()).collect();
        let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
        assert!(mean_error < 0.15, "{errors:?}");
        assert!(errors.iter().all(|&e| e < 0.35), "{errors:?}");
        let covered = result
            .forecast
            .iter()
            .enumerate()
            .filter(|(i, f)| (f.low..=f.high).contains(&planted_monthly(96 + *i as u32)))
            .count();
        assert!(covered >= 9, "the 80 % interval covers the truth {covered} times in 12");
        // 6 mg/L is far above the series: no breach.
        assert!(result.breach.is_none());
    }

    #[test]
    fn ammonia_climbing_toward_its_limit_is_expected_to_cross_about_twenty_days_ahead() {
        // 0.305 mg/L rising 0.005 a day over 120 days: the last value is about 0.9, so 1.0 comes 20 days on.
        let start = day(2025, 3, 1);
        let observations = daily(start, 120, 0.03, 7, |t| 0.305 + 0.005 * t);
        let result = forecast(&observations, nh3n_iii(), options(None)).unwrap();
        assert_eq!(result.cadence, Cadence::Daily);
        assert_eq!(result.forecast.len(), 30, "30 days by default");
        assert_eq!(result.model, ModelKind::LinearHarmonic, "{}", result.reason);
        assert!(result.skill.mae.unwrap() < result.skill.persistence_mae);
        assert_eq!(result.skill.seasonal_naive_mae, None, "less than a year of history");
        let breach = result.breach.as_ref().expect("a breach within 30 days");
        let expected = start + Days::new(139);
        let off = (breach.time - expected).num_days();
        assert!(off.abs() <= 4, "breach on {} vs {expected}", breach.time);
        assert!(breach.probability >= 0.5);
        assert_eq!(breach.time, result.forecast[breach.step - 1].time);
        // Probabilities rise along a rising forecast; a step before the breach is below one half.
        assert!(result.forecast[breach.step.saturating_sub(3)].probability < 0.5);
        assert!(result.forecast[29].probability > 0.9);
    }

    #[test]
    fn a_flat_noisy_series_expects_no_breach() {
        let observations = daily(day(2025, 1, 1), 200, 0.05, 3, |_| 0.5);
        let result = forecast(&observations, nh3n_iii(), options(None)).unwrap();
        assert!(result.breach.is_none());
        assert!(result.forecast.iter().all(|f| f.probability < 0.01), "{:?}", result.forecast);
        assert!(result.forecast.iter().all(|f| (f.value - 0.5).abs() < 0.1));
        // Whichever wins, the choice follows the MAEs and the reason says why.
        let best = result.skill.persistence_mae.min(result.skill.seasonal_naive_mae.unwrap_or(f64::INFINITY));
        match result.model {
            ModelKind::LinearHarmonic => assert!(result.skill.mae.unwrap() < best),
            _ => assert!(result.reason.contains("baseline is used"), "{}", result.reason),
        }
    }

    #[test]
    fn persistence_is_used_where_the_regression_does_not_beat_it() {
        // A random walk: nothing but the last value is worth anything.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let step = Normal::new(0.0, 0.05).unwrap();
        let mut level = 2.0;
        let observations: Vec<Observation> = (0..150)
            .map(|t| {
                level += step.sample(&mut rng);
                Observation::new(day(2024, 1, 1) + Days::new(t), level)
            })
            .collect();
        let result = forecast(&observations, nh3n_iii(), options(None)).unwrap();
        if result.model == ModelKind::Persistence {
            assert!(result.skill.mae.is_none_or(|m| m >= result.skill.persistence_mae));
            assert!(result.reason.contains("persistence"), "{}", result.reason);
            assert!(result.forecast.iter().all(|f| f.value == result.forecast[0].value));
        } else {
            assert!(result.skill.mae.unwrap() < result.skill.persistence_mae, "{:?}", result.skill);
        }
        // The persistence interval widens with the step, as a random walk's does.
        let widths: Vec<f64> = result.forecast.iter().map(|f| f.high - f.value).collect();
        assert!(widths[29] > widths[0], "{widths:?}");
    }

    #[test]
    fn dissolved_oxygen_falling_below_its_lower_limit_is_a_breach() {
        let limit = Limit::for_class(Parameter::Do, WaterClass::III, WaterBodyKind::River).unwrap();
        assert_eq!(limit, Limit { value: 5.0, bound: Bound::Lower });
        // From 8.28 mg/L down 0.02 a day over 150 days: about 5.3 at the end, under 5 fifteen days later.
        let start = day(2025, 1, 1);
        let observations = daily(start, 150, 0.1, 21, |t| 8.28 - 0.02 * t);
        let result = forecast(&observations, limit, options(None)).unwrap();
        let breach = result.breach.as_ref().expect("DO falls below 5 mg/L");
        let expected = start + Days::new(149 + 15);
        assert!((breach.time - expected).num_days().abs() <= 6, "breach on {} vs {expected}", breach.time);
        assert!(result.forecast[breach.step - 1].value <= 5.0 + 1e-9);
        // Above 5 mg/L is good water for DO: the first step, still above the limit, is no breach; had 5 been
        // an upper limit, it would be one.
        let first = &result.forecast[0];
        assert!(first.value > 5.0 && first.probability < 0.5, "{first:?}");
        assert!(Limit { value: 5.0, bound: Bound::Upper }.crossing_probability(first.value, 0.1) > 0.5);
    }

    #[test]
    fn too_short_a_series_is_refused() {
        let days = daily(day(2025, 1, 1), MIN_DAILY - 1, 0.05, 1, |_| 0.5);
        assert_eq!(
            forecast(&days, nh3n_iii(), options(None)),
            Err(ForecastError::InsufficientData { cadence: Cadence::Daily, have: MIN_DAILY - 1, need: MIN_DAILY })
        );
        let months = &planted_monthly_series(MIN_MONTHLY as u32 - 1);
        assert!(matches!(
            forecast(months, nh3n_iii(), options(None)),
            Err(ForecastError::InsufficientData { cadence: Cadence::Monthly, have: 23, need: 24 })
        ));
        // Flagged values do not count.
        let mut flagged = daily(day(2025, 1, 1), MIN_DAILY, 0.05, 1, |_| 0.5);
        flagged[0] = flagged[0].clone().flag();
        assert!(forecast(&flagged, nh3n_iii(), options(None)).is_err());
        assert!(matches!(forecast(&[], nh3n_iii(), options(None)), Err(ForecastError::InsufficientData { .. })));
        let long = Some(Horizon::Days(400));
        let enough = daily(day(2025, 1, 1), 100, 0.05, 1, |_| 0.5);
        assert!(matches!(forecast(&enough, nh3n_iii(), options(long)), Err(ForecastError::HorizonTooLong { .. })));
    }

    fn grid(values: &[Option<f64>]) -> Grid {
        Grid { cadence: Cadence::Monthly, start: 2020 * 12, values: values.to_vec() }
    }

    #[test]
    fn the_backtest_mae_is_the_hand_computed_mean_of_absolute_errors() {
        // Ten months with a gap at 6. Two steps ahead, origins from 10 − 1 − 2 = 7 one month apart: 7, then
        // 6 (a gap) steps back to 5. From 7 (value 7): 8 and 9 come, errors 1 and 2; from 5 (value 6): month
        // 6 is missing, month 7 is 7, error 1. Persistence MAE = (1 + 2 + 1) / 3. Eight months are too few
        // for the regression and there is no year to look back to.
        let g = grid(&[1.0, 2.0, 3.0, 5.0, 4.0, 6.0, f64::NAN, 7.0, 8.0, 9.0].map(|v| (!v.is_nan()).then_some(v)));
        let bt = backtest(&g, 2, BacktestPlan { min_train: 4, origins: 2 });
        assert_eq!(bt.origins, [7, 5]);
        let scores = score(&bt, false).unwrap();
        assert_eq!(scores.skill.pairs, 3);
        assert!((scores.skill.persistence_mae - 4.0 / 3.0).abs() < 1e-12);
        assert_eq!((scores.skill.mae, scores.skill.seasonal_naive_mae), (None, None));
        // Error variance by step: step 1 squared errors {1}, step 2 {4, 1}: MSE 1 and 2.5 on steps 1 and 2,
        // weights 1 and 2: the weighted line through them is exact, σ²(s) = −0.5 + 1.5·s, whose negative
        // base is refitted through zero: growth = (1·1·1 + 2·2·2.5) / (1·1 + 2·4) = 11/9.
        let v = scores.persistence.variance;
        assert_eq!(v.base, 0.0);
        assert!((v.growth - 11.0 / 9.0).abs() < 1e-12, "{v:?}");
    }

    #[test]
    fn seasonal_naive_looks_one_year_back_from_what_was_known_at_the_origin() {
        // 0..11, then 22..25: a step up of 10 after the first year. Origins 13 and 12, two steps ahead.
        let values: Vec<Option<f64>> =
            (0..16).map(|t| Some(if t < 12 { f64::from(t) } else { f64::from(t + 10) })).collect();
        let bt = backtest(&grid(&values), 2, BacktestPlan { min_train: 4, origins: 2 });
        assert_eq!(bt.origins, [13, 12]);
        // From 13 (23): 24 and 25 against persistence 23 (errors 1, 2) and months 2 and 3 (22 each);
        // from 12 (22): 23 and 24 against 22 (1, 2) and months 1 and 2 (22 each).
        let scores = score(&bt, true).unwrap();
        assert_eq!(scores.skill.pairs, 4);
        assert!((scores.skill.persistence_mae - 1.5).abs() < 1e-12);
        assert!((scores.skill.seasonal_naive_mae.unwrap() - 22.0).abs() < 1e-12);
        // A gap one year back: the monthly seasonal naive has no slack, the daily one looks 3 days around.
        let mut gappy = values.clone();
        gappy[2] = None;
        assert_eq!(seasonal_naive(&grid(&gappy), 13, 14), None);
        let daily_grid =
            Grid { cadence: Cadence::Daily, start: 0, values: (0..400).map(|t| Some(f64::from(t))).collect() };
        let mut daily_gappy = daily_grid.clone();
        daily_gappy.values[399 + 1 - 365] = None;
        assert_eq!(seasonal_naive(&daily_gappy, 399, 400), Some(34.0));
    }

    #[test]
    fn the_result_has_the_documented_json_shape() {
        let limit = nh3n_iii();
        let result = forecast(&planted_monthly_series(60), limit, options(None)).unwrap();
        let json: Value = serde_json::to_value(&result).unwrap();
        assert!(["linear_harmonic", "persistence", "seasonal_naive"].contains(&json["model"].as_str().unwrap()));
        for key in ["mae", "persistence_mae", "seasonal_naive_mae"] {
            assert!(json["skill"][key].is_number(), "skill.{key}: {json}");
        }
        assert_eq!(json["forecast"].as_array().unwrap().len(), 6, "6 months by default");
        for key in ["time", "value", "low", "high"] {
            assert!(json["forecast"][0].get(key).is_some(), "forecast.{key}");
        }
        assert_eq!(json["forecast"][0]["time"], "2022-01-01");
        assert!(json["breach"].is_object(), "the series is above 1 mg/L: {json}");
        assert_eq!(json["breach"]["time"], "2022-01-01");
        assert_eq!(json["interval"], 0.8);
        assert_eq!(json["cadence"], "monthly");
        assert_eq!(json["n"], 60);
        assert!(json["reason"].is_string());
        assert!(json.get("fitted").is_none(), "the fitted model is stored, not printed");

        let flat = forecast(&daily(day(2025, 1, 1), 90, 0.05, 3, |_| 0.5), limit, options(None)).unwrap();
        let json: Value = serde_json::to_value(&flat).unwrap();
        assert_eq!(json["breach"], Value::Null);
        assert_eq!(json["skill"]["seasonal_naive_mae"], Value::Null);
    }

    #[test]
    fn a_stored_model_forecasts_again_without_refitting() {
        let observations = daily(day(2025, 3, 1), 120, 0.03, 7, |t| 0.305 + 0.005 * t);
        let result = forecast(&observations, nh3n_iii(), options(None)).unwrap();
        let stored = serde_json::to_string(&result.fitted).unwrap();
        let model: FittedForecastModel = serde_json::from_str(&stored).unwrap();
        assert_eq!(model.version, FORECAST_MODEL_VERSION);
        assert_eq!(model.trained_at, trained_at());
        assert_eq!(model.features, ["trend_years", "lag_1", "lag_mean_7"]);
        assert_eq!(model.coefficients.len(), 3);
        // JSON keeps the coefficients to within an ulp or so.
        let same = |a: &[ForecastStep], b: &[ForecastStep]| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    x.time == y.time && (x.value - y.value).abs() < 1e-9 && (x.high - y.high).abs() < 1e-9
                })
        };
        // The whole history again gives the same forecast…
        assert!(same(&model.forecast(&observations, nh3n_iii(), 30), &result.forecast));
        // …and only its last fortnight is needed for the lags.
        assert!(same(&model.forecast(&observations[106..], nh3n_iii(), 30), &result.forecast));
    }

    #[test]
    fn error_variance_is_flat_for_white_noise_and_grows_for_a_random_walk() {
        let white = ErrorVariance::fit(&[(10, 10.0), (10, 10.0), (10, 10.0)]);
        assert_eq!(white, ErrorVariance { base: 1.0, growth: 0.0 });
        let walk = ErrorVariance::fit(&[(10, 10.0), (10, 20.0), (10, 30.0), (10, 40.0)]);
        assert!(walk.base.abs() < 1e-12 && (walk.growth - 1.0).abs() < 1e-12, "{walk:?}");
        assert!((walk.sd(9) - 3.0).abs() < 1e-12);
        // A shrinking error is read as flat, never negative.
        let shrinking = ErrorVariance::fit(&[(1, 4.0), (1, 2.0)]);
        assert_eq!(shrinking, ErrorVariance { base: 3.0, growth: 0.0 });
    }

    #[test]
    fn crossing_probability_is_the_normal_tail_beyond_the_limit() {
        let upper = Limit { value: 1.0, bound: Bound::Upper };
        assert!((upper.crossing_probability(1.0, 0.2) - 0.5).abs() < 1e-15);
        // One σ below the limit: P(Z > 1) = 0.158655.
        assert!((upper.crossing_probability(0.8, 0.2) - 0.158_655_253_931_457).abs() < 1e-12);
        let lower = Limit { value: 5.0, bound: Bound::Lower };
        assert!((lower.crossing_probability(4.8, 0.2) - 0.841_344_746_068_543).abs() < 1e-12);
        assert_eq!(upper.crossing_probability(1.1, 0.0), 1.0);
    }

    #[test]
    fn limits_come_from_gb3838_with_their_direction() {
        assert_eq!(nh3n_iii(), Limit { value: 1.0, bound: Bound::Upper });
        let tp_lake = Limit::for_class(Parameter::Tp, WaterClass::III, WaterBodyKind::Lake).unwrap();
        assert_eq!(tp_lake.value, 0.05);
        assert!(Limit::for_class(Parameter::Ph, WaterClass::III, WaterBodyKind::River).is_err());
        assert!(Limit::for_class(Parameter::Nh3n, WaterClass::WorseThanV, WaterBodyKind::River).is_err());
    }

    #[test]
    fn horizons_read_days_and_months() {
        assert_eq!(Horizon::parse("30d"), Ok(Horizon::Days(30)));
        assert_eq!(Horizon::parse("6m"), Ok(Horizon::Months(6)));
        assert_eq!(Horizon::parse("6MO"), Ok(Horizon::Months(6)));
        for bad in ["", "d", "0d", "30", "30 days", "-3d", "1.5m"] {
            assert!(Horizon::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Horizon::Months(6).steps(Cadence::Daily), 183);
        assert_eq!(Horizon::Days(30).steps(Cadence::Monthly), 1);
        assert_eq!(Horizon::Days(90).steps(Cadence::Monthly), 3);
    }

    #[test]
    fn the_cadence_follows_the_median_spacing() {
        let four_hourly: Vec<Observation> = (0..100)
            .map(|k| {
                Observation::new(
                    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::hours(4 * k),
                    1.0,
                )
            })
            .collect();
        assert_eq!(Cadence::infer(&Series::prepare(&four_hourly)), Some(Cadence::Daily));
        // Six 4-hourly readings make one daily mean.
        let g = Grid::resample(&Series::prepare(&four_hourly), Cadence::Daily);
        assert_eq!(g.values.len(), 17);
        assert_eq!(Cadence::infer(&Series::prepare(&planted_monthly_series(30))), Some(Cadence::Monthly));
        assert_eq!(Cadence::infer(&Series::prepare(&planted_monthly_series(1))), None);
        // Missing months stay gaps.
        let mut months = planted_monthly_series(30);
        months.remove(5);
        let g = Grid::resample(&Series::prepare(&months), Cadence::Monthly);
        assert_eq!((g.values.len(), g.present()), (30, 29));
        assert_eq!(g.values[5], None);
    }
}
