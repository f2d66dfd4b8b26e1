//! Monitoring sections: lookup by code, and the overview of every section with its latest class.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use crate::entities::{regions, section_latest, section_targets, sections, water_bodies};

/// A section with what judging a reading needs to know about it.
#[derive(Debug, Clone)]
pub struct SectionContext {
    pub section: sections::Model,
    pub water_body: water_bodies::Model,
    /// Targets set for particular years.
    pub yearly_targets: std::collections::BTreeMap<i32, WaterClass>,
}

impl SectionContext {
    pub fn kind(&self) -> WaterBodyKind {
        self.water_body.kind
    }

    /// The standing target.
    pub fn target(&self) -> WaterClass {
        self.section.target_class
    }

    /// The target in force when a sample was taken: its year's (China Standard Time), else the standing one.
    pub fn target_at(&self, at: DateTime<Utc>) -> WaterClass {
        let year = at.with_timezone(&chrono_tz::Asia::Shanghai).year();
        self.yearly_targets.get(&year).copied().unwrap_or(self.section.target_class)
    }
}

/// How a section code given by a caller is matched: surrounding whitespace and ASCII case are ignored,
/// as for every code (see `domain::Code::parse`).
pub fn code_key(code: &str) -> String {
    code.trim().to_ascii_lowercase()
}

/// The sections with these codes, keyed by [`code_key`]. Codes not found are simply absent.
pub async fn find_by_codes(
    db: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = &str>,
) -> Result<HashMap<String, SectionContext>, DbErr> {
    let mut keys: Vec<String> = codes.into_iter().map(code_key).collect();
    keys.sort_unstable();
    keys.dedup();
    let rows = sections::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col((sections::Entity, sections::Column::Code)))).is_in(keys))
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|s| s.id).collect();
    let mut targets: HashMap<i32, std::collections::BTreeMap<i32, WaterClass>> = HashMap::new();
    for t in section_targets::Entity::find().filter(section_targets::Column::SectionId.is_in(ids)).all(db).await? {
        targets.entry(t.section_id).or_default().insert(t.year, t.target_class);
    }
    Ok(with_water_bodies(db, rows)
        .await?
        .into_iter()
        .map(|(section, water_body)| {
            let yearly_targets = targets.remove(&section.id).unwrap_or_default();
            (code_key(&section.code), SectionContext { section, water_body, yearly_targets })
        })
        .collect())
}

/// Pairs each section with its water body, in a second query. A water body that cannot be read is an
/// error, never a section quietly left out: sea-orm's `find_also_related` reads a related row that fails to
/// decode as no related row at all.
pub(crate) async fn with_water_bodies(
    db: &impl ConnectionTrait,
    sections: Vec<sections::Model>,
) -> Result<Vec<(sections::Model, water_bodies::Model)>, DbErr> {
    let mut ids: Vec<i32> = sections.iter().map(|s| s.water_body_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let bodies: HashMap<i32, water_bodies::Model> = water_bodies::Entity::find()
        .filter(water_bodies::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    sections
        .into_iter()
        .map(|s| match bodies.get(&s.water_body_id) {
            Some(w) => Ok((s, w.clone())),
            None => Err(DbErr::RecordNotFound(format!("water body {} of section {}", s.water_body_id, s.code))),
        })
        .collect()
}

/// The sections whose ids lie in `ids`, with their water bodies and yearly targets, in id order: a page of
/// what a job judges.
pub async fn contexts_in(
    db: &impl ConnectionTrait,
    ids: std::ops::RangeInclusive<i32>,
) -> Result<Vec<SectionContext>, DbErr> {
    let rows = sections::Entity::find()
        .filter(sections::Column::Id.between(*ids.start(), *ids.end()))
        .order_by_asc(sections::Column::Id)
        .all(db)
        .await?;
    let mut targets: HashMap<i32, std::collections::BTreeMap<i32, WaterClass>> = HashMap::new();
    for t in section_targets::Entity::find()
        .filter(section_targets::Column::SectionId.between(*ids.start(), *ids.end()))
        .all(db)
        .await?
    {
        targets.entry(t.section_id).or_default().insert(t.year, t.target_class);
    }
    Ok(with_water_bodies(db, rows)
        .await?
        .into_iter()
        .map(|(section, water_body)| {
            let yearly_targets = targets.remove(&section.id).unwrap_or_default();
            SectionContext { section, water_body, yearly_targets }
        })
        .collect())
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<SectionContext>, DbErr> {
    Ok(find_by_codes(db, [code]).await?.remove(&code_key(code)))
}

/// The class of a section's most recent sample: the worst evaluated item sampled at its latest instant.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestClass {
    pub sampled_at: DateTime<Utc>,
    pub class: WaterClass,
    /// Items in the worst class, in the standard's order.
    pub worst_items: Vec<Parameter>,
}

#[derive(Debug, Clone)]
pub struct SectionOverview {
    pub section: sections::Model,
    pub water_body: water_bodies::Model,
    pub region: Option<regions::Model>,
    pub latest: Option<LatestClass>,
}

/// Every section, ordered by code, with its water body, region and latest class. Reads the registry and
/// each section's stored latest sample, never the readings: the same few milliseconds at any size.
pub async fn list_overview(db: &impl ConnectionTrait) -> Result<Vec<SectionOverview>, DbErr> {
    let rows = sections::Entity::find().order_by_asc(sections::Column::Code).all(db).await?;
    let rows = with_water_bodies(db, rows).await?;
    let regions: HashMap<i32, regions::Model> =
        regions::Entity::find().all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut latest: HashMap<i32, section_latest::Model> =
        section_latest::Entity::find().all(db).await?.into_iter().map(|l| (l.section_id, l)).collect();
    Ok(rows
        .into_iter()
        .map(|(section, water_body)| {
            let latest = latest.remove(&section.id).map(|l| LatestClass {
                sampled_at: l.sampled_at,
                class: l.class,
                worst_items: l.worst_items.0,
            });
            SectionOverview { region: regions.get(&section.region_id).cloned(), section, water_body, latest }
        })
        .collect())
}
