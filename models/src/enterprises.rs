//! Reading enterprises with their outfalls and self-checks, limited to what a caller may see.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{enterprises, outfalls, regions, self_checks, water_bodies};

/// Which enterprises a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    /// One enterprise (an enterprise user's own).
    Only(i32),
    /// Enterprises with an outfall into one of these water bodies (a river chief's waters).
    DischargingInto(Vec<i32>),
}

#[derive(Debug, Clone)]
pub struct EnterpriseSummary {
    pub enterprise: enterprises::Model,
    pub region: Option<regions::Model>,
    pub outfalls: Vec<(outfalls::Model, Option<water_bodies::Model>)>,
}

#[derive(Debug, Clone)]
pub struct EnterpriseDetail {
    pub summary: EnterpriseSummary,
    /// The most recent self-checks, newest first, with their outfall's id.
    pub self_checks: Vec<self_checks::Model>,
}

/// Enterprise ids visible under `visible`, or `None` for all.
async fn visible_ids(db: &impl ConnectionTrait, visible: &Visible) -> Result<Option<Vec<i32>>, DbErr> {
    Ok(match visible {
        Visible::All => None,
        Visible::Only(id) => Some(vec![*id]),
        Visible::DischargingInto(water_bodies) => Some(
            outfalls::Entity::find()
                .select_only()
                .column(outfalls::Column::EnterpriseId)
                .filter(outfalls::Column::ReceivingWaterBodyId.is_in(water_bodies.iter().copied()))
                .distinct()
                .into_tuple::<i32>()
                .all(db)
                .await?,
        ),
    })
}

async fn summaries(db: &impl ConnectionTrait, list: Vec<enterprises::Model>) -> Result<Vec<EnterpriseSummary>, DbErr> {
    let ids: Vec<i32> = list.iter().map(|e| e.id).collect();
    let outfalls = outfalls_of(db, ids).await?;
    let regions: HashMap<i32, regions::Model> =
        regions::Entity::find().all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut by_enterprise: HashMap<i32, Vec<(outfalls::Model, Option<water_bodies::Model>)>> = HashMap::new();
    for (o, w) in outfalls {
        by_enterprise.entry(o.enterprise_id).or_default().push((o, w));
    }
    Ok(list
        .into_iter()
        .map(|enterprise| EnterpriseSummary {
            region: enterprise.region_id.and_then(|r| regions.get(&r).cloned()),
            outfalls: by_enterprise.remove(&enterprise.id).unwrap_or_default(),
            enterprise,
        })
        .collect())
}

/// Enterprises the caller may see, by name.
pub async fn list(db: &impl ConnectionTrait, visible: &Visible) -> Result<Vec<EnterpriseSummary>, DbErr> {
    let mut query = enterprises::Entity::find().order_by_asc(enterprises::Column::Name);
    if let Some(ids) = visible_ids(db, visible).await? {
        query = query.filter(enterprises::Column::Id.is_in(ids));
    }
    summaries(db, query.all(db).await?).await
}

/// One enterprise by credit code, with its outfalls and latest self-checks; `None` when there is no such
/// enterprise or the caller may not see it (the two are not told apart).
pub async fn detail(
    db: &impl ConnectionTrait,
    credit_code: &str,
    visible: &Visible,
    self_check_limit: u64,
) -> Result<Option<EnterpriseDetail>, DbErr> {
    let Some(enterprise) =
        enterprises::Entity::find().filter(enterprises::Column::CreditCode.eq(credit_code)).one(db).await?
    else {
        return Ok(None);
    };
    if let Some(ids) = visible_ids(db, visible).await?
        && !ids.contains(&enterprise.id)
    {
        return Ok(None);
    }
    let summary = summaries(db, vec![enterprise]).await?.into_iter().next();
    let Some(summary) = summary else { return Ok(None) };
    let outfall_ids: Vec<i32> = summary.outfalls.iter().map(|(o, _)| o.id).collect();
    let self_checks = self_checks::Entity::find()
        .filter(self_checks::Column::OutfallId.is_in(outfall_ids))
        .order_by_desc(self_checks::Column::SampledAt)
        .limit(self_check_limit)
        .all(db)
        .await?;
    Ok(Some(EnterpriseDetail { summary, self_checks }))
}

pub async fn find_by_credit_code(
    db: &impl ConnectionTrait,
    credit_code: &str,
) -> Result<Option<enterprises::Model>, DbErr> {
    enterprises::Entity::find().filter(enterprises::Column::CreditCode.eq(credit_code)).one(db).await
}

/// An outfall by its enterprise's credit code and its own code (`91360104…/DW001`).
pub async fn find_outfall(
    db: &impl ConnectionTrait,
    credit_code: &str,
    outfall_code: &str,
) -> Result<Option<outfalls::Model>, DbErr> {
    let Some(enterprise) = find_by_credit_code(db, credit_code).await? else { return Ok(None) };
    outfalls::Entity::find()
        .filter(outfalls::Column::EnterpriseId.eq(enterprise.id))
        .filter(outfalls::Column::Code.eq(outfall_code))
        .one(db)
        .await
}

/// Outfalls named as `CREDIT_CODE/OUTFALL_CODE`, by outfall id.
pub async fn outfall_paths(db: &impl ConnectionTrait, ids: Vec<i32>) -> Result<HashMap<i32, String>, DbErr> {
    let outfalls = outfalls::Entity::find().filter(outfalls::Column::Id.is_in(ids)).all(db).await?;
    let owners: HashMap<i32, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(outfalls.iter().map(|o| o.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.credit_code))
        .collect();
    Ok(outfalls
        .into_iter()
        .map(|o| (o.id, format!("{}/{}", owners.get(&o.enterprise_id).map_or("?", String::as_str), o.code)))
        .collect())
}

/// The outfalls of these enterprises with their receiving water bodies (two queries).
async fn outfalls_of(
    db: &impl ConnectionTrait,
    enterprise_ids: Vec<i32>,
) -> Result<Vec<(outfalls::Model, Option<water_bodies::Model>)>, DbErr> {
    let outfalls = outfalls::Entity::find()
        .filter(outfalls::Column::EnterpriseId.is_in(enterprise_ids))
        .order_by_asc(outfalls::Column::Code)
        .all(db)
        .await?;
    let ids: Vec<i32> = outfalls.iter().filter_map(|o| o.receiving_water_body_id).collect();
    let bodies: HashMap<i32, water_bodies::Model> = water_bodies::Entity::find()
        .filter(water_bodies::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    Ok(outfalls
        .into_iter()
        .map(|o| {
            let w = o.receiving_water_body_id.and_then(|id| bodies.get(&id).cloned());
            (o, w)
        })
        .collect())
}
