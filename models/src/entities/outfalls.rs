use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outfalls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub enterprise_id: i32,
    pub code: String,
    pub name: String,
    pub receiving_water_body_id: Option<i32>,
    /// e.g. `gb8978:1`, `gb18918:1A`; `None`: chosen from the receiving water's class.
    pub discharge_standard: Option<String>,
    pub station_mn: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::enterprises::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprises::Column::Id"
    )]
    Enterprise,
}

impl Related<super::enterprises::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
