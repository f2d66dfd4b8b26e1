use sea_orm::entity::prelude::*;

use crate::domain::ControlLevel;
use crate::domain::gb3838::WaterClass;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub water_body_id: i32,
    pub region_id: i32,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub control_level: ControlLevel,
    pub target_class: WaterClass,
    pub station_mn: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The reach (河段) the section lies on, whose chiefs answer for it.
    pub reach_id: Option<i32>,
    pub active_from: Option<Date>,
    /// Retired from the day after; `active` is false once this is set.
    pub active_to: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::water_bodies::Entity",
        from = "Column::WaterBodyId",
        to = "super::water_bodies::Column::Id"
    )]
    WaterBody,
    #[sea_orm(belongs_to = "super::regions::Entity", from = "Column::RegionId", to = "super::regions::Column::Id")]
    Region,
}

impl Related<super::water_bodies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WaterBody.def()
    }
}

impl Related<super::regions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
