//! `trend_analysis`: every night, the trend of every section's evaluated items: Mann–Kendall with Sen's
//! slope over 12, 36 and 60 monthly means ending with the last complete month (seasonal Kendall too on 36
//! and 60), and over 90 days of an automatic station's daily means ending yesterday. Results replace the
//! stored ones (`models::trends`); the API only reads them.
//!
//! The monthly means come from the monthly totals (`reading_months`), never from raw readings: a page of
//! sections at a time, one range query each. The daily means are averaged in the database. A month's (or
//! day's) mean is the mean of its samples with non-detects at half their limit, as assessment takes it
//! (pH through [H⁺]); a month whose every sample was below detection is a non-detect at the month's largest
//! limit, tied with the others by the trend tests. A month's mean is dated the first day of the month, a
//! day's mean its day (midnight China Standard Time), so Sen's slope uses the real time between them.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, SubsecRound, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::DatabaseConnection;
use tracing::{error, info};

use models::domain::evaluation::MonthTotals;
use models::domain::gb3838::{Parameter, WaterBodyKind};
use models::domain::period::YearMonth;
use models::domain::trend::{TrendVerdict, TrendWindow};
use models::entities::trend_results;
use models::trends::{self, DayRow, MonthRow};

use crate::analysis::{Alpha, Methods, Observation, SampleTime, Trend, TrendReport, analyze};
use crate::{Job, JobContext, JobFuture, Report};

pub const NAME: &str = "trend_analysis";

/// Sections read, analysed and written together: at a nation's size (3,641 sections, 9 items, 60 months)
/// a page is about 200,000 monthly rows.
const SECTIONS_PER_PAGE: usize = 400;

/// Days of station data in the short window.
const STATION_DAYS: u64 = 90;

pub struct TrendAnalysis;

impl Job for TrendAnalysis {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "trend of every section's evaluated items over 12, 36 and 60 months and 90 days of station data"
    }

    fn default_schedule(&self) -> &'static str {
        // 02:30 China Standard Time every day.
        "0 30 2 * * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(run(&ctx.db, now))
    }
}

/// One series to analyse: a section's item with its observations, oldest first.
struct Pending {
    section_id: i32,
    parameter: Parameter,
    window: TrendWindow,
    observations: Vec<Observation>,
}

/// What the windows of one run are.
#[derive(Debug, Clone, Copy)]
struct Windows {
    /// The last complete month.
    last_month: YearMonth,
    /// The first month of the longest window.
    first_month: YearMonth,
    /// The station window, `from..to` (midnights China Standard Time).
    days: (DateTime<Utc>, DateTime<Utc>),
}

impl Windows {
    fn at(now: DateTime<Utc>) -> Self {
        let today = now.with_timezone(&Shanghai).date_naive();
        let last_month = YearMonth::of(today).previous();
        let first_month = months_back(last_month, 59);
        let start = today.checked_sub_days(Days::new(STATION_DAYS)).unwrap_or(today);
        Self { last_month, first_month, days: (midnight(start), midnight(today)) }
    }
}

fn months_back(mut month: YearMonth, n: u32) -> YearMonth {
    for _ in 0..n {
        month = month.previous();
    }
    month
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.instant()
}

/// The month's mean as the trend tests take it (see the module documentation).
pub fn month_observation(parameter: Parameter, month: YearMonth, totals: &MonthTotals) -> Option<Observation> {
    let date = NaiveDate::from_ymd_opt(month.year, month.month, 1)?;
    if totals.n > 0
        && totals.n_nd == totals.n
        && let Some(limit) = totals.max_dl
    {
        return Some(Observation::not_detected(date, limit));
    }
    let mean = totals.mean(parameter)?;
    Some(Observation::new(date, if parameter == Parameter::Ph { -mean.log10() } else { mean }))
}

/// A station day's mean as the trend tests (and the forecast) take it.
pub(crate) fn day_observation(day: &DayRow) -> Observation {
    match day.max_dl {
        Some(limit) if day.n > 0 && day.n_nd == day.n => Observation::not_detected(day.day, limit),
        _ => Observation::new(day.day, day.mean),
    }
}

/// Runs the job: every page of sections read, analysed off the runtime's threads and written in one
/// transaction; then the results no longer written (a window left without data) removed.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<Report> {
    // Whole seconds, so that the stored instant (PostgreSQL keeps microseconds) compares equal to it.
    let computed_at = now.trunc_subsecs(0);
    let windows = Windows::at(now);
    let kinds = trends::section_kinds(db).await.context("reading the sections")?;
    let mut ids: Vec<i32> = kinds.keys().copied().collect();
    ids.sort_unstable();
    let mut report = Report::default();
    for page in ids.chunks(SECTIONS_PER_PAGE) {
        let (Some(&first), Some(&last)) = (page.first(), page.last()) else { continue };
        if let Err(e) = run_page(db, first..=last, &kinds, windows, computed_at, &mut report).await {
            error!(job = NAME, sections = %format!("{first}..={last}"), error = format!("{e:#}"), "a page of sections failed");
            report.failures += 1;
        }
    }
    if report.failures == 0 {
        let removed = trends::remove_older_than(db, computed_at).await.context("removing stale results")?;
        for _ in 0..removed {
            report.count("removed");
        }
    }
    info!(job = NAME, summary = %report.summary(), "trends computed");
    Ok(report)
}

async fn run_page(
    db: &DatabaseConnection,
    sections: std::ops::RangeInclusive<i32>,
    kinds: &HashMap<i32, WaterBodyKind>,
    windows: Windows,
    computed_at: DateTime<Utc>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let months = trends::months_of(db, sections.clone(), windows.first_month, windows.last_month)
        .await
        .context("reading monthly totals")?;
    let days = trends::station_days(db, sections, windows.days.0, windows.days.1)
        .await
        .context("reading station daily means")?;
    let evaluated =
        |section: i32, parameter: Parameter| kinds.get(&section).is_some_and(|k| parameter.is_evaluated(*k));
    let mut pending = monthly_series(&months, windows.last_month, &evaluated);
    drop(months);
    pending.extend(daily_series(&days, &evaluated));
    drop(days);
    let results =
        tokio::task::spawn_blocking(move || analyse(pending, computed_at)).await.context("the analysis thread")?;
    for r in &results {
        report.count("analysed");
        report.count(match r.trend {
            TrendVerdict::Increasing => "increasing",
            TrendVerdict::Decreasing => "decreasing",
            TrendVerdict::NoTrend => "no trend",
            TrendVerdict::InsufficientData => "insufficient",
        });
    }
    let tx = models::db::begin_write(db).await.context("beginning the write")?;
    trends::upsert(&tx, results).await.context("storing results")?;
    tx.commit().await.context("committing results")?;
    Ok(())
}

/// Each series' months cut into the monthly windows (rows ordered by section, item, month).
fn monthly_series(
    rows: &[MonthRow],
    last_month: YearMonth,
    evaluated: &impl Fn(i32, Parameter) -> bool,
) -> Vec<Pending> {
    let mut out = Vec::new();
    for series in rows.chunk_by(|a, b| (a.section_id, a.parameter) == (b.section_id, b.parameter)) {
        let (section_id, parameter) = (series[0].section_id, series[0].parameter);
        if !evaluated(section_id, parameter) {
            continue;
        }
        for (window, length) in TrendWindow::MONTHLY {
            let from = months_back(last_month, length - 1);
            let observations: Vec<Observation> = series
                .iter()
                .filter(|m| m.month >= from && m.month <= last_month)
                .filter_map(|m| month_observation(parameter, m.month, &m.totals))
                .collect();
            if !observations.is_empty() {
                out.push(Pending { section_id, parameter, window, observations });
            }
        }
    }
    out
}

fn daily_series(rows: &[DayRow], evaluated: &impl Fn(i32, Parameter) -> bool) -> Vec<Pending> {
    rows.chunk_by(|a, b| (a.section_id, a.parameter) == (b.section_id, b.parameter))
        .filter(|series| evaluated(series[0].section_id, series[0].parameter))
        .map(|series| Pending {
            section_id: series[0].section_id,
            parameter: series[0].parameter,
            window: TrendWindow::Days90,
            observations: series.iter().map(day_observation).collect(),
        })
        .collect()
}

/// The trend tests on each series: CPU work, run on a blocking thread.
fn analyse(pending: Vec<Pending>, computed_at: DateTime<Utc>) -> Vec<trend_results::Model> {
    pending
        .into_iter()
        .filter_map(|p| {
            let methods = Methods { mann_kendall: true, seasonal_kendall: p.window.is_seasonal(), spearman: false };
            let report = analyze(&p.observations, methods, Alpha::default());
            stored(p.section_id, p.parameter, p.window, computed_at, &report)
        })
        .collect()
}

fn verdict(trend: Trend) -> TrendVerdict {
    match trend {
        Trend::Increasing => TrendVerdict::Increasing,
        Trend::Decreasing => TrendVerdict::Decreasing,
        Trend::NoTrend => TrendVerdict::NoTrend,
        Trend::InsufficientData => TrendVerdict::InsufficientData,
    }
}

fn stored(
    section_id: i32,
    parameter: Parameter,
    window: TrendWindow,
    computed_at: DateTime<Utc>,
    report: &TrendReport,
) -> Option<trend_results::Model> {
    let mk = report.mann_kendall.as_ref()?;
    let sk = report.seasonal_kendall.as_ref();
    Some(trend_results::Model {
        section_id,
        parameter,
        window,
        computed_at,
        n: i32::try_from(report.n).unwrap_or(i32::MAX),
        s: mk.s,
        var_s: mk.var_s,
        z: mk.z,
        p: mk.p,
        tau: mk.tau,
        slope_per_year: mk.slope_per_year,
        trend: verdict(mk.trend),
        sk_s: sk.map(|s| s.s),
        sk_var_s: sk.map(|s| s.var_s),
        sk_z: sk.map(|s| s.z),
        sk_p: sk.map(|s| s.p),
        sk_slope_per_year: sk.and_then(|s| s.slope_per_year),
        sk_trend: sk.map(|s| verdict(s.trend)),
        guards: serde_json::to_string(&report.guards).unwrap_or_else(|_| "{}".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_end_with_the_last_complete_month_and_yesterday() {
        let now: DateTime<Utc> = "2026-01-14T18:00:00Z".parse().unwrap(); // 02:00 on 15 January in Beijing
        let w = Windows::at(now);
        assert_eq!(w.last_month, YearMonth { year: 2025, month: 12 });
        assert_eq!(w.first_month, YearMonth { year: 2021, month: 1 });
        assert_eq!(w.days.1, "2026-01-14T16:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(w.days.1 - w.days.0, chrono::TimeDelta::days(90));
    }

    #[test]
    fn a_month_all_below_detection_is_a_non_detect_at_its_largest_limit() {
        let month = YearMonth { year: 2025, month: 3 };
        let mut all_nd = MonthTotals::default();
        all_nd.add(Parameter::Nh3n, 0.025, true);
        all_nd.add(Parameter::Nh3n, 0.05, true);
        let o = month_observation(Parameter::Nh3n, month, &all_nd).unwrap();
        assert!(o.below_detection);
        assert_eq!(o.value, 0.05);
        let mut mixed = MonthTotals::default();
        mixed.add(Parameter::Nh3n, 0.05, true);
        mixed.add(Parameter::Nh3n, 0.5, false);
        let o = month_observation(Parameter::Nh3n, month, &mixed).unwrap();
        assert!(!o.below_detection);
        assert!((o.value - (0.025 + 0.5) / 2.0).abs() < 1e-12, "non-detects at half their limit, as assessed");
        let mut ph = MonthTotals::default();
        ph.add(Parameter::Ph, 7.0, false);
        ph.add(Parameter::Ph, 8.0, false);
        let o = month_observation(Parameter::Ph, month, &ph).unwrap();
        assert!((o.value - -((1e-7 + 1e-8) / 2.0f64).log10()).abs() < 1e-12, "pH through [H+]");
    }

    #[test]
    fn each_monthly_window_takes_only_its_months() {
        let last = YearMonth { year: 2025, month: 12 };
        let mut month = months_back(last, 59);
        let mut rows = Vec::new();
        for k in 0..60 {
            let mut totals = MonthTotals::default();
            totals.add(Parameter::Nh3n, 0.1 + f64::from(k) * 0.01, false);
            rows.push(MonthRow { section_id: 1, parameter: Parameter::Nh3n, month, totals });
            month = month.next();
        }
        let series = monthly_series(&rows, last, &|_, _| true);
        let lengths: Vec<(TrendWindow, usize)> = series.iter().map(|p| (p.window, p.observations.len())).collect();
        assert_eq!(lengths, [(TrendWindow::Months12, 12), (TrendWindow::Months36, 36), (TrendWindow::Months60, 60)]);
        assert!(monthly_series(&rows, last, &|_, _| false).is_empty(), "items not evaluated are left out");
    }
}
