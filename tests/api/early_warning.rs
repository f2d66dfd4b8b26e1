//! The hourly `early_warning` job and `GET /api/v1/sections/{code}/forecast`: forecasts stored and served,
//! a colour warning raised with its reasons and its alert, nothing repeated on a second run, the warning
//! lifted when the water improves, and an automatic station's anomaly.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use jobs::analysis::Observation;
use jobs::analysis::forecast::{Cadence, ForecastOptions, Limit, forecast};
use jobs::early_warning::EarlyWarning;
use jobs::trend_analysis::TrendAnalysis;
use models::domain::alert::{AlertEventKind, AlertKind};
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use models::domain::warning::{WarningGrade, WarningKind, value_level};
use models::entities::{alert_events, notices, warnings};
use models::warnings::quality_key;
use tests::{TestApp, spawn_app};

/// 02:30 on 15 January 2024 in Beijing (a year later is still in the past: readings cannot come from the
/// future).
fn tonight() -> DateTime<Utc> {
    "2024-01-14T18:30:00Z".parse().expect("time")
}

/// NH3-N sampled on the 15th of month `k` (k = 0 is January 2021): rising about 0.025 mg/L a month to
/// 0.92 in December 2023, 92 % of the class III limit (1.0); or flat around 0.5.
fn planted(k: usize, rising: bool) -> f64 {
    if rising {
        0.05 + 0.025 * k as f64 + [0.0, 0.01, -0.01, -0.005][k % 4]
    } else {
        0.5 + [0.03, -0.02, 0.01, -0.03, 0.02, 0.0][k % 6]
    }
}

fn month_of(k: usize) -> (i32, u32) {
    (2021 + (k / 12) as i32, (k % 12) as u32 + 1)
}

fn sample(code: &str, k: usize, value: f64) -> Value {
    let (y, m) = month_of(k);
    json!({"section": code, "parameter": "nh3n", "sampled_at": format!("{y}-{m:02}-15T09:00:00+08:00"), "value": value})
}

async fn post(app: &TestApp, readings: Vec<Value>) {
    let (status, body) = app.post_readings(Some(&app.reader), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn run(app: &TestApp, job: &dyn jobs::Job, now: DateTime<Utc>) -> jobs::Report {
    jobs::scheduler::run_leased(job, &app.jobs, now, now, "test")
        .await
        .expect("the job runs")
        .expect("the lease is free")
}

async fn section_id(app: &TestApp, code: &str) -> i32 {
    models::sections::find_by_code(&app.db, code).await.expect("db").expect("section").section.id
}

async fn current(app: &TestApp, code: &str, p: Parameter) -> Option<warnings::Model> {
    models::warnings::current(&app.db, &quality_key(section_id(app, code).await, p)).await.expect("db")
}

async fn notice_count(app: &TestApp) -> u64 {
    notices::Entity::find().count(&app.db).await.expect("count")
}

fn reason_names(w: &warnings::Model) -> Vec<String> {
    let reasons: Value = serde_json::from_str(&w.reasons).expect("JSON reasons");
    reasons.as_array().expect("array").iter().map(|r| r["reason"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn early_warning_forecasts_a_rising_section_warns_its_chief_once_and_lifts_when_the_water_improves() {
    let app = spawn_app().await;
    let rise = app.given_section("RISE", WaterBodyKind::River, WaterClass::III).await;
    app.given_section("FLAT", WaterBodyKind::River, WaterClass::III).await;
    let mut readings = Vec::new();
    for k in 0..36 {
        readings.push(sample("RISE", k, planted(k, true)));
        readings.push(sample("FLAT", k, planted(k, false)));
    }
    post(&app, readings).await;

    // Nothing stored yet: an empty list, not an error.
    let (status, body) = app.get("/api/v1/sections/FLAT/forecast").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["count"].clone(), body["forecasts"].clone()), (json!(0), json!([])));

    run(&app, &TrendAnalysis, tonight()).await;
    let before = notice_count(&app).await;
    let report = run(&app, &EarlyWarning, tonight()).await;
    assert_eq!(report.failures, 0, "{report}");
    assert_eq!(report.get("forecast"), 2, "{report}");

    // Stored forecasts: what the forecast gives on the monthly means, a breach for the rising one only.
    let limit = Limit::for_class(Parameter::Nh3n, WaterClass::III, WaterBodyKind::River).expect("limit");
    for (code, rising) in [("RISE", true), ("FLAT", false)] {
        let rows = models::forecasts::for_section(&app.db, section_id(&app, code).await).await.expect("rows");
        assert_eq!(rows.len(), 1, "{code}: NH3-N only");
        let row = &rows[0];
        let observations: Vec<Observation> = (0..36)
            .map(|k| {
                let (y, m) = month_of(k);
                Observation::new(NaiveDate::from_ymd_opt(y, m, 1).expect("date"), planted(k, rising))
            })
            .collect();
        let options = ForecastOptions { cadence: Some(Cadence::Monthly), horizon: None, trained_at: tonight() };
        let expected = forecast(&observations, limit, options).expect("a forecast");
        assert_eq!((row.cadence.as_str(), row.training_n), ("monthly", 36), "{code}");
        assert_eq!(row.model, expected.model.name(), "{code}: {}", row.reason);
        assert_eq!(row.breach_on, expected.breach.as_ref().map(|b| b.time), "{code}");
        assert_eq!(row.trained_at, tonight());
        assert_eq!(row.breach_on.is_some(), rising, "{code}: {row:?}");
    }

    let (status, body) = app.get("/api/v1/sections/RISE/forecast").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["section"].clone(), body["count"].clone()), (json!("RISE"), json!(1)));
    let f = &body["forecasts"][0];
    assert_eq!((f["parameter"].clone(), f["cadence"].clone()), (json!("nh3n"), json!("monthly")));
    assert_eq!(f["trained_at"], "2024-01-15T02:30:00+08:00");
    assert_eq!(f["forecast"].as_array().expect("steps").len(), 6, "six months ahead");
    assert_eq!(f["forecast"][0]["time"], "2024-01-01T00:00:00+08:00");
    assert!(f["skill"]["persistence_mae"].is_number(), "{f}");
    assert_eq!(f["baseline"], json!(f["model"] != "linear_harmonic"));
    assert_eq!((f["target"].clone(), f["limit"]["value"].clone()), (json!("III"), json!(1.0)));
    let breach = f["breach"]["time"].as_str().expect("a breach");
    assert!(breach.starts_with("2024-") && breach.ends_with("T00:00:00+08:00"), "{breach}");
    assert!(f["breach"]["probability"].as_f64().is_some_and(|p| p >= 0.5), "{f}");
    assert_eq!(body["anomaly"], Value::Null, "a manual section");
    let (_, flat) = app.get("/api/v1/sections/FLAT/forecast").await;
    assert_eq!(flat["forecasts"][0]["breach"], Value::Null, "{flat}");

    // The warning: near the limit, a rising trend, a forecast breach; at the gravest level the configured
    // thresholds give those three.
    let w = current(&app, "RISE", Parameter::Nh3n).await.expect("a warning on RISE");
    let t = &app.jobs.warnings;
    let near = value_level(Parameter::Nh3n, WaterBodyKind::River, WaterClass::III, 0.92, t).map(|(l, _)| l);
    let expected = [near, t.deteriorating_trend, t.forecast_breach].into_iter().flatten().max().expect("a level");
    assert_eq!((w.kind, w.level), (WarningKind::Quality, WarningGrade::from(expected)));
    let mut names = reason_names(&w);
    names.sort();
    assert_eq!(names, ["approaching_limit", "deteriorating_trend", "forecast_breach"], "{}", w.reasons);
    assert!(w.summary.starts_with("氨氮 0.92 mg/L，已达 III 类限值 1.0 的 92%"), "{}", w.summary);
    assert!(w.summary.contains("36 个月趋势显著上升") && w.summary.contains("NH3-N 0.92 mg/L"), "{}", w.summary);
    assert!(current(&app, "FLAT", Parameter::Nh3n).await.is_none(), "flat water, no warning");

    // Its alert, with one notice to the village chief.
    let alert_id = w.alert_id.expect("linked to its alert");
    let alerts: Vec<_> = app.live_alerts().await.into_iter().filter(|a| a.kind == AlertKind::Warning).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0].id, alerts[0].parameter), (alert_id, Parameter::Nh3n));
    let queued = notices::Entity::find().filter(notices::Column::AlertId.eq(alert_id)).all(&app.db).await.expect("db");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient, rise.village_email);
    assert_eq!(notice_count(&app).await, before + 1);

    // An hour later, nothing new: the models stand, the warning is the same, nobody is told twice.
    let again = run(&app, &EarlyWarning, tonight() + TimeDelta::hours(1)).await;
    assert_eq!((again.get("forecast"), again.get("kept")), (0, 2), "{again}");
    assert_eq!((again.get("raised"), again.get("notices queued"), again.get("lifted")), (0, 0, 0), "{again}");
    assert_eq!(notice_count(&app).await, before + 1);
    let same = current(&app, "RISE", Parameter::Nh3n).await.expect("still current");
    assert_eq!((same.id, same.updated_at, same.alert_id), (w.id, w.updated_at, w.alert_id));

    // A year of clean water: no trend, no breach, far from the limit. The warning is lifted.
    let improving: Vec<Value> = (36..48).map(|k| sample("RISE", k, 0.2 + [0.0, 0.01, -0.01][k % 3])).collect();
    post(&app, improving).await;
    let next_year = tonight() + TimeDelta::days(365);
    run(&app, &TrendAnalysis, next_year).await;
    let lifted = run(&app, &EarlyWarning, next_year).await;
    assert_eq!(lifted.get("lifted"), 1, "{lifted}");
    assert!(current(&app, "RISE", Parameter::Nh3n).await.is_none());
    let old = warnings::Entity::find_by_id(w.id).one(&app.db).await.expect("db").expect("kept as history");
    assert_eq!(old.lifted_at, Some(next_year));
    let events = alert_events::Entity::find().filter(alert_events::Column::AlertId.eq(alert_id)).all(&app.db).await;
    assert!(events.expect("db").iter().any(|e| e.kind == AlertEventKind::WarningLifted));
    assert_eq!(notice_count(&app).await, before + 1, "lifting tells nobody");

    let (status, body) = app.get("/api/v1/sections/NOPE/forecast").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
}

/// A small deterministic wobble in −1..1.
fn wobble(i: u64, salt: u64) -> f64 {
    let x =
        (i.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(salt.wrapping_mul(1_442_695_040_888_963_407))) >> 33;
    (x % 2001) as f64 / 1000.0 - 1.0
}

#[tokio::test]
async fn early_warning_scores_an_automatic_stations_readings_and_warns_of_an_anomaly() {
    let app = spawn_app().await;
    app.given_section("AUTO", WaterBodyKind::River, WaterClass::III).await;
    // Hourly DO, pH, NH3-N and CODMn for twelve days to 02:00 on 15 January; the last three hours NH3-N
    // doubles and DO falls, both still within class II–III: only unlike the station's own history.
    let last: DateTime<Utc> = "2026-01-14T18:00:00Z".parse().expect("time");
    let hours = 12 * 24u64;
    let mut readings = Vec::new();
    for h in 0..hours {
        let at = last - TimeDelta::hours((hours - 1 - h) as i64);
        let bad = h >= hours - 3;
        let values = [
            ("do", if bad { 6.4 } else { 8.0 } + 0.2 * wobble(h, 1)),
            ("ph", 7.5 + 0.05 * wobble(h, 2)),
            ("nh3n", if bad { 0.6 } else { 0.3 } + 0.02 * wobble(h, 3)),
            ("codmn", 4.0 + 0.2 * wobble(h, 4)),
        ];
        for (parameter, value) in values {
            readings.push(json!({"section": "AUTO", "parameter": parameter, "kind": "hour",
                "sampled_at": at.to_rfc3339(), "value": (value * 1000.0_f64).round() / 1000.0}));
        }
    }
    post(&app, readings).await;
    let now = last + TimeDelta::minutes(30);
    let report = run(&app, &EarlyWarning, now).await;
    assert_eq!(report.failures, 0, "{report}");
    assert_eq!((report.get("anomaly models fitted"), report.get("anomalous")), (1, 1), "{report}");

    let id = section_id(&app, "AUTO").await;
    let a = models::forecasts::anomaly_for_section(&app.db, id).await.expect("db").expect("an anomaly result");
    assert!(a.anomalous, "{a:?}");
    assert_eq!(a.scored_at, Some(last));
    assert_eq!(a.recent_scored, 24, "the last 24 hours");
    assert!(a.recent_anomalous >= 3, "{a:?}");
    assert!(a.p.expect("p") < a.p_threshold);
    let contributions: Value = serde_json::from_str(&a.contributions).expect("JSON");
    let top = contributions[0]["parameter"].as_str().expect("an item");
    assert!(["nh3n", "do"].contains(&top), "{contributions}");

    let (status, body) = app.get("/api/v1/sections/AUTO/forecast").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 0, "twelve days are too few to forecast");
    assert_eq!(body["anomaly"]["anomalous"], true);
    assert_eq!(body["anomaly"]["at"], "2026-01-15T02:00:00+08:00");

    let w = current(&app, "AUTO", Parameter::Nh3n).await.expect("an anomaly warning on NH3-N");
    let expected = app.jobs.warnings.anomaly.expect("anomalies raise a level by default");
    assert_eq!(w.level, WarningGrade::from(expected), "{}", w.reasons);
    assert_eq!(reason_names(&w), ["anomaly"]);
    assert!(w.alert_id.is_some(), "an anomaly is news: its alert is opened");
}
