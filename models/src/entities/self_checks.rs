use sea_orm::entity::prelude::*;

use crate::domain::discharge::VerdictKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "self_checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outfall_id: i32,
    pub parameter: String,
    pub sampled_at: DateTimeUtc,
    pub value: f64,
    pub unit: String,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub sampler: Option<String>,
    pub method: Option<String>,
    pub submitted_by: Option<i32>,
    pub submitted_at: DateTimeUtc,
    /// `None` until judged.
    pub verdict: Option<VerdictKind>,
    pub limit_value: Option<f64>,
    pub judged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
