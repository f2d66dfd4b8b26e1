use sea_orm::entity::prelude::*;

use crate::domain::gb3838::WaterClass;
use crate::domain::reading::{QcFlag, QualityFlag, ReadingSource};

/// A value a reading held before a later one replaced it: never deleted, shown in the reading's history.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reading_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reading_id: i64,
    /// The revision number the value had while it was current (1 = first stored).
    pub revision: i32,
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub source: ReadingSource,
    pub quality_flag: QualityFlag,
    pub qc: Option<QcFlag>,
    pub class: Option<WaterClass>,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
    pub received_at: DateTimeUtc,
    pub superseded_at: DateTimeUtc,
    /// Who sent the value that replaced it (an actor label, as in the audit log).
    pub superseded_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
