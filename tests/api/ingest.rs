//! Ingestion end to end: HJ 212 frames over real TCP into the database and back as 9014s, devices and their
//! events, revisions, the live window, quality flags, the readings API, metrics, partitions.

use std::time::Duration;

use chrono::{Datelike, TimeDelta, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::hj212::{Cp, DataFlag, Flag, Item, Packet, cn, data_ack_frame, encode, st};
use models::domain::reading::QualityFlag;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tests::{TestApp, backend_under_test, spawn_app, spawn_app_with};

fn reading(section: &str, parameter: &str, at: &str, value: Value) -> Value {
    json!({"section": section, "parameter": parameter, "sampled_at": at, "value": value})
}

/// The start of the last full hour, China Standard Time, as HJ 212 writes `DataTime`.
fn last_hour() -> chrono::NaiveDateTime {
    let t = (Utc::now() - TimeDelta::hours(1)).with_timezone(&Shanghai).naive_local();
    t.date().and_hms_opt(t.hour(), 0, 0).expect("an hour")
}

/// An hourly upload asking for an acknowledgement (Flag 5: version 1, A bit set).
fn hourly(mn: &str, pw: &str, qn: &str, items: Vec<Item>) -> Packet {
    Packet {
        qn: Some(qn.into()),
        st: st::SURFACE_WATER.into(),
        cn: cn::HOURLY.into(),
        pw: Some(pw.into()),
        mn: mn.into(),
        flag: Some(Flag(5)),
        cp: Cp { data_time: Some(last_hour()), items, fields: Vec::new() },
        ..Packet::default()
    }
}

fn item(code: &str, avg: f64, flag: QualityFlag) -> Item {
    Item { code: code.into(), avg: Some(avg), flag: Some(DataFlag::Known(flag)), ..Item::default() }
}

async fn connect(app: &TestApp) -> TcpStream {
    let stream = TcpStream::connect(app.hj212_addr).await.expect("connect to the receiver");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// Reads one CR LF-terminated frame, or `None` if nothing comes within `wait`.
async fn reply(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut bytes = Vec::new();
    let mut buf = [0; 512];
    let read = async {
        while !bytes.ends_with(b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(wait, read).await;
    (!bytes.is_empty()).then(|| String::from_utf8(bytes).expect("ASCII"))
}

async fn put_device(app: &TestApp, token: &str, mn: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .put(app.url(&format!("/api/v1/devices/{mn}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_station_frame_is_stored_then_acknowledged_with_its_kind_flags_and_units() {
    let app = spawn_app().await;
    let s = app.given_section("H-01", WaterBodyKind::River, WaterClass::III).await;
    let admin = app.user_token(Role::Admin).await;
    let (status, device) = put_device(&app, &admin, "RC0001", json!({"section": s.code, "password": "123456"})).await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    assert_eq!(device["password"], true);
    assert_eq!(device["state"], "never");

    let packet = hourly(
        "RC0001",
        "123456",
        "20261201090000001",
        vec![
            item("w21003", 0.52, QualityFlag::Normal),
            item("w01018", 12.5, QualityFlag::Maintenance),
            // Cadmium under its code defaults to µg/L: 3 µg/L is 0.003 mg/L.
            item("w20115", 3.0, QualityFlag::Normal),
            // Flow is no GB 3838 item: not a reading, said in an event.
            item("w00000", 12.0, QualityFlag::Normal),
        ],
    );
    let mut stream = connect(&app).await;
    stream.write_all(encode(&packet).expect("encodes").as_bytes()).await.expect("send");
    let ack = reply(&mut stream, Duration::from_secs(10)).await.expect("a 9014 arrives");
    assert_eq!(ack, data_ack_frame(&packet).expect("ack"));

    let (status, page) = app.get(&format!("/api/v1/sections/{}/readings?kind=hour", s.code)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 3, "{page}");
    let by =
        |p: &str| page["readings"].as_array().expect("list").iter().find(|r| r["parameter"] == p).cloned().expect(p);
    assert_eq!(by("nh3n")["value"], 0.52);
    assert_eq!(by("nh3n")["kind"], "hour");
    assert_eq!(by("nh3n")["source"], "hj212");
    assert_eq!(by("nh3n")["evaluated"], true);
    assert_eq!(by("cod")["flag"], "M");
    assert_eq!(by("cod")["evaluated"], false, "only N values are evaluated");
    assert_eq!(by("cd")["value"], 0.003);
    let expected_time = last_hour().and_local_timezone(Shanghai).single().expect("time").to_rfc3339();
    assert_eq!(by("nh3n")["sampled_at"], expected_time);

    let (_, devices) = app.get_as("/api/v1/devices", Some(&admin)).await;
    assert_eq!(devices["devices"][0]["frames"], 1, "{devices}");
    assert_eq!(devices["devices"][0]["state"], "online");
    assert_eq!(devices["devices"][0]["last_cn"], "2061");
    let (_, events) = app.get_as("/api/v1/devices/events?mn=RC0001", Some(&admin)).await;
    assert_eq!(events["events"][0]["kind"], "items_not_stored", "{events}");
    assert!(events["events"][0]["detail"].as_str().expect("detail").contains("w00000"));

    // The same frame again (a device that missed the ack) adds nothing and is acknowledged again.
    stream.write_all(encode(&packet).expect("encodes").as_bytes()).await.expect("send");
    assert!(reply(&mut stream, Duration::from_secs(10)).await.is_some());
    assert_eq!(app.reading_count().await, 3);
}

#[tokio::test]
async fn unknown_devices_and_wrong_passwords_are_events_and_get_no_acknowledgement() {
    let app = spawn_app().await;
    let s = app.given_section("H-02", WaterBodyKind::River, WaterClass::III).await;
    let admin = app.user_token(Role::Admin).await;
    put_device(&app, &admin, "RC0002", json!({"section": s.code, "password": "secret"})).await;

    let mut stream = connect(&app).await;
    for (mn, pw) in [("RC0002", "wrong"), ("NOSUCH01", "123456")] {
        let packet = hourly(mn, pw, "20261201090000002", vec![item("w21003", 0.5, QualityFlag::Normal)]);
        stream.write_all(encode(&packet).expect("encodes").as_bytes()).await.expect("send");
        assert_eq!(reply(&mut stream, Duration::from_millis(800)).await, None, "{mn} is not acknowledged");
    }
    assert_eq!(app.reading_count().await, 0);
    let (_, events) = app.get_as("/api/v1/devices/events", Some(&admin)).await;
    let kinds: Vec<&str> =
        events["events"].as_array().expect("list").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, vec!["unknown_device", "wrong_password"], "{events}");
    assert_eq!(events["events"][0]["mn"], "NOSUCH01");

    // A bureau user may not see or register devices.
    let bureau = app.user_token(Role::Bureau).await;
    let (status, _) = app.get_as("/api/v1/devices", Some(&bureau)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = put_device(&app, &admin, "bad mn!", json!({"section": s.code})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "invalid_mn");
    // A note longer than its column is refused by name, on PostgreSQL too (it was a 500 there).
    let (status, body) = put_device(&app, &admin, "RC0009", json!({"section": s.code, "note": "长".repeat(201)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "note");
}

#[tokio::test]
async fn no_acknowledgement_is_sent_when_the_commit_fails() {
    let app = spawn_app().await;
    let s = app.given_section("H-03", WaterBodyKind::River, WaterClass::III).await;
    let admin = app.user_token(Role::Admin).await;
    put_device(&app, &admin, "RC0003", json!({"section": s.code})).await;
    // Every write of readings now fails.
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("ALTER TABLE readings RENAME TO readings_away").await.expect("rename");

    let packet = hourly("RC0003", "any", "20261201090000003", vec![item("w21003", 0.5, QualityFlag::Normal)]);
    let mut stream = connect(&app).await;
    stream.write_all(encode(&packet).expect("encodes").as_bytes()).await.expect("send");
    assert_eq!(
        reply(&mut stream, Duration::from_secs(2)).await,
        None,
        "nothing was stored, so nothing is acknowledged"
    );

    app.db.execute_unprepared("ALTER TABLE readings_away RENAME TO readings").await.expect("rename back");
    // The device sends again, as a device without its ack does, and now it lands.
    stream.write_all(encode(&packet).expect("encodes").as_bytes()).await.expect("send");
    assert!(reply(&mut stream, Duration::from_secs(10)).await.is_some());
    assert_eq!(app.reading_count().await, 1);
}

#[tokio::test]
async fn a_changed_value_is_a_revision_with_its_history_and_audit_entry() {
    let app = spawn_app().await;
    let s = app.given_section("H-04", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let at = "2026-11-20T08:00:00+08:00";
    let (_, first) = app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", at, json!(0.8))])).await;
    // The same sample corrected, under its HJ 212 code, in µg/L: 1200 µg/L = 1.2 mg/L.
    let corrected =
        json!([{"section": s.code, "parameter": "w21003", "sampled_at": at, "value": 1200, "unit": "ug/L"}]);
    let (status, second) = app.post_readings(Some(&token), corrected).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["revised"], 1);
    assert_eq!(second["stored"], 0);
    let result = &second["results"][0];
    assert_eq!(result["status"], "revised");
    assert_eq!(result["value"], 1.2, "the answer shows the value now stored");
    assert_eq!(result["previous_value"], 0.8);
    assert_eq!(result["revision"], 2);
    assert_eq!(result["reading_id"], first["results"][0]["reading_id"]);
    assert_eq!(app.reading_count().await, 1);

    let id = result["reading_id"].as_i64().expect("id");
    let (status, history) = app.get(&format!("/api/v1/readings/{id}/history")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["current"]["value"], 1.2);
    assert_eq!(history["current"]["revision"], 2);
    assert_eq!(history["revisions"].as_array().expect("list").len(), 1);
    assert_eq!(history["revisions"][0]["value"], 0.8);
    assert_eq!(history["revisions"][0]["revision"], 1);
    assert!(history["revisions"][0]["superseded_by"].as_str().expect("who").starts_with("bureau-"));

    // The same correction again is a duplicate of the current value.
    let (_, third) = app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", at, json!(1.2))])).await;
    assert_eq!(third["duplicates"], 1, "{third}");

    let admin = app.user_token(Role::Admin).await;
    let (_, audit) = app.get_as("/api/v1/audit?action=readings.submit&limit=5", Some(&admin)).await;
    let revised: Vec<&Value> =
        audit["entries"].as_array().expect("entries").iter().filter(|e| e["after"]["revised"] == 1).collect();
    assert_eq!(revised.len(), 1, "{audit}");
    assert_eq!(revised[0]["after"]["revisions"][0]["from"], 0.8);
    assert_eq!(revised[0]["after"]["revisions"][0]["to"], 1.2);

    // Two different values for one sample in one batch: both kept, the later current.
    let twice = json!([reading(&s.code, "cod", at, json!(10.0)), reading(&s.code, "cod", at, json!(14.0))]);
    let (_, body) = app.post_readings(Some(&token), twice).await;
    assert_eq!(body["stored"], 1, "{body}");
    assert_eq!(body["revised"], 1);
    assert_eq!(body["results"][1]["previous_value"], 10.0);
}

#[tokio::test]
async fn readings_older_than_the_live_window_are_stored_and_judged_but_open_no_alert() {
    let app = spawn_app_with(|s| s.live_window_hours = 48).await;
    let s = app.given_section("H-05", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let old = (Utc::now() - TimeDelta::days(10)).to_rfc3339();
    let (status, body) = app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", &old, json!(1.8))])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stored"], 1);
    assert_eq!(body["results"][0]["class"], "V");
    assert_eq!(body["results"][0]["meets_target"], false);
    assert_eq!(body["alerts_opened"], 0);
    assert!(app.live_alerts().await.is_empty());

    let recent = (Utc::now() - TimeDelta::hours(2)).to_rfc3339();
    let (_, body) = app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", &recent, json!(1.8))])).await;
    assert_eq!(body["alerts_opened"], 1, "{body}");

    // A date before 1949 is a typing mistake, refused.
    let (status, body) = app
        .post_readings(Some(&token), json!([reading(&s.code, "nh3n", "1900-01-01T00:00:00+08:00", json!(1.0))]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "time_too_early");
}

#[tokio::test]
async fn a_sentinel_is_kept_flagged_and_an_implausible_value_is_left_out_of_evaluation() {
    let app = spawn_app().await;
    let s = app.given_section("H-06", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let batch = json!([
        reading(&s.code, "do", "2026-11-20T08:00:00+08:00", json!(-999)),
        reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(250.0)),
        reading(&s.code, "codmn", "2026-11-20T08:00:00+08:00", json!(3.0)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["qc"], "sentinel");
    assert_eq!(body["results"][0]["class"], Value::Null, "a placeholder has no class");
    assert_eq!(body["results"][0]["alert"], Value::Null, "-999 is no measurement: no alert");
    assert_eq!(body["results"][1]["qc"], "range");
    assert_eq!(body["results"][2]["qc"], Value::Null);
    let (_, page) = app.get(&format!("/api/v1/sections/{}/readings", s.code)).await;
    let evaluated: Vec<&str> = page["readings"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|r| r["evaluated"] == true)
        .map(|r| r["parameter"].as_str().expect("parameter"))
        .collect();
    assert_eq!(evaluated, vec!["codmn"]);
    // The section's latest sample is judged by what is evaluated only: CODMn 3.0 is class II.
    let (_, detail) = app.get(&format!("/api/v1/sections/{}", s.code)).await;
    assert_eq!(detail["latest"]["class"], "II", "{detail}");
}

#[tokio::test]
async fn a_sections_readings_page_by_cursor_filter_and_stream_as_csv() {
    let app = spawn_app().await;
    let s = app.given_section("H-07", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let batch: Vec<Value> = (1..=9)
        .flat_map(|d| {
            let at = format!("2026-10-{d:02}T08:00:00+08:00");
            [reading(&s.code, "nh3n", &at, json!(0.1 * f64::from(d))), reading(&s.code, "tp", &at, json!(0.05))]
        })
        .collect();
    let (status, _) = app.post_readings(Some(&token), Value::Array(batch)).await;
    assert_eq!(status, StatusCode::OK);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/sections/{}/readings?parameter=nh3n&limit=4", s.code);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for r in page["readings"].as_array().expect("list") {
            seen.push(r["sampled_at"].as_str().expect("time")[8..10].to_string());
        }
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let days: Vec<String> = (1..=9).rev().map(|d| format!("{d:02}")).collect();
    assert_eq!(seen, days, "newest first, each once");

    let (_, ranged) =
        app.get(&format!("/api/v1/sections/{}/readings?from=2026-10-03&to=2026-10-05&parameter=tp", s.code)).await;
    assert_eq!(ranged["count"], 2, "{ranged}");

    let (status, content_type, body) =
        app.get_bytes(&format!("/api/v1/sections/{}/readings?format=csv", s.code), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = String::from_utf8(body).expect("UTF-8");
    assert_eq!(text.lines().count(), 1 + 18, "a header and every reading");
    assert!(text.lines().nth(1).expect("a row").starts_with(&format!("{},", s.code)));

    for (query, code) in [
        ("parameter=xyz", "unknown_parameter"),
        ("from=yesterday", "invalid_time"),
        ("kind=weekly", "invalid_kind"),
        ("cursor=abc", "invalid_cursor"),
        ("limit=0", "out_of_range"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/sections/{}/readings?{query}", s.code)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["details"][0]["code"], code, "{query}");
    }
    let (status, _) = app.get("/api/v1/sections/NOPE/readings").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/readings/999999/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format_on_their_own_address() {
    let app = spawn_app().await;
    let s = app.given_section("H-08", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(0.3))])).await;
    let text = reqwest::get(format!("http://{}/metrics", app.metrics_addr))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("riverchief_http_requests_total{route=\"/api/v1/readings\",method=\"POST\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("riverchief_readings_stored_total{source=\"api\"}"), "{text}");
    assert!(text.contains("riverchief_outbox_depth"), "{text}");
    // Not on the public port.
    let (status, _) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readings_land_in_monthly_partitions_on_postgresql_and_a_range_reads_only_its_months() {
    let app = spawn_app().await;
    let s = app.given_section("H-09", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    // The last day of a month at 23:30 China time is the next month's... no: it is that month's last
    // half hour, though in UTC it is 15:30 the same day. The partition goes by China-time month.
    let batch = json!([
        reading(&s.code, "nh3n", "2025-03-31T23:30:00+08:00", json!(0.3)),
        reading(&s.code, "nh3n", "2025-04-01T00:30:00+08:00", json!(0.4)),
        reading(&s.code, "nh3n", "2025-07-15T08:00:00+08:00", json!(0.5)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, april) = app.get(&format!("/api/v1/sections/{}/readings?from=2025-04-01&to=2025-05-01", s.code)).await;
    assert_eq!(april["count"], 1, "{april}");
    assert_eq!(april["readings"][0]["value"], 0.4);

    let months = models::partitions::list(&app.db).await.expect("partitions");
    if backend_under_test() == "postgres" {
        let now = Utc::now().with_timezone(&Shanghai);
        let this_month = now.year() * 100 + now.month() as i32;
        for key in [202503, 202504, 202507, this_month] {
            assert!(months.contains(&key), "{key} in {months:?}");
        }
        assert!(!months.contains(&202505), "no month without readings is made: {months:?}");
        use sea_orm::{ConnectionTrait, Statement};
        let plan = app
            .db
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "EXPLAIN SELECT * FROM readings WHERE section_id = 1 \
                 AND sampled_at >= '2025-04-01T00:00:00+08:00' AND sampled_at < '2025-05-01T00:00:00+08:00'",
            ))
            .await
            .expect("explain");
        let plan: Vec<String> = plan.iter().map(|r| r.try_get_by_index::<String>(0).expect("line")).collect();
        let text = plan.join("\n");
        assert!(text.contains("readings_2025_04"), "{text}");
        assert!(!text.contains("readings_2025_03") && !text.contains("readings_2025_07"), "{text}");
    } else {
        assert!(months.is_empty(), "SQLite has one table");
    }
}

#[tokio::test]
async fn an_admin_flags_a_reading_out_of_evaluation_and_clears_it_again_audited() {
    let app = spawn_app().await;
    let s = app.given_section("H-10", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let at = "2026-11-20T08:00:00+08:00";
    let (_, body) = app
        .post_readings(
            Some(&token),
            json!([reading(&s.code, "nh3n", at, json!(1.8)), reading(&s.code, "codmn", at, json!(3.0))]),
        )
        .await;
    let id = body["results"][0]["reading_id"].as_i64().expect("id");
    let month_class = |detail: &Value| detail["periods"][0]["class"].clone();
    let (_, detail) = app.get(&format!("/api/v1/sections/{}", s.code)).await;
    assert_eq!(month_class(&detail), "V", "{detail}");

    let admin = app.user_token(Role::Admin).await;
    let put = |qc: Value| {
        let request = app
            .client
            .put(app.url(&format!("/api/v1/readings/{id}/qc")))
            .bearer_auth(&admin)
            .json(&json!({"qc": qc, "reason": "probe fouled"}));
        async move {
            let response = request.send().await.expect("request");
            (response.status(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, flagged) = put(json!("manual")).await;
    assert_eq!(status, StatusCode::OK, "{flagged}");
    assert_eq!(flagged["qc"], "manual");
    assert_eq!(flagged["evaluated"], false);
    let (_, detail) = app.get(&format!("/api/v1/sections/{}", s.code)).await;
    assert_eq!(month_class(&detail), "II", "NH3-N is out of the month: {detail}");

    let (status, cleared) = put(Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["qc"], Value::Null);
    let (_, detail) = app.get(&format!("/api/v1/sections/{}", s.code)).await;
    assert_eq!(month_class(&detail), "V");

    let (status, body) = put(json!("dirty")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, audit) = app.get_as("/api/v1/audit?action=readings.qc", Some(&admin)).await;
    assert_eq!(audit["count"], 2, "{audit}");
    assert_eq!(audit["entries"][1]["after"]["reason"], "probe fouled");
    // Bureau staff may read readings, not flag them.
    let response = app
        .client
        .put(app.url(&format!("/api/v1/readings/{id}/qc")))
        .bearer_auth(&token)
        .json(&json!({"qc": "manual"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_enterprise_monitor_frame_is_stored_for_its_outfall_and_a_changed_value_is_a_revision() {
    use models::entities::{enterprises, monitor_readings, outfalls};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let enterprise = enterprises::ActiveModel {
        credit_code: Set("91360104MA35XXXX0X".into()),
        name: Set("测试企业（演示）".into()),
        is_key_unit: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("enterprise");
    outfalls::ActiveModel {
        enterprise_id: Set(enterprise.id),
        code: Set("DW001".into()),
        name: Set("总排口".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("outfall");
    let admin = app.user_token(Role::Admin).await;
    let (status, body) = put_device(&app, &admin, "EM0001", json!({"outfall": "DW001"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let upload = |cod: f64| {
        let mut p = hourly(
            "EM0001",
            "x",
            "20261201090000009",
            vec![item("w01018", cod, QualityFlag::Normal), item("w00000", 12.5, QualityFlag::Normal)],
        );
        p.st = st::WASTEWATER.into();
        p
    };
    let mut stream = connect(&app).await;
    for cod in [38.0, 38.0, 41.0] {
        stream.write_all(encode(&upload(cod)).expect("encodes").as_bytes()).await.expect("send");
        assert!(reply(&mut stream, Duration::from_secs(10)).await.is_some(), "acknowledged");
    }
    let rows = monitor_readings::Entity::find().all(&app.db).await.expect("rows");
    assert_eq!(rows.len(), 2, "COD and flow, each once: {rows:?}");
    let cod = rows.iter().find(|r| r.code == "w01018").expect("COD");
    assert_eq!(cod.value, Some(41.0));
    assert_eq!(cod.revision, 2, "38 then 41: one revision, the repeat of 38 changed nothing");
    assert_eq!(cod.unit, "mg/L");
    let flow = monitor_readings::Entity::find().filter(monitor_readings::Column::Code.eq("w00000")).one(&app.db).await;
    assert_eq!(flow.expect("db").expect("flow").unit, "L/s");
    assert_eq!(app.reading_count().await, 0, "no surface-water readings from an outfall");
}

#[tokio::test]
async fn a_station_value_that_jumps_is_flagged_a_spike_against_the_stored_series() {
    let app = spawn_app().await;
    let s = app.given_section("H-11", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let hour = |h: u32, v: f64| {
        json!({"section": s.code, "parameter": "nh3n", "sampled_at": format!("2026-11-20T{h:02}:00:00+08:00"),
               "value": v, "kind": "hour"})
    };
    let (_, first) = app.post_readings(Some(&token), json!([hour(1, 0.4), hour(2, 0.5)])).await;
    assert_eq!(first["stored"], 2, "{first}");
    // In a later batch: 0.5 → 4.0 in an hour is faster than NH3-N moves (2 mg/L an hour).
    let (_, body) = app.post_readings(Some(&token), json!([hour(3, 4.0), hour(4, 0.6)])).await;
    assert_eq!(body["results"][0]["qc"], "spike", "{body}");
    assert_eq!(body["results"][1]["qc"], Value::Null, "compared with 0.5, not with the spike");
    // A lab sample is not screened so: the same jump as a sample stands.
    let (_, lab) = app
        .post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-20T05:00:00+08:00", json!(4.0))]))
        .await;
    assert_eq!(lab["results"][0]["qc"], Value::Null, "{lab}");
}
