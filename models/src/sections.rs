//! Monitoring sections: lookup by code, and the overview of every section with its latest class.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func, Query},
};

use crate::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use crate::domain::reading::QualityFlag;
use crate::entities::{readings, regions, sections, water_bodies};

/// A section with what judging a reading needs to know about it.
#[derive(Debug, Clone)]
pub struct SectionContext {
    pub section: sections::Model,
    pub water_body: water_bodies::Model,
}

impl SectionContext {
    pub fn kind(&self) -> WaterBodyKind {
        self.water_body.kind
    }

    pub fn target(&self) -> WaterClass {
        self.section.target_class
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
    Ok(with_water_bodies(db, rows)
        .await?
        .into_iter()
        .map(|(section, water_body)| (code_key(&section.code), SectionContext { section, water_body }))
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

#[derive(Debug, FromQueryResult)]
struct LatestRow {
    section_id: i32,
    parameter: Parameter,
    class: WaterClass,
    sampled_at: DateTime<Utc>,
}

/// Every section, ordered by code, with its water body, region and latest class.
pub async fn list_overview(db: &impl ConnectionTrait) -> Result<Vec<SectionOverview>, DbErr> {
    let rows = sections::Entity::find().order_by_asc(sections::Column::Code).all(db).await?;
    let rows = with_water_bodies(db, rows).await?;
    let regions: HashMap<i32, regions::Model> =
        regions::Entity::find().all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut latest = latest_classified_readings(db).await?;

    Ok(rows
        .into_iter()
        .map(|(section, water_body)| {
            let latest = latest.remove(&section.id).and_then(|rows| latest_class(&rows, water_body.kind));
            SectionOverview { region: regions.get(&section.region_id).cloned(), section, water_body, latest }
        })
        .collect())
}

/// The classified, normal-flagged readings at each section's latest sampling instant, by section id.
async fn latest_classified_readings(db: &impl ConnectionTrait) -> Result<HashMap<i32, Vec<LatestRow>>, DbErr> {
    use readings::Column as R;
    // SELECT section_id, MAX(sampled_at) FROM readings WHERE class IS NOT NULL AND quality_flag = 'N' GROUP BY section_id
    let newest = Query::select()
        .column(R::SectionId)
        .expr_as(Func::max(Expr::col(R::SampledAt)), "newest")
        .from(readings::Entity)
        .and_where(Expr::col(R::Class).is_not_null())
        .and_where(Expr::col(R::QualityFlag).eq(QualityFlag::Normal))
        .group_by_col(R::SectionId)
        .to_owned();
    let query = Query::select()
        .columns([
            (readings::Entity, R::SectionId),
            (readings::Entity, R::Parameter),
            (readings::Entity, R::Class),
            (readings::Entity, R::SampledAt),
        ])
        .from(readings::Entity)
        .join_subquery(
            JoinType::InnerJoin,
            newest,
            "n",
            Expr::col(("n", R::SectionId))
                .equals((readings::Entity, R::SectionId))
                .and(Expr::col(("n", "newest")).equals((readings::Entity, R::SampledAt))),
        )
        .and_where(Expr::col((readings::Entity, R::Class)).is_not_null())
        .and_where(Expr::col((readings::Entity, R::QualityFlag)).eq(QualityFlag::Normal))
        .to_owned();
    let backend = db.get_database_backend();
    let rows = LatestRow::find_by_statement(backend.build(&query)).all(db).await?;
    let mut by_section: HashMap<i32, Vec<LatestRow>> = HashMap::new();
    for row in rows {
        by_section.entry(row.section_id).or_default().push(row);
    }
    Ok(by_section)
}

fn latest_class(rows: &[LatestRow], kind: WaterBodyKind) -> Option<LatestClass> {
    let evaluated: Vec<(Parameter, WaterClass)> =
        rows.iter().map(|r| (r.parameter, r.class)).filter(|(p, _)| p.is_evaluated(kind)).collect();
    let class = evaluated.iter().map(|(_, c)| *c).max()?;
    let mut worst_items: Vec<Parameter> = evaluated.iter().filter(|(_, c)| *c == class).map(|(p, _)| *p).collect();
    worst_items.sort();
    Some(LatestClass { sampled_at: rows.first()?.sampled_at, class, worst_items })
}
