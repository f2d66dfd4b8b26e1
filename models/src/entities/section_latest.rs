use sea_orm::entity::prelude::*;

use crate::domain::gb3838::{ParameterList, WaterClass};

/// Each section's latest sample: the newest instant with a classified, normal reading, judged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "section_latest")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    pub sampled_at: DateTimeUtc,
    pub class: WaterClass,
    /// The items in the worst class, in the standard's order.
    pub worst_items: ParameterList,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
