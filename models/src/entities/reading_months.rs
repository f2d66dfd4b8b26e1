use sea_orm::entity::prelude::*;

use crate::domain::gb3838::Parameter;

/// Monthly totals of one section's normal readings of one item (see `domain::evaluation::MonthTotals`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reading_months")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub parameter: Parameter,
    /// yyyymm, China Standard Time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    pub n: i32,
    pub n_nd: i32,
    pub sum_value: f64,
    pub sum_h: f64,
    pub max_dl: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
