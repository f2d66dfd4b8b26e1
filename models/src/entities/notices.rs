use sea_orm::entity::prelude::*;

use crate::domain::notice::{Channel, NoticeStatus};

/// The notice outbox: written in the alert's transaction, delivered by the `deliver_notices` job.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alert_id: Option<i32>,
    pub chief_id: Option<i32>,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: NoticeStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    /// An HTML alternative to `body`, for reports.
    pub body_html: Option<String>,
    /// Makes queuing idempotent: a second notice with the same key is not stored.
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
