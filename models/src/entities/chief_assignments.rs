use sea_orm::entity::prelude::*;

/// A chief answers for a whole water body, or for one section of it when `section_id` is set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chief_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub chief_id: i32,
    pub water_body_id: i32,
    pub section_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::river_chiefs::Entity",
        from = "Column::ChiefId",
        to = "super::river_chiefs::Column::Id"
    )]
    Chief,
}

impl Related<super::river_chiefs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Chief.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
