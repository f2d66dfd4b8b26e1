//! The nightly trend job and `GET /api/v1/sections/{code}/trends`: results checked against the trend
//! tests run on monthly means computed here from the planted values.

use chrono::{DateTime, NaiveDate, Utc};
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use models::domain::period::YearMonth;
use models::domain::trend::{TrendVerdict, TrendWindow};
use reqwest::StatusCode;
use serde_json::{Value, json};

use jobs::analysis::{Alpha, Observation, Series, mann_kendall, seasonal_kendall};
use jobs::trend_analysis::TrendAnalysis;
use tests::{TestApp, spawn_app};

const TOWN: (&str, &str) = ("T-TR", "趋势镇");
const RIVER: (&str, &str, WaterBodyKind) = ("W-TR", "趋势河", WaterBodyKind::River);

/// 02:30 on 15 January 2026 in Beijing: the last complete month is December 2025.
fn tonight() -> DateTime<Utc> {
    "2026-01-14T18:30:00Z".parse().expect("time")
}

/// The 36 months January 2023 – December 2025.
fn months() -> Vec<YearMonth> {
    let mut month = YearMonth { year: 2023, month: 1 };
    (0..36)
        .map(|_| {
            let m = month;
            month = month.next();
            m
        })
        .collect()
}

/// Two NH3-N samples a month (the 8th and the 22nd): rising by about 0.3 mg/L a year with a wobble, or
/// flat around 0.5 with a wobble that has no direction.
fn planted(k: usize, rising: bool) -> (f64, f64) {
    let wobble = [0.03, -0.02, 0.05, -0.04, 0.01, 0.0, -0.03, 0.04, -0.01, 0.02, -0.05, 0.03][k % 12];
    let base = if rising { 0.3 + 0.025 * k as f64 } else { 0.5 + [0.0, 0.06, -0.06][k % 3] };
    (base + wobble, base - wobble / 2.0)
}

/// Two sections, `RISE` and `FLAT`, with 36 months of planted NH3-N stored through the JSON API.
async fn seeded() -> TestApp {
    let app = spawn_app().await;
    for code in ["RISE", "FLAT"] {
        app.given_section_in(code, TOWN, RIVER, WaterClass::III).await;
    }
    let mut readings = Vec::new();
    for (k, m) in months().into_iter().enumerate() {
        for (code, rising) in [("RISE", true), ("FLAT", false)] {
            let (a, b) = planted(k, rising);
            for (day, value) in [(8, a), (22, b)] {
                readings.push(json!({"section": code, "parameter": "nh3n",
                    "sampled_at": format!("{}-{:02}-{day:02}T09:00:00+08:00", m.year, m.month), "value": value}));
            }
        }
    }
    let (status, body) = app.post_readings(Some(&app.reader), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app
}

/// The series the job should have tested: each month's mean of the two planted values, dated the 1st.
fn expected_series(rising: bool) -> Series {
    let observations: Vec<Observation> = months()
        .into_iter()
        .enumerate()
        .map(|(k, m)| {
            let (a, b) = planted(k, rising);
            Observation::new(NaiveDate::from_ymd_opt(m.year, m.month, 1).expect("date"), (a + b) / 2.0)
        })
        .collect();
    Series::prepare(&observations)
}

async fn run(app: &TestApp, now: DateTime<Utc>) -> jobs::Report {
    jobs::scheduler::run_leased(&TrendAnalysis, &app.jobs, now, now, "test")
        .await
        .expect("the job runs")
        .expect("the lease is free")
}

async fn stored(app: &TestApp, code: &str) -> Vec<models::entities::trend_results::Model> {
    let section = models::sections::find_by_code(&app.db, code).await.expect("db").expect("section");
    models::trends::for_section(&app.db, section.section.id).await.expect("results")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[tokio::test]
async fn the_trend_job_stores_what_mann_kendall_gives_on_the_monthly_means_and_the_api_shows_it() {
    let app = seeded().await;
    let report = run(&app, tonight()).await;
    // Two series, three monthly windows each.
    assert_eq!(report.get("analysed"), 6, "{report}");

    for (code, rising) in [("RISE", true), ("FLAT", false)] {
        let rows = stored(&app, code).await;
        let windows: Vec<TrendWindow> = rows.iter().map(|r| r.window).collect();
        assert_eq!(windows, [TrendWindow::Months12, TrendWindow::Months36, TrendWindow::Months60], "{code}");
        let row = rows.iter().find(|r| r.window == TrendWindow::Months36).expect("36m");
        let series = expected_series(rising);
        let mk = mann_kendall(&series, Alpha::default());
        assert_eq!((row.parameter, row.n, row.s), (Parameter::Nh3n, 36, mk.s), "{code}");
        assert!(close(row.var_s, mk.var_s) && close(row.z, mk.z) && close(row.p, mk.p), "{code}: {row:?} vs {mk:?}");
        let (slope, expected) = (row.slope_per_year.expect("slope"), mk.slope_per_year.expect("slope"));
        assert!(close(slope, expected), "{code}: slope {slope} vs {expected}");
        let sk = seasonal_kendall(&series, Alpha::default());
        assert_eq!(row.sk_s, Some(sk.s), "{code}");
        assert!(close(row.sk_p.expect("seasonal p"), sk.p), "{code}");
        // The 60-month window holds the same 36 months; the 12-month one has no seasonal test.
        let sixty = rows.iter().find(|r| r.window == TrendWindow::Months60).expect("60m");
        assert_eq!((sixty.n, sixty.s), (36, mk.s));
        assert!(rows.iter().find(|r| r.window == TrendWindow::Months12).expect("12m").sk_s.is_none());
        let verdict = if rising { TrendVerdict::Increasing } else { TrendVerdict::NoTrend };
        assert_eq!(row.trend, verdict, "{code}: {row:?}");
    }
    let rise = stored(&app, "RISE").await;
    let slope = rise.iter().find(|r| r.window == TrendWindow::Months36).and_then(|r| r.slope_per_year);
    assert!(slope.is_some_and(|s| (0.2..0.4).contains(&s)), "the planted 0.3 a year: {slope:?}");

    let (status, body) = app.get("/api/v1/sections/RISE/trends").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["section"].clone(), body["count"].clone()), (json!("RISE"), json!(3)));
    assert_eq!(body["computed_at"], "2026-01-15T02:30:00+08:00");
    let t = body["trends"].as_array().expect("trends").iter().find(|t| t["window"] == "36m").expect("36m").clone();
    let row = rise.iter().find(|r| r.window == TrendWindow::Months36).expect("36m");
    assert_eq!((t["parameter"].clone(), t["n"].clone()), (json!("nh3n"), json!(36)));
    assert_eq!(t["mann_kendall"]["s"], row.s);
    assert_eq!(t["mann_kendall"]["trend"], "increasing");
    assert_eq!(t["mann_kendall"]["p"].as_f64(), Some(row.p));
    assert_eq!(t["mann_kendall"]["slope_per_year"].as_f64(), row.slope_per_year);
    assert_eq!(t["seasonal_kendall"]["s"], json!(row.sk_s));
    assert_eq!(t["guards"]["n"], 36);
    assert_eq!(t["guards"]["missing_months"], 0);
    let twelve = body["trends"].as_array().expect("trends").iter().find(|t| t["window"] == "12m").expect("12m").clone();
    assert_eq!(twelve["seasonal_kendall"], Value::Null);

    let (status, body) = app.get("/api/v1/sections/NOPE/trends").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_second_run_replaces_the_results_instead_of_adding_rows() {
    let app = seeded().await;
    run(&app, tonight()).await;
    assert_eq!(models::trends::count(&app.db).await.expect("count"), 6);
    let next_night = tonight() + chrono::TimeDelta::days(1);
    let report = run(&app, next_night).await;
    assert_eq!(report.get("analysed"), 6);
    assert_eq!(models::trends::count(&app.db).await.expect("count"), 6, "upserted, not duplicated");
    let rows = stored(&app, "RISE").await;
    assert!(rows.iter().all(|r| r.computed_at == next_night), "every row is the second run's");
    // A month later the 12-month window of January 2025 – … still holds data, the 60-month one too.
    let (_, body) = app.get("/api/v1/sections/FLAT/trends").await;
    assert_eq!(body["computed_at"], "2026-01-16T02:30:00+08:00");
}

#[tokio::test]
async fn two_replicas_firing_for_the_same_tick_run_the_job_once() {
    let app = seeded().await;
    let tick = tonight();
    let (a, b) = tokio::join!(
        jobs::scheduler::run_leased(&TrendAnalysis, &app.jobs, tick, tick, "replica-a"),
        jobs::scheduler::run_leased(&TrendAnalysis, &app.jobs, tick, tick, "replica-b"),
    );
    let ran: Vec<jobs::Report> = [a.expect("a"), b.expect("b")].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "one replica ran it");
    assert_eq!(ran[0].get("analysed"), 6);
    assert_eq!(models::trends::count(&app.db).await.expect("count"), 6);
}

#[tokio::test]
async fn an_automatic_stations_last_90_days_are_tested_on_daily_means_taken_by_china_day() {
    let app = spawn_app().await;
    app.given_section_in("AUTO", TOWN, RIVER, WaterClass::III).await;
    // 17 October 2025 – 14 January 2026: the 90 days ending yesterday. Each day three hourly values around
    // the day's value, one of them at 00:30 Beijing time (the previous day in UTC).
    let first = NaiveDate::from_ymd_opt(2025, 10, 17).expect("date");
    let day_value = |d: u64| 0.5 + 0.002 * d as f64 + [0.0, 0.03, -0.02, 0.01][(d % 4) as usize];
    let mut readings = Vec::new();
    let mut expected = Vec::new();
    for d in 0..90u64 {
        let day = first + chrono::Days::new(d);
        let x = day_value(d);
        for (time, value) in [("00:30", x - 0.01), ("12:00", x), ("23:30", x + 0.01)] {
            readings.push(json!({"section": "AUTO", "parameter": "nh3n", "kind": "hour",
                "sampled_at": format!("{day}T{time}:00+08:00"), "value": value}));
        }
        expected.push(Observation::new(day, ((x - 0.01) + x + (x + 0.01)) / 3.0));
    }
    // Outside the window: the day before it, and today.
    for at in ["2025-10-16T12:00:00+08:00", "2026-01-15T01:00:00+08:00"] {
        readings.push(json!({"section": "AUTO", "parameter": "nh3n", "kind": "hour", "sampled_at": at, "value": 5.0}));
    }
    let (status, body) = app.post_readings(Some(&app.reader), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    run(&app, tonight()).await;
    let rows = stored(&app, "AUTO").await;
    let row = rows.iter().find(|r| r.window == TrendWindow::Days90).expect("a 90-day result");
    let mk = mann_kendall(&Series::prepare(&expected), Alpha::default());
    assert_eq!((row.n, row.s), (90, mk.s), "{row:?}");
    assert!(close(row.z, mk.z) && close(row.p, mk.p), "{row:?} vs {mk:?}");
    assert!(close(row.slope_per_year.expect("slope"), mk.slope_per_year.expect("slope")));
    assert_eq!(row.trend, TrendVerdict::Increasing);
    assert!(row.sk_s.is_none(), "no seasonal test on 90 days");
}
