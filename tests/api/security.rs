//! Accounts, roles and safety. The access test is generated from the authorisation matrix and the served
//! OpenAPI description: every operation, every kind of caller, the outcome the matrix decides.

use std::collections::HashMap;

use chrono::{TimeDelta, Utc};
use clap::Parser;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use backend::auth::Rule;
use models::api_keys::NewKey;
use models::audit::Actor;
use models::auth::Issue;
use models::domain::authz::{self, Caller, CallerKind, Refusal};
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::{Code, Role};
use models::entities::{audit_log, river_chiefs};
use models::registry::{self, NewEnterprise, NewOutfall};
use models::users::NewUser;
use tests::{TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "a long test password";

/// Two enterprises: A discharges into the fixture section's river, B into another.
struct World {
    section: String,
    enterprise_a: String,
    enterprise_b: String,
    tokens: HashMap<CallerKind, Option<String>>,
    callers: HashMap<CallerKind, Caller>,
    spare_key_id: i32,
}

async fn enterprise(app: &TestApp, credit17: &str, name: &str, water_body_id: i32) -> (i32, String) {
    let code = models::domain::credit_code::CreditCode::complete(credit17).expect("code").to_string();
    let e = registry::create_enterprise(
        &app.db,
        NewEnterprise {
            credit_code: &code,
            name,
            region_id: None,
            address: None,
            industry: None,
            is_key_unit: false,
            contact_name: None,
            contact_phone: Some("19900000000"),
        },
        Utc::now(),
    )
    .await
    .expect("enterprise");
    registry::create_outfall(
        &app.db,
        NewOutfall {
            enterprise_id: e.id,
            code: "DW001",
            name: "总排口",
            receiving_water_body_id: Some(water_body_id),
            discharge_standard: Some("gb8978:1"),
            station_mn: None,
            longitude: None,
            latitude: None,
        },
        Utc::now(),
    )
    .await
    .expect("outfall");
    (e.id, code)
}

/// Creates a user; an enterprise account names its enterprise by credit code.
async fn user(app: &TestApp, username: &str, role: Role, chief_id: Option<i32>, enterprise: Option<&str>) -> i32 {
    let new = NewUser { username, password: PASSWORD, role: role.as_str(), chief_id, enterprise, ..Default::default() };
    models::users::create(&app.db, new, Actor::cli("test"), Utc::now()).await.expect("user").id
}

async fn world(app: &TestApp) -> World {
    let fixture = app.given_section("SEC-1", WaterBodyKind::River, WaterClass::III).await;
    let ctx = models::sections::find_by_code(&app.db, "SEC-1").await.expect("db").expect("section");
    let other = tests::fixture::water_body(&app.db, "W-OTHER", "别的河", WaterBodyKind::River).await;
    let (a_id, a_code) = enterprise(app, "91360104MA0000A01", "甲企业", ctx.water_body.id).await;
    let (_, b_code) = enterprise(app, "91360104MA0000B02", "乙企业", other.id).await;
    let village = river_chiefs::Entity::find()
        .filter(river_chiefs::Column::Email.eq(fixture.village_email.as_str()))
        .one(&app.db)
        .await
        .expect("db")
        .expect("village chief");

    let mut callers = HashMap::new();
    let mut tokens = HashMap::new();
    for (kind, name, role, chief, ent) in [
        (CallerKind::Admin, "m-admin", Role::Admin, None, None),
        (CallerKind::Bureau, "m-bureau", Role::Bureau, None, None),
        (CallerKind::Chief, "m-chief", Role::Chief, Some(village.id), None),
        (CallerKind::Enterprise, "m-enterprise", Role::Enterprise, None, Some(a_id)),
    ] {
        let id = user(app, name, role, chief, ent.map(|_| a_code.as_str())).await;
        callers.insert(kind, Caller::User { user_id: id, role, chief_id: chief, enterprise_id: ent });
        tokens.insert(kind, Some(app.token(name, PASSWORD).await));
    }
    let now = Utc::now();
    let key = |name| NewKey { name, section: Some("SEC-1"), ..Default::default() };
    let station = models::api_keys::create(&app.db, key("station"), Actor::cli("test"), now).await.expect("key");
    let model = station.model;
    callers.insert(
        CallerKind::ApiKey,
        Caller::ApiKey { key_id: model.id, section_id: Some(ctx.section.id), outfall_id: None },
    );
    tokens.insert(CallerKind::ApiKey, Some(station.key));
    callers.insert(CallerKind::Anonymous, Caller::Anonymous);
    tokens.insert(CallerKind::Anonymous, None);
    let spare = models::api_keys::create(&app.db, key("spare"), Actor::cli("test"), now).await.expect("key").model;
    user(app, "target-user", Role::Bureau, None, None).await;
    World {
        section: "SEC-1".into(),
        enterprise_a: a_code,
        enterprise_b: b_code,
        tokens,
        callers,
        spare_key_id: spare.id,
    }
}

/// A concrete request for an operation of the description.
fn request_for(w: &World, method: &Method, template: &str, caller: CallerKind) -> (String, Option<Value>) {
    let path = template
        .replace("{code}", &w.section)
        .replace("{credit_code}", &w.enterprise_a)
        .replace("{username}", "target-user")
        .replace("{id}", &w.spare_key_id.to_string());
    let body = match (method.as_str(), template) {
        ("POST", "/api/v1/auth/token") => Some(json!({"username": "m-bureau", "password": PASSWORD})),
        ("POST", "/api/v1/readings") => Some(json!({"readings": [
            {"section": w.section, "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 0.5}]})),
        ("POST", "/api/v1/users") => Some(json!({
            "username": format!("new-{caller:?}").to_lowercase(), "password": PASSWORD, "role": "bureau"})),
        ("POST", "/api/v1/api-keys") => Some(json!({"name": format!("key-{caller:?}"), "section": w.section})),
        ("POST", _) => Some(json!({})),
        _ => None,
    };
    (path, body)
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The operations of the served description: (method, path template).
async fn operations(app: &TestApp) -> Vec<(Method, String)> {
    let (status, spec) = app.get_as("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK, "the description is public");
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"), path.clone()));
            }
        }
    }
    ops.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    ops
}

#[tokio::test]
async fn every_operation_answers_every_kind_of_caller_as_the_matrix_says() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let ops = operations(&app).await;
    assert!(ops.len() >= 20, "the description lists the API: {ops:?}");

    // Every rule for an API path is in the description, and every described operation has a rule.
    let rules = backend::routes::rules();
    for (method, path, _) in rules.iter().filter(|(_, p, _)| p.starts_with("/api/")) {
        assert!(ops.iter().any(|(m, p)| m == method && p == path), "{method} {path} has a rule but is not described");
    }
    // The matrix is only as good as the actions routes are mapped to: administrative paths must map to
    // actions bureau staff do not have.
    for (_, path, rule) in rules.iter() {
        if ["/api/v1/users", "/api/v1/api-keys", "/api/v1/audit"].iter().any(|p| path.starts_with(p))
            && let Rule::Api(action) = rule
        {
            assert_eq!(authz::rule(CallerKind::Bureau, action), authz::Rule::Deny, "{path} is administrative");
        }
    }
    let mut checked = 0;
    // Sign-out and user disabling change the caller's own standing: they run last.
    let (mut late, early): (Vec<_>, Vec<_>) =
        ops.into_iter().partition(|(_, p)| p.ends_with("/logout") || p.ends_with("/disable"));
    late.reverse();
    for (method, template) in early.into_iter().chain(late) {
        let rule = rules
            .rule_for(&method, &template)
            .unwrap_or_else(|| panic!("{method} {template} is described but has no access rule"));
        for kind in CallerKind::ALL {
            let (path, body) = request_for(&w, &method, &template, kind);
            let token = w.tokens[&kind].clone();
            let (status, answer) = send(&app, method.clone(), &path, token.as_deref(), body.as_ref()).await;
            let what = format!("{method} {path} as {kind:?}: {status} {answer}");
            assert!(status.as_u16() < 500, "{what}");
            match rule {
                Rule::Public => {
                    assert!(status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED, "{what}")
                }
                Rule::Api(action) | Rule::Page(action) => match authz::decide(&w.callers[&kind], action, false) {
                    Ok(_) => assert!(status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED, "{what}"),
                    Err(Refusal::SignInRequired) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                    Err(Refusal::Forbidden) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                },
            }
            checked += 1;
        }
    }
    assert!(checked >= 120, "{checked} requests checked");
}

/// The README's access table, cell by cell, is the matrix the code decides by: a wrong cell in either fails.
#[test]
fn the_readmes_access_table_is_the_matrix() {
    use models::domain::authz::{Action, Rule as Cell};
    let readme = include_str!("../../README.md");
    let header = "| action | anonymous | admin | bureau | chief | enterprise | API key |";
    let start = readme.find(header).expect("the README has the access table");
    let rows: Vec<Vec<&str>> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let actions_of = |label: &str| -> Vec<Action> {
        match label {
            "read sections, classes, assessments, trends" => vec![Action::ReadSections],
            "submit readings" => vec![Action::SubmitReadings],
            "read enterprises, outfalls, self-checks" => vec![Action::ReadEnterprises],
            "read alerts" => vec![Action::ReadAlerts],
            "own account, sign out" => vec![Action::ReadOwnAccount],
            "manage users, API keys; read the audit log" => {
                vec![Action::ManageUsers, Action::ManageApiKeys, Action::ReadAudit]
            }
            "manage the registry (regions, water bodies, reaches, sections, chiefs, appointments)" => {
                vec![Action::ManageRegistry]
            }
            "manage HJ 212 devices, read their state and events" => vec![Action::ManageDevices],
            "set or clear a reading's quality flag" => vec![Action::FlagReadings],
            other => panic!("the README names an action the test does not know: {other}"),
        }
    };
    let cell = |text: &str| match text {
        "–" => Cell::Deny,
        "all" | "✓" => Cell::All,
        "if `public_read`" => Cell::IfPublic,
        "own" => Cell::OwnAccount,
        "the sections in their chain" | "those discharging into their waters" => Cell::Chain,
        "its own" => Cell::OwnEnterprise,
        "its own section" => Cell::KeySection,
        other => panic!("a README cell the test cannot read: {other}"),
    };
    let mut covered = Vec::new();
    for row in &rows {
        assert_eq!(row.len(), 1 + CallerKind::ALL.len(), "{row:?}");
        for action in actions_of(row[0]) {
            for (kind, text) in CallerKind::ALL.iter().zip(&row[1..]) {
                assert_eq!(authz::rule(*kind, action), cell(text), "README row '{}', column {kind:?}", row[0]);
            }
            covered.push(action);
        }
    }
    for action in Action::ALL {
        assert!(covered.contains(&action), "the README's table has no row for {action:?}");
    }
}

#[tokio::test]
async fn sections_are_readable_without_signing_in_only_when_the_installation_says_so() {
    let closed = spawn_app().await;
    assert_eq!(closed.get_as("/api/v1/sections", None).await.0, StatusCode::UNAUTHORIZED);
    let front = closed.browser().get("/").await;
    assert_eq!(front.status(), StatusCode::SEE_OTHER, "the front page sends strangers to sign in");
    assert_eq!(front.headers()["location"], "/login?next=/");

    let open = spawn_app_with(|s| s.public_read = true).await;
    assert_eq!(open.get_as("/api/v1/sections", None).await.0, StatusCode::OK);
    assert_eq!(open.get_as("/api/v1/alerts", None).await.0, StatusCode::UNAUTHORIZED, "alerts stay private");
}

#[tokio::test]
async fn enterprise_a_cannot_read_or_write_enterprise_bs_data_by_any_route() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = w.tokens[&CallerKind::Enterprise].clone().expect("token");

    let (status, list) = app.get_as("/api/v1/enterprises", Some(&a)).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> =
        list["enterprises"].as_array().expect("list").iter().map(|e| e["credit_code"].as_str().expect("c")).collect();
    assert_eq!(codes, vec![w.enterprise_a.as_str()], "only its own enterprise");
    let (status, own) = app.get_as(&format!("/api/v1/enterprises/{}", w.enterprise_a), Some(&a)).await;
    assert_eq!((status, own["outfalls"][0]["code"].clone()), (StatusCode::OK, json!("DW001")));

    // Every operation, with B's identifiers where a path takes one: nothing of B comes back. (Signing out
    // is left out: it would end A's own token half-way.)
    for (method, template) in operations(&app).await.into_iter().filter(|(_, t)| !t.ends_with("/logout")) {
        let path = template
            .replace("{credit_code}", &w.enterprise_b)
            .replace("{code}", &w.section)
            .replace("{username}", "m-bureau")
            .replace("{id}", "1");
        let body = (method == Method::POST).then(|| json!({}));
        let (status, answer) = send(&app, method.clone(), &path, Some(&a), body.as_ref()).await;
        let text = answer.to_string();
        // B's name never; B's code only where an error repeats what A asked for.
        assert!(!text.contains("乙企业"), "{method} {path} leaked B: {text}");
        assert!(!status.is_success() || !text.contains(&w.enterprise_b), "{method} {path} leaked B: {text}");
        if template.contains("{credit_code}") {
            assert_eq!(status, StatusCode::NOT_FOUND, "B's enterprise is answered like a missing one");
        }
    }
    // And it writes nothing it may not: readings, users, keys.
    let (status, _) = app
        .post_readings(
            Some(&a),
            json!([{"section": w.section, "parameter": "cod", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 10}]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.reading_count().await, 0);
}

#[tokio::test]
async fn a_river_chief_sees_the_alerts_and_enterprises_of_their_own_waters_only() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let elsewhere = app.given_section("SEC-2", WaterBodyKind::River, WaterClass::III).await;
    let bureau = w.tokens[&CallerKind::Bureau].clone().expect("token");
    for section in [w.section.as_str(), elsewhere.code.as_str()] {
        app.post_readings(
            Some(&bureau),
            json!([{"section": section, "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 2.5}]),
        )
        .await;
    }
    let chief = w.tokens[&CallerKind::Chief].clone().expect("token");
    let (status, alerts) = app.get_as("/api/v1/alerts", Some(&chief)).await;
    assert_eq!(status, StatusCode::OK);
    let sections: Vec<&str> =
        alerts["alerts"].as_array().expect("alerts").iter().map(|a| a["section"].as_str().expect("s")).collect();
    assert_eq!(sections, vec!["SEC-1"]);
    let (_, all) = app.get_as("/api/v1/alerts", Some(&bureau)).await;
    assert_eq!(all["count"], 2, "bureau staff see every alert");
    let (_, enterprises) = app.get_as("/api/v1/enterprises", Some(&chief)).await;
    let names: Vec<&str> =
        enterprises["enterprises"].as_array().expect("e").iter().map(|e| e["name"].as_str().expect("n")).collect();
    assert_eq!(names, vec!["甲企业"], "only the enterprise discharging into the chief's river");
}

#[tokio::test]
async fn expired_revoked_and_disabled_credentials_are_refused() {
    let app = spawn_app().await;
    user(&app, "short-lived", Role::Bureau, None, None).await;
    let issue = Issue::Token { label: "test", ttl: TimeDelta::seconds(-1) };
    let expired =
        models::auth::sign_in(&app.db, "short-lived", PASSWORD, issue, Utc::now()).await.expect("sign in").secret;
    assert_eq!(app.get_as("/api/v1/me", Some(&expired)).await.0, StatusCode::UNAUTHORIZED);

    let token = app.token("short-lived", PASSWORD).await;
    assert_eq!(app.get_as("/api/v1/me", Some(&token)).await.0, StatusCode::OK);
    let (status, _) = app.post_json("/api/v1/auth/logout", Some(&token), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_as("/api/v1/me", Some(&token)).await.0, StatusCode::UNAUTHORIZED, "a revoked token");

    let again = app.token("short-lived", PASSWORD).await;
    models::users::set_disabled(&app.db, "short-lived", true, Actor::cli("test"), Utc::now()).await.expect("disable");
    assert_eq!(app.get_as("/api/v1/me", Some(&again)).await.0, StatusCode::UNAUTHORIZED, "a disabled user's token");
    assert_eq!(app.login("short-lived", PASSWORD).await.0, StatusCode::UNAUTHORIZED);

    app.given_section("OLD-1", WaterBodyKind::River, WaterClass::III).await;
    let new = NewKey { name: "old", section: Some("OLD-1"), expires_in_days: Some(1), ..Default::default() };
    let old = models::api_keys::create(&app.db, new, Actor::cli("test"), Utc::now()).await.expect("key");
    // Two days later, as far as the key is concerned.
    models::entities::api_keys::Entity::update_many()
        .col_expr(models::entities::api_keys::Column::ExpiresAt, (Utc::now() - TimeDelta::days(1)).into())
        .filter(models::entities::api_keys::Column::Id.eq(old.model.id))
        .exec(&app.db)
        .await
        .expect("age the key");
    assert_eq!(app.post_readings(Some(&old.key), json!([])).await.0, StatusCode::UNAUTHORIZED, "an expired key");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_a_reset_unlocks_it() {
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 100).await;
    user(&app, "clumsy", Role::Bureau, None, None).await;
    for attempt in 1..=4 {
        let (status, body) = app.login("clumsy", "wrong password").await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (StatusCode::UNAUTHORIZED, json!("invalid_credentials")),
            "attempt {attempt}"
        );
    }
    let (status, body) = app.login("clumsy", "wrong password").await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, json!("account_locked")));
    let (status, _) = app.login("clumsy", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits out the lock");
    models::users::reset_password(&app.db, "clumsy", "a brand new password", Actor::cli("test"), Utc::now())
        .await
        .expect("reset");
    assert_eq!(app.login("clumsy", "a brand new password").await.0, StatusCode::OK);
}

#[tokio::test]
async fn one_address_may_try_only_so_many_sign_ins_a_minute() {
    // Four a minute; the test harness has already signed its reader in once from this address.
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 4).await;
    for _ in 0..3 {
        assert_eq!(app.login("nobody", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login("nobody", "guess").await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, json!("too_many_attempts")));
}

#[tokio::test]
async fn the_web_session_is_a_safe_cookie_and_its_writes_need_the_csrf_token() {
    let app = spawn_app_with(|s| s.cookie_secure = true).await;
    app.given_section("WEB-1", WaterBodyKind::River, WaterClass::III).await;
    user(&app, "web-user", Role::Bureau, None, None).await;
    let browser = app.browser();

    // A sign-in form posted without the form's own token is refused.
    let forged =
        browser.post_form("/login", &[("username", "web-user"), ("password", PASSWORD), ("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let response = browser.sign_in("web-user", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rc_session="))
        .expect("a session cookie")
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }

    let me: Value = browser.get("/api/v1/me").await.json().await.expect("me");
    assert_eq!(me["signed_in_with"], "session");
    let csrf = me["csrf_token"].as_str().expect("csrf").to_string();
    let reading = json!({"readings": [{"section": "WEB-1", "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 0.4}]});
    let url = app.url("/api/v1/readings");
    let without = browser.client.post(&url).json(&reading).send().await.expect("post");
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert_eq!(without.json::<Value>().await.expect("json")["error"]["code"], "csrf_failed");
    let with = browser.client.post(&url).header("x-csrf-token", &csrf).json(&reading).send().await.expect("post");
    assert_eq!(with.status(), StatusCode::OK);

    // Signing out ends the session for good.
    let page = browser.get("/").await.text().await.expect("page");
    let out = browser.post_form("/logout", &[("csrf", &tests::Browser::hidden(&page, "csrf"))]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let stale = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie.split(';').next().expect("pair"))
        .send()
        .await
        .expect("get");
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/health", "/api/v1/sections", "/login", "/api/v1/no-such"] {
        let response = reqwest::Client::new().get(app.url(path)).send().await.expect("get");
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h["content-security-policy"].to_str().expect("csp").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn a_station_key_submits_its_own_section_only() {
    let app = spawn_app().await;
    app.given_section("KEY-1", WaterBodyKind::River, WaterClass::III).await;
    app.given_section("KEY-2", WaterBodyKind::River, WaterClass::III).await;
    let new = NewKey { name: "station-1", section: Some("KEY-1"), ..Default::default() };
    let created = models::api_keys::create(&app.db, new, Actor::cli("test"), Utc::now()).await.expect("key");
    let (key, model) = (created.key, created.model);
    let reading = |section: &str| json!({"section": section, "parameter": "do", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 6.0});
    assert_eq!(app.post_readings(Some(&key), json!([reading("KEY-1")])).await.0, StatusCode::OK);
    let (status, body) = app.post_readings(Some(&key), json!([reading("KEY-1"), reading("KEY-2")])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        (body["error"]["details"][0]["index"].clone(), body["error"]["details"][0]["code"].clone()),
        (json!(1), json!("section_not_allowed"))
    );
    assert_eq!(app.reading_count().await, 1, "the mixed batch stored nothing");
    models::api_keys::revoke(&app.db, model.id, Actor::cli("test"), Utc::now()).await.expect("revoke");
    assert_eq!(app.post_readings(Some(&key), json!([reading("KEY-1")])).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_write_is_in_the_audit_log_and_tampering_with_it_is_detected() {
    let app = spawn_app().await;
    app.given_section("AUD-1", WaterBodyKind::River, WaterClass::III).await;
    let admin = {
        user(&app, "auditor", Role::Admin, None, None).await;
        app.token("auditor", PASSWORD).await
    };
    app.post_readings(
        Some(&app.reader),
        json!([{"section": "AUD-1", "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 2.2}]),
    )
    .await;
    let (status, _) = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "new-analyst", "password": PASSWORD, "role": "bureau"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (_, log) = app.get_as("/api/v1/audit?limit=10", Some(&admin)).await;
    // The accounts this test set up are audited too, as the command line's "test": leave them out.
    let entries: Vec<&Value> =
        log["entries"].as_array().expect("entries").iter().filter(|e| e["actor_label"] != "test").collect();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().expect("a")).collect();
    // Newest first: the admin's new user, the reader's readings, the admin's and the reader's sign-ins.
    assert_eq!(actions, vec!["user.create", "readings.submit", "auth.login", "auth.login"]);
    assert_eq!(log["entries"][0]["actor_label"], "auditor");
    let submit = &log["entries"][1];
    assert_eq!(submit["after"]["stored"], 1);
    assert_eq!(submit["after"]["alerts_opened"], json!([1]));
    let (_, verdict) = app.get_as("/api/v1/audit/verify", Some(&admin)).await;
    // The four above, and the creation of the two accounts the test set up.
    assert_eq!((verdict["intact"].clone(), verdict["entries"].clone()), (json!(true), json!(4 + 2)));

    // The log refuses edits; someone with the database's full rights drops the guard and edits anyway.
    let sql = |s: &str| sea_orm::Statement::from_string(app.db.get_database_backend(), s.to_string());
    let edit = "UPDATE audit_log SET after = '{\"stored\":0}' WHERE action = 'readings.submit'";
    assert!(app.db.execute_raw(sql(edit)).await.is_err(), "the append-only trigger refuses the edit");
    let drop_guard = match tests::backend_under_test() {
        "postgres" => "DROP TRIGGER audit_log_no_update_delete ON audit_log",
        _ => "DROP TRIGGER audit_log_no_update",
    };
    app.db.execute_raw(sql(drop_guard)).await.expect("drop the trigger");
    app.db.execute_raw(sql(edit)).await.expect("edit");
    let edited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("readings.submit"))
        .one(&app.db)
        .await
        .expect("db")
        .expect("row");

    let (_, verdict) = app.get_as("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!((verdict["intact"].clone(), verdict["broken_entry"].clone()), (json!(false), json!(edited.id)));
    let cli = backend::cli::admin::audit_verify(&app.settings).await.expect_err("the command fails");
    assert!(cli.to_string().contains(&format!("broken at entry {}", edited.id)), "{cli}");
}

#[tokio::test]
async fn the_api_is_described_and_its_viewer_works_offline() {
    let app = spawn_app().await;
    let (status, spec) = app.get_as("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().expect("version").starts_with("3."));
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let viewer = reqwest::Client::new().get(app.url("/api/docs/")).send().await.expect("get");
    assert_eq!(viewer.status(), StatusCode::OK);
    let page = viewer.text().await.expect("html");
    assert!(page.contains("swagger"), "the bundled Swagger UI");
    assert!(!page.contains("https://"), "nothing fetched from elsewhere");
}

#[tokio::test]
async fn a_keys_expiry_follows_one_rule_over_the_api_and_the_command_line() {
    let app = spawn_app().await;
    app.given_section("EXP-1", WaterBodyKind::River, WaterClass::III).await;
    let admin = app.user_token(Role::Admin).await;
    for days in [0, -1, 3651, 100_000_000] {
        let body = json!({"name": "k", "section": "EXP-1", "expires_in_days": days});
        let (status, answer) = app.post_json("/api/v1/api-keys", Some(&admin), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{days}: {answer}");
        assert_eq!(answer["error"]["details"][0]["field"], "expires_in_days");
        assert!(answer["error"]["details"][0]["message_en"].as_str().is_some_and(|m| m.contains("1–3650")));
    }
    let url = app.settings.database_url.expose_secret().to_string();
    for days in ["0", "-3", "3651"] {
        let cli = backend::cli::Cli::parse_from([
            "riverchief",
            "--database-url",
            &url,
            "apikey",
            "create",
            "--name",
            "k",
            "--section",
            "EXP-1",
            "--expires-days",
            days,
        ]);
        let err = backend::cli::run(cli).await.expect_err("the same rule on the command line");
        assert!(err.to_string().contains("1–3650"), "{days}: {err}");
    }
    let (status, created) = app
        .post_json("/api/v1/api-keys", Some(&admin), &json!({"name": "k", "section": "exp-1", "expires_in_days": 1}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Keys are listed with what they are limited to, by code, not by an internal id.
    let (_, keys) = app.get_as("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(keys["api_keys"][0]["scope"], "EXP-1");
}

#[tokio::test]
async fn a_sign_in_form_without_its_fields_gets_our_page_not_a_parsers_message() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/login").await;
    let response = browser.post_form("/login", &[("username", "x")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.expect("page");
    assert!(page.contains("<form") && page.contains("登录表单已过期"), "{page}");
    // A body that is no form at all is answered in the API's error shape.
    let response = browser.client.post(app.url("/login")).header("content-type", "text/plain").body("x").send().await;
    let response = response.expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}
