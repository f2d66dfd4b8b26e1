use sea_orm::entity::prelude::*;

use crate::domain::gb3838::Parameter;

/// One section's item that has monthly totals: the series an assessment walks, each one range of
/// `reading_months`' key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reading_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub parameter: Parameter,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
