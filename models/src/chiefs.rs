//! River chiefs and the chain answerable for a section.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::ChiefLevel;
use crate::entities::{chief_assignments, river_chiefs, sections};

/// The active chiefs answerable for `section`, lowest level first (village, town, district, …): those
/// assigned to the section itself and those assigned to its whole water body.
pub async fn chain_for_section(
    db: &impl ConnectionTrait,
    section: &sections::Model,
) -> Result<Vec<river_chiefs::Model>, DbErr> {
    let assignments = chief_assignments::Entity::find()
        .filter(
            Condition::any().add(chief_assignments::Column::SectionId.eq(section.id)).add(
                Condition::all()
                    .add(chief_assignments::Column::WaterBodyId.eq(section.water_body_id))
                    .add(chief_assignments::Column::SectionId.is_null()),
            ),
        )
        .all(db)
        .await?;
    let ids: Vec<i32> = assignments.iter().map(|a| a.chief_id).collect();
    let mut chiefs = river_chiefs::Entity::find()
        .filter(river_chiefs::Column::Id.is_in(ids))
        .filter(river_chiefs::Column::Active.eq(true))
        .all(db)
        .await?;
    // Unknown levels sort last; ties by id so the order is stable.
    chiefs.sort_by_key(|c| (ChiefLevel::parse(&c.level).map_or(u8::MAX, |l| l as u8), c.id));
    Ok(chiefs)
}
