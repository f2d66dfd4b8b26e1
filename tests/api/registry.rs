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
