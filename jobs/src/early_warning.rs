//! `early_warning`: every hour, the exceedance forecast of every section's key items (NH3-N, TP, CODMn,
//! COD, DO), the anomaly score of every automatic station's latest readings, and the colour warning of every
//! section's items from them, its recent values and its stored trends. Models and results are stored
//! (`models::forecasts`); the API only reads them.
//!
//! - **Series.** A manual section's monthly means over the last 60 months (through the current month) come
//!   from the monthly totals (`reading_months`) as the trend job takes them; an automatic station's daily
//!   means over the last 180 days ending yesterday are averaged in the database. A station with at least
//!   [`MIN_DAILY`] days is forecast daily (30 days ahead), otherwise monthly (6 months ahead).
//! - **When a model is refitted.** Retraining every model every hour would be waste at a nation's size
//!   (and would change nothing: a monthly mean moves when a sample arrives, a daily series when a day
//!   ends). A monthly model is refitted when its series differs from the one it was trained on (a new or
//!   revised month: compared by a signature of the series), when it is older than a day, when the target
//!   class changed or the method's version did; otherwise the stored model and forecast stand. A daily
//!   model is refitted once a day, at the first run after midnight (China Standard Time), when its series
//!   has a new day: between those runs the station's daily series is not even read.
//! - **Anomalies.** An automatic station's readings of the last 24 hours (DO, pH, conductivity, turbidity,
//!   NH3-N, CODMn, at one sampling time each) are scored against a detector fitted on the 60 days before
//!   them, refitted once a day. The latest scored reading is stored with its score, threshold and items.
//! - **Warnings.** Each section's evaluated items (and items an anomaly is due to) are judged with
//!   `domain::warning::assess` from: their newest valid values (the last `confirm`, sampled within 90
//!   days, read through the index, never a scan), a significant trend in the worse direction over 36
//!   months (90 days for automatic stations) from the stored trend results, the largest probability
//!   of the stored forecast crossing the target limit, and the station's anomaly when the item made
//!   at least a fifth of its score (or, when no evaluated item did, the evaluated item that moved most).
//!   A warning is raised or updated (`models::warnings`, kind `quality`); warnings no longer holding are
//!   lifted, and the alerts they opened note it.
//! - **Alerts.** A warning opens or updates its alert (kind `warning`), and the lowest chief hears of it
//!   once, and again only when it grows graver. *Except* a warning whose only reasons are values worse
//!   than the target: each of those readings already opened an exceedance alert with its own notice when
//!   it was stored (`models::alerts::record_reading`), and a second notice about the same values is noise.
//! - One section failing (its write, its model) is logged and counted; the others go on, and its warnings
//!   are left as they were rather than lifted.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, TimeDelta, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tracing::{error, info};

use models::domain::Code;
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use models::domain::notice_text::format_number;
use models::domain::period::YearMonth;
use models::domain::trend::{TrendVerdict, TrendWindow};
use models::domain::warning::{
    Warning, WarningInputs, WarningKind, WarningLevel, WarningReason, WarningThresholds, assess, deteriorates,
};
use models::entities::{anomaly_models, forecast_models, trend_results};
use models::forecasts::{AlertFacts, JudgedWarning, RecentValue, SectionResults, StationValue};
use models::sections::SectionContext;
use models::trends::{DayRow, MonthRow};
use models::warnings::{Raise, quality_key};

use crate::analysis::Observation;
use crate::analysis::anomaly::{ANOMALY_MODEL_VERSION, AnomalyModel, AnomalyOptions, AnomalyScore, STATION_ITEMS};
use crate::analysis::forecast::{
    Bound, Cadence, FORECAST_MODEL_VERSION, Forecast, ForecastError, ForecastOptions, Limit, MIN_DAILY, MIN_MONTHLY,
    forecast,
};
use crate::trend_analysis::{day_observation, month_observation};
use crate::{Job, JobContext, JobFuture, Report};

pub const NAME: &str = "early_warning";

/// The items forecast.
pub const KEY_PARAMETERS: [Parameter; 5] =
    [Parameter::Nh3n, Parameter::Tp, Parameter::Codmn, Parameter::Cod, Parameter::Do];

/// Sections read, judged and written together.
const SECTIONS_PER_PAGE: usize = 200;
/// Monthly history forecast from.
const MONTHS: u32 = 60;
/// Daily history of an automatic station forecast from.
const STATION_DAYS: u64 = 180;
/// Values sampled longer ago are not recent: they raise no level of their own.
const RECENT_DAYS: i64 = 90;
/// A model older than this is refitted.
const REFIT_AFTER: TimeDelta = TimeDelta::hours(24);
/// A stored forecast older than this is not used (its series has fallen below the minimum since).
const FORECAST_STALE: TimeDelta = TimeDelta::hours(48);
/// The anomaly detector's history, before the scored window.
const ANOMALY_TRAINING_DAYS: i64 = 60;
/// Readings scored each run.
const ANOMALY_WINDOW: TimeDelta = TimeDelta::hours(24);
/// An anomaly is put down to the items making at least this share of its score.
const ANOMALY_SHARE: f64 = 0.2;

pub struct EarlyWarning;

impl Job for EarlyWarning {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "forecasts, station anomalies and colour warnings of every section, with their alerts"
    }

    fn default_schedule(&self) -> &'static str {
        // A quarter past every hour.
        "0 15 * * * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(run(&ctx.db, &ctx.warnings, now))
    }
}

/// The times one run looks at.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now: DateTime<Utc>,
    /// Midnight China Standard Time at the start of today.
    today: DateTime<Utc>,
    this_month: YearMonth,
    first_month: YearMonth,
    /// The earliest month a recent value can lie in.
    recent_month: YearMonth,
}

impl Clock {
    fn at(now: DateTime<Utc>) -> Self {
        let date = now.with_timezone(&Shanghai).date_naive();
        let this_month = YearMonth::of(date);
        let mut first_month = this_month;
        for _ in 1..MONTHS {
            first_month = first_month.previous();
        }
        let recent = (now - TimeDelta::days(RECENT_DAYS)).with_timezone(&Shanghai).date_naive();
        Self {
            now,
            today: crate::analysis::SampleTime::instant(date),
            this_month,
            first_month,
            recent_month: YearMonth::of(recent),
        }
    }
}

/// Runs the job over every section, a page at a time, then lifts the warnings no longer holding.
pub async fn run(
    db: &DatabaseConnection,
    thresholds: &WarningThresholds,
    now: DateTime<Utc>,
) -> anyhow::Result<Report> {
    let now = now.trunc_subsecs(0);
    let clock = Clock::at(now);
    let kinds = models::trends::section_kinds(db).await.context("reading the sections")?;
    let mut ids: Vec<i32> = kinds.keys().copied().collect();
    ids.sort_unstable();
    let mut report = Report::default();
    let mut still: HashSet<String> = HashSet::new();
    for page in ids.chunks(SECTIONS_PER_PAGE) {
        let (Some(&first), Some(&last)) = (page.first(), page.last()) else { continue };
        if let Err(e) = run_page(db, first..=last, thresholds, clock, &mut report, &mut still).await {
            error!(job = NAME, sections = %format!("{first}..={last}"), error = format!("{e:#}"), "a page of sections failed");
            report.failures += 1;
            // Not judged: their warnings stay as they were.
            still.extend(page.iter().flat_map(|&s| Parameter::all().map(move |p| quality_key(s, p))));
        }
    }
    let lifted = models::forecasts::lift_quality_warnings(db, &still, now).await.context("lifting warnings")?;
    for w in &lifted {
        report.count("lifted");
        report.lines.push(format!("lifted: {}", w.summary));
    }
    info!(job = NAME, summary = %report.summary(), "early warnings judged");
    Ok(report)
}

/// What one page read.
struct PageData {
    months: HashMap<(i32, Parameter), Vec<MonthRow>>,
    days: HashMap<(i32, Parameter), Vec<DayRow>>,
    /// Sections whose daily series was read this run.
    days_read: HashSet<i32>,
    stored: HashMap<(i32, Parameter), forecast_models::Model>,
    trends: HashMap<(i32, Parameter, TrendWindow), trend_results::Model>,
    recent: HashMap<(i32, Parameter), Vec<RecentValue>>,
    anomalies: HashMap<i32, anomaly_models::Model>,
    scored: HashMap<i32, Vec<StationValue>>,
    training: HashMap<i32, Vec<StationValue>>,
}

fn by_series<T>(rows: Vec<T>, key: impl Fn(&T) -> (i32, Parameter)) -> HashMap<(i32, Parameter), Vec<T>> {
    let mut out: HashMap<(i32, Parameter), Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

fn by_section(rows: Vec<StationValue>) -> HashMap<i32, Vec<StationValue>> {
    let mut out: HashMap<i32, Vec<StationValue>> = HashMap::new();
    for r in rows {
        out.entry(r.section_id).or_default().push(r);
    }
    out
}

async fn read_page(
    db: &DatabaseConnection,
    sections: std::ops::RangeInclusive<i32>,
    contexts: &[SectionContext],
    clock: Clock,
    confirm: usize,
) -> anyhow::Result<PageData> {
    let months = models::trends::months_of(db, sections.clone(), clock.first_month, clock.this_month)
        .await
        .context("reading monthly totals")?;
    let stored: HashMap<(i32, Parameter), forecast_models::Model> =
        models::forecasts::forecasts_of(db, sections.clone())
            .await
            .context("reading stored forecasts")?
            .into_iter()
            .map(|m| ((m.section_id, m.parameter), m))
            .collect();
    // A station's daily series is read once a day: when none of its daily models was trained today.
    let trained_today: HashSet<i32> = stored
        .values()
        .filter(|m| m.cadence == Cadence::Daily.to_string() && m.trained_at >= clock.today)
        .map(|m| m.section_id)
        .collect();
    let due: Vec<i32> = contexts.iter().map(|c| c.section.id).filter(|id| !trained_today.contains(id)).collect();
    let from = clock.today - TimeDelta::days(STATION_DAYS as i64);
    let days =
        models::trends::station_days_of(db, &due, from, clock.today).await.context("reading station daily means")?;
    let trends = models::trends::for_sections(db, sections.clone())
        .await
        .context("reading stored trends")?
        .into_iter()
        .map(|t| ((t.section_id, t.parameter, t.window), t))
        .collect();
    let mut series: Vec<(i32, Parameter)> =
        months.iter().filter(|m| m.month >= clock.recent_month).map(|m| (m.section_id, m.parameter)).collect();
    series.dedup();
    let recent = models::forecasts::newest_valid(db, &series, clock.now - TimeDelta::days(RECENT_DAYS), confirm)
        .await
        .context("reading the newest values")?;
    let anomalies: HashMap<i32, anomaly_models::Model> = models::forecasts::anomalies_of(db, sections)
        .await
        .context("reading stored anomaly models")?
        .into_iter()
        .map(|a| (a.section_id, a))
        .collect();
    let ids: Vec<i32> = contexts.iter().map(|c| c.section.id).collect();
    let window_start = clock.now - ANOMALY_WINDOW;
    let scored = by_section(
        models::forecasts::station_values(db, &ids, &STATION_ITEMS, window_start, clock.now + TimeDelta::seconds(1))
            .await
            .context("reading the stations' latest readings")?,
    );
    let refit: Vec<i32> =
        scored.keys().copied().filter(|id| anomalies.get(id).is_none_or(|a| anomaly_due(a, clock.now))).collect();
    let training = by_section(
        models::forecasts::station_values(
            db,
            &refit,
            &STATION_ITEMS,
            window_start - TimeDelta::days(ANOMALY_TRAINING_DAYS),
            window_start,
        )
        .await
        .context("reading the stations' history")?,
    );
    Ok(PageData {
        months: by_series(months, |m| (m.section_id, m.parameter)),
        days_read: due.into_iter().collect(),
        days: by_series(days, |d| (d.section_id, d.parameter)),
        stored,
        trends,
        recent: by_series(recent, |r| (r.section_id, r.parameter)),
        anomalies,
        scored,
        training,
    })
}

fn anomaly_due(stored: &anomaly_models::Model, now: DateTime<Utc>) -> bool {
    stored.version != ANOMALY_MODEL_VERSION || now - stored.trained_at >= REFIT_AFTER
}

async fn run_page(
    db: &DatabaseConnection,
    sections: std::ops::RangeInclusive<i32>,
    thresholds: &WarningThresholds,
    clock: Clock,
    report: &mut Report,
    still: &mut HashSet<String>,
) -> anyhow::Result<()> {
    let contexts: Vec<SectionContext> = models::sections::contexts_in(db, sections.clone())
        .await
        .context("reading the sections")?
        .into_iter()
        .filter(|c| c.section.active)
        .collect();
    let data = read_page(db, sections, &contexts, clock, thresholds.confirm).await?;
    let thresholds = *thresholds;
    let (judged, contexts) = tokio::task::spawn_blocking(move || {
        let judged: Vec<SectionJudgement> =
            contexts.iter().map(|c| judge_section(c, &data, &thresholds, clock)).collect();
        (judged, contexts)
    })
    .await
    .context("the analysis thread")?;
    for (ctx, judged) in contexts.iter().zip(judged) {
        for (what, n) in &judged.counts {
            for _ in 0..*n {
                report.count(what);
            }
        }
        let keys: Vec<String> = judged.results.warnings.iter().map(|w| w.raise.key.clone()).collect();
        match models::forecasts::store_section(db, ctx, judged.results, clock.now).await {
            Ok(outcome) => {
                still.extend(keys);
                for (name, n) in [
                    ("raised", outcome.raised),
                    ("graver", outcome.graver),
                    ("milder", outcome.milder),
                    ("unchanged", outcome.unchanged),
                    ("alerts opened", outcome.alerts_opened),
                    ("notices queued", outcome.notices_queued),
                ] {
                    for _ in 0..n {
                        report.count(name);
                    }
                }
            }
            Err(e) => {
                error!(job = NAME, section = %ctx.section.code, error = format!("{e:#}"), "a section's results were not stored");
                report.failures += 1;
                still.extend(Parameter::all().map(|p| quality_key(ctx.section.id, p)));
            }
        }
    }
    Ok(())
}

/// One section's results and what was done to get them.
struct SectionJudgement {
    results: SectionResults,
    counts: Vec<(&'static str, u64)>,
}

fn judge_section(ctx: &SectionContext, data: &PageData, t: &WarningThresholds, clock: Clock) -> SectionJudgement {
    let id = ctx.section.id;
    let kind = ctx.kind();
    let target = ctx.target_at(clock.now);
    let mut counts: Vec<(&'static str, u64)> = Vec::new();
    let mut results = SectionResults::default();

    // Forecasts: refitted where due, else the stored one stands.
    let mut forecasts: HashMap<Parameter, forecast_models::Model> = HashMap::new();
    for p in KEY_PARAMETERS.into_iter().filter(|p| p.is_evaluated(kind)) {
        let stored = data.stored.get(&(id, p));
        match forecast_item(ctx, p, target, data, stored, clock) {
            ItemForecast::Fitted(model) => {
                counts.push(("forecast", 1));
                forecasts.insert(p, (*model).clone());
                results.forecasts.push(*model);
            }
            ItemForecast::Kept => {
                counts.push(("kept", 1));
                if let Some(s) = stored {
                    forecasts.insert(p, s.clone());
                }
            }
            ItemForecast::None => {}
        }
    }

    // The station's anomaly.
    let anomaly = data.scored.get(&id).and_then(|values| {
        let model = match data.anomalies.get(&id).filter(|a| !anomaly_due(a, clock.now)) {
            Some(stored) => serde_json::from_str::<AnomalyModel>(&stored.parameters).ok(),
            None => {
                let rows = readings_by_time(data.training.get(&id).map_or(&[][..], |v| v));
                let training: Vec<Vec<Option<f64>>> = rows
                    .iter()
                    .map(|(_, r)| {
                        STATION_ITEMS.iter().map(|i| r.iter().find(|(p, _)| p == i).map(|(_, v)| *v)).collect()
                    })
                    .collect();
                let fitted = AnomalyModel::fit(&STATION_ITEMS, &training, AnomalyOptions::new(clock.now)).ok();
                if fitted.is_some() {
                    counts.push(("anomaly models fitted", 1));
                }
                fitted
            }
        }?;
        let scores: Vec<(DateTime<Utc>, AnomalyScore)> =
            readings_by_time(values).into_iter().filter_map(|(at, r)| model.score(&r).map(|s| (at, s))).collect();
        let (at, latest) = scores.last()?.clone();
        let anomalous = scores.iter().filter(|(_, s)| s.anomalous).count();
        counts.push(("stations scored", 1));
        if latest.anomalous {
            counts.push(("anomalous", 1));
        }
        let row = anomaly_models::Model {
            section_id: id,
            version: model.version.clone(),
            parameters: serde_json::to_string(&model).unwrap_or_else(|_| "{}".into()),
            trained_at: model.trained_at,
            training_n: i32::try_from(model.n).unwrap_or(i32::MAX),
            scored_at: Some(at),
            score: Some(latest.score),
            p: Some(latest.p),
            p_threshold: model.p_threshold,
            anomalous: latest.anomalous,
            contributions: serde_json::to_string(&latest.contributions).unwrap_or_else(|_| "[]".into()),
            recent_scored: i32::try_from(scores.len()).unwrap_or(i32::MAX),
            recent_anomalous: i32::try_from(anomalous).unwrap_or(i32::MAX),
            updated_at: clock.now,
        };
        Some((row, latest))
    });
    let anomalous_items: HashSet<Parameter> =
        anomaly.as_ref().filter(|(_, s)| s.anomalous).map(|(_, s)| anomaly_items(s, kind)).unwrap_or_default();
    results.anomaly = anomaly.map(|(row, _)| row);

    // The colour warning of each item.
    let is_station = |p: Parameter| data.trends.contains_key(&(id, p, TrendWindow::Days90));
    let mut items: Vec<Parameter> = Parameter::all()
        .filter(|&p| {
            (p.is_evaluated(kind)
                && (data.recent.contains_key(&(id, p))
                    || forecasts.contains_key(&p)
                    || data.trends.contains_key(&(id, p, TrendWindow::Months36))
                    || is_station(p)))
                || anomalous_items.contains(&p)
        })
        .collect();
    items.sort();
    for p in items {
        let recent = data.recent.get(&(id, p)).map_or(&[][..], |v| v);
        let values: Vec<f64> = recent.iter().map(|r| r.value).collect();
        let window = if is_station(p) { TrendWindow::Days90 } else { TrendWindow::Months36 };
        let trend = data.trends.get(&(id, p, window)).filter(|r| trend_deteriorates(r));
        let fc = forecasts.get(&p).filter(|f| clock.now - f.trained_at < FORECAST_STALE);
        let inputs = WarningInputs {
            parameter: p,
            kind,
            target,
            values: &values,
            deteriorating_trend: trend.is_some(),
            forecast_breach_probability: fc.map(|f| f.max_probability),
            anomaly: anomalous_items.contains(&p),
        };
        let Some(warning) = assess(&inputs, t) else { continue };
        let newest = recent.last();
        let context = Facts { parameter: p, kind, target, newest, trend, forecast: fc };
        let alert = newest.filter(|_| opens_alert(&warning, t)).and_then(|v| {
            let class = v.class.or_else(|| p.classify(v.value, kind))?;
            Some(AlertFacts { parameter: p, value: v.value, class, sampled_at: v.sampled_at, target })
        });
        counts.push(("warnings", 1));
        results.warnings.push(JudgedWarning {
            raise: Raise {
                key: quality_key(id, p),
                kind: WarningKind::Quality,
                level: warning.level.into(),
                section_id: Some(id),
                region_id: None,
                device_id: None,
                parameter: Some(p),
                period: None,
                reasons: reasons_json(&warning, &context),
                summary: summary(&warning, &context),
            },
            alert,
        });
    }
    SectionJudgement { results, counts }
}

enum ItemForecast {
    Fitted(Box<forecast_models::Model>),
    Kept,
    None,
}

/// Refits (or keeps) one item's forecast, as the module documentation says.
fn forecast_item(
    ctx: &SectionContext,
    p: Parameter,
    target: WaterClass,
    data: &PageData,
    stored: Option<&forecast_models::Model>,
    clock: Clock,
) -> ItemForecast {
    let id = ctx.section.id;
    let Ok(limit) = Limit::for_class(p, target, ctx.kind()) else { return ItemForecast::None };
    let daily: Vec<Observation> =
        data.days.get(&(id, p)).map(|d| d.iter().map(day_observation).collect()).unwrap_or_default();
    let stored_daily = stored.filter(|s| s.cadence == Cadence::Daily.to_string());
    if !data.days_read.contains(&id) && stored_daily.is_some() {
        // Trained today on the days to yesterday: nothing new until tomorrow.
        return ItemForecast::Kept;
    }
    let (cadence, observations) = if daily.len() >= MIN_DAILY {
        (Cadence::Daily, daily)
    } else {
        let monthly: Vec<Observation> = data
            .months
            .get(&(id, p))
            .map(|rows| rows.iter().filter_map(|m| month_observation(p, m.month, &m.totals)).collect())
            .unwrap_or_default();
        if monthly.len() < MIN_MONTHLY {
            return ItemForecast::None;
        }
        (Cadence::Monthly, monthly)
    };
    let signature = signature(&observations);
    if let Some(s) = stored
        && s.cadence == cadence.to_string()
        && s.data_signature == signature
        && s.version == FORECAST_MODEL_VERSION
        && s.target_class == target
        && clock.now - s.trained_at < REFIT_AFTER
    {
        return ItemForecast::Kept;
    }
    let options = ForecastOptions { cadence: Some(cadence), horizon: None, trained_at: clock.now };
    match forecast(&observations, limit, options) {
        Ok(f) => ItemForecast::Fitted(Box::new(stored_forecast(id, p, target, &f, signature, clock.now))),
        Err(ForecastError::InsufficientData { .. }) => ItemForecast::None,
        Err(e) => {
            error!(job = NAME, section = %ctx.section.code, parameter = p.key(), error = %e, "no forecast");
            ItemForecast::None
        }
    }
}

/// A signature of a series (FNV-1a over its times, values and non-detect flags): equal series, equal
/// signatures; a new or revised value changes it.
fn signature(observations: &[Observation]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for o in observations {
        eat(&o.time.timestamp().to_le_bytes());
        eat(&o.value.to_bits().to_le_bytes());
        eat(&[u8::from(o.below_detection), u8::from(o.flagged)]);
    }
    format!("{}:{h:016x}", observations.len())
}

fn stored_forecast(
    section_id: i32,
    parameter: Parameter,
    target: WaterClass,
    f: &Forecast,
    signature: String,
    now: DateTime<Utc>,
) -> forecast_models::Model {
    let steps: Vec<Value> = f
        .forecast
        .iter()
        .map(|s| json!({"time": s.time, "value": s.value, "low": s.low, "high": s.high, "probability": s.probability}))
        .collect();
    forecast_models::Model {
        section_id,
        parameter,
        model: f.model.name().to_string(),
        version: f.fitted.version.clone(),
        cadence: f.cadence.to_string(),
        features: serde_json::to_string(&f.fitted.features).unwrap_or_else(|_| "[]".into()),
        parameters: serde_json::to_string(&f.fitted).unwrap_or_else(|_| "{}".into()),
        trained_at: f.fitted.trained_at,
        training_n: i32::try_from(f.fitted.n).unwrap_or(i32::MAX),
        training_from: f.fitted.first_period,
        training_to: f.fitted.last_period,
        data_signature: signature,
        mae: f.skill.mae,
        persistence_mae: f.skill.persistence_mae,
        seasonal_naive_mae: f.skill.seasonal_naive_mae,
        reason: f.reason.clone(),
        forecast_at: now,
        forecast: Value::Array(steps).to_string(),
        target_class: target,
        limit_value: f.limit.value,
        limit_bound: match f.limit.bound {
            Bound::Upper => "upper".into(),
            Bound::Lower => "lower".into(),
        },
        breach_on: f.breach.as_ref().map(|b| b.time),
        breach_probability: f.breach.as_ref().map(|b| b.probability),
        max_probability: f.forecast.iter().map(|s| s.probability).fold(0.0, f64::max),
    }
}

/// One sampling time of a station: its items' values.
type StationReading = (DateTime<Utc>, Vec<(Parameter, f64)>);

/// A station's values grouped by sampling time, oldest first.
fn readings_by_time(values: &[StationValue]) -> Vec<StationReading> {
    let mut sorted: Vec<&StationValue> = values.iter().collect();
    sorted.sort_by_key(|v| v.sampled_at);
    sorted
        .chunk_by(|a, b| a.sampled_at == b.sampled_at)
        .map(|g| (g[0].sampled_at, g.iter().map(|v| (v.parameter, v.value)).collect()))
        .collect()
}

/// The evaluated items an anomaly is put down to: those making at least [`ANOMALY_SHARE`] of its score,
/// or, when none of them is evaluated, the evaluated item that moved most.
fn anomaly_items(score: &AnomalyScore, kind: WaterBodyKind) -> HashSet<Parameter> {
    let evaluated = |p: Parameter| p.is_evaluated(kind);
    let main: HashSet<Parameter> = score
        .contributions
        .iter()
        .filter(|c| c.share >= ANOMALY_SHARE && evaluated(c.parameter))
        .map(|c| c.parameter)
        .collect();
    if !main.is_empty() {
        return main;
    }
    score
        .contributions
        .iter()
        .filter(|c| evaluated(c.parameter))
        .max_by(|a, b| a.z.abs().total_cmp(&b.z.abs()))
        .map(|c| c.parameter)
        .into_iter()
        .collect()
}

/// Whether a stored trend is significant and in the item's worse direction.
fn trend_deteriorates(r: &trend_results::Model) -> bool {
    match r.trend {
        TrendVerdict::Increasing => deteriorates(r.parameter, true),
        TrendVerdict::Decreasing => deteriorates(r.parameter, false),
        TrendVerdict::NoTrend | TrendVerdict::InsufficientData => false,
    }
}

/// Whether every reason of a warning is a value worse than the target (already alerted as exceedances).
fn only_worse_than_target(w: &Warning) -> bool {
    w.reasons.iter().all(|(_, r)| matches!(r, WarningReason::WorseThanTarget { .. }))
}

/// Whether a warning opens (or updates) an alert and tells the chief: from `notify_from` on, and not when
/// its readings already alerted as exceedances.
fn opens_alert(w: &Warning, t: &WarningThresholds) -> bool {
    w.level >= t.notify_from && !only_worse_than_target(w)
}

/// What a warning's text and reasons name besides the warning itself.
struct Facts<'a> {
    parameter: Parameter,
    kind: WaterBodyKind,
    target: WaterClass,
    newest: Option<&'a RecentValue>,
    trend: Option<&'a trend_results::Model>,
    forecast: Option<&'a forecast_models::Model>,
}

fn level_name(level: WarningLevel) -> Value {
    serde_json::to_value(level).unwrap_or(Value::Null)
}

/// The reasons with the numbers behind them, gravest first.
fn reasons_json(w: &Warning, c: &Facts<'_>) -> Value {
    let limit = c.parameter.limit_for(c.target, c.kind);
    let reasons = w
        .reasons
        .iter()
        .map(|(level, reason)| {
            let mut o = serde_json::to_value(reason).unwrap_or_else(|_| json!({}));
            let extra = match reason {
                WarningReason::ApproachingLimit { .. } | WarningReason::WorseThanTarget { .. } => json!({
                    "value": c.newest.map(|v| v.value),
                    "sampled_at": c.newest.map(|v| v.sampled_at.to_rfc3339()),
                    "target": c.target.label(),
                    "limit": limit,
                }),
                WarningReason::DeterioratingTrend => json!({
                    "window": c.trend.map(|t| t.window.as_str()),
                    "p": c.trend.map(|t| t.p),
                    "slope_per_year": c.trend.and_then(|t| t.slope_per_year),
                }),
                WarningReason::ForecastBreach { .. } => json!({
                    "breach_on": c.forecast.and_then(|f| f.breach_on).map(|d| d.to_string()),
                    "model": c.forecast.map(|f| f.model.clone()),
                    "target": c.target.label(),
                    "limit": limit,
                }),
                WarningReason::Anomaly => json!({}),
            };
            if let (Some(o), Value::Object(extra)) = (o.as_object_mut(), extra) {
                o.insert("level".into(), level_name(*level));
                o.extend(extra);
            }
            o
        })
        .collect();
    Value::Array(reasons)
}

/// A limit as written in the standard: `1.0`, `0.2`, `0.05`.
fn limit_text(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.1}") } else { format_number(v) }
}

fn window_text(window: TrendWindow) -> (&'static str, &'static str) {
    match window {
        TrendWindow::Months12 => ("12 个月", "12 months"),
        TrendWindow::Months36 => ("36 个月", "36 months"),
        TrendWindow::Months60 => ("60 个月", "60 months"),
        TrendWindow::Days90 => ("90 天", "90 days"),
    }
}

/// The warning in one sentence, Chinese then English, naming the item, its value, the limit and the
/// reasons: `氨氮 0.92 mg/L，已达 III 类限值 1.0 的 92%；36 个月趋势显著上升 / NH3-N 0.92 mg/L, 92 % of the
/// class III limit; significant rising trend over 36 months`.
fn summary(w: &Warning, c: &Facts<'_>) -> String {
    let info = c.parameter.info();
    let target = c.target.label();
    let limit = c.parameter.limit_for(c.target, c.kind).map(limit_text).unwrap_or_default();
    let (mut zh, mut en): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (_, reason) in &w.reasons {
        match reason {
            WarningReason::ApproachingLimit { share } => {
                let pct = format!("{:.0}", share * 100.0);
                zh.push(format!("已达 {target} 类限值 {limit} 的 {pct}%"));
                en.push(format!("{pct} % of the class {target} limit"));
            }
            WarningReason::WorseThanTarget { class, classes } => {
                zh.push(format!("为 {} 类，劣于目标 {target} 类 {classes} 个类别", class.label()));
                let s = if *classes == 1 { "" } else { "es" };
                en.push(format!("class {}, {classes} class{s} worse than the target {target}", class.label()));
            }
            WarningReason::DeterioratingTrend => {
                let rising = c.trend.is_none_or(|t| t.trend == TrendVerdict::Increasing);
                let (wz, we) = c.trend.map_or(("", ""), |t| window_text(t.window));
                zh.push(format!("{wz}趋势显著{}", if rising { "上升" } else { "下降" }));
                en.push(format!("significant {} trend over {we}", if rising { "rising" } else { "falling" }));
            }
            WarningReason::ForecastBreach { probability } => {
                let pct = format!("{:.0}", probability * 100.0);
                let on = c.forecast.and_then(|f| f.breach_on);
                let when_zh = on.map_or(String::new(), |d| format!("于 {} ", breach_label(d, c.forecast)));
                let when_en = on.map_or(String::new(), |d| format!(" by {}", breach_label(d, c.forecast)));
                zh.push(format!("预测{when_zh}超出 {target} 类限值（概率 {pct}%）"));
                en.push(format!("forecast to cross the class {target} limit{when_en} (probability {pct} %)"));
            }
            WarningReason::Anomaly => {
                zh.push("自动站读数与其历史不符".into());
                en.push("station readings unlike its own history".into());
            }
        }
    }
    let value = c.newest.map_or(String::new(), |v| format!(" {} {}", format_number(v.value), info.unit));
    format!("{}{value}，{} / {}{value}, {}", info.name_zh, zh.join("；"), info.symbol, en.join("; "))
}

/// A breach's period as the forecast counts it: the day, or the month.
fn breach_label(d: NaiveDate, f: Option<&forecast_models::Model>) -> String {
    if f.is_some_and(|f| f.cadence == Cadence::Monthly.to_string()) {
        format!("{}-{:02}", d.year(), d.month())
    } else {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::domain::gb3838::WaterClass::{III, IV};

    fn newest(value: f64) -> RecentValue {
        RecentValue {
            section_id: 1,
            parameter: Parameter::Nh3n,
            sampled_at: "2025-12-15T01:00:00Z".parse().unwrap(),
            value,
            class: None,
        }
    }

    fn trend(verdict: TrendVerdict, parameter: Parameter) -> trend_results::Model {
        trend_results::Model {
            section_id: 1,
            parameter,
            window: TrendWindow::Months36,
            computed_at: "2026-01-14T18:30:00Z".parse().unwrap(),
            n: 36,
            s: 300,
            var_s: 5000.0,
            z: 4.2,
            p: 0.0001,
            tau: Some(0.5),
            slope_per_year: Some(0.3),
            trend: verdict,
            sk_s: None,
            sk_var_s: None,
            sk_z: None,
            sk_p: None,
            sk_slope_per_year: None,
            sk_trend: None,
            guards: "{}".into(),
        }
    }

    #[test]
    fn the_summary_names_item_value_limit_and_reasons_in_chinese_then_english() {
        let v = newest(0.92);
        let t = trend(TrendVerdict::Increasing, Parameter::Nh3n);
        let w = Warning {
            level: WarningLevel::Blue,
            reasons: vec![
                (WarningLevel::Blue, WarningReason::ApproachingLimit { share: 0.92 }),
                (WarningLevel::Blue, WarningReason::DeterioratingTrend),
            ],
        };
        let c = Facts {
            parameter: Parameter::Nh3n,
            kind: WaterBodyKind::River,
            target: III,
            newest: Some(&v),
            trend: Some(&t),
            forecast: None,
        };
        assert_eq!(
            summary(&w, &c),
            "氨氮 0.92 mg/L，已达 III 类限值 1.0 的 92%；36 个月趋势显著上升 / NH3-N 0.92 mg/L, 92 % of the class III \
             limit; significant rising trend over 36 months"
        );
        let worse = Warning {
            level: WarningLevel::Yellow,
            reasons: vec![(WarningLevel::Yellow, WarningReason::WorseThanTarget { class: IV, classes: 1 })],
        };
        let text = summary(&worse, &Facts { newest: Some(&newest(1.2)), trend: None, ..c });
        assert!(text.contains("为 IV 类，劣于目标 III 类 1 个类别"), "{text}");
        assert!(text.ends_with("NH3-N 1.2 mg/L, class IV, 1 class worse than the target III"), "{text}");
    }

    #[test]
    fn a_warning_milder_than_notify_from_is_listed_but_tells_nobody() {
        let t = WarningThresholds::default();
        let trend = Warning {
            level: WarningLevel::Blue,
            reasons: vec![(WarningLevel::Blue, WarningReason::DeterioratingTrend)],
        };
        assert!(!opens_alert(&trend, &t), "blue is below the default notify_from (yellow)");
        let near = Warning {
            level: WarningLevel::Yellow,
            reasons: vec![(WarningLevel::Yellow, WarningReason::ApproachingLimit { share: 0.9 })],
        };
        assert!(opens_alert(&near, &t));
        assert!(opens_alert(&trend, &WarningThresholds { notify_from: WarningLevel::Blue, ..t }));
    }

    #[test]
    fn only_values_worse_than_the_target_open_no_alert_of_their_own() {
        let worse = (WarningLevel::Yellow, WarningReason::WorseThanTarget { class: IV, classes: 1 });
        assert!(only_worse_than_target(&Warning { level: WarningLevel::Yellow, reasons: vec![worse] }));
        let with_trend = Warning {
            level: WarningLevel::Yellow,
            reasons: vec![worse, (WarningLevel::Blue, WarningReason::DeterioratingTrend)],
        };
        assert!(!only_worse_than_target(&with_trend));
    }

    #[test]
    fn a_trend_deteriorates_in_the_items_worse_direction_only_when_significant() {
        assert!(trend_deteriorates(&trend(TrendVerdict::Increasing, Parameter::Nh3n)));
        assert!(!trend_deteriorates(&trend(TrendVerdict::Decreasing, Parameter::Nh3n)));
        assert!(trend_deteriorates(&trend(TrendVerdict::Decreasing, Parameter::Do)));
        assert!(!trend_deteriorates(&trend(TrendVerdict::NoTrend, Parameter::Nh3n)));
        assert!(!trend_deteriorates(&trend(TrendVerdict::Increasing, Parameter::Ph)));
    }

    #[test]
    fn the_signature_changes_with_a_new_or_revised_value_only() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 1, d).unwrap();
        let a = vec![Observation::new(day(1), 0.5), Observation::new(day(2), 0.6)];
        assert_eq!(signature(&a), signature(&a.clone()));
        let mut revised = a.clone();
        revised[1].value = 0.61;
        assert_ne!(signature(&a), signature(&revised));
        let mut longer = a.clone();
        longer.push(Observation::new(day(3), 0.6));
        assert_ne!(signature(&a), signature(&longer));
    }

    #[test]
    fn an_anomaly_is_put_down_to_its_main_evaluated_items() {
        use crate::analysis::anomaly::Contribution;
        let c = |parameter, z: f64, share: f64| Contribution { parameter, value: 0.0, z, contribution: share, share };
        let score =
            |contributions| AnomalyScore { score: 1.0, p: 0.0, items_scored: 3, anomalous: true, contributions };
        let main = anomaly_items(
            &score(vec![c(Parameter::Nh3n, 9.0, 0.6), c(Parameter::Do, -4.0, 0.3), c(Parameter::Ph, 0.1, 0.1)]),
            WaterBodyKind::River,
        );
        assert_eq!(main, HashSet::from([Parameter::Nh3n, Parameter::Do]));
        // Conductivity made it, and it has no class: the evaluated item that moved most takes it.
        let unclassed = anomaly_items(
            &score(vec![
                c(Parameter::Conductivity, 12.0, 0.9),
                c(Parameter::Do, -1.5, 0.05),
                c(Parameter::Ph, 0.5, 0.05),
            ]),
            WaterBodyKind::River,
        );
        assert_eq!(unclassed, HashSet::from([Parameter::Do]));
    }

    #[test]
    fn the_clock_reads_the_current_month_and_midnight_in_beijing() {
        let c = Clock::at("2026-01-14T18:15:00Z".parse().unwrap()); // 02:15 on 15 January in Beijing
        assert_eq!(c.this_month, YearMonth { year: 2026, month: 1 });
        assert_eq!(c.first_month, YearMonth { year: 2021, month: 2 });
        assert_eq!(c.today, "2026-01-14T16:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(c.recent_month, YearMonth { year: 2025, month: 10 });
    }
}
