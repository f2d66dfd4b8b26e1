use sea_orm::entity::prelude::*;

use crate::domain::gb3838::WaterClass;

/// A section's target class for one year, overriding its standing target for that year.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "section_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub target_class: WaterClass,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
