//! River chiefs and the chain answerable for a section.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

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
    // Lowest level first; ties by id so the order is stable.
    chiefs.sort_by_key(|c| (c.level, c.id));
    Ok(chiefs)
}

/// What a river chief answers for: whole water bodies, and the sections in their chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Water bodies the chief is assigned to, wholly or through one of their sections.
    pub water_body_ids: Vec<i32>,
    /// Every section whose chain includes the chief.
    pub section_ids: Vec<i32>,
}

pub async fn reach(db: &impl ConnectionTrait, chief_id: i32) -> Result<Reach, DbErr> {
    let assignments =
        chief_assignments::Entity::find().filter(chief_assignments::Column::ChiefId.eq(chief_id)).all(db).await?;
    let whole: Vec<i32> = assignments.iter().filter(|a| a.section_id.is_none()).map(|a| a.water_body_id).collect();
    let mut section_ids: Vec<i32> = assignments.iter().filter_map(|a| a.section_id).collect();
    if !whole.is_empty() {
        let in_whole: Vec<i32> = sections::Entity::find()
            .filter(sections::Column::WaterBodyId.is_in(whole.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        section_ids.extend(in_whole);
    }
    section_ids.sort_unstable();
    section_ids.dedup();
    let mut water_body_ids: Vec<i32> = assignments.iter().map(|a| a.water_body_id).collect();
    water_body_ids.sort_unstable();
    water_body_ids.dedup();
    Ok(Reach { water_body_ids, section_ids })
}
