use sea_orm::entity::prelude::*;

use crate::domain::ChiefLevel;

/// A chief appointed to a reach, or to a whole water body when `reach_id` is `None`, for a term.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub chief_id: i32,
    pub water_body_id: i32,
    pub reach_id: Option<i32>,
    /// The chief's level when appointed: one chief per reach (or water body) and level at a time.
    pub level: ChiefLevel,
    pub starts_on: Date,
    /// Last day of the term; `None` until someone takes over.
    pub ends_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
