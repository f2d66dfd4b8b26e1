//! The audit log's head: the single row recording where the chain ends.

use sea_orm::entity::prelude::*;

/// Always exactly one row, `id` = 1. Updated by every append in the same transaction, which serialises
/// appenders (the row lock) and makes deleting the newest entries detectable.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Id of the newest entry; `None` while the log is empty.
    pub last_id: Option<i64>,
    /// Hash of the newest entry, or the genesis hash while the log is empty.
    pub last_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
