use sea_orm::entity::prelude::*;

/// A reach (河段): the stretch of a water body within one region, the unit a chief is appointed to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reaches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub water_body_id: i32,
    pub region_id: i32,
    pub description: Option<String>,
    pub retired_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
