//! Importing readings from files: `POST /api/v1/readings/import` and `riverchief import readings`, CSV in
//! GBK and UTF-8, XLSX with date cells, below-detection forms, units, duplicates and revisions, all or
//! nothing and skip-invalid, limits and media types.

use clap::Parser;
use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::entities::audit_log;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use secrecy::ExposeSecret;
use serde_json::Value;

use tests::{TestApp, spawn_app, spawn_app_with};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn upload(app: &TestApp, token: &str, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn import_csv(app: &TestApp, token: &str, query: &str, csv: &str) -> (StatusCode, Value) {
    upload(app, token, &format!("/api/v1/readings/import{query}"), "text/csv", csv.as_bytes().to_vec()).await
}

/// A section's readings, by parameter key: (value, below detection, detection limit).
async fn readings_of(app: &TestApp, section: &str) -> Vec<Value> {
    let (status, page) = app.get(&format!("/api/v1/sections/{section}/readings")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["readings"].as_array().expect("readings").clone()
}

fn find<'a>(readings: &'a [Value], parameter: &str) -> &'a Value {
    readings.iter().find(|r| r["parameter"] == parameter).unwrap_or_else(|| panic!("no {parameter} in {readings:?}"))
}

fn messages(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["message_en"].as_str().map(String::from))
        .collect()
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-12)
}

#[tokio::test]
async fn a_gbk_csv_with_chinese_headers_is_imported_with_its_values_units_and_non_detects() {
    let app = spawn_app().await;
    app.given_section("IMP-1", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    // As Chinese Excel saves "CSV (逗号分隔)": GBK, CRLF, Chinese headers and item names.
    let csv = "序号,断面编码,断面名称,监测项目,采样时间,监测值,单位,检出限,备注\r\n\
               1,IMP-1,测试断面,氨氮（以N计）,2026/11/20 8:00,1.62,mg/L,,\r\n\
               2,IMP-1,测试断面,总磷,2026/11/20 8:00,<0.01,,,\r\n\
               3,IMP-1,测试断面,铅,2026/11/20 8:00,0.001L,,,\r\n\
               4,IMP-1,测试断面,镉,2026/11/20 8:00,ND,,0.0005,\r\n\
               5,IMP-1,测试断面,汞,2026/11/20 8:00,0.04,μg/L,,\r\n\
               6,IMP-1,测试断面,pH值,2026/11/20 8:00,7.4,无量纲,,\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable, "the test file is GBK");
    let (status, body) = upload(&app, &token, "/api/v1/readings/import", "text/csv", gbk.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["rows"].as_u64(), body["stored"].as_u64(), body["rejected"].as_u64()),
        (Some(6), Some(6), Some(0))
    );
    assert_eq!(body["alerts_opened"], 1, "NH3-N 1.62 is class V against a class III target: {body}");
    assert_eq!(body["mode"], "all_or_nothing");

    let readings = readings_of(&app, "IMP-1").await;
    let nh3n = find(&readings, "nh3n");
    assert!(close(&nh3n["value"], 1.62) && nh3n["source"] == "csv", "{nh3n}");
    assert_eq!(nh3n["sampled_at"], "2026-11-20T08:00:00+08:00", "a time without offset is Beijing time");
    for (parameter, limit) in [("tp", 0.01), ("pb", 0.001), ("cd", 0.0005)] {
        let r = find(&readings, parameter);
        assert_eq!(r["below_detection"], true, "{r}");
        assert!(close(&r["detection_limit"], limit), "{r}");
    }
    let hg = find(&readings, "hg");
    assert!(close(&hg["value"], 0.00004), "0.04 µg/L is stored as 0.00004 mg/L: {hg}");
}

#[tokio::test]
async fn a_utf8_csv_imported_twice_adds_nothing_the_second_time() {
    let app = spawn_app().await;
    app.given_section("IMP-2", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let csv = "\u{FEFF}section,parameter,sampled_at,value,unit\n\
               IMP-2,do,2026-11-20 08:00,6.5,mg/L\n\
               IMP-2,codmn,2026-11-20 08:00,3.1,\n\
               \n\
               IMP-2,w21003,2026-11-20T08:00:00+08:00,0.42,\n";
    let (status, first) = import_csv(&app, &token, "", csv).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["rows"].as_u64(), first["stored"].as_u64()), (Some(3), Some(3)), "the blank line is no row");
    let count = app.reading_count().await;
    let (status, second) = import_csv(&app, &token, "", csv).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!((second["stored"].as_u64(), second["duplicates"].as_u64()), (Some(0), Some(3)), "{second}");
    assert_eq!(app.reading_count().await, count, "nothing new");
    assert!(second["message_en"].as_str().is_some_and(|m| m.contains("3 duplicate")), "{second}");
}

#[tokio::test]
async fn a_changed_value_in_a_later_file_is_a_revision_with_its_history_and_the_actor_audited() {
    let app = spawn_app().await;
    app.given_section("IMP-3", WaterBodyKind::River, WaterClass::III).await;
    app.given_user(Role::Bureau, "importer", "correct horse battery staple").await;
    let token = app.token("importer", "correct horse battery staple").await;
    let (status, body) = import_csv(
        &app,
        &token,
        "",
        "断面,项目,时间,结果\nIMP-3,tp,2026-11-20 08:00,0.12\nIMP-3,do,2026-11-20 08:00,7\n",
    )
    .await;
    assert_eq!((status, body["stored"].as_u64()), (StatusCode::OK, Some(2)), "{body}");
    // The lab corrects its phosphorus result.
    let (status, body) = import_csv(
        &app,
        &token,
        "",
        "断面,项目,时间,结果\nIMP-3,tp,2026-11-20 08:00,0.18\nIMP-3,do,2026-11-20 08:00,7\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["revised"].as_u64(), body["duplicates"].as_u64(), body["stored"].as_u64()),
        (Some(1), Some(1), Some(0))
    );

    let tp = find(&readings_of(&app, "IMP-3").await, "tp").clone();
    assert!(close(&tp["value"], 0.18), "{tp}");
    let (status, history) = app.get(&format!("/api/v1/readings/{}/history", tp["id"])).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert!(close(&history["current"]["value"], 0.18), "{history}");
    assert!(close(&history["revisions"][0]["value"], 0.12), "the old value is kept: {history}");

    let entries = audit_log::Entity::find().all(&app.db).await.expect("audit");
    let last = entries.iter().max_by_key(|e| e.id).expect("an entry");
    assert_eq!((last.action.as_str(), last.actor_label.as_str()), ("readings.submit", "importer"));
    let after: Value = serde_json::from_str(last.after.as_deref().expect("after")).expect("json");
    assert_eq!((after["revised"].as_u64(), after["source"].as_str()), (Some(1), Some("csv")), "{after}");
    assert_eq!(after["detail"]["import"]["files"][0], "upload.csv", "{after}");
    assert!(close(&after["revisions"][0]["from"], 0.12), "{after}");
}

/// A workbook as a bureau keeps it: a notes sheet first, then the readings, with an Excel date cell and a
/// time typed as text.
fn workbook(rows: &[(&str, &str, Option<&str>, f64)]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("说明").expect("name");
    notes.write_string(0, 0, "本表为手工监测数据").expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("监测数据").expect("name");
    for (c, name) in ["断面编码", "监测项目", "采样时间", "监测值"].iter().enumerate() {
        sheet.write_string(0, c as u16, *name).expect("header");
    }
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (i, (section, parameter, text_time, value)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *section).expect("section");
        sheet.write_string(r, 1, *parameter).expect("parameter");
        match text_time {
            Some(text) => sheet.write_string(r, 2, *text).expect("text time"),
            None => {
                let at = ExcelDateTime::from_ymd(2026, 11, 20).and_then(|d| d.and_hms(8, 0, 0)).expect("date");
                sheet.write_datetime_with_format(r, 2, &at, &date).expect("date cell")
            }
        };
        sheet.write_number(r, 3, *value).expect("value");
    }
    book.save_to_buffer().expect("workbook")
}

#[tokio::test]
async fn an_xlsx_workbook_is_read_from_its_named_sheet_with_date_cells_and_text_times() {
    let app = spawn_app().await;
    app.given_section("IMP-4", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let book = workbook(&[("IMP-4", "nh3n", None, 0.5), ("IMP-4", "溶解氧", Some("2026/11/20 8:00"), 6.8)]);

    // The first sheet holds notes, not readings: its header is named.
    let (status, body) = upload(&app, &token, "/api/v1/readings/import", XLSX, book.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "unknown_column", "{body}");

    let (status, body) = upload(&app, &token, "/api/v1/readings/import?sheet=监测数据", XLSX, book).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stored"], 2, "{body}");
    let readings = readings_of(&app, "IMP-4").await;
    for parameter in ["nh3n", "do"] {
        assert_eq!(find(&readings, parameter)["sampled_at"], "2026-11-20T08:00:00+08:00", "{parameter}");
    }

    // A bad cell is named by sheet, cell and column; nothing of the workbook is stored.
    let book = workbook(&[("IMP-4", "tp", None, 0.1), ("IMP-4", "ph", None, 15.0)]);
    let (status, body) = upload(&app, &token, "/api/v1/readings/import?sheet=监测数据", XLSX, book).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let detail = &body["error"]["details"][0];
    assert_eq!(
        (detail["code"].as_str(), detail["place"]["cell"].as_str()),
        (Some("out_of_range"), Some("D3")),
        "{body}"
    );
    assert_eq!(detail["place"]["sheet"], "监测数据");
    assert!(detail["message_en"].as_str().is_some_and(|m| m.contains("cell D3 (column \"监测值\")")), "{body}");
    assert!(readings_of(&app, "IMP-4").await.iter().all(|r| r["parameter"] != "tp"), "nothing half-stored");

    // A sheet that is not there is named with those that are.
    let book = workbook(&[("IMP-4", "tp", None, 0.1)]);
    let (status, body) = upload(&app, &token, "/api/v1/readings/import?sheet=数据", XLSX, book).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unreadable_file");
    assert!(body["error"]["message_en"].as_str().is_some_and(|m| m.contains("监测数据")), "{body}");

    // A workbook sent as CSV is named for what it is.
    let book = workbook(&[("IMP-4", "tp", None, 0.1)]);
    let (status, body) = upload(&app, &token, "/api/v1/readings/import", "text/csv", book).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable_file")));
    assert!(body["error"]["message_en"].as_str().is_some_and(|m| m.contains("XLSX")), "{body}");
}

#[tokio::test]
async fn one_bad_line_stores_nothing_and_every_problem_is_named_by_line_and_column() {
    let app = spawn_app().await;
    app.given_section("IMP-5", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let before = app.reading_count().await;
    let csv = "断面编码,监测项目,采样时间,监测值,单位\n\
               IMP-5,nh3n,2026-11-20 08:00,1.8,\n\
               IMP-5,ph,2026-11-20 08:00,7.2,µg/L\n\
               IMP-5,tp,2026-11-20 08:00,ND,\n\
               NOWHERE,do,2026-11-20 08:00,6,\n\
               IMP-5,cod,2026-13-40 08:00,abc,\n\
               IMP-5,bod5,2026-11-20 08:00,2,\n";
    let (status, body) = import_csv(&app, &token, "", csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_file");
    let details = body["error"]["details"].as_array().expect("details");
    let found: Vec<(u64, &str, &str)> = details
        .iter()
        .map(|d| {
            (
                d["place"]["line"].as_u64().unwrap_or(0),
                d["place"]["column"].as_str().unwrap_or(""),
                d["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (3, "单位", "unsupported_unit"),
            (4, "监测值", "missing_detection_limit"),
            (5, "断面编码", "unknown_section"),
            (6, "采样时间", "invalid_time"),
            (6, "监测值", "not_a_number"),
        ],
        "{body}"
    );
    assert!(
        messages(&body).iter().any(|m| m.starts_with("line 5, column \"断面编码\": unknown section code 'NOWHERE'"))
    );
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("4 行")), "{body}");
    assert_eq!(app.reading_count().await, before, "nothing stored, not even the good lines before the bad");
    assert!(app.live_alerts().await.is_empty(), "the NH3-N of line 2 opened no alert");

    // The header is checked first: a column no reading has is named, and so is a missing one.
    let (status, body) =
        import_csv(&app, &token, "", "断面编码,监测项目,采样时间,浓度（μg/L）\nIMP-5,hg,2026-11-20,0.04\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let codes: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["unknown_column", "missing_column"], "{body}");
}

#[tokio::test]
async fn skip_invalid_stores_the_good_rows_and_reports_the_bad_ones() {
    let app = spawn_app().await;
    app.given_section("IMP-6", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let csv = "断面编码,监测项目,采样时间,监测值\n\
               IMP-6,do,2026-11-20 08:00,6.2\n\
               IMP-6,nh3n,2026-11-20 08:00,-1\n\
               IMP-6,tp,2026-11-20 08:00,0.05\n";
    let (status, body) = import_csv(&app, &token, "?skip_invalid=true&source_label=区站手工监测", csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["stored"].as_u64(), body["rejected"].as_u64(), body["committed"].as_bool()),
        (Some(2), Some(1), Some(true))
    );
    assert_eq!(body["mode"], "skip_invalid");
    let problem = &body["problems"][0];
    assert_eq!(
        (problem["code"].as_str(), problem["place"]["line"].as_u64()),
        (Some("negative_value"), Some(3)),
        "{body}"
    );
    let readings = readings_of(&app, "IMP-6").await;
    assert_eq!(readings.len(), 2);
    assert_eq!(find(&readings, "do")["origin"], "区站手工监测", "the source label is the rows' origin");

    // A label longer than a reading's origin may be is refused before anything is read.
    let long = "站".repeat(65);
    let (status, body) = import_csv(&app, &token, &format!("?source_label={long}"), csv).await;
    assert_eq!(
        (status, body["error"]["details"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_long"))
    );

    // Every row bad: nothing stored, and that is an error.
    let (status, body) = import_csv(
        &app,
        &token,
        "?skip_invalid=true",
        "断面编码,监测项目,采样时间,监测值\nIMP-6,xx,2026-11-20 08:00,1\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "unknown_parameter");
}

#[tokio::test]
async fn a_station_key_imports_its_own_sections_readings_only() {
    let app = spawn_app().await;
    app.given_section("IMP-7", WaterBodyKind::River, WaterClass::III).await;
    app.given_section("IMP-8", WaterBodyKind::River, WaterClass::III).await;
    let key = models::api_keys::NewKey { name: "station", section: Some("IMP-7"), ..Default::default() };
    let key = models::api_keys::create(&app.db, key, models::audit::Actor::cli("test"), chrono::Utc::now())
        .await
        .expect("key")
        .key;
    let (status, body) = import_csv(&app, &key, "", "断面,项目,时间,结果\nIMP-8,do,2026-11-20 08:00,6\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "section_not_allowed");
    let (status, body) = import_csv(&app, &key, "", "断面,项目,时间,结果\nIMP-7,do,2026-11-20 08:00,6\n").await;
    assert_eq!((status, body["stored"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
}

#[tokio::test]
async fn imports_take_files_beyond_the_json_limit_up_to_their_own_and_only_csv_or_xlsx() {
    let app = spawn_app_with(|s| {
        s.max_body_bytes = 200;
        s.max_import_bytes = 2_000;
    })
    .await;
    app.given_section("IMP-9", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Bureau).await;
    let mut csv = String::from("断面编码,监测项目,采样时间,监测值\n");
    for day in 1..=12 {
        csv.push_str(&format!("IMP-9,do,2026-11-{day:02} 08:00,6.{day}\n"));
    }
    assert!((200..2_000).contains(&csv.len()), "beyond the JSON limit, within the import's: {}", csv.len());
    let (status, body) = import_csv(&app, &token, "", &csv).await;
    assert_eq!((status, body["stored"].as_u64()), (StatusCode::OK, Some(12)), "{body}");

    let big = csv.repeat(6);
    let (status, body) = import_csv(&app, &token, "", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");

    // Without a length, the stream is counted as it arrives.
    let (status, answer) = chunked_post(&app, &token, big.as_bytes()).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");

    for media in ["application/json", "image/png"] {
        let (status, body) = upload(&app, &token, "/api/v1/readings/import", media, b"{}".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{media}: {body}");
    }
}

/// POSTs a CSV body with chunked transfer encoding (no Content-Length) over a raw connection; the status
/// and the whole answer.
async fn chunked_post(app: &TestApp, token: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/readings/import HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-type: text/csv\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for part in body.chunks(300) {
        let sent = async {
            stream.write_all(format!("{:x}\r\n", part.len()).as_bytes()).await?;
            stream.write_all(part).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

async fn cli(app: &TestApp, args: &[&str]) -> anyhow::Result<()> {
    let url = app.settings.database_url.expose_secret().to_string();
    let mut argv = vec!["riverchief", "--database-url", &url, "import", "readings"];
    argv.extend_from_slice(args);
    backend::cli::run(backend::cli::Cli::parse_from(argv)).await
}

#[tokio::test]
async fn the_command_line_imports_several_files_as_one_and_writes_the_rejected_rows_beside_them() {
    let app = spawn_app().await;
    app.given_section("IMP-10", WaterBodyKind::River, WaterClass::III).await;
    let good = app.dir.path().join("十一月.csv");
    let bad = app.dir.path().join("十二月.xlsx");
    std::fs::write(
        &good,
        "断面编码,监测项目,采样时间,监测值\nIMP-10,do,2026-11-20 08:00,6.1\nIMP-10,tp,2026-11-20 08:00,0.1\n",
    )
    .expect("write");
    std::fs::write(&bad, workbook(&[("IMP-10", "cod", None, 15.0), ("IMP-10", "ph", None, 15.0)])).expect("write");
    let (good_arg, bad_arg) = (good.display().to_string(), bad.display().to_string());
    let before = app.reading_count().await;

    // All or nothing over both files: the workbook's bad cell keeps the good CSV out too.
    let err = cli(&app, &[&good_arg, &bad_arg, "--sheet", "监测数据"]).await.expect_err("a bad row");
    assert!(err.to_string().contains("nothing was stored"), "{err}");
    assert_eq!(app.reading_count().await, before);

    // Skipping the bad row: the rest of both files is stored, the bad row written beside its workbook.
    cli(&app, &[&good_arg, &bad_arg, "--sheet", "监测数据", "--skip-invalid", "--source-label", "区站"])
        .await
        .expect("imported");
    assert_eq!(app.reading_count().await, before + 3);
    let rejects = app.dir.path().join("十二月.xlsx.rejects.csv");
    let text = std::fs::read_to_string(&rejects).expect("the rejects file");
    assert!(text.starts_with('\u{FEFF}'), "a BOM, for Excel");
    let mut lines = text.trim_start_matches('\u{FEFF}').lines();
    assert_eq!(lines.next(), Some("错误位置,错误列,错误代码,错误说明,error,断面编码,监测项目,采样时间,监测值"));
    let line = lines.next().expect("the rejected row");
    assert!(line.starts_with("工作表“监测数据”第 3 行,监测值,out_of_range,"), "{line}");
    assert!(line.contains("cell D3") && line.ends_with(",IMP-10,ph,2026-11-20 08:00:00,15"), "{line}");
    assert_eq!(lines.next(), None);
    assert!(!app.dir.path().join("十一月.csv.rejects.csv").exists(), "no rejects, no file");

    // The corrected rejects file imports as it is.
    std::fs::write(&rejects, text.replace(",15\n", ",7.5\n").replace(",15", ",7.5")).expect("correct");
    cli(&app, &[&rejects.display().to_string()]).await.expect("the corrected rejects import");
    assert_eq!(app.reading_count().await, before + 4);
    assert!(find(&readings_of(&app, "IMP-10").await, "ph")["value"].as_f64() == Some(7.5));

    // A file that is not there is named.
    let err = cli(&app, &["/nonexistent/x.csv"]).await.expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/x.csv"), "{err}");
}
