//! The registry written through its one write (`POST /api/v1/registry`): validation that names every bad
//! row, idempotence, audit entries, terms of chiefs and who gets the next alert, retirement.

use chrono::{TimeDelta, Utc};
use models::domain::Role;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use models::entities::{audit_log, regions, sections};
use tests::{TestApp, spawn_app};

fn today() -> chrono::NaiveDate {
    models::chiefs::china_day(Utc::now())
}

/// A district with one street, a river with one reach and one section, and a chain of three chiefs.
fn registry() -> Value {
    let start = (today() - TimeDelta::days(400)).to_string();
    json!({
        "regions": [
            {"code": "360104", "name": "青云谱区", "level": "district", "parent": null},
            {"code": "360104001000", "name": "洪都街道", "level": "street", "parent": "360104"}
        ],
        "water_bodies": [
            {"code": "FHGD", "name": "抚河故道", "kind": "river", "parent": null, "regions": ["360104001000"], "description": null}
        ],
        "reaches": [
            {"code": "FHGD-HD", "name": "抚河故道洪都段", "water_body": "FHGD", "region": "360104001000", "description": null}
        ],
        "sections": [
            {"code": "QYP-01", "name": "洪都桥", "water_body": "FHGD", "reach": "FHGD-HD", "region": "360104001000",
             "longitude": 115.91, "latitude": 28.63, "control_level": "district", "target": "III",
             "station_mn": null, "active_from": null, "active_to": null}
        ],
        "chiefs": [
            {"code": "D-1", "name": "区河长（演示）", "level": "district", "position": null, "phone": "000-0000-0001",
             "email": "district@chiefs.test", "region": "360104"},
            {"code": "T-1", "name": "街道河长（演示）", "level": "town", "position": null, "phone": null,
             "email": "town@chiefs.test", "region": "360104001000"},
            {"code": "V-1", "name": "村河长甲（演示）", "level": "village", "position": null, "phone": null,
             "email": "village.a@chiefs.test", "region": "360104001000"}
        ],
        "appointments": [
            {"chief": "D-1", "water_body": "FHGD", "reach": null, "starts_on": start, "ends_on": null, "note": null},
            {"chief": "T-1", "water_body": "FHGD", "reach": "FHGD-HD", "starts_on": start, "ends_on": null, "note": null},
            {"chief": "V-1", "water_body": "FHGD", "reach": "FHGD-HD", "starts_on": start, "ends_on": null, "note": null}
        ]
    })
}

async fn write(app: &TestApp, token: &str, body: &Value, dry_run: bool) -> (StatusCode, Value) {
    let path = if dry_run { "/api/v1/registry?dry_run=true" } else { "/api/v1/registry" };
    app.post_json(path, Some(token), body).await
}

fn count(plan: &Value, kind: &str, what: &str) -> u64 {
    plan["counts"][kind][what].as_u64().unwrap_or(0)
}

async fn audit_entries(app: &TestApp) -> u64 {
    audit_log::Entity::find().count(&app.db).await.expect("count")
}

#[tokio::test]
async fn a_registry_is_written_once_and_a_second_write_of_the_same_rows_changes_nothing() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;

    // A dry run reports what would be created and stores nothing.
    let (status, plan) = write(&app, &token, &registry(), true).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!((count(&plan, "sections", "created"), count(&plan, "chiefs", "created")), (1, 3), "{plan}");
    assert_eq!(plan["dry_run"], true);
    assert_eq!(sections::Entity::find().count(&app.db).await.expect("count"), 0, "a dry run stores nothing");

    let before = audit_entries(&app).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let created: u64 = ["regions", "water_bodies", "reaches", "sections", "chiefs", "appointments"]
        .iter()
        .map(|k| count(&plan, k, "created"))
        .sum();
    assert_eq!(created, 2 + 1 + 1 + 1 + 3 + 3);
    assert_eq!(audit_entries(&app).await - before, created, "one audit entry per row created");

    // The same rows again: nothing changes, nothing is audited.
    let before = audit_entries(&app).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["changes"].as_array().map(Vec::len), Some(0), "{plan}");
    assert_eq!(count(&plan, "sections", "unchanged"), 1);
    assert_eq!(audit_entries(&app).await, before);

    // A changed name is one change, audited with before and after.
    let mut renamed = json!({"sections": [registry()["sections"][0].clone()]});
    renamed["sections"][0]["name"] = json!("洪都大桥");
    let (status, plan) = write(&app, &token, &renamed, false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(count(&plan, "sections", "changed"), 1);
    let entries = audit_log::Entity::find().all(&app.db).await.expect("audit");
    let last = entries.iter().max_by_key(|e| e.id).expect("an entry");
    assert_eq!((last.action.as_str(), last.entity_id.as_deref()), ("registry.update", Some("QYP-01")));
    assert!(last.before.as_deref().is_some_and(|b| b.contains("洪都桥")), "{last:?}");
    assert!(last.after.as_deref().is_some_and(|a| a.contains("洪都大桥")), "{last:?}");

    // Everyone signed in reads the chain: lowest level first.
    let (status, chain) = app.get("/api/v1/sections/QYP-01/chain").await;
    assert_eq!(status, StatusCode::OK, "{chain}");
    let codes: Vec<&str> =
        chain["chiefs"].as_array().expect("chiefs").iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(codes, ["V-1", "T-1", "D-1"]);

    // Lists filter by what a bureau looks for.
    let (_, villages) = app.get("/api/v1/chiefs?level=village").await;
    let codes: Vec<&str> =
        villages["items"].as_array().expect("items").iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(codes, ["V-1"]);
    let (_, streets) = app.get("/api/v1/regions?level=street&region=360104").await;
    assert_eq!(streets["count"], 1, "{streets}");
    let (_, reaches) = app.get("/api/v1/reaches?water_body=fhgd").await;
    assert_eq!(reaches["count"], 1, "{reaches}");
    let (_, none) = app.get("/api/v1/water-bodies?kind=lake").await;
    assert_eq!(none["count"], 0, "{none}");
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let mut bad = registry();
    bad["regions"][1]["code"] = json!("360105001000"); // not inside 360104
    bad["sections"][0]["latitude"] = json!(115.91); // swapped with longitude: outside China
    bad["sections"][0]["target"] = json!("劣V");
    bad["sections"][0]["region"] = json!("360104001000"); // now unknown: the street's code changed
    bad["chiefs"][2]["email"] = json!("not-an-address");
    let (status, body) = write(&app, &token, &bad, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_registry");
    let fields: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["field"].as_str()).collect();
    for field in [
        "regions[360105001000].parent",
        "sections[QYP-01].latitude",
        "sections[QYP-01].target",
        "sections[QYP-01].region",
        "chiefs[V-1].email",
    ] {
        assert!(fields.contains(&field), "{field} is named: {fields:?}");
    }
    assert_eq!(regions::Entity::find().count(&app.db).await.expect("count"), 0, "nothing half-stored");

    // Rivers that flow into each other, a row given twice, a station id on two sections.
    let mut tangled = registry();
    tangled["water_bodies"][0]["parent"] = json!("TRIB");
    tangled["water_bodies"].as_array_mut().expect("list").push(json!(
        {"code": "TRIB", "name": "支流", "kind": "river", "parent": "FHGD", "regions": [], "description": null}));
    let chief = tangled["chiefs"][0].clone();
    tangled["chiefs"].as_array_mut().expect("list").push(chief);
    tangled["sections"][0]["station_mn"] = json!("MN0001");
    let mut twin = tangled["sections"][0].clone();
    twin["code"] = json!("QYP-02");
    tangled["sections"].as_array_mut().expect("list").push(twin);
    let (status, body) = write(&app, &token, &tangled, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let codes: Vec<(&str, &str)> = body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| Some((d["field"].as_str()?, d["code"].as_str()?)))
        .collect();
    for expected in [
        ("water_bodies[FHGD].parent", "parent_cycle"),
        ("chiefs[D-1].code", "duplicate_row"),
        ("sections[QYP-02].station_mn", "station_mn_taken"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }

    // A term in 1900 is refused as a spreadsheet refuses it, not stored.
    let mut ancient = registry();
    ancient["appointments"][0]["starts_on"] = json!("1900-01-01");
    let (status, body) = write(&app, &token, &ancient, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("invalid_date"), "{body}");

    // An unknown field is refused, not ignored.
    let (status, body) = write(&app, &token, &json!({"sections": [{"code": "X", "colour": "blue"}]}), false).await;
    assert!(status.is_client_error(), "{status} {body}");
}

#[tokio::test]
async fn a_new_chief_takes_over_the_reach_and_gets_the_next_alert() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");

    // A second village chief for the same reach and level, from today: the first one's term ends yesterday.
    let takeover = json!({
        "chiefs": [{"code": "V-2", "name": "村河长乙（演示）", "level": "village", "position": null, "phone": null,
                    "email": "village.b@chiefs.test", "region": "360104001000"}],
        "appointments": [{"chief": "V-2", "water_body": "FHGD", "reach": "FHGD-HD", "starts_on": today().to_string(),
                          "ends_on": null, "note": "换届"}]
    });
    let (status, plan) = write(&app, &token, &takeover, false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(count(&plan, "appointments", "created"), 1);
    assert_eq!(count(&plan, "appointments", "changed"), 1, "the old term was ended: {plan}");
    let (_, old) = app.get("/api/v1/appointments?chief=V-1").await;
    assert_eq!(old["items"][0]["ends_on"], json!((today() - TimeDelta::days(1)).to_string()), "{old}");

    // The history keeps who was answerable when.
    let yesterday = today() - TimeDelta::days(1);
    let (_, chain) = app.get(&format!("/api/v1/sections/QYP-01/chain?on={yesterday}")).await;
    assert_eq!(chain["chiefs"][0]["code"], "V-1", "{chain}");
    let (_, chain) = app.get("/api/v1/sections/QYP-01/chain").await;
    assert_eq!(chain["chiefs"][0]["code"], "V-2", "{chain}");

    // The next alert goes to the new chief.
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([{"section": "QYP-01", "parameter": "nh3n", "sampled_at": Utc::now().to_rfc3339(), "value": 1.8}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["alert"]["notice_queued"], true, "{body}");
    app.run_job("deliver_notices").await;
    let to: Vec<String> = app.emails().iter().flat_map(|e| e.envelope_to.clone()).collect();
    assert_eq!(to, ["village.b@chiefs.test"]);

    // Overlapping a closed term is refused, naming the other chief.
    let overlap = json!({"appointments": [{"chief": "V-2", "water_body": "FHGD", "reach": "FHGD-HD",
        "starts_on": (today() - TimeDelta::days(30)).to_string(), "ends_on": null, "note": null}]});
    let (status, body) = write(&app, &token, &overlap, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let detail = &body["error"]["details"][0];
    assert_eq!(detail["code"], "overlapping_term", "{body}");
    assert!(detail["message_en"].as_str().is_some_and(|m| m.contains("V-")), "{body}");
}

#[tokio::test]
async fn a_section_with_live_alerts_is_not_retired_and_a_retired_one_keeps_its_past_assessment() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let month = (today() - TimeDelta::days(40)).format("%Y-%m").to_string();
    let sampled = (Utc::now() - TimeDelta::days(40)).to_rfc3339();
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([{"section": "QYP-01", "parameter": "nh3n", "sampled_at": sampled, "value": 1.8}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, past) = app.get(&format!("/api/v1/assessment?scope=district&period={month}")).await;
    assert_eq!(past["units"][0]["evaluated"], 1, "{past}");

    let mut retire = json!({"sections": [registry()["sections"][0].clone()]});
    retire["sections"][0]["active_to"] = json!(today().to_string());
    let (status, body) = write(&app, &token, &retire, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "open_alerts", "{body}");

    // Once its alert is closed it can be retired, and last month still counts it.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    for alert in app.live_alerts().await {
        let mut am = alert.into_active_model();
        am.status = Set(models::domain::alert::AlertStatus::Closed);
        am.update(&app.db).await.expect("close");
    }
    let (status, plan) = write(&app, &token, &retire, false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(count(&plan, "sections", "retired"), 1, "{plan}");
    let (_, after) = app.get(&format!("/api/v1/assessment?scope=district&period={month}")).await;
    assert_eq!(after["units"], past["units"], "the past assessment is unchanged");
}

#[tokio::test]
async fn one_row_at_a_time_create_refuses_a_taken_code_change_needs_a_stored_one_and_retire_keeps_the_row() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let region = json!({"code": "360104", "name": "青云谱区", "level": "district", "parent": null});
    let (status, plan) = app.post_json("/api/v1/regions", Some(&token), &region).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(count(&plan, "regions", "created"), 1);
    let (status, body) = app.post_json("/api/v1/regions", Some(&token), &region).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("exists")), "{body}");

    let client = reqwest::Client::new();
    let put = |path: &str, body: &Value| client.put(app.url(path)).bearer_auth(&token).json(body).send();
    let mut renamed = region.clone();
    renamed["name"] = json!("青云谱区（演示）");
    let response = put("/api/v1/regions/360104", &renamed).await.expect("put");
    assert_eq!(response.status(), StatusCode::OK);
    let plan: Value = response.json().await.expect("json");
    assert_eq!(count(&plan, "regions", "changed"), 1, "{plan}");
    // The path names the row: a body for another code, or a code not stored, is refused.
    let response = put("/api/v1/regions/360105", &renamed).await.expect("put");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut other = renamed.clone();
    other["code"] = json!("360105");
    let response = put("/api/v1/regions/360105", &other).await.expect("put");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let (status, plan) = app.post_json("/api/v1/regions/360104/retire", Some(&token), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(count(&plan, "regions", "retired"), 1, "{plan}");
    let (_, listed) = app.get("/api/v1/regions").await;
    assert_eq!(listed["count"], 0, "retired regions are not listed by default: {listed}");
    let (_, listed) = app.get("/api/v1/regions?include_retired=true").await;
    assert_eq!(listed["items"][0]["retired"], true, "{listed}");

    // A chief may read the registry but not write it.
    let chief = app.user_token(Role::Chief).await;
    let (status, _) = app.post_json("/api/v1/regions", Some(&chief), &region).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get_as("/api/v1/regions", Some(&chief)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_years_own_target_judges_that_years_samples() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let mut rows = registry();
    let year = chrono::Datelike::year(&today());
    rows["targets"] = json!([{"section": "QYP-01", "year": year, "target": "II"}]);
    let (status, plan) = write(&app, &token, &rows, false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(count(&plan, "targets", "created"), 1);

    // NH3-N 0.8 is class III: it meets the standing target III, not this year's II.
    let now = Utc::now();
    let last_year = now - TimeDelta::days(366);
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([
                {"section": "QYP-01", "parameter": "nh3n", "sampled_at": now.to_rfc3339(), "value": 0.8},
                {"section": "QYP-01", "parameter": "nh3n", "sampled_at": last_year.to_rfc3339(), "value": 0.8}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!((results[0]["target_class"].as_str(), results[0]["meets_target"].as_bool()), (Some("II"), Some(false)));
    assert_eq!((results[1]["target_class"].as_str(), results[1]["meets_target"].as_bool()), (Some("III"), Some(true)));

    // A bad year or a 劣V target is refused.
    let bad = json!({"targets": [{"section": "QYP-01", "year": 1970, "target": "劣V"}]});
    let (status, body) = write(&app, &token, &bad, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let codes: Vec<&str> =
        body["error"]["details"].as_array().expect("details").iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["invalid_year", "invalid_target"]);
}

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

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test]
async fn the_bureaus_spreadsheets_import_with_every_problem_at_its_cell() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");

    // The exported workbook imports as it is: nothing changes.
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/registry/export?format=xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    let workbook = response.bytes().await.expect("bytes").to_vec();
    let (status, plan) = upload(&app, &token, "/api/v1/registry/import", XLSX, workbook).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["changes"].as_array().map(Vec::len), Some(0), "{plan}");
    assert_eq!(count(&plan, "chiefs", "unchanged"), 3, "{plan}");

    // A GBK CSV of sections as Chinese Excel saves it, with the forms bureaus write (Ⅲ类, 区控).
    let csv = "断面编码,断面名称,水体编码,河段编码,区划代码,经度,纬度,控制级别,目标水质\r\n\
               QYP-02,洪都桥下游,FHGD,FHGD-HD,360104001000,115.92,28.62,区控,Ⅲ类\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let (status, plan) = upload(&app, &token, "/api/v1/registry/import?dry_run=true", "text/csv", gbk.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!((count(&plan, "sections", "created"), plan["dry_run"].as_bool()), (1, Some(true)));
    assert!(models::sections::find_by_code(&app.db, "QYP-02").await.expect("db").is_none(), "a dry run stores nothing");
    let (status, plan) = upload(&app, &token, "/api/v1/registry/import", "text/csv", gbk.to_vec()).await;
    assert_eq!((status, count(&plan, "sections", "created")), (StatusCode::OK, 1), "{plan}");

    // Cell problems are named by line and column, every one of them; then problems found against what is
    // stored, at their cells too.
    let messages = |body: &Value| -> Vec<String> {
        body["error"]["details"]
            .as_array()
            .expect("details")
            .iter()
            .filter_map(|d| d["message_en"].as_str().map(String::from))
            .collect()
    };
    let csv = "断面编码,断面名称,水体编码,区划代码,控制级别,目标水质\n\
               QYP-03,甲,FHGD,360104001000,区控,劣V\n\
               QYP-04,乙,FHGD,360104001000,县级以上,II\n";
    let (status, body) = upload(&app, &token, "/api/v1/registry/import", "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let found = messages(&body);
    assert!(found.iter().any(|m| m.contains("line 2") && m.contains("目标水质")), "{found:?}");
    assert!(found.iter().any(|m| m.contains("line 3") && m.contains("控制级别")), "{found:?}");
    let csv = "断面编码,断面名称,水体编码,区划代码,控制级别,目标水质\n\
               QYP-04,乙,NOWHERE,360104001000,区控,II\n";
    let (status, body) = upload(&app, &token, "/api/v1/registry/import", "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let found = messages(&body);
    assert!(found.iter().any(|m| m.contains("line 2") && m.contains("水体编码") && m.contains("NOWHERE")), "{found:?}");
    assert!(models::sections::find_by_code(&app.db, "QYP-04").await.expect("db").is_none(), "nothing half-stored");

    // A row that would retire a section with a live alert is refused at its cell.
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([{"section": "QYP-01", "parameter": "nh3n", "sampled_at": Utc::now().to_rfc3339(), "value": 1.8}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let csv = format!(
        "断面编码,断面名称,水体编码,河段编码,区划代码,经度,纬度,控制级别,目标水质,停用日期\n\
         QYP-01,洪都桥,FHGD,FHGD-HD,360104001000,115.91,28.63,区控,III,{}\n",
        today()
    );
    let (status, body) = upload(&app, &token, "/api/v1/registry/import", "text/csv", csv.into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let detail = &body["error"]["details"][0];
    assert_eq!(detail["code"], "open_alerts", "{body}");
    assert!(detail["message_en"].as_str().is_some_and(|m| m.contains("line 2") && m.contains("停用日期")), "{body}");

    // Neither JSON nor a spreadsheet: 415.
    let (status, _) = upload(&app, &token, "/api/v1/registry/import", "image/png", vec![0x89, b'P']).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_chief_account_names_its_chief_by_the_registrys_code() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let (status, plan) = write(&app, &token, &registry(), false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let admin = app.user_token(Role::Admin).await;
    let account = |chief: &str| json!({"username": format!("chief-{}", chief.to_lowercase()), "password": "a long password 1", "role": "chief", "chief": chief});
    let (status, body) = app.post_json("/api/v1/users", Some(&admin), &account("V-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, chiefs) = app.get("/api/v1/chiefs?q=V-1").await;
    assert_eq!(chiefs["items"][0]["account"], "chief-v-1", "{chiefs}");
    let (status, body) = app.post_json("/api/v1/users", Some(&admin), &account("V-9")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("unknown_chief"), "{body}");
}

#[tokio::test]
async fn two_sections_may_swap_their_stations_in_one_write() {
    let app = spawn_app().await;
    let token = app.user_token(Role::Bureau).await;
    let mut rows = registry();
    rows["sections"][0]["station_mn"] = json!("MNA");
    let mut second = rows["sections"][0].clone();
    second["code"] = json!("QYP-02");
    second["station_mn"] = json!("MNB");
    rows["sections"].as_array_mut().expect("list").push(second);
    let (status, plan) = write(&app, &token, &rows, false).await;
    assert_eq!(status, StatusCode::OK, "{plan}");

    rows["sections"][0]["station_mn"] = json!("MNB");
    rows["sections"][1]["station_mn"] = json!("MNA");
    let (status, plan) = write(&app, &token, &json!({"sections": rows["sections"].clone()}), false).await;
    assert_eq!(status, StatusCode::OK, "a swap is two changes, not a conflict: {plan}");
    assert_eq!(count(&plan, "sections", "changed"), 2);
    let first = models::sections::find_by_code(&app.db, "QYP-01").await.expect("db").expect("section");
    assert_eq!(first.section.station_mn.as_deref(), Some("MNB"));
}
