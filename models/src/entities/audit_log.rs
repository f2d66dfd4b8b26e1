//! The audit log table: one row per write, hash-chained (see `models::domain::audit`).

use sea_orm::entity::prelude::*;

use crate::domain::audit::ActorKind;

/// One audit entry. Rows are never updated or deleted (database triggers refuse it); `hash` covers every
/// other column and the previous entry's hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// 1, 2, 3… without gaps: assigned by `audit::append` from the head row, not by the database, because
    /// the hash must cover it and a gap must mean a deleted entry.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Whole microseconds, so it reads back identically from SQLite and PostgreSQL.
    pub at: DateTimeUtc,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    /// Username, API key name, job name or command, kept even if the actor is later renamed or deleted.
    pub actor_label: String,
    /// e.g. `readings.submit`, `user.create`
    pub action: String,
    /// Table or resource, e.g. `readings`
    pub entity: String,
    pub entity_id: Option<String>,
    /// Compact JSON as hashed; text rather than a JSON column so the stored bytes never change.
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
    pub prev_hash: String,
    #[sea_orm(unique)]
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
