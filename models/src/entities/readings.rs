use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "readings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub section_id: i32,
    /// Parameter key, e.g. `nh3n`.
    pub parameter: String,
    pub sampled_at: DateTimeUtc,
    /// In the standard's unit. Below detection: the detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    /// api | csv | hj212 | lab | seed
    pub source: String,
    /// HJ 212 data flag; only `N` is evaluated.
    pub quality_flag: String,
    /// GB 3838 single-factor class rank, when the item has classes.
    pub class: Option<i16>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::sections::Entity", from = "Column::SectionId", to = "super::sections::Column::Id")]
    Section,
}

impl ActiveModelBehavior for ActiveModel {}
