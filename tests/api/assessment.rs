//! The assessment API and its exports, checked against figures worked by hand.

use chrono::Datelike;
use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tests::{TestApp, spawn_app};

const TOWN: (&str, &str) = ("T-1", "测试镇");
const RIVER_1: (&str, &str, WaterBodyKind) = ("W-1", "一号河", WaterBodyKind::River);
const RIVER_2: (&str, &str, WaterBodyKind) = ("W-2", "二号河", WaterBodyKind::River);

fn nh3n(section: &str, at: &str, value: f64) -> Value {
    json!({"section": section, "parameter": "nh3n", "sampled_at": at, "value": value})
}

/// Five river sections of one town, target III. October 2026, two samples each (monthly means in brackets):
/// A 0.4/0.6 (0.5, II), B 0.9/1.1 (1.0, III), C 1.2/1.4 (1.3, IV), D 2.2/2.6 (2.4, 劣V), E 0.1/0.14 (0.12, I).
/// September 2026: every section 0.5 (II). A, B, C lie on river 1; D, E on river 2.
async fn five_sections(app: &TestApp) {
    for (code, river) in [("A", RIVER_1), ("B", RIVER_1), ("C", RIVER_1), ("D", RIVER_2), ("E", RIVER_2)] {
        app.given_section_in(code, TOWN, river, WaterClass::III).await;
    }
    let token = app.user_token(Role::Bureau).await;
    let mut readings = Vec::new();
    for (code, first, second) in [("A", 0.4, 0.6), ("B", 0.9, 1.1), ("C", 1.2, 1.4), ("D", 2.2, 2.6), ("E", 0.1, 0.14)]
    {
        readings.push(nh3n(code, "2026-10-05T09:00:00+08:00", first));
        readings.push(nh3n(code, "2026-10-20T09:00:00+08:00", second));
        readings.push(nh3n(code, "2026-09-10T09:00:00+08:00", 0.5));
    }
    let (status, body) = app.post_readings(Some(&token), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_town_of_five_sections_is_assessed_by_class_shares_and_compared_with_last_month() {
    let app = spawn_app().await;
    five_sections(&app).await;
    let (status, body) = app.get("/api/v1/assessment?scope=town&period=2026-10").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period_label"], "2026年10月");
    let units = body["units"].as_array().expect("units");
    assert_eq!(units.len(), 1);
    let town = &units[0];
    assert_eq!(town["name"], "测试镇");
    assert_eq!(town["evaluated"], 5);
    assert_eq!(town["distribution"], json!({"I": 1, "II": 1, "III": 1, "IV": 1, "V": 0, "劣V": 1}));
    assert_eq!(town["excellent_rate"], 60.0);
    assert_eq!(town["worse_than_v_share"], 20.0);
    assert_eq!((town["meeting_target"].clone(), town["target_attainment_rate"].clone()), (json!(3), json!(60.0)));
    // I–III 60 % (< 75 %) with 劣V at 20 %: moderately polluted, by the proportion method.
    assert_eq!((town["status"].clone(), town["status_method"].clone()), (json!("中度污染"), json!("proportion")));
    assert_eq!(
        town["main_pollutants"],
        json!([{"parameter": "nh3n", "name": "氨氮", "exceedance_rate": 40.0, "sections_exceeding": 2}])
    );
    // September: all five class II. ΔG = 60 − 100 = −40, ΔD = 20 − 0 = +20, ΔG − ΔD = −60: markedly worse.
    let previous = &town["previous"];
    assert_eq!(
        (previous["delta_excellent"].clone(), previous["delta_worse_than_v"].clone()),
        (json!(-40.0), json!(20.0))
    );
    assert_eq!((previous["score"].clone(), previous["change"].clone()), (json!(-60.0), json!("markedly_worse")));
    assert_eq!(town["last_year"], Value::Null, "no data for October 2025");
    let d = town["sections"].as_array().expect("sections").iter().find(|s| s["code"] == "D").expect("D");
    assert_eq!((d["class"].clone(), d["meets_target"].clone()), (json!("劣V"), json!(false)));
    assert_eq!(d["main_pollutants"], json!(["NH3-N(1.4)"]));
}

#[tokio::test]
async fn rivers_with_fewer_than_five_sections_are_assessed_by_averaging() {
    let app = spawn_app().await;
    five_sections(&app).await;
    let (_, body) = app.get("/api/v1/assessment?scope=river&period=2026-10").await;
    let by_name =
        |name: &str| body["units"].as_array().expect("units").iter().find(|u| u["name"] == name).expect(name).clone();
    // River 1: (0.5 + 1.0 + 1.3) / 3 = 0.933… → 0.93, class III, good.
    let one = by_name("一号河");
    assert_eq!((one["averaged_class"].clone(), one["status"].clone()), (json!("III"), json!("良好")));
    assert_eq!(one["status_method"], "averaging");
    // River 2: (2.4 + 0.12) / 2 = 1.26, class IV, slightly polluted; half its sections are I–III.
    let two = by_name("二号河");
    assert_eq!((two["averaged_class"].clone(), two["status"].clone()), (json!("IV"), json!("轻度污染")));
    assert_eq!(two["excellent_rate"], 50.0);
}

#[tokio::test]
async fn the_district_over_a_quarter_uses_monthly_means() {
    let app = spawn_app().await;
    five_sections(&app).await;
    // Q4 holds only October; Q3 only September: all class II, 100 %.
    let (_, q3) = app.get("/api/v1/assessment?scope=district&period=2026-Q3").await;
    assert_eq!(q3["units"][0]["excellent_rate"], 100.0);
    // The year to date averages September and October per section: C (0.5 + 1.3) / 2 = 0.9 is III, D
    // (0.5 + 2.4) / 2 = 1.45 is IV; so I–III is A, B, C, E = 80 %.
    let (_, ytd) = app.get("/api/v1/assessment?scope=district&period=2026-YTD").await;
    assert_eq!(ytd["units"][0]["excellent_rate"], 80.0);
    assert_eq!(ytd["units"][0]["status"], "良好");
}

#[tokio::test]
async fn the_assessment_exports_as_csv_and_xlsx_with_chinese_headers() {
    let app = spawn_app().await;
    five_sections(&app).await;
    let (status, content_type, csv) =
        app.get_bytes("/api/v1/assessment?scope=town&period=2026-10", Some("text/csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    let text = String::from_utf8(csv).expect("UTF-8");
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("评价单元,单元编码,评价时段,参评断面数,I类,II类,III类,IV类,V类,劣V类,优良比例(%)"),
        "{header}"
    );
    assert_eq!(
        lines.next().expect("row"),
        "测试镇,T-1,2026年10月,5,1,1,1,1,0,1,60,20,3,60,中度污染,断面类别比例法,氨氮(40),100,-60,明显变差,,,无可比数据"
    );

    let (status, content_type, xlsx) =
        app.get_bytes("/api/v1/assessment?scope=town&period=2026-10&format=xlsx", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("a workbook");
    assert_eq!(book.sheet_names(), vec!["水质评价".to_string(), "断面明细".to_string()]);
    let units = book.worksheet_range("水质评价").expect("sheet");
    assert_eq!(units.get((0, 0)), Some(&Data::String("评价单元".into())));
    assert_eq!(units.get((1, 0)), Some(&Data::String("测试镇".into())));
    assert_eq!(units.get((1, 10)), Some(&Data::Float(60.0)), "优良比例 is a number in the workbook");
    let sections = book.worksheet_range("断面明细").expect("sheet");
    assert_eq!(sections.height(), 6, "a header and one row per section");
}

#[tokio::test]
async fn bad_query_parameters_are_all_named() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/assessment?scope=county&period=2026-13&format=pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().map(|d| d["field"].as_str().expect("f")).collect();
    assert_eq!(fields, vec!["scope", "period", "format"]);
}

#[tokio::test]
async fn periods_outside_1980_to_next_year_are_refused_in_every_form() {
    let app = spawn_app().await;
    let next_year = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).year() + 1;
    for bad in ["9120-10", "0000-12", "1979", "1979-Q4", &format!("{}-01", next_year + 1)] {
        let (status, body) = app.get(&format!("/api/v1/assessment?period={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["details"][0]["code"], "invalid_period", "{bad}");
    }
    for good in ["1980-01".to_string(), format!("{next_year}-Q1"), format!("{next_year}")] {
        let (status, body) = app.get(&format!("/api/v1/assessment?period={good}")).await;
        assert_eq!(status, StatusCode::OK, "{good}: {body}");
    }
}

#[tokio::test]
async fn a_sections_detail_gives_its_latest_sample_and_period_classes() {
    let app = spawn_app().await;
    let code = app.given_section_in("P-1", TOWN, RIVER_1, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let r = |p: &str, at: &str, v: f64| json!({"section": code, "parameter": p, "sampled_at": at, "value": v});
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([
                r("nh3n", "2026-09-10T09:00:00+08:00", 0.3),
                r("nh3n", "2026-10-05T09:00:00+08:00", 1.0),
                r("nh3n", "2026-10-20T09:00:00+08:00", 2.0),
                r("ph", "2026-10-05T09:00:00+08:00", 6.0),
                r("ph", "2026-10-20T09:00:00+08:00", 8.0),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, detail) = app.get(&format!("/api/v1/sections/{code}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    // The latest sample (20 October): NH3-N 2.0 is class V.
    assert_eq!(detail["latest"]["class"], "V");
    assert_eq!(detail["latest"]["sampled_at"], "2026-10-20T09:00:00+08:00");
    let periods: Vec<(String, Value)> = detail["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| (p["period"].as_str().expect("p").to_string(), p.clone()))
        .collect();
    let names: Vec<&str> = periods.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, vec!["2026-10", "2026-Q4", "2026-YTD", "2025"]);
    let october = &periods[0].1;
    // October: NH3-N (1.0 + 2.0) / 2 = 1.5, class IV; pH through H⁺ of 6 and 8 is 6.30.
    assert_eq!(october["class"], "IV");
    let item = |p: &Value, key: &str| {
        p["items"].as_array().expect("items").iter().find(|i| i["parameter"] == key).expect(key).clone()
    };
    assert_eq!(item(october, "nh3n")["value"], 1.5);
    assert_eq!(item(october, "ph")["value"], 6.3);
    assert_eq!(october["main_pollutants"], json!(["NH3-N(0.5)"]));
    // The year to date is the mean of the monthly means: (0.3 + 1.5) / 2 = 0.9, class III.
    assert_eq!(item(&periods[2].1, "nh3n")["value"], 0.9);
    assert_eq!(periods[2].1["meets_target"], true);
    assert_eq!(periods[3].1["class"], Value::Null, "nothing in 2025");

    // A later reading with no class (temperature) does not make a new "latest sample": the detail and
    // the section list agree on which sample is latest.
    app.post_readings(Some(&token), json!([r("temp", "2026-10-25T09:00:00+08:00", 18.5)])).await;
    let (_, detail) = app.get(&format!("/api/v1/sections/{code}")).await;
    assert_eq!(detail["latest"]["sampled_at"], "2026-10-20T09:00:00+08:00");
    let list = app.sections().await;
    assert_eq!(list["sections"][0]["latest"]["sampled_at"], detail["latest"]["sampled_at"]);

    let (status, body) = app.get("/api/v1/sections/NO-SUCH").await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::NOT_FOUND, json!("not_found")));
}
