use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub name: String,
    pub region_id: Option<i32>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub is_key_unit: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::outfalls::Entity")]
    Outfalls,
}

impl Related<super::outfalls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Outfalls.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
