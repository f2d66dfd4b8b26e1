//! The Yangtze-basin warning job, the silent-station job, and `GET /api/v1/warnings` that lists what they
//! raised.

use chrono::{DateTime, TimeDelta, Utc};
use models::domain::Role;
use models::domain::alert::{AlertEventKind, AlertKind};
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};

use jobs::Job;
use models::entities::{alert_events, devices, notices};
use tests::{TestApp, spawn_app};

/// 04:00 on the 6th of `month` (China Standard Time), when the job runs.
fn sixth_of(year: i32, month: u32) -> DateTime<Utc> {
    format!("{year}-{month:02}-05T20:00:00Z").parse().expect("time")
}

/// NH3-N on the 10th of each month of `year` from `first` through `last`.
async fn plant(app: &TestApp, code: &str, year: i32, months: std::ops::RangeInclusive<u32>, nh3n: f64) {
    let readings: Vec<Value> = months
        .map(|m| {
            json!({"section": code, "parameter": "nh3n",
                "sampled_at": format!("{year}-{m:02}-10T09:00:00+08:00"), "value": nh3n})
        })
        .collect();
    let (status, body) = app.post_readings(Some(&app.reader), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn run_yangtze(app: &TestApp, at: DateTime<Utc>) -> jobs::Report {
    jobs::yangtze_warning::YangtzeWarning.run(&app.jobs, at).await.expect("the job runs")
}

async fn warnings(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/warnings{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn levels_of(body: &Value) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = body["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| {
            let subject = w["section"].as_str().or(w["region"].as_str()).unwrap_or("-").to_string();
            (subject, w["level"].as_str().unwrap_or("-").to_string(), w["period"].as_str().unwrap_or("-").to_string())
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn the_yangtze_warning_is_issued_for_the_quarter_to_section_town_and_district_and_lifted_when_it_no_longer_holds()
{
    let app = spawn_app().await;
    let s = app.given_section("YZ-1", WaterBodyKind::River, WaterClass::III).await;
    // Last year class II (0.4 ≤ 0.5); this year class V (1.5 < 1.8 ≤ 2.0): three classes worse, month and
    // year to date, worse than III and missing the target — level 1.
    plant(&app, "YZ-1", 2025, 1..=6, 0.4).await;
    plant(&app, "YZ-1", 2026, 1..=3, 1.8).await;

    // Early March: February is not a quarter's end; the level is provisional and nothing is issued.
    let report = run_yangtze(&app, sixth_of(2026, 3)).await;
    assert_eq!(report.get("provisional section levels"), 1, "{report}");
    assert!(report.lines.iter().any(|l| l.contains("YZ-1 2026-02") && l.contains("一级预警")), "{report}");
    assert_eq!(warnings(&app, "?kind=yangtze").await["count"], 0);

    // Early April: the first quarter is issued.
    let report = run_yangtze(&app, sixth_of(2026, 4)).await;
    assert_eq!(report.get("section warnings issued"), 1, "{report}");
    let body = warnings(&app, "?kind=yangtze").await;
    let q1 = "2026Q1".to_string();
    assert_eq!(
        levels_of(&body),
        vec![
            ("D-YZ-1".into(), "level1".into(), q1.clone()),
            ("S-YZ-1".into(), "level1".into(), q1.clone()),
            ("YZ-1".into(), "level1".into(), q1.clone()),
        ],
        "{body}"
    );
    assert_eq!(body["levels"]["level1"], 3);
    let section = body["warnings"].as_array().expect("list").iter().find(|w| w["section"] == "YZ-1").expect("it");
    let reasons = section["reasons"].as_array().expect("reasons");
    assert_eq!(reasons.len(), 3, "January to March: {section}");
    assert_eq!(reasons[2]["monthly_class"], "V");
    assert_eq!(reasons[2]["last_year_monthly_class"], "II");
    assert!(section["summary"].as_str().expect("summary").contains("一级预警"), "{section}");

    // The section's alert, filed under the item that makes its class, told to the lowest chief.
    // (The readings themselves opened an exceedance alert; the warning's is its own.)
    let alerts: Vec<_> = app.live_alerts().await.into_iter().filter(|a| a.kind == AlertKind::YangtzeWarning).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!((alert.kind, alert.parameter), (AlertKind::YangtzeWarning, Parameter::Nh3n));
    assert_eq!(section["alert_id"], alert.id);
    let sent = notices::Entity::find().filter(notices::Column::AlertId.eq(alert.id)).all(&app.db).await.expect("db");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient, s.village_email);
    assert!(sent[0].subject.contains("一级预警"), "{}", sent[0].subject);

    // Run again for the same quarter: nothing new, nobody told twice.
    let report = run_yangtze(&app, sixth_of(2026, 4) + TimeDelta::hours(1)).await;
    assert_eq!(report.get("section warnings continued"), 1, "{report}");
    let sent = notices::Entity::find().filter(notices::Column::AlertId.eq(alert.id)).all(&app.db).await.expect("db");
    assert_eq!(sent.len(), 1);

    // The second quarter is as good as last year's: at its issue every warning is lifted automatically.
    plant(&app, "YZ-1", 2026, 4..=6, 0.4).await;
    let report = run_yangtze(&app, sixth_of(2026, 7)).await;
    assert_eq!(report.get("warnings lifted"), 3, "{report}");
    assert_eq!(warnings(&app, "?kind=yangtze").await["count"], 0);
    let history = warnings(&app, "?kind=yangtze&status=all").await;
    assert_eq!(history["count"], 3);
    assert!(history["warnings"].as_array().expect("list").iter().all(|w| w["lifted_at"].is_string()), "{history}");
    let events = alert_events::Entity::find()
        .filter(alert_events::Column::AlertId.eq(alert.id))
        .filter(alert_events::Column::Kind.eq(AlertEventKind::WarningLifted))
        .all(&app.db)
        .await
        .expect("db");
    assert_eq!(events.len(), 1, "the alert notes that its warning was lifted");
}

#[tokio::test]
async fn a_section_without_last_years_classes_gets_no_yangtze_level() {
    let app = spawn_app().await;
    app.given_section("YZ-2", WaterBodyKind::River, WaterClass::III).await;
    plant(&app, "YZ-2", 2026, 1..=3, 2.5).await;
    let report = run_yangtze(&app, sixth_of(2026, 4)).await;
    assert_eq!(report.get("section months evaluated"), 3, "{report}");
    assert_eq!(report.get("section warnings issued"), 0, "{report}");
    assert_eq!(warnings(&app, "?kind=yangtze").await["count"], 0);
}

async fn set_last_frame(app: &TestApp, mn: &str, at: Option<DateTime<Utc>>, created: DateTime<Utc>) {
    let device = devices::Entity::find().filter(devices::Column::Mn.eq(mn)).one(&app.db).await.expect("db");
    let mut active = device.expect("registered").into_active_model();
    active.last_frame_at = Set(at);
    active.created_at = Set(created);
    active.update(&app.db).await.expect("update");
}

#[tokio::test]
async fn a_station_that_stops_sending_is_warned_of_graver_after_a_day_and_lifted_when_it_sends_again() {
    let app = spawn_app().await;
    app.given_section("SIL-1", WaterBodyKind::River, WaterClass::III).await;
    let admin = app.user_token(Role::Admin).await;
    for mn in ["SILENT0000000001", "SILENT0000000002"] {
        let response = app
            .client
            .put(app.url(&format!("/api/v1/devices/{mn}")))
            .bearer_auth(&admin)
            .json(&json!({"section": "SIL-1"}))
            .send()
            .await
            .expect("request");
        assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());
    }
    let now: DateTime<Utc> = "2026-11-20T04:05:00Z".parse().expect("time");
    let long_ago = now - TimeDelta::days(30);
    set_last_frame(&app, "SILENT0000000001", Some(now - TimeDelta::hours(5)), long_ago).await;
    set_last_frame(&app, "SILENT0000000002", Some(now - TimeDelta::minutes(30)), long_ago).await;

    let job = jobs::silent_stations::SilentStations;
    let report = job.run(&app.jobs, now).await.expect("run");
    assert_eq!((report.get("devices checked"), report.get("went silent")), (2, 1), "{report}");
    let body = warnings(&app, "?kind=silent_station").await;
    assert_eq!(body["count"], 1, "{body}");
    let w = &body["warnings"][0];
    assert_eq!(
        (w["device"].as_str(), w["section"].as_str(), w["level"].as_str()),
        (Some("SILENT0000000001"), Some("SIL-1"), Some("yellow"))
    );
    assert_eq!(w["reasons"][0]["silent_hours"], 5);

    // A day later both are silent; the first has grown graver, the second is new.
    let report = job.run(&app.jobs, now + TimeDelta::hours(20)).await.expect("run");
    assert_eq!((report.get("went silent"), report.get("still silent")), (1, 1), "{report}");
    let body = warnings(&app, "?kind=silent_station&level=orange").await;
    assert_eq!(body["count"], 1, "{body}");
    assert_eq!(body["warnings"][0]["device"], "SILENT0000000001");
    assert_eq!(body["levels"]["yellow"], 1, "counts cover every level: {body}");

    // Frames again from the first: its warning is lifted, the other stays.
    let later = now + TimeDelta::hours(21);
    set_last_frame(&app, "SILENT0000000001", Some(later - TimeDelta::minutes(5)), long_ago).await;
    let report = job.run(&app.jobs, later).await.expect("run");
    assert_eq!(report.get("sending again"), 1, "{report}");
    let body = warnings(&app, "?kind=silent_station").await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["warnings"][0]["device"], "SILENT0000000002");
}

#[tokio::test]
async fn warnings_page_by_cursor_filter_by_town_and_refuse_bad_queries_by_name() {
    let app = spawn_app().await;
    for code in ["PG-1", "PG-2", "PG-3"] {
        app.given_section(code, WaterBodyKind::River, WaterClass::III).await;
        plant(&app, code, 2025, 1..=3, 0.4).await;
        plant(&app, code, 2026, 1..=3, 1.8).await;
    }
    run_yangtze(&app, sixth_of(2026, 4)).await;
    // Three sections, each with its own street and district: nine warnings.
    let all = warnings(&app, "").await;
    assert_eq!(all["count"], 9, "{all}");
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = warnings(&app, &format!("?limit=4{cursor}")).await;
        seen.extend(page["warnings"].as_array().expect("list").iter().map(|w| w["id"].as_i64().expect("id")));
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (9, 9), "every warning once: {seen:?}");

    // A town: its own warning and its section's.
    let town = warnings(&app, "?town=S-PG-2").await;
    assert_eq!(levels_of(&town).into_iter().map(|(s, _, _)| s).collect::<Vec<_>>(), vec!["PG-2", "S-PG-2"]);
    // The district takes in the street below it.
    assert_eq!(warnings(&app, "?town=D-PG-3").await["count"], 3);
    assert_eq!(warnings(&app, "?section=PG-1").await["count"], 1);

    for (query, field) in [
        ("?level=purple", "level"),
        ("?kind=flood", "kind"),
        ("?status=old", "status"),
        ("?cursor=abc", "cursor"),
        ("?limit=0", "limit"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/warnings{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/warnings?town=NOWHERE").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
