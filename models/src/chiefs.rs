//! River chiefs and the chain answerable for a section: the chiefs whose appointment covers the section's
//! reach, or its whole water body, on a given day, lowest level first.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{appointments, river_chiefs, sections};

/// The day `now` falls on in China Standard Time: terms begin and end on Chinese dates.
pub fn china_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Shanghai).date_naive()
}

/// Appointments current on `day`: begun on or before it and not ended before it.
fn current_on(day: NaiveDate) -> Condition {
    Condition::all()
        .add(appointments::Column::StartsOn.lte(day))
        .add(Condition::any().add(appointments::Column::EndsOn.is_null()).add(appointments::Column::EndsOn.gte(day)))
}

/// Who is answerable for `section` on `day`: the active chiefs appointed to its reach or to its whole water
/// body, lowest level first (village, town, district, …). One query.
pub async fn chain_for_section(
    db: &impl ConnectionTrait,
    section: &sections::Model,
    day: NaiveDate,
) -> Result<Vec<river_chiefs::Model>, DbErr> {
    let mut covers = Condition::any().add(
        Condition::all()
            .add(appointments::Column::WaterBodyId.eq(section.water_body_id))
            .add(appointments::Column::ReachId.is_null()),
    );
    if let Some(reach) = section.reach_id {
        covers = covers.add(appointments::Column::ReachId.eq(reach));
    }
    let mut chiefs = river_chiefs::Entity::find()
        .filter(river_chiefs::Column::Active.eq(true))
        .filter(
            river_chiefs::Column::Id.in_subquery(
                Query::select()
                    .column(appointments::Column::ChiefId)
                    .from(appointments::Entity)
                    .cond_where(Condition::all().add(covers).add(current_on(day)))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?;
    // Lowest level first; ties by id so the order is stable.
    chiefs.sort_by_key(|c| (c.level, c.id));
    Ok(chiefs)
}

/// What a river chief answers for on a day: whole water bodies, and the sections in their chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Water bodies the chief is appointed to, wholly or through one of their reaches.
    pub water_body_ids: Vec<i32>,
    /// Every section whose chain includes the chief.
    pub section_ids: Vec<i32>,
}

pub async fn reach(db: &impl ConnectionTrait, chief_id: i32, day: NaiveDate) -> Result<Reach, DbErr> {
    let terms = appointments::Entity::find()
        .filter(appointments::Column::ChiefId.eq(chief_id))
        .filter(current_on(day))
        .all(db)
        .await?;
    let whole: BTreeSet<i32> = terms.iter().filter(|a| a.reach_id.is_none()).map(|a| a.water_body_id).collect();
    let reaches: BTreeSet<i32> = terms.iter().filter_map(|a| a.reach_id).collect();
    let mut section_ids = Vec::new();
    if !whole.is_empty() || !reaches.is_empty() {
        section_ids = sections::Entity::find()
            .select_only()
            .column(sections::Column::Id)
            .filter(
                Condition::any()
                    .add(sections::Column::WaterBodyId.is_in(whole.iter().copied()))
                    .add(sections::Column::ReachId.is_in(reaches.iter().copied())),
            )
            .into_tuple::<i32>()
            .all(db)
            .await?;
    }
    section_ids.sort_unstable();
    section_ids.dedup();
    let water_body_ids = terms.iter().map(|a| a.water_body_id).collect::<BTreeSet<_>>().into_iter().collect();
    Ok(Reach { water_body_ids, section_ids })
}
