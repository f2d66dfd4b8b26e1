//! The demo dataset: Qingyunpu District (青云谱区), Nanchang, generated deterministically from a fixed seed.
//!
//! Everything here is invented for demonstration and marked so: people and companies carry “演示”, email
//! addresses use the reserved `.invalid` domain, and the database records `demo_dataset` in `app_meta`.
//! Place and water-body names are real; sections, chiefs, enterprises and every reading are not.

mod dataset;
pub mod national;
mod readings;

use chrono::{Datelike, NaiveDate, Utc};

use models::DatabaseConnection;
use models::demo::{Dataset, DemoError, EnterpriseRow, HistoryRow, OutfallRow, UserRow};
use models::domain::credit_code::CreditCode;
use models::domain::{ChiefLevel, Code, RegionLevel, Role};
use models::registry::{AppointmentRow, ChiefRow, Origin, ReachRow, RegionRow, SectionRow, WaterBodyRow};

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
    pub stored: models::demo::Counts,
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
                c.stored.regions,
                c.stored.water_bodies,
                c.stored.sections,
                c.stored.chiefs,
                c.stored.enterprises,
                c.stored.outfalls,
                c.stored.users,
                c.stored.readings,
                c.from_month,
                c.to_month
            ),
        }
    }
}

/// Loads the demo data unless it was loaded before, in one transaction: all of it or none.
/// The history covers the [`MONTHS`] months before the month of `today`.
pub async fn load_demo(db: &DatabaseConnection, today: NaiveDate) -> Result<Outcome, DemoError> {
    let end = first_of_month(today);
    match models::demo::load(db, &dataset(today), Utc::now()).await {
        Ok(stored) => Ok(Outcome::Loaded(Counts {
            stored,
            from_month: readings::month_start(end, MONTHS).format("%Y-%m").to_string(),
            to_month: readings::month_start(end, 1).format("%Y-%m").to_string(),
        })),
        Err(DemoError::AlreadyLoaded(name)) => Ok(Outcome::AlreadyLoaded(name)),
        Err(e) => Err(e),
    }
}

/// The demo dataset, with [`MONTHS`] months of history ending before the month of `today`. Pure: the same
/// `today` gives the same dataset.
pub fn dataset(today: NaiveDate) -> Dataset {
    let mut d = Dataset { name: DATASET.into(), ..Default::default() };
    let end = first_of_month(today);
    // The chiefs' terms begin with the history.
    let term_start = readings::month_start(end, MONTHS);
    let r = &mut d.registry;
    let (district_code, district_name) = dataset::DISTRICT;
    r.regions.push(RegionRow {
        code: district_code.into(),
        name: district_name.into(),
        level: RegionLevel::District,
        parent: None,
        retired: false,
        origin: Origin::default(),
    });
    for (code, name, level) in dataset::STREETS {
        r.regions.push(RegionRow {
            code: code.into(),
            name: name.into(),
            level,
            parent: Some(district_code.into()),
            retired: false,
            origin: Origin::default(),
        });
    }
    for w in dataset::WATER_BODIES {
        let mut regions: Vec<String> =
            dataset::SECTIONS.iter().filter(|s| s.water_body == w.code).map(|s| s.street.to_string()).collect();
        regions.sort();
        regions.dedup();
        r.water_bodies.push(WaterBodyRow {
            code: w.code.into(),
            name: w.name.into(),
            kind: w.kind,
            parent: None,
            regions,
            description: Some(w.description.into()),
            retired: false,
            origin: Origin::default(),
        });
    }
    let water_name = |code: &str| dataset::WATER_BODIES.iter().find(|w| w.code == code).map_or("", |w| w.name);
    let street_name = |code: &str| dataset::STREETS.iter().find(|s| s.0 == code).map_or("", |s| s.1);
    let appoint = |chief: &str, water_body: &str, reach: Option<String>| AppointmentRow {
        chief: chief.into(),
        water_body: water_body.into(),
        reach,
        starts_on: term_start,
        ends_on: None,
        note: Some("演示任命".into()),
        origin: Origin::default(),
    };

    // District-level chiefs answer for whole water bodies.
    for (i, (wb, name)) in dataset::DISTRICT_CHIEFS.iter().enumerate() {
        let position = format!("（演示）青云谱区{}区级河长", water_name(wb));
        let chief = DemoChief { level: ChiefLevel::District, n: i + 1, name: name.to_string(), position }
            .row(district_code, format!("D-{:02}", i + 1));
        r.appointments.push(appoint(&chief.code, wb, None));
        r.chiefs.push(chief);
    }

    // Each section lies on a reach of its own in its street; the street/town chief answers for the reaches of
    // one water body in their street, a village chief for one reach.
    let mut street_chiefs: Vec<((&str, &str), String)> = Vec::new();
    for (i, s) in dataset::SECTIONS.iter().enumerate() {
        let reach = format!("{}-HD", s.code);
        r.reaches.push(ReachRow {
            code: reach.clone(),
            name: format!("{}{}河段", water_name(s.water_body), s.name),
            water_body: s.water_body.into(),
            region: s.street.into(),
            description: Some("（演示）".into()),
            retired: false,
            origin: Origin::default(),
        });
        r.sections.push(SectionRow {
            code: s.code.into(),
            name: s.name.into(),
            water_body: s.water_body.into(),
            reach: Some(reach.clone()),
            region: s.street.into(),
            longitude: Some(s.lon),
            latitude: Some(s.lat),
            control_level: s.control,
            target: s.target,
            station_mn: s.station_mn.map(Into::into),
            active_from: None,
            active_to: None,
            origin: Origin::default(),
        });
        let key = (s.street, s.water_body);
        let town_chief = match street_chiefs.iter().find(|(k, _)| *k == key) {
            Some((_, code)) => code.clone(),
            None => {
                let n = street_chiefs.len() + 1;
                let position = format!("（演示）{}{}街镇级河长", street_name(s.street), water_name(s.water_body));
                let chief = DemoChief { level: ChiefLevel::Town, n, name: dataset::person_name(100 + n), position }
                    .row(s.street, format!("T-{n:02}"));
                street_chiefs.push((key, chief.code.clone()));
                let code = chief.code.clone();
                r.chiefs.push(chief);
                code
            }
        };
        r.appointments.push(appoint(&town_chief, s.water_body, Some(reach.clone())));
        let position = format!("（演示）{}村（社区）级河长", s.name);
        let village = DemoChief { level: ChiefLevel::Village, n: i + 1, name: dataset::person_name(i + 1), position }
            .row(s.street, village_code(s.code));
        r.appointments.push(appoint(&village.code, s.water_body, Some(reach)));
        r.chiefs.push(village);
    }

    for e in dataset::ENTERPRISES {
        // The 17 characters are fixed demo text; a bad one is a bug in this file, caught by the tests.
        let credit_code = CreditCode::complete(e.credit_code_17).map(|c| c.as_str().to_string()).unwrap_or_default();
        d.enterprises.push(EnterpriseRow {
            credit_code,
            name: e.name.into(),
            region: Some(e.street.into()),
            address: Some(e.address.into()),
            industry: Some(e.industry.into()),
            is_key_unit: e.key_unit,
            contact_name: Some(e.contact.into()),
            contact_phone: Some(e.contact_phone.into()),
            outfalls: e
                .outfalls
                .iter()
                .map(|o| OutfallRow {
                    code: o.code.into(),
                    name: o.name.into(),
                    receiving: Some(o.receiving.into()),
                    discharge_standard: Some(o.standard.into()),
                    station_mn: o.station_mn.map(Into::into),
                    longitude: Some(o.lon),
                    latitude: Some(o.lat),
                })
                .collect(),
        });
    }

    let first_enterprise = d.enterprises.first().map(|e| e.credit_code.clone());
    for u in DEMO_USERS {
        d.users.push(UserRow {
            username: u.username.into(),
            password: u.password.into(),
            role: u.role.as_str().into(),
            display_name: Some(u.display_name.into()),
            email: u.email.map(Into::into),
            chief: (u.role == Role::Chief).then(|| village_code(dataset::CHIEF_USER_SECTION)),
            enterprise: (u.role == Role::Enterprise).then(|| first_enterprise.clone()).flatten(),
        });
    }

    let kinds: Vec<_> = dataset::SECTIONS
        .iter()
        .map(|s| {
            let kind = dataset::WATER_BODIES.iter().find(|w| w.code == s.water_body).map(|w| w.kind);
            (s, kind.unwrap_or(models::domain::gb3838::WaterBodyKind::River))
        })
        .collect();
    d.readings = readings::generate(&kinds, end, MONTHS, SEED)
        .into_iter()
        .map(|r| HistoryRow {
            section: r.section.into(),
            parameter: r.parameter,
            sampled_at: r.sampled_at,
            value: r.value,
        })
        .collect();
    d
}

/// The code of the village chief of a section: the chief the demo `chief` account acts as.
fn village_code(section: &str) -> String {
    format!("V-{section}")
}

/// A made-up river chief: demo email and phone numbered by level, marked （演示） in the position.
struct DemoChief {
    level: ChiefLevel,
    /// 1-based number within the level.
    n: usize,
    name: String,
    position: String,
}

impl DemoChief {
    fn row(self, region: &str, code: String) -> ChiefRow {
        let phone_base = match self.level {
            ChiefLevel::District => 99,
            ChiefLevel::Town => 200,
            _ => 300,
        };
        ChiefRow {
            code,
            email: Some(format!("{}.chief.{:02}@demo.riverchief.invalid", self.level.as_str(), self.n)),
            phone: Some(dataset::demo_phone(phone_base + self.n)),
            name: self.name,
            level: self.level,
            position: Some(self.position),
            region: Some(region.into()),
            retired: false,
            origin: Origin::default(),
        }
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_demo_number_or_address_can_reach_anyone() {
        let d = dataset(NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"));
        let phones = d
            .registry
            .chiefs
            .iter()
            .filter_map(|c| c.phone.clone())
            .chain(d.enterprises.iter().filter_map(|e| e.contact_phone.clone()));
        let mut n = 0;
        for phone in phones {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            // A mainland mobile is 1[3-9] and nine more digits; no number, mobile or fixed, starts with 000.
            let mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9');
            assert!(!mobile && digits.starts_with("000"), "{phone} could reach someone");
            n += 1;
        }
        assert_eq!(n, d.registry.chiefs.len() + d.enterprises.len(), "every chief and enterprise has a demo number");
        let emails = d
            .registry
            .chiefs
            .iter()
            .filter_map(|c| c.email.clone())
            .chain(d.users.iter().filter_map(|u| u.email.clone()));
        for email in emails {
            assert!(email.ends_with(".invalid"), "{email} is not at a reserved domain");
        }
    }

    #[test]
    fn the_dataset_is_the_same_for_the_same_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let (a, b) = (dataset(day), dataset(day));
        assert_eq!(a.readings.len(), b.readings.len());
        assert!(a.readings.iter().zip(&b.readings).all(|(x, y)| x.value == y.value && x.sampled_at == y.sampled_at));
    }
}
