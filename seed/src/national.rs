//! A made-up nation's registry and history, for measuring riverchief at the size of the national network
//! (3,641 monitoring sections): provinces, districts and towns, rivers and lakes, and monthly samples of the
//! 21 evaluated items. Deterministic for a given size and seed; nothing in it is real, and every name says
//! so.

use chrono::{Datelike, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use models::demo::{Dataset, HistoryRow};
use models::domain::ChiefLevel;
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use models::domain::{ControlLevel, RegionLevel};
use models::registry::{AppointmentRow, ChiefRow, Origin, ReachRow, RegionRow, Registry, SectionRow, WaterBodyRow};

/// Sections per town, towns per district, districts per province: a national network's shape.
const SECTIONS_PER_TOWN: usize = 10;
const TOWNS_PER_DISTRICT: usize = 10;
const DISTRICTS_PER_PROVINCE: usize = 4;
/// Sections per water body; every tenth water body is a lake.
const SECTIONS_PER_WATER: usize = 4;

/// `sections` sections with `months` months of monthly samples of the 21 evaluated items, ending before the
/// month of `today`.
pub fn dataset(sections: usize, months: u32, today: NaiveDate, seed: u64) -> Dataset {
    let mut d = Dataset { name: format!("national-bench-{sections}x{months}"), ..Default::default() };
    let towns = sections.div_ceil(SECTIONS_PER_TOWN);
    let districts = towns.div_ceil(TOWNS_PER_DISTRICT);
    let provinces = districts.div_ceil(DISTRICTS_PER_PROVINCE);
    for p in 0..provinces {
        d.registry.regions.push(region(
            format!("{:02}0000", 11 + p),
            format!("测试省{p}（演示）"),
            RegionLevel::Province,
            None,
        ));
    }
    for k in 0..districts {
        let parent = format!("{:02}0000", 11 + k / DISTRICTS_PER_PROVINCE);
        d.registry.regions.push(region(district(k), format!("测试区{k}（演示）"), RegionLevel::District, Some(parent)));
    }
    for t in 0..towns {
        let parent = district(t / TOWNS_PER_DISTRICT);
        d.registry.regions.push(region(town(t), format!("测试镇{t}（演示）"), RegionLevel::Town, Some(parent)));
    }
    let waters = sections.div_ceil(SECTIONS_PER_WATER);
    for w in 0..waters {
        let kind = if w % 10 == 9 { WaterBodyKind::Lake } else { WaterBodyKind::River };
        d.registry.water_bodies.push(WaterBodyRow {
            code: format!("W{w:05}"),
            name: format!("测试{}{w}（演示）", if kind == WaterBodyKind::Lake { "湖" } else { "河" }),
            kind,
            parent: None,
            regions: Vec::new(),
            description: None,
            retired: false,
            origin: Origin::default(),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let levels = [ControlLevel::National, ControlLevel::Provincial, ControlLevel::Municipal, ControlLevel::District];
    let end = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let items: Vec<Parameter> = Parameter::all().filter(|p| p.is_evaluated(WaterBodyKind::River)).collect();
    for s in 0..sections {
        let code = format!("S{s:05}");
        let water = s / SECTIONS_PER_WATER;
        let kind = d.registry.water_bodies[water].kind;
        d.registry.sections.push(SectionRow {
            code: code.clone(),
            name: format!("测试断面{s}（演示）"),
            water_body: d.registry.water_bodies[water].code.clone(),
            reach: None,
            active_from: None,
            active_to: None,
            origin: Origin::default(),
            region: town(s / SECTIONS_PER_TOWN),
            longitude: Some(100.0 + rng.random_range(0.0..20.0)),
            latitude: Some(22.0 + rng.random_range(0.0..20.0)),
            control_level: levels[s % levels.len()],
            target: if s % 3 == 0 { WaterClass::II } else { WaterClass::III },
            station_mn: None,
        });
        // How polluted the section runs, as a share of the class III limit: most well under it, some over.
        let load: f64 = Normal::new(-0.4, 0.5).map(|n| n.sample(&mut rng)).unwrap_or(0.0_f64).exp();
        for k in (1..=months).rev() {
            let month = end.checked_sub_months(Months::new(k)).unwrap_or(end);
            let Some(day) = month.with_day(10).and_then(|d| Some(d.and_time(NaiveTime::from_hms_opt(9, 30, 0)?)))
            else {
                continue;
            };
            let Some(at) = Shanghai.from_local_datetime(&day).single().map(|t| t.with_timezone(&Utc)) else { continue };
            for &p in &items {
                let noise: f64 = Normal::new(0.0, 0.2).map(|n| n.sample(&mut rng)).unwrap_or(0.0_f64).exp();
                let value = match p {
                    Parameter::Ph => (7.4 + 0.4 * (load - 0.7) + (noise - 1.0)).clamp(6.0, 9.5),
                    Parameter::Do => (9.0 / (0.6 + load) * noise).clamp(0.5, 14.0),
                    _ => p.limit_for(WaterClass::III, kind).unwrap_or(1.0) * load * noise,
                };
                d.readings.push(HistoryRow { section: code.clone(), parameter: p, sampled_at: at, value });
            }
        }
    }
    d
}

/// A nation's registry with its river chiefs, for measuring the registry's write and reads: the registry of
/// [`dataset`], a reach per section, and five chiefs' levels (village and town chiefs per reach; district,
/// city and province chiefs per whole water body): 10,015 chiefs and as many appointments for 3,641 sections.
pub fn registry(sections: usize, today: NaiveDate) -> Registry {
    let mut r = dataset(sections, 0, today, 1).registry;
    let start = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let appoint = |chief: &str, water_body: &str, reach: Option<String>| AppointmentRow {
        chief: chief.into(),
        water_body: water_body.into(),
        reach,
        starts_on: start,
        ends_on: None,
        note: None,
        origin: Origin::default(),
    };
    let chief = |code: String, level: ChiefLevel, region: &str| ChiefRow {
        name: format!("测试河长{code}（演示）"),
        code,
        level,
        position: None,
        phone: None,
        email: None,
        region: Some(region.to_string()),
        retired: false,
        origin: Origin::default(),
    };
    for s in r.sections.iter_mut() {
        let reach = format!("{}-R", s.code);
        r.reaches.push(ReachRow {
            code: reach.clone(),
            name: format!("{}河段", s.name),
            water_body: s.water_body.clone(),
            region: s.region.clone(),
            description: None,
            retired: false,
            origin: Origin::default(),
        });
        s.reach = Some(reach.clone());
        for (prefix, level) in [("V", ChiefLevel::Village), ("T", ChiefLevel::Town)] {
            let code = format!("{prefix}{}", s.code);
            r.chiefs.push(chief(code.clone(), level, &s.region));
            r.appointments.push(appoint(&code, &s.water_body, Some(reach.clone())));
        }
    }
    let waters: Vec<(String, String)> = r
        .sections
        .iter()
        .map(|s| (s.water_body.clone(), s.region.clone()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    for (water, region) in waters {
        for (prefix, level) in [("D", ChiefLevel::District), ("C", ChiefLevel::City), ("P", ChiefLevel::Province)] {
            let code = format!("{prefix}{water}");
            r.chiefs.push(chief(code.clone(), level, &region));
            r.appointments.push(appoint(&code, &water, None));
        }
    }
    r
}

fn region(code: String, name: String, level: RegionLevel, parent: Option<String>) -> RegionRow {
    RegionRow { code, name, level, parent, retired: false, origin: Origin::default() }
}

fn district(k: usize) -> String {
    // Province, city 01, district 01..: a district's adcode never ends in 00.
    format!("{:02}01{:02}", 11 + k / DISTRICTS_PER_PROVINCE, 1 + k % DISTRICTS_PER_PROVINCE)
}

/// A town's 12-digit statistical division code: its district's six digits, three of its own, three zeros.
fn town(t: usize) -> String {
    format!("{}{:03}000", district(t / TOWNS_PER_DISTRICT), 1 + t % TOWNS_PER_DISTRICT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_nation_has_the_shape_asked_for() {
        let d = dataset(45, 3, NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"), 7);
        assert_eq!(d.registry.sections.len(), 45);
        assert_eq!(d.readings.len(), 45 * 3 * 21, "21 evaluated items a month");
        assert_eq!(d.registry.regions.iter().filter(|r| r.level == RegionLevel::Town).count(), 5);
        assert!(d.registry.water_bodies.iter().any(|w| w.kind == WaterBodyKind::Lake));
        let codes: std::collections::HashSet<&str> = d.registry.regions.iter().map(|r| r.code.as_str()).collect();
        assert!(
            d.registry.regions.iter().filter_map(|r| r.parent.as_deref()).all(|p| codes.contains(p)),
            "parents exist"
        );
    }
}
