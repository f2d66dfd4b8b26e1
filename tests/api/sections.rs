use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use serde_json::json;

use tests::spawn_app;

#[tokio::test]
async fn sections_show_water_body_target_and_the_class_of_the_latest_sample() {
    let app = spawn_app().await;
    let s = app.given_section("S-01", WaterBodyKind::River, WaterClass::III).await;
    app.given_section("S-02", WaterBodyKind::Lake, WaterClass::II).await;
    let token = app.user_token(Role::Bureau).await;
    let older = "2026-11-01T09:30:00+08:00";
    let newer = "2026-11-20T09:30:00+08:00";
    app.post_readings(
        Some(&token),
        json!([
            {"section": s.code, "parameter": "nh3n", "sampled_at": older, "value": 2.5},
            {"section": s.code, "parameter": "nh3n", "sampled_at": newer, "value": 0.4},
            {"section": s.code, "parameter": "codmn", "sampled_at": newer, "value": 7.1},
            {"section": s.code, "parameter": "temp", "sampled_at": newer, "value": 14.0},
        ]),
    )
    .await;

    let body = app.sections().await;
    assert_eq!(body["count"], 2);
    let first = &body["sections"][0];
    assert_eq!(first["code"], "S-01");
    assert_eq!(first["water_body"]["kind"], "river");
    assert_eq!(first["target_class"], "III");
    // The latest sample: NH3-N 0.4 is II, CODMn 7.1 is IV; the worst item decides.
    assert_eq!(first["latest_class"], "IV");
    assert_eq!(first["latest"]["worst_items"], json!(["codmn"]));
    assert_eq!(first["latest"]["meets_target"], false);
    assert_eq!(first["latest"]["status"], "轻度污染");
    assert_eq!(first["latest"]["sampled_at"], newer);

    let second = &body["sections"][1];
    assert_eq!(second["target_class"], "II");
    assert_eq!(second["latest_class"], serde_json::Value::Null, "no readings yet");
}

#[tokio::test]
async fn the_front_page_lists_the_sections_and_marks_one_missing_its_target() {
    let app = spawn_app().await;
    let s = app.given_section("S-03", WaterBodyKind::River, WaterClass::III).await;
    app.given_section("S-04", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    app.post_readings(
        Some(&token),
        json!([{"section": s.code, "parameter": "nh3n", "sampled_at": "2026-11-20T09:30:00+08:00", "value": 1.2}]),
    )
    .await;
    app.given_user(Role::Bureau, "viewer", "viewer-password-1").await;
    let browser = app.browser();
    assert_eq!(browser.sign_in("viewer", "viewer-password-1").await.status(), reqwest::StatusCode::SEE_OTHER);
    let response = browser.get("/").await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().expect("header").to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.expect("page");
    assert!(page.contains("S-03") && page.contains("S-04"));
    assert!(page.contains("轻度污染（未达标）"), "IV against a III target is flagged");
    assert!(page.contains("暂无数据"), "a section without readings says so");
    assert!(!page.contains("演示数据（"), "no demo banner without demo data");
}

#[tokio::test]
async fn a_mistyped_stored_water_body_kind_is_an_error_and_never_read_as_a_river() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.given_section("S-09", WaterBodyKind::Lake, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let backend = app.db.get_database_backend();
    let sql = "UPDATE water_bodies SET kind = 'lagoon' WHERE code = 'W-S-09'".to_string();
    app.db.execute_raw(sea_orm::Statement::from_string(backend, sql)).await.expect("corrupt the row");

    let (status, body) = app.get("/api/v1/sections").await;
    assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal_error");
    // A lake's TP 0.08 is class IV, a river's II: judging it as a river would hide an exceedance.
    let at = "2026-11-20T08:00:00+08:00";
    let (status, _) = app
        .post_readings(Some(&token), json!([{"section": "S-09", "parameter": "tp", "sampled_at": at, "value": 0.08}]))
        .await;
    assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.reading_count().await, 0, "nothing judged by a guessed kind");
}

/// The lake case through the API, worked from Table 1: NH3-N 0.4 is II, TP 0.02 on the lake column is
/// II, TN 2.5 is 劣V on its own but a reference item: the sample is class II. With chl-a, transparency and
/// CODMn the section's trophic state is given beside the class.
#[tokio::test]
async fn a_lake_sample_is_judged_without_total_nitrogen_and_shows_its_trophic_state() {
    let app = spawn_app().await;
    app.given_section("L-01", WaterBodyKind::Lake, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let at = "2026-11-20T09:30:00+08:00";
    let item = |parameter: &str, value: f64| json!({"section": "L-01", "parameter": parameter, "sampled_at": at, "value": value});
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([
                item("nh3n", 0.4),
                item("tn", 2.5),
                item("tp", 0.02),
                item("w01016", 10.0),
                item("sd", 1.0),
                item("codmn", 4.0)
            ]),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["alerts_opened"], 0, "TN alone opens no alert");

    let list = app.sections().await;
    assert_eq!(list["sections"][0]["latest_class"], "II");
    let (status, detail) = app.get("/api/v1/sections/L-01").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{detail}");
    let latest = &detail["latest"];
    assert_eq!(latest["class"], "II");
    assert_eq!(latest["tn_separately"], "劣V", "总氮单独评价");
    // chl-a 10, TP 0.02, TN 2.5, SD 1.0, CODMn 4.0 — by hand: TLI 50.006, 30.829, 70.052, 51.18, 37.979,
    // weighted 0.2663, 0.1879, 0.1790, 0.1834, 0.1834: TLI(Σ) = 48.00, 中营养.
    assert_eq!(latest["trophic"]["grade"], "中营养");
    assert!((latest["trophic"]["tli"].as_f64().expect("tli") - 48.00).abs() < 0.01, "{}", latest["trophic"]);
    let month = &detail["periods"][0];
    assert_eq!((month["period"].clone(), month["class"].clone()), (json!("2026-11"), json!("II")));
    assert_eq!(month["tn_separately"], "劣V");
}
