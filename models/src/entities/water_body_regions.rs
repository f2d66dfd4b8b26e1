use sea_orm::entity::prelude::*;

/// A region a water body crosses.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "water_body_regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub water_body_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
