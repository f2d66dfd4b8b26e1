use sea_orm::entity::prelude::*;

use crate::domain::reading::DataKind;

/// A value an enterprise's online monitor (HJ 212 ST 32) sent for its outfall, by code as sent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "monitor_readings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outfall_id: i32,
    pub mn: String,
    /// HJ 212 code, lower case (`w01018`).
    pub code: String,
    pub sampled_at: DateTimeUtc,
    pub data_kind: DataKind,
    /// `-Avg` (minute, hour, day) or `-Rtd` (real-time).
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `-Cou`: the cumulative amount over the period, in the code's load unit.
    pub cou: Option<f64>,
    /// The unit of `value`, `min` and `max`: the device's for the code, else the code's default.
    pub unit: String,
    pub flag: Option<String>,
    pub revision: i32,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
