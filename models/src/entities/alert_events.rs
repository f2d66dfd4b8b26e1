use sea_orm::entity::prelude::*;

use crate::domain::alert::AlertEventKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alert_id: i32,
    pub at: DateTimeUtc,
    pub kind: AlertEventKind,
    pub reading_id: Option<i64>,
    pub user_id: Option<i32>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
