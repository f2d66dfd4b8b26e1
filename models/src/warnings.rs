//! Stored warnings: at most one current warning per subject (its dedup key), raised, updated and lifted by
//! the warning jobs, and read by the API. A lifted warning stays as history; a new one for the same subject
//! is a new row.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::gb3838::Parameter;
use crate::domain::warning::{WarningGrade, WarningKind};
use crate::entities::{regions, sections, warnings};

/// A warning as a job judges it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Raise {
    /// The subject; see [`quality_key`], [`yangtze_section_key`], [`yangtze_region_key`], [`silent_key`].
    pub key: String,
    pub kind: WarningKind,
    pub level: WarningGrade,
    pub section_id: Option<i32>,
    pub region_id: Option<i32>,
    pub device_id: Option<i32>,
    pub parameter: Option<Parameter>,
    pub period: Option<String>,
    /// The reasons with the numbers behind them (a JSON array).
    pub reasons: serde_json::Value,
    pub summary: String,
}

pub fn quality_key(section_id: i32, parameter: Parameter) -> String {
    format!("quality:section:{section_id}:{}", parameter.key())
}

pub fn yangtze_section_key(section_id: i32) -> String {
    format!("yangtze:section:{section_id}")
}

pub fn yangtze_region_key(region_id: i32) -> String {
    format!("yangtze:region:{region_id}")
}

pub fn silent_key(device_id: i32) -> String {
    format!("silent:device:{device_id}")
}

/// What raising did to the subject's current warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// There was none: a new warning.
    Raised,
    /// The current one is now at a graver level.
    Graver,
    /// The current one is now at a milder level (still current).
    Milder,
    /// Same level; its reasons and summary were refreshed.
    Same,
}

/// The current warning of a subject, if any.
pub async fn current(db: &impl ConnectionTrait, key: &str) -> Result<Option<warnings::Model>, DbErr> {
    warnings::Entity::find()
        .filter(warnings::Column::DedupKey.eq(key))
        .filter(warnings::Column::LiftedAt.is_null())
        .one(db)
        .await
}

/// Raises `r` or updates the subject's current warning to it.
pub async fn raise(
    db: &impl ConnectionTrait,
    r: Raise,
    now: DateTime<Utc>,
) -> Result<(warnings::Model, Change), DbErr> {
    let reasons = r.reasons.to_string();
    match current(db, &r.key).await? {
        Some(existing) => {
            let change = match r.level.cmp(&existing.level) {
                std::cmp::Ordering::Greater => Change::Graver,
                std::cmp::Ordering::Less => Change::Milder,
                std::cmp::Ordering::Equal => Change::Same,
            };
            if change == Change::Same
                && existing.reasons == reasons
                && existing.summary == r.summary
                && existing.period == r.period
            {
                return Ok((existing, change));
            }
            let mut active = existing.into_active_model();
            active.level = Set(r.level);
            active.reasons = Set(reasons);
            active.summary = Set(r.summary);
            active.period = Set(r.period);
            active.updated_at = Set(now);
            Ok((active.update(db).await?, change))
        }
        None => {
            let model = warnings::ActiveModel {
                dedup_key: Set(r.key),
                kind: Set(r.kind),
                level: Set(r.level),
                section_id: Set(r.section_id),
                region_id: Set(r.region_id),
                device_id: Set(r.device_id),
                parameter: Set(r.parameter),
                period: Set(r.period),
                reasons: Set(reasons),
                summary: Set(r.summary),
                raised_at: Set(now),
                updated_at: Set(now),
                lifted_at: Set(None),
                alert_id: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok((model, Change::Raised))
        }
    }
}

/// Links a warning to the alert it opened or updated.
pub async fn set_alert(db: &impl ConnectionTrait, warning_id: i32, alert_id: i32) -> Result<(), DbErr> {
    warnings::Entity::update_many()
        .col_expr(warnings::Column::AlertId, Expr::value(alert_id))
        .filter(warnings::Column::Id.eq(warning_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Lifts every current warning of `kind` whose subject is not in `still`: the rule no longer holds for it.
/// Returns the warnings lifted. Reads only the current warnings of the kind (their keys), never history.
pub async fn lift_all_but(
    db: &impl ConnectionTrait,
    kind: WarningKind,
    still: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<Vec<warnings::Model>, DbErr> {
    let current = warnings::Entity::find()
        .filter(warnings::Column::Kind.eq(kind))
        .filter(warnings::Column::LiftedAt.is_null())
        .all(db)
        .await?;
    let lifted: Vec<warnings::Model> = current.into_iter().filter(|w| !still.contains(&w.dedup_key)).collect();
    for ids in lifted.chunks(500) {
        warnings::Entity::update_many()
            .col_expr(warnings::Column::LiftedAt, Expr::value(now))
            .col_expr(warnings::Column::UpdatedAt, Expr::value(now))
            .filter(warnings::Column::Id.is_in(ids.iter().map(|w| w.id)))
            .exec(db)
            .await?;
    }
    Ok(lifted.into_iter().map(|w| warnings::Model { lifted_at: Some(now), updated_at: now, ..w }).collect())
}

/// Which warnings a reader asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub level: Option<WarningGrade>,
    pub kind: Option<WarningKind>,
    /// A region (a town, usually): warnings of its sections and of it, its sub-regions included.
    pub region_id: Option<i32>,
    pub section_id: Option<i32>,
    /// Lifted ones too (history), newest first.
    pub include_lifted: bool,
}

/// Region `id` and every region under it. The registry's regions are few (thousands at a nation's
/// size), so they are walked in memory.
async fn region_and_below(db: &impl ConnectionTrait, id: i32) -> Result<Vec<i32>, DbErr> {
    let all: Vec<(i32, Option<i32>)> = regions::Entity::find()
        .select_only()
        .column(regions::Column::Id)
        .column(regions::Column::ParentId)
        .into_tuple()
        .all(db)
        .await?;
    let mut found = vec![id];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|(_, p)| *p == Some(parent)).map(|(c, _)| *c));
        i += 1;
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

async fn condition(db: &impl ConnectionTrait, filter: &Filter, with_level: bool) -> Result<Condition, DbErr> {
    let mut cond = Condition::all();
    if !filter.include_lifted {
        cond = cond.add(warnings::Column::LiftedAt.is_null());
    }
    if let Some(kind) = filter.kind {
        cond = cond.add(warnings::Column::Kind.eq(kind));
    }
    if with_level && let Some(level) = filter.level {
        cond = cond.add(warnings::Column::Level.eq(level));
    }
    if let Some(section) = filter.section_id {
        cond = cond.add(warnings::Column::SectionId.eq(section));
    }
    if let Some(region) = filter.region_id {
        let regions = region_and_below(db, region).await?;
        let sections_in = Query::select()
            .column(sections::Column::Id)
            .from(sections::Entity)
            .and_where(sections::Column::RegionId.is_in(regions.clone()))
            .to_owned();
        cond = cond.add(
            Condition::any()
                .add(warnings::Column::SectionId.in_subquery(sections_in))
                .add(warnings::Column::RegionId.is_in(regions)),
        );
    }
    Ok(cond)
}

/// A page of warnings matching `filter`, newest first, after the warning `after` (a cursor).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    after: Option<i32>,
    limit: u64,
) -> Result<Vec<warnings::Model>, DbErr> {
    let mut query =
        warnings::Entity::find().filter(condition(db, filter, true).await?).order_by_desc(warnings::Column::Id);
    if let Some(after) = after {
        query = query.filter(warnings::Column::Id.lt(after));
    }
    query.limit(limit).all(db).await
}

/// How many warnings match `filter` at each level (the level filter itself left out), counted in the
/// database.
pub async fn counts_by_level(db: &impl ConnectionTrait, filter: &Filter) -> Result<BTreeMap<WarningGrade, u64>, DbErr> {
    let rows: Vec<(WarningGrade, i64)> = warnings::Entity::find()
        .select_only()
        .column(warnings::Column::Level)
        .column_as(warnings::Column::Id.count(), "n")
        .filter(condition(db, filter, false).await?)
        .group_by(warnings::Column::Level)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(level, n)| (level, u64::try_from(n).unwrap_or(0))).collect())
}
