use models::domain::Role;
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tests::{TestApp, spawn_app};

fn reading(section: &str, parameter: &str, at: &str, value: Value) -> Value {
    json!({"section": section, "parameter": parameter, "sampled_at": at, "value": value})
}

async fn bureau(app: &TestApp) -> String {
    app.user_token(Role::Bureau).await
}

#[tokio::test]
async fn a_reading_worse_than_target_opens_one_alert_and_emails_the_village_chief() {
    let app = spawn_app().await;
    let s = app.given_section("R-01", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;

    let (status, body) = app
        .post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(1.62))]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stored"], 1);
    assert_eq!(body["alerts_opened"], 1);
    let result = &body["results"][0];
    // 1.0 < 1.62 <= 1.5? No: 1.5 < 1.62 <= 2.0, so class V against a class III target.
    assert_eq!(result["class"], "V");
    assert_eq!(result["meets_target"], false);
    assert_eq!(result["alert"]["action"], "opened");

    let alerts = app.live_alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].parameter, Parameter::Nh3n);
    assert_eq!(app.emails().len(), 0, "nothing is sent before the delivery job runs");

    let report = app.run_job("deliver_notices").await;
    assert_eq!(report.get("sent"), 1, "{report}");
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.envelope_to, vec![s.village_email.clone()], "the lowest-level chief gets the notice");
    let subject = email.subject();
    for needle in ["测试河R-01", "测试断面", "氨氮", "1.62 mg/L", "V 类", "目标 III 类"] {
        assert!(subject.contains(needle), "subject lacks {needle}: {subject}");
    }
    let body = email.body();
    for needle in ["村河长（村级河长）", "R-01", "≤1 mg/L", "GB 3838-2002", "2026-11-20 08:00"] {
        assert!(body.contains(needle), "body lacks {needle}:\n{body}");
    }
}

#[tokio::test]
async fn a_second_exceeding_reading_updates_the_alert_without_a_second_email() {
    let app = spawn_app().await;
    let s = app.given_section("R-02", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;

    app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(1.62))])).await;
    app.run_job("deliver_notices").await;
    let (status, body) = app
        .post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-21T08:00:00+08:00", json!(2.4))]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["alerts_opened"], 0);
    assert_eq!(body["alerts_updated"], 1);
    assert_eq!(body["results"][0]["class"], "劣V");

    let report = app.run_job("deliver_notices").await;
    assert_eq!(report.get("sent"), 0, "{report}");
    assert_eq!(app.emails().len(), 1);

    let alerts = app.live_alerts().await;
    assert_eq!(alerts.len(), 1, "one open alert per section and parameter");
    let alert = &alerts[0];
    assert_eq!(alert.reading_count, 2);
    assert_eq!(alert.last_value, 2.4);
    assert_eq!(alert.worst_class, WaterClass::WorseThanV);
}

#[tokio::test]
async fn an_older_reading_arriving_late_does_not_become_the_alerts_latest() {
    let app = spawn_app().await;
    let s = app.given_section("R-03", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    app.post_readings(Some(&token), json!([reading(&s.code, "tp", "2026-11-21T08:00:00+08:00", json!(0.35))])).await;
    app.post_readings(Some(&token), json!([reading(&s.code, "tp", "2026-11-19T08:00:00+08:00", json!(0.5))])).await;
    let alert = &app.live_alerts().await[0];
    assert_eq!(alert.last_value, 0.35, "the latest in time stays the latest");
    assert_eq!(alert.worst_value, 0.5, "but the worst is remembered");
}

#[tokio::test]
async fn a_reading_within_target_opens_no_alert() {
    let app = spawn_app().await;
    let s = app.given_section("R-04", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    // Exactly the class III limit is class III: limits are inclusive.
    let (status, body) = app
        .post_readings(Some(&token), json!([reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(1.0))]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["class"], "III");
    assert_eq!(body["results"][0]["meets_target"], true);
    assert!(app.live_alerts().await.is_empty());
}

#[tokio::test]
async fn a_repeated_reading_is_stored_once() {
    let app = spawn_app().await;
    let s = app.given_section("R-05", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let batch = json!([reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(1.62))]);

    let (_, first) = app.post_readings(Some(&token), batch.clone()).await;
    // The same instant written another way is the same reading.
    let same = json!([reading(&s.code, "w21003", "2026-11-20T00:00:00Z", json!(1.62))]);
    let (status, second) = app.post_readings(Some(&token), same).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["stored"], 0);
    assert_eq!(second["duplicates"], 1);
    assert_eq!(second["results"][0]["status"], "duplicate");
    assert_eq!(second["results"][0]["reading_id"], first["results"][0]["reading_id"]);
    assert_eq!(app.reading_count().await, 1);
    assert_eq!(app.live_alerts().await[0].reading_count, 1, "a retry changes no alert");
}

#[tokio::test]
async fn a_batch_with_one_bad_item_stores_nothing() {
    let app = spawn_app().await;
    let s = app.given_section("R-06", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let batch = json!([
        reading(&s.code, "nh3n", "2026-11-20T08:00:00+08:00", json!(1.62)),
        reading(&s.code, "do", "2026-11-20T08:00:00+08:00", json!(6.1)),
        reading(&s.code, "tp", "2026-11-20T08:00:00+08:00", json!(-0.2)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_readings");
    let details = body["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["index"], 2);
    assert_eq!(details[0]["field"], "value");
    assert_eq!(details[0]["code"], "negative_value");
    assert_eq!(app.reading_count().await, 0);
    assert!(app.live_alerts().await.is_empty(), "the good exceeding item opened nothing either");
}

#[tokio::test]
async fn every_bad_item_is_named_with_its_index_and_a_stable_code() {
    let app = spawn_app().await;
    let s = app.given_section("R-07", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    let batch = json!([
        reading("NO-SUCH", "nh3n", at, json!(1.0)),
        reading(&s.code, "nh4", at, json!(1.0)),
        reading(&s.code, "cod", at, json!("high")),
        reading(&s.code, "cod", at, json!(-3)),
        reading(&s.code, "ph", at, json!(14.2)),
        reading(&s.code, "do", "2099-01-01T00:00:00+08:00", json!(6.0)),
        {"section": s.code, "parameter": "tp", "value": 0.1},
        reading(&s.code, "tp", at, json!(true)),
        {"section": s.code, "parameter": "tp", "sampled_at": at, "value": 0.1, "units": "ug/L"},
        reading(&s.code, "tp", at, json!(0.1)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let found: Vec<(u64, String, String)> = body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["index"].as_u64().expect("index"),
                d["field"].as_str().expect("field").into(),
                d["code"].as_str().expect("code").into(),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = [
        (0, "section", "unknown_section"),
        (1, "parameter", "unknown_parameter"),
        (2, "value", "not_a_number"),
        (3, "value", "negative_value"),
        (4, "value", "out_of_range"),
        (5, "sampled_at", "time_in_future"),
        (6, "sampled_at", "missing_field"),
        (7, "value", "not_a_number"),
        (8, "units", "unknown_field"),
    ]
    .into_iter()
    .map(|(i, f, c)| (i, f.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expected);
    for d in body["error"]["details"].as_array().expect("details") {
        assert!(
            !d["message"].as_str().unwrap_or_default().is_empty()
                && !d["message_en"].as_str().unwrap_or_default().is_empty()
        );
    }
    assert_eq!(app.reading_count().await, 0);
}

#[tokio::test]
async fn malformed_json_is_a_400_and_a_body_without_readings_a_422() {
    let app = spawn_app().await;
    let token = bureau(&app).await;
    let (status, body) =
        app.post_raw("/api/v1/readings", Some(&token), "application/json", "{\"readings\": [".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "malformed_json");

    let (status, body) = app.post_json("/api/v1/readings", Some(&token), &json!({"reading": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "readings");

    let (status, body) = app.post_readings(Some(&token), json!([])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "empty_batch");
}

#[tokio::test]
async fn hj212_codes_below_detection_and_micrograms_are_understood() {
    let app = spawn_app().await;
    let s = app.given_section("R-08", WaterBodyKind::Lake, WaterClass::III).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    let batch = json!([
        reading(&s.code, "w20111", at, json!("<0.00001")),
        {"section": s.code, "parameter": "pb", "sampled_at": at, "value": 60, "unit": "µg/L"},
        reading(&s.code, "tp", at, json!(0.08)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results[0]["parameter"], "hg");
    assert_eq!(results[0]["class"], "I");
    assert_eq!(results[1]["value"], 0.06, "60 µg/L is stored as 0.06 mg/L");
    assert_eq!(results[1]["class"], "V", "0.05 < 0.06 <= 0.1 mg/L");
    // On a lake TP is judged by the lake column: 0.05 < 0.08 <= 0.1 is class IV.
    assert_eq!(results[2]["class"], "IV");
    assert_eq!(body["alerts_opened"], 2);
}

#[tokio::test]
async fn reference_only_items_and_abnormal_flags_raise_no_alert() {
    let app = spawn_app().await;
    let s = app.given_section("R-09", WaterBodyKind::River, WaterClass::II).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    let batch = json!([
        // Total nitrogen is not evaluated on rivers.
        reading(&s.code, "tn", at, json!(3.5)),
        // Flag D (instrument fault): kept, not judged.
        {"section": s.code, "parameter": "nh3n", "sampled_at": at, "value": 5.0, "flag": "D"},
        reading(&s.code, "temp", at, json!(31.5)),
    ]);
    let (status, body) = app.post_readings(Some(&token), batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stored"], 3);
    assert_eq!(body["results"][0]["class"], "劣V");
    assert_eq!(body["results"][0]["meets_target"], Value::Null);
    assert_eq!(body["results"][1]["meets_target"], Value::Null);
    assert_eq!(body["results"][2]["class"], Value::Null);
    assert!(app.live_alerts().await.is_empty());
}

#[tokio::test]
async fn concurrent_batches_for_one_section_open_one_alert_and_one_notice() {
    let app = spawn_app().await;
    let s = app.given_section("R-10", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let batch = |hour: u32| json!([reading(&s.code, "nh3n", &format!("2026-11-20T{hour:02}:00:00+08:00"), json!(1.8))]);
    let posts = (0..6).map(|h| app.post_readings(Some(&token), batch(h)));
    let answers = futures::future::join_all(posts).await;
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK), "{answers:?}");
    let opened: u64 = answers.iter().map(|(_, b)| b["alerts_opened"].as_u64().expect("count")).sum();
    assert_eq!(opened, 1, "exactly one batch opened the alert");
    let alerts = app.live_alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].reading_count, 6);
    assert_eq!(app.run_job("deliver_notices").await.get("sent"), 1);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = tests::spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let token = bureau(&app).await;
    let big = json!([reading("X", "nh3n", "2026-11-20T08:00:00+08:00", json!("0".repeat(2048)))]);
    let (status, body) = app.post_readings(Some(&token), big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn an_absurd_value_is_refused_as_out_of_range_on_every_backend() {
    // On PostgreSQL, 1e220 mg/L once made the notice's subject overflow its column: a 500.
    let app = spawn_app().await;
    let s = app.given_section("R-20", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    for (parameter, value) in [("nh3n", 1e220), ("cod", 1e308), ("do", 1e300)] {
        let (status, body) =
            app.post_readings(Some(&token), json!([reading(&s.code, parameter, at, json!(value))])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{parameter} {value}: {body}");
        assert_eq!(body["error"]["details"][0]["code"], "out_of_range");
    }
    // The largest possible concentration is stored, alerts, and its notice is queued.
    let (status, body) = app.post_readings(Some(&token), json!([reading(&s.code, "nh3n", at, json!(1e6))])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["alert"]["notice_queued"], true);
    assert_eq!(app.reading_count().await, 1);
}

#[tokio::test]
async fn a_leap_second_is_refused_rather_than_folded_onto_the_second_before() {
    let app = spawn_app().await;
    let s = app.given_section("R-21", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let (status, body) =
        app.post_readings(Some(&token), json!([reading(&s.code, "do", "2016-12-31T23:59:60+00:00", json!(6.0))])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "invalid_time");
    assert_eq!(app.reading_count().await, 0);
}

#[tokio::test]
async fn codes_are_matched_ignoring_case_and_spaces_and_the_body_is_strict_about_its_shape() {
    let app = spawn_app().await;
    app.given_section("QYP-03", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    // One rule for every code a caller types: surrounding spaces and ASCII case do not matter.
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([reading(" qyp-03 ", "NH3N", at, json!(0.4)), reading("Qyp-03", "w01009", at, json!(6.5))]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["section"], "QYP-03", "answered with the code as registered");
    assert_eq!(app.reading_count().await, 2);

    // Unknown keys are refused at the top level as inside items.
    let (status, body) = app
        .post_json(
            "/api/v1/readings",
            Some(&token),
            &json!({"readings": [reading("QYP-03", "do", at, json!(6.0))], "extra": 1}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_field")));
    assert_eq!(body["error"]["details"][0]["field"], "extra");
    // A body that is not an object.
    let (status, body) = app.post_raw("/api/v1/readings", Some(&token), "application/json", "[1,2]".into()).await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_body")));
    // JSON sent as text is not taken as JSON.
    let text = json!({"readings": [reading("QYP-03", "do", at, json!(6.0))]}).to_string();
    let (status, body) = app.post_raw("/api/v1/readings", Some(&token), "text/plain", text).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!("unsupported_media_type"))
    );
    assert_eq!(app.reading_count().await, 2);
}

#[tokio::test]
async fn errors_quote_the_input_shortened_so_a_huge_request_gets_a_small_answer() {
    let app = spawn_app().await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    let code = "Q".repeat(1_000_000);
    let batch = json!([
        reading(&code, "nh3n", at, json!(0.4)),
        reading(&code, "nh3n", at, json!(0.5)),
        reading(&code, "nh3n", at, json!(0.6))
    ]);
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/readings"))
        .bearer_auth(&token)
        .json(&json!({ "readings": batch }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer = response.bytes().await.expect("body");
    assert!(answer.len() < 8 * 1024, "a 3 MB request got a {} byte answer", answer.len());
    let body: Value = serde_json::from_slice(&answer).expect("json");
    assert_eq!(body["error"]["details"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["error"]["details"][0]["code"], "unknown_section");
}

#[tokio::test]
async fn a_value_under_a_microgram_code_is_converted_and_answered_with_the_unit_it_was_read_in() {
    let app = spawn_app().await;
    let s = app.given_section("R-30", WaterBodyKind::River, WaterClass::III).await;
    let token = bureau(&app).await;
    let at = "2026-11-20T08:00:00+08:00";
    // w20120 (lead) is in µg/L by HJ 212 Table B.1 when no unit is given; under the key pb it is mg/L.
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([reading(&s.code, "w20120", at, json!(60)), reading(&s.code, "cd", at, json!(0.004))]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["value"], 0.06);
    assert_eq!(body["results"][0]["read_as"], json!({"value": 60.0, "unit": "µg/L"}));
    assert_eq!(body["results"][1]["value"], 0.004);
    assert!(body["results"][1].get("read_as").is_none(), "read in the standard's unit");
}
