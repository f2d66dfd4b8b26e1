use sea_orm::entity::prelude::*;

use crate::domain::gb3838::Parameter;
use crate::domain::warning::{WarningGrade, WarningKind};

/// A warning raised by one of the warning jobs; current until `lifted_at` (see `models::warnings`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "warnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The subject: at most one current warning has it.
    pub dedup_key: String,
    pub kind: WarningKind,
    pub level: WarningGrade,
    pub section_id: Option<i32>,
    pub region_id: Option<i32>,
    pub device_id: Option<i32>,
    pub parameter: Option<Parameter>,
    pub period: Option<String>,
    /// JSON array of the reasons.
    pub reasons: String,
    pub summary: String,
    pub raised_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
    pub alert_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
