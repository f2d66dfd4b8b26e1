//! Helpers for riverchief's end-to-end tests: the real application on a random port with a fresh database
//! (an SQLite file, or a new PostgreSQL database when `DATABASE_URL` is set), a real SMTP server on
//! loopback, and one typed helper per endpoint.

pub mod smtp;

use std::sync::Once;

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tempfile::TempDir;

use backend::{Application, Settings};
use jobs::{JobContext, Report};
use models::audit::Actor;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::{ChiefLevel, Code, ControlLevel, RegionLevel, Role};
use models::entities::{appointments, regions, river_chiefs, sections, water_bodies};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

pub use smtp::{ReceivedEmail, SmtpSink};

/// A PostgreSQL database made for one test and dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; use a thread with its own runtime to talk to the server.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(db) = Database::connect(&admin_url).await {
                    let _ = db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = db.close().await;
                }
            });
        })
        .join();
    }
}

/// `postgres://u@h:5432/admin?x` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Which database the tests run against: PostgreSQL when `DATABASE_URL` is set, else SQLite.
pub fn backend_under_test() -> &'static str {
    if std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty()) { "postgres" } else { "sqlite" }
}

async fn fresh_database(dir: &TempDir) -> (String, Option<PgDatabase>) {
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("rc_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("DATABASE_URL must reach a PostgreSQL server");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
            admin.close().await.expect("close admin connection");
            (with_database(&admin_url, &name), Some(PgDatabase { admin_url, name }))
        }
        None => (format!("sqlite://{}", dir.path().join("riverchief.db").display()), None),
    }
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub struct TestApp {
    pub base_url: String,
    /// A bureau user's bearer token, used by [`TestApp::get`] and friends.
    pub reader: String,
    pub db: DatabaseConnection,
    pub jobs: JobContext,
    pub smtp: SmtpSink,
    pub settings: Settings,
    /// The HJ 212 receiver's address.
    pub hj212_addr: std::net::SocketAddr,
    /// Where `GET /metrics` is served.
    pub metrics_addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    // Dropped last, in this order: the PostgreSQL database, then the temporary directory.
    _pg: Option<PgDatabase>,
    pub dir: TempDir,
}

/// Settings for a test app: random port, no scheduler, mail to `smtp`, files under `dir`.
fn test_settings(database_url: String, dir: &TempDir, smtp: &SmtpSink) -> Settings {
    let mut settings = Settings::defaults();
    settings.database_url = database_url.into();
    settings.http_addr = "127.0.0.1:0".parse().expect("addr");
    settings.scheduler = false;
    settings.smtp_url = Some(smtp.url().into());
    settings.outbox_dir = dir.path().join("outbox");
    // The tests' readings carry fixed dates, many of them before today: they alert as if sent when
    // sampled. The live window itself is tested with its default (`readings::the_live_window_…`).
    settings.live_window_hours = 24 * 366 * 30;
    // Free ports, so that tests run side by side.
    settings.hj212.addr = "127.0.0.1:0".parse().expect("addr");
    settings.metrics_addr = Some("127.0.0.1:0".parse().expect("addr"));
    settings
}

/// Starts the application on a random port against a fresh database, with mail going to a fresh SMTP
/// server on loopback.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_app`], letting the test adjust the settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    install_crypto_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, pg) = fresh_database(&dir).await;
    let smtp = SmtpSink::start();
    let mut settings = test_settings(database_url, &dir, &smtp);
    adjust(&mut settings);
    let app = Application::build(settings.clone(), false).await.expect("application builds");
    let base_url = format!("http://{}", app.http_addr());
    let db = app.db().clone();
    let jobs = app.job_context().clone();
    let hj212_addr = app.hj212_addr().expect("the receiver runs");
    let metrics_addr = app.metrics_addr().expect("metrics are served");
    tokio::spawn(app.run_until_stopped());
    let mut test_app = TestApp {
        base_url,
        reader: String::new(),
        db,
        jobs,
        smtp,
        settings,
        hj212_addr,
        metrics_addr,
        client: reqwest::Client::new(),
        _pg: pg,
        dir,
    };
    test_app.reader = test_app.user_token(Role::Bureau).await;
    test_app
}

/// A browser: follows no redirects (so tests see them) and keeps cookies.
pub struct Browser {
    pub client: reqwest::Client,
    base_url: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base_url)).send().await.expect("request")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base_url)).form(form).send().await.expect("request")
    }

    /// The value of the hidden input `name` in a page.
    pub fn hidden(page: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in page")) + marker.len();
        page[start..].split('"').next().unwrap_or_default().to_string()
    }

    /// Opens the sign-in page and submits it; returns the answer to the submission.
    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        let page = self.get("/login").await.text().await.expect("login page");
        let csrf = Self::hidden(&page, "csrf");
        self.post_form("/login", &[("username", username), ("password", password), ("csrf", &csrf), ("next", "/")])
            .await
    }
}

/// A section registered by a test, with its chain of chiefs.
#[derive(Debug, Clone)]
pub struct SectionFixture {
    pub code: String,
    pub village_email: String,
    pub town_email: String,
    pub district_email: String,
}

impl TestApp {
    /// The URL of this app's database (its SQLite file, or its PostgreSQL database), for another process
    /// to open the same one.
    pub fn database_url(&self) -> &str {
        use secrecy::ExposeSecret;
        self.settings.database_url.expose_secret()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// GETs as the bureau reader.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_as(path, Some(&self.reader.clone())).await
    }

    /// GETs with the given bearer token, or none.
    pub async fn get_as(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new browser for this app.
    pub fn browser(&self) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { client, base_url: self.base_url.clone() }
    }

    /// Creates a user with this role and password and returns its username. A chief account acts as a new
    /// river chief, an enterprise account for a new enterprise.
    pub async fn given_user(&self, role: Role, username: &str, password: &str) -> String {
        let now = Utc::now();
        let chief_id = match role {
            Role::Chief => {
                // Unique and short: chief codes are at most 32 characters, usernames up to 64.
                let code = format!("U-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                Some(fixture::chief(&self.db, &code, "测试河长", ChiefLevel::Village, None).await.id)
            }
            _ => None,
        };
        let credit_code = match role {
            Role::Enterprise => {
                // A made-up code, unique per account: nine fixed characters, eight random digits, its check.
                let digits: String = uuid::Uuid::new_v4().as_u128().to_string().chars().take(8).collect();
                let code = models::domain::credit_code::CreditCode::complete(&format!("91360104M{digits}"))
                    .expect("credit code")
                    .to_string();
                let enterprise = models::registry::NewEnterprise {
                    credit_code: &code,
                    name: "测试企业",
                    region_id: None,
                    address: None,
                    industry: None,
                    is_key_unit: false,
                    contact_name: None,
                    contact_phone: None,
                };
                models::registry::create_enterprise(&self.db, enterprise, now).await.expect("enterprise");
                Some(code)
            }
            _ => None,
        };
        let new = models::users::NewUser {
            username,
            password,
            role: role.as_str(),
            chief_id,
            enterprise: credit_code.as_deref(),
            ..Default::default()
        };
        models::users::create(&self.db, new, Actor::cli("test"), now).await.expect("create user");
        username.to_string()
    }

    /// GETs a page anonymously, returning its status, content type and text.
    pub async fn get_page(&self, path: &str) -> (StatusCode, String, String) {
        let response = self.client.get(self.url(path)).send().await.expect("request");
        let status = response.status();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        (status, content_type, response.text().await.expect("text"))
    }

    /// POSTs a raw body with the given content type and optional bearer token.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).header("content-type", content_type).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.post_raw(path, token, "application/json", body.to_string()).await
    }

    /// `POST /api/v1/auth/token`.
    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.post_json("/api/v1/auth/token", None, &json!({"username": username, "password": password})).await
    }

    /// A bearer token for a user, asserting the sign-in works.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let (status, body) = self.login(username, password).await;
        assert_eq!(status, StatusCode::OK, "sign-in as {username}: {body}");
        body["token"].as_str().expect("token in response").to_string()
    }

    /// `POST /api/v1/readings`.
    pub async fn post_readings(&self, token: Option<&str>, readings: Value) -> (StatusCode, Value) {
        self.post_json("/api/v1/readings", token, &json!({ "readings": readings })).await
    }

    /// `GET /api/v1/sections`.
    pub async fn sections(&self) -> Value {
        let (status, body) = self.get("/api/v1/sections").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Runs a job once, as `riverchief jobs run NAME` does.
    pub async fn run_job(&self, name: &str) -> Report {
        let job = jobs::find(name).unwrap_or_else(|| panic!("no job {name}"));
        jobs::run_now(job.as_ref(), &self.jobs).await.expect("job runs")
    }

    pub fn emails(&self) -> Vec<ReceivedEmail> {
        self.smtp.received()
    }

    pub async fn reading_count(&self) -> u64 {
        models::readings::count(&self.db).await.expect("count readings")
    }

    pub async fn live_alerts(&self) -> Vec<models::entities::alerts::Model> {
        models::alerts::list_live(&self.db).await.expect("alerts")
    }

    /// Creates a user with a role and returns a bearer token for it.
    pub async fn user_token(&self, role: Role) -> String {
        let username = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4().simple());
        let password = "correct horse battery staple";
        self.given_user(role, &username, password).await;
        self.token(&username, password).await
    }

    /// Registers a section in town `town` (code, name) on water body `water` (code, name, kind), creating
    /// either when it does not exist yet. No chiefs: for assessment tests.
    pub async fn given_section_in(
        &self,
        code: &str,
        town: (&str, &str),
        water: (&str, &str, WaterBodyKind),
        target: WaterClass,
    ) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = &self.db;
        let region = match regions::Entity::find().filter(regions::Column::Code.eq(town.0)).one(db).await.expect("db") {
            Some(r) => r,
            None => fixture::region(db, town.0, town.1, RegionLevel::Town, None).await,
        };
        let body = match water_bodies::Entity::find()
            .filter(water_bodies::Column::Code.eq(water.0))
            .one(db)
            .await
            .expect("db")
        {
            Some(w) => w,
            None => fixture::water_body(db, water.0, water.1, water.2).await,
        };
        fixture::section(db, code, body.id, region.id, None, target).await;
        code.to_string()
    }

    /// GETs a path and returns the status, content type and raw body.
    pub async fn get_bytes(&self, path: &str, accept: Option<&str>) -> (StatusCode, String, Vec<u8>) {
        let mut request = self.client.get(self.url(path)).bearer_auth(&self.reader);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        (status, content_type, response.bytes().await.expect("body").to_vec())
    }

    /// Registers a section on a new water body of `kind`, with target `target` and a chain of district,
    /// town and village chiefs, each with an email address.
    pub async fn given_section(&self, code: &str, kind: WaterBodyKind, target: WaterClass) -> SectionFixture {
        let db = &self.db;
        let tag = code.to_lowercase();
        let district = fixture::region(db, &format!("D-{code}"), "测试区", RegionLevel::District, None).await;
        let street =
            fixture::region(db, &format!("S-{code}"), "测试街道", RegionLevel::Street, Some(district.id)).await;
        let water = fixture::water_body(db, &format!("W-{code}"), &format!("测试河{code}"), kind).await;
        let reach = fixture::reach(db, &format!("R-{code}"), water.id, street.id).await;
        fixture::section(db, code, water.id, street.id, Some(reach.id), target).await;
        let mut emails = Vec::new();
        // Created highest level first, so "lowest level" cannot come from insertion order.
        for (level, name) in
            [(ChiefLevel::District, "区河长"), (ChiefLevel::Town, "街道河长"), (ChiefLevel::Village, "村河长")]
        {
            let email = format!("{}.{tag}@chiefs.test", level.as_str());
            let chief = fixture::chief(db, &format!("{}-{code}", level.as_str()), name, level, Some(&email)).await;
            let on_reach = (level != ChiefLevel::District).then_some(reach.id);
            fixture::appoint(db, chief.id, water.id, on_reach, level, fixture::long_ago()).await;
            emails.push(email);
        }
        SectionFixture {
            code: code.into(),
            district_email: emails[0].clone(),
            town_email: emails[1].clone(),
            village_email: emails[2].clone(),
        }
    }
}

/// Registry rows written straight to the tables, for tests that need a section and its chain but are not
/// about the registry (whose own rules and codes are tested through its write, `models::registry::apply`).
pub mod fixture {
    use super::*;

    pub fn long_ago() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date")
    }

    pub async fn region(
        db: &DatabaseConnection,
        code: &str,
        name: &str,
        level: RegionLevel,
        parent_id: Option<i32>,
    ) -> regions::Model {
        regions::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            level: Set(level),
            parent_id: Set(parent_id),
            retired_on: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("region")
    }

    pub async fn water_body(
        db: &DatabaseConnection,
        code: &str,
        name: &str,
        kind: WaterBodyKind,
    ) -> water_bodies::Model {
        water_bodies::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            kind: Set(kind),
            description: Set(None),
            parent_id: Set(None),
            retired_on: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("water body")
    }

    pub async fn reach(
        db: &DatabaseConnection,
        code: &str,
        water_body_id: i32,
        region_id: i32,
    ) -> models::entities::reaches::Model {
        models::entities::reaches::ActiveModel {
            code: Set(code.into()),
            name: Set(format!("{code}河段")),
            water_body_id: Set(water_body_id),
            region_id: Set(region_id),
            description: Set(None),
            retired_on: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("reach")
    }

    pub async fn section(
        db: &DatabaseConnection,
        code: &str,
        water_body_id: i32,
        region_id: i32,
        reach_id: Option<i32>,
        target: WaterClass,
    ) -> sections::Model {
        sections::ActiveModel {
            code: Set(code.into()),
            name: Set(if reach_id.is_some() { "测试断面".into() } else { code.into() }),
            water_body_id: Set(water_body_id),
            region_id: Set(region_id),
            reach_id: Set(reach_id),
            longitude: Set(None),
            latitude: Set(None),
            control_level: Set(ControlLevel::District),
            target_class: Set(target),
            station_mn: Set(None),
            active: Set(true),
            active_from: Set(None),
            active_to: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("section")
    }

    pub async fn chief(
        db: &DatabaseConnection,
        code: &str,
        name: &str,
        level: ChiefLevel,
        email: Option<&str>,
    ) -> river_chiefs::Model {
        river_chiefs::ActiveModel {
            code: Set(code.into()),
            name: Set(name.into()),
            level: Set(level),
            position: Set(None),
            phone: Set(None),
            email: Set(email.map(Into::into)),
            region_id: Set(None),
            active: Set(true),
            created_at: Set(Utc::now()),
            retired_on: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("chief")
    }

    pub async fn appoint(
        db: &DatabaseConnection,
        chief_id: i32,
        water_body_id: i32,
        reach_id: Option<i32>,
        level: ChiefLevel,
        starts_on: chrono::NaiveDate,
    ) -> appointments::Model {
        appointments::ActiveModel {
            chief_id: Set(chief_id),
            water_body_id: Set(water_body_id),
            reach_id: Set(reach_id),
            level: Set(level),
            starts_on: Set(starts_on),
            ends_on: Set(None),
            note: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("appointment")
    }
}
