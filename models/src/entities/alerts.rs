use sea_orm::entity::prelude::*;

use crate::domain::alert::{AlertKind, AlertStatus};
use crate::domain::gb3838::{Parameter, WaterClass};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub section_id: i32,
    pub parameter: Parameter,
    pub kind: AlertKind,
    pub status: AlertStatus,
    pub escalation_level: i16,
    pub target_class: WaterClass,
    pub first_reading_id: Option<i64>,
    pub last_reading_id: Option<i64>,
    pub last_sampled_at: DateTimeUtc,
    pub last_value: f64,
    pub last_class: WaterClass,
    pub worst_value: f64,
    pub worst_class: WaterClass,
    pub reading_count: i32,
    pub opened_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::sections::Entity", from = "Column::SectionId", to = "super::sections::Column::Id")]
    Section,
}

impl Related<super::sections::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
