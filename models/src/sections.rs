//! Monitoring sections: lookup by code, and the overview of every section with its latest class.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func, Query},
};

use crate::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use crate::entities::{readings, regions, sections, water_bodies};

/// A section with what judging a reading needs to know about it.
#[derive(Debug, Clone)]
pub struct SectionContext {
    pub section: sections::Model,
    pub water_body: water_bodies::Model,
}

impl SectionContext {
    pub fn kind(&self) -> WaterBodyKind {
        WaterBodyKind::parse(&self.water_body.kind).unwrap_or(WaterBodyKind::River)
    }

    pub fn target(&self) -> WaterClass {
        WaterClass::from_rank(self.section.target_class).unwrap_or(WaterClass::III)
    }
}

/// The sections with these codes, keyed by code. Codes not found are simply absent.
pub async fn find_by_codes(
    db: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = &str>,
) -> Result<HashMap<String, SectionContext>, DbErr> {
    let codes: Vec<String> = codes.into_iter().map(str::to_string).collect();
    let rows = sections::Entity::find()
        .filter(sections::Column::Code.is_in(codes))
        .find_also_related(water_bodies::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(section, water_body)| {
            Some((section.code.clone(), SectionContext { section, water_body: water_body? }))
        })
        .collect())
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<SectionContext>, DbErr> {
    Ok(find_by_codes(db, [code]).await?.remove(code))
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
    parameter: String,
    class: i16,
    sampled_at: DateTime<Utc>,
}

/// Every section, ordered by code, with its water body, region and latest class.
pub async fn list_overview(db: &impl ConnectionTrait) -> Result<Vec<SectionOverview>, DbErr> {
    let rows = sections::Entity::find()
        .order_by_asc(sections::Column::Code)
        .find_also_related(water_bodies::Entity)
        .all(db)
        .await?;
    let regions: HashMap<i32, regions::Model> =
        regions::Entity::find().all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut latest = latest_classified_readings(db).await?;

    Ok(rows
        .into_iter()
        .filter_map(|(section, water_body)| {
            let water_body = water_body?;
            let kind = WaterBodyKind::parse(&water_body.kind).unwrap_or(WaterBodyKind::River);
            let latest = latest.remove(&section.id).and_then(|rows| latest_class(&rows, kind));
            Some(SectionOverview { region: regions.get(&section.region_id).cloned(), section, water_body, latest })
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
        .and_where(Expr::col(R::QualityFlag).eq("N"))
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
        .and_where(Expr::col((readings::Entity, R::QualityFlag)).eq("N"))
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
    let evaluated: Vec<(Parameter, WaterClass)> = rows
        .iter()
        .filter_map(|r| Some((Parameter::parse(&r.parameter)?, WaterClass::from_rank(r.class)?)))
        .filter(|(p, _)| p.is_evaluated(kind))
        .collect();
    let class = evaluated.iter().map(|(_, c)| *c).max()?;
    let mut worst_items: Vec<Parameter> = evaluated.iter().filter(|(_, c)| *c == class).map(|(p, _)| *p).collect();
    worst_items.sort();
    Some(LatestClass { sampled_at: rows.first()?.sampled_at, class, worst_items })
}
