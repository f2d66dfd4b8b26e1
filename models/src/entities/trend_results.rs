use sea_orm::entity::prelude::*;

use crate::domain::gb3838::Parameter;
use crate::domain::trend::{TrendVerdict, TrendWindow};

/// The latest trend of one section's item over one window (see `models::trends`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trend_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub parameter: Parameter,
    #[sea_orm(primary_key, auto_increment = false)]
    pub window: TrendWindow,
    pub computed_at: DateTimeUtc,
    pub n: i32,
    pub s: i64,
    pub var_s: f64,
    pub z: f64,
    pub p: f64,
    pub tau: Option<f64>,
    pub slope_per_year: Option<f64>,
    pub trend: TrendVerdict,
    pub sk_s: Option<i64>,
    pub sk_var_s: Option<f64>,
    pub sk_z: Option<f64>,
    pub sk_p: Option<f64>,
    pub sk_slope_per_year: Option<f64>,
    pub sk_trend: Option<TrendVerdict>,
    /// JSON: what preparing the series did (`jobs::analysis::Guards`).
    pub guards: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
