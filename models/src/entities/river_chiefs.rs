use sea_orm::entity::prelude::*;

use crate::domain::ChiefLevel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "river_chiefs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The bureau's number for the chief (河长编号).
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub level: ChiefLevel,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub region_id: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub retired_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
