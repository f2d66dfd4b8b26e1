//! The demo dataset: Qingyunpu District (青云谱区), Nanchang, generated deterministically from a fixed seed.
//!
//! Everything here is invented for demonstration and marked so: people and companies carry “演示”, email
//! addresses use the reserved `.invalid` domain, and the database records `demo_dataset` in `app_meta`.
//! Place and water-body names are real; sections, chiefs, enterprises and every reading are not.

mod dataset;
mod readings;

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use models::app_meta::{self, DEMO_DATASET};
use models::db::begin_write;
use models::domain::credit_code::CreditCode;
use models::domain::{ChiefLevel, Role};
use models::registry::{self, NewChief, NewEnterprise, NewOutfall, NewSection};
use models::users::{self, NewUser};

pub use dataset::{DEMO_USERS, DemoUser};

/// Name and version of the dataset, recorded in `app_meta` when loaded.
pub const DATASET: &str = "qingyunpu-demo-v1";
/// The fixed seed of the reading generator.
pub const SEED: u64 = 20_261_128;
/// Months of history generated.
pub const MONTHS: u32 = 24;

/// What loading did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Loaded(Counts),
    /// The demo data was loaded before (this dataset name is recorded); nothing was changed.
    AlreadyLoaded(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub regions: usize,
    pub water_bodies: usize,
    pub sections: usize,
    pub chiefs: usize,
    pub enterprises: usize,
    pub outfalls: usize,
    pub users: usize,
    pub readings: u64,
    /// First and last month of the generated history.
    pub from_month: String,
    pub to_month: String,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::AlreadyLoaded(name) => write!(f, "demo data ({name}) was already loaded; nothing changed"),
            Outcome::Loaded(c) => write!(
                f,
                "demo data ({DATASET}) loaded: {} regions, {} water bodies, {} sections, {} river chiefs, \
                 {} enterprises with {} outfalls, {} users, {} readings ({} to {})",
                c.regions,
                c.water_bodies,
                c.sections,
                c.chiefs,
                c.enterprises,
                c.outfalls,
                c.users,
                c.readings,
                c.from_month,
                c.to_month
            ),
        }
    }
}

/// Loads the demo data unless it was loaded before, in one transaction: all of it or none.
/// The history covers the [`MONTHS`] months before the month of `today`.
pub async fn load_demo(db: &DatabaseConnection, today: NaiveDate) -> anyhow::Result<Outcome> {
    let now = Utc::now();
    let tx = begin_write(db).await?;
    // Claim the marker first: a second loader (another replica starting) waits here, then finds it.
    if !app_meta::insert_if_absent(&tx, DEMO_DATASET, DATASET, now).await? {
        let loaded = app_meta::get(&tx, DEMO_DATASET).await?.unwrap_or_default();
        tx.rollback().await?;
        return Ok(Outcome::AlreadyLoaded(loaded));
    }
    let counts = load(&tx, today, now).await.context("loading the demo data")?;
    let entry = models::audit::NewEntry {
        actor: models::audit::Actor::system("seed"),
        action: "seed.demo".into(),
        entity: "demo_dataset".into(),
        entity_id: Some(DATASET.into()),
        before: None,
        after: Some(serde_json::json!({
            "sections": counts.sections, "chiefs": counts.chiefs, "enterprises": counts.enterprises,
            "users": counts.users, "readings": counts.readings,
        })),
    };
    models::audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(Outcome::Loaded(counts))
}

async fn load(db: &impl sea_orm::ConnectionTrait, today: NaiveDate, now: DateTime<Utc>) -> anyhow::Result<Counts> {
    let mut counts = Counts::default();

    let district = registry::create_region(db, dataset::DISTRICT.0, dataset::DISTRICT.1, "district", None).await?;
    counts.regions += 1;
    let mut streets = std::collections::HashMap::new();
    for (code, name, level) in dataset::STREETS {
        let region = registry::create_region(db, code, name, level, Some(district.id)).await?;
        streets.insert(code, region);
        counts.regions += 1;
    }

    let mut water_bodies = std::collections::HashMap::new();
    for w in dataset::WATER_BODIES {
        let model = registry::create_water_body(db, w.code, w.name, w.kind, Some(w.description)).await?;
        water_bodies.insert(w.code, model);
        counts.water_bodies += 1;
    }

    // District-level chiefs answer for whole water bodies.
    let mut chief_ids = std::collections::HashMap::new();
    for (i, (wb_code, name)) in dataset::DISTRICT_CHIEFS.iter().enumerate() {
        let wb = &water_bodies[wb_code];
        let position = format!("（演示）青云谱区{}区级河长", wb.name);
        let chief =
            DemoChief { level: ChiefLevel::District, n: i + 1, name, position: &position, region_id: district.id };
        let id = chief.create(db, now).await?;
        registry::assign_chief(db, id, wb.id, None, now).await?;
        counts.chiefs += 1;
    }

    // Street/town chiefs answer for the reaches in their street; village chiefs for one section each.
    let mut street_chiefs: std::collections::HashMap<(&str, &str), i32> = std::collections::HashMap::new();
    let mut sections = Vec::new();
    for (i, s) in dataset::SECTIONS.iter().enumerate() {
        let wb = &water_bodies[s.water_body];
        let street = &streets[s.street];
        let section = registry::create_section(
            db,
            NewSection {
                code: s.code,
                name: s.name,
                water_body_id: wb.id,
                region_id: street.id,
                longitude: Some(s.lon),
                latitude: Some(s.lat),
                control_level: s.control,
                target_class: s.target,
                station_mn: s.station_mn,
            },
            now,
        )
        .await?;

        let key = (s.street, s.water_body);
        let street_chief = match street_chiefs.get(&key) {
            Some(id) => *id,
            None => {
                let n = street_chiefs.len() + 1;
                let (name, position) =
                    (dataset::person_name(100 + n), format!("（演示）{}{}街镇级河长", street.name, wb.name));
                let chief =
                    DemoChief { level: ChiefLevel::Town, n, name: &name, position: &position, region_id: street.id };
                let id = chief.create(db, now).await?;
                counts.chiefs += 1;
                street_chiefs.insert(key, id);
                id
            }
        };
        registry::assign_chief(db, street_chief, wb.id, Some(section.id), now).await?;

        let (name, position) = (dataset::person_name(i + 1), format!("（演示）{}村（社区）级河长", s.name));
        let village =
            DemoChief { level: ChiefLevel::Village, n: i + 1, name: &name, position: &position, region_id: street.id }
                .create(db, now)
                .await?;
        registry::assign_chief(db, village, wb.id, Some(section.id), now).await?;
        chief_ids.insert(s.code, village);
        counts.chiefs += 1;
        counts.sections += 1;
        sections.push((section, s, wb.kind.clone()));
    }

    let mut first_enterprise = None;
    for e in dataset::ENTERPRISES {
        let code = CreditCode::complete(e.credit_code_17).context("demo credit code")?;
        let street = &streets[e.street];
        let enterprise = registry::create_enterprise(
            db,
            NewEnterprise {
                credit_code: code.as_str(),
                name: e.name,
                region_id: Some(street.id),
                address: Some(e.address),
                industry: Some(e.industry),
                is_key_unit: e.key_unit,
                contact_name: Some(e.contact),
                contact_phone: Some(e.contact_phone),
            },
            now,
        )
        .await?;
        counts.enterprises += 1;
        for o in e.outfalls {
            registry::create_outfall(
                db,
                NewOutfall {
                    enterprise_id: enterprise.id,
                    code: o.code,
                    name: o.name,
                    receiving_water_body_id: Some(water_bodies[o.receiving].id),
                    discharge_standard: Some(o.standard),
                    station_mn: o.station_mn,
                    longitude: Some(o.lon),
                    latitude: Some(o.lat),
                },
                now,
            )
            .await?;
            counts.outfalls += 1;
        }
        first_enterprise.get_or_insert(enterprise.id);
    }

    for u in DEMO_USERS {
        let chief_id = (u.role == Role::Chief).then(|| chief_ids.get(dataset::CHIEF_USER_SECTION).copied()).flatten();
        let enterprise_id = (u.role == Role::Enterprise).then_some(first_enterprise).flatten();
        users::create(
            db,
            NewUser {
                username: u.username,
                password: u.password,
                role: u.role,
                display_name: Some(u.display_name),
                chief_id,
                enterprise_id,
                email: u.email,
            },
            now,
        )
        .await?;
        counts.users += 1;
    }

    let end = first_of_month(today);
    let rows = readings::generate(&sections, end, MONTHS, SEED);
    counts.readings = models::readings::bulk_insert(db, &rows, models::readings::Source::Seed, now).await?;
    let start = readings::month_start(end, MONTHS);
    counts.from_month = start.format("%Y-%m").to_string();
    counts.to_month = readings::month_start(end, 1).format("%Y-%m").to_string();
    Ok(counts)
}

/// A made-up river chief: demo email and phone numbered by level, marked （演示） in the position.
struct DemoChief<'a> {
    level: ChiefLevel,
    /// 1-based number within the level.
    n: usize,
    name: &'a str,
    position: &'a str,
    region_id: i32,
}

impl DemoChief<'_> {
    /// Creates the chief; the caller assigns their reach.
    async fn create(&self, db: &impl sea_orm::ConnectionTrait, now: DateTime<Utc>) -> anyhow::Result<i32> {
        let phone_base = match self.level {
            ChiefLevel::District => 99,
            ChiefLevel::Town => 200,
            _ => 300,
        };
        let email = format!("{}.chief.{:02}@demo.riverchief.invalid", self.level.as_str(), self.n);
        let phone = format!("1990791{:04}", phone_base + self.n);
        let chief = registry::create_chief(
            db,
            NewChief {
                name: self.name,
                level: self.level,
                position: Some(self.position),
                phone: Some(&phone),
                email: Some(&email),
                region_id: Some(self.region_id),
            },
            now,
        )
        .await?;
        Ok(chief.id)
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}
