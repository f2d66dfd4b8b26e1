use sea_orm::entity::prelude::*;

use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::reading::{DataKind, QcFlag, QualityFlag, ReadingSource};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "readings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTimeUtc,
    /// In the standard's unit. Below detection: the detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub source: ReadingSource,
    /// HJ 212 data flag; only `N` is evaluated.
    pub quality_flag: QualityFlag,
    /// GB 3838 single-factor class rank, when the item has classes.
    pub class: Option<WaterClass>,
    pub received_at: DateTimeUtc,
    pub data_kind: DataKind,
    /// 1 for the first value stored; each revision adds one (the earlier values are in `reading_revisions`).
    pub revision: i32,
    /// Set aside by a quality rule (or an administrator): stored and shown, never evaluated.
    pub qc: Option<QcFlag>,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::sections::Entity", from = "Column::SectionId", to = "super::sections::Column::Id")]
    Section,
}

impl ActiveModelBehavior for ActiveModel {}
