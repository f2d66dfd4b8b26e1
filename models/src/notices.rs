//! The notice outbox. Notices are queued in the transaction that decides them and delivered later by the
//! `deliver_notices` job, which claims rows so that each is sent by one worker and never sent again once
//! delivered.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
    TryInsertResult,
};

pub use crate::domain::notice::{Channel, NoticeStatus};
use crate::entities::notices;

/// Delivery gives up after this many attempts and marks the notice failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// A claim older than this is presumed abandoned by a crashed worker and may be claimed again.
pub const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(10);

pub struct NewNotice {
    pub alert_id: Option<i32>,
    pub chief_id: Option<i32>,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub body_html: Option<String>,
    /// A notice whose key was queued before is not queued again.
    pub dedupe_key: Option<String>,
}

/// Queues a notice. `None` when a notice with the same dedupe key is already queued (or sent).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    n: NewNotice,
    now: DateTime<Utc>,
) -> Result<Option<notices::Model>, DbErr> {
    let model = notices::ActiveModel {
        alert_id: Set(n.alert_id),
        chief_id: Set(n.chief_id),
        channel: Set(n.channel),
        recipient: Set(n.recipient),
        subject: Set(n.subject),
        body: Set(n.body),
        status: Set(NoticeStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_at: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        body_html: Set(n.body_html),
        dedupe_key: Set(n.dedupe_key),
        ..Default::default()
    };
    match notices::Entity::insert(model).on_conflict_do_nothing_on([notices::Column::DedupeKey]).exec(db).await? {
        TryInsertResult::Inserted(r) => notices::Entity::find_by_id(r.last_insert_id).one(db).await,
        TryInsertResult::Conflicted | TryInsertResult::Empty => Ok(None),
    }
}

/// Claims up to `limit` notices that are due (or whose earlier claim lapsed), marking them `sending` and
/// counting the attempt. One statement, so two workers never claim the same row; on PostgreSQL rows
/// locked by another worker are skipped rather than waited for.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<notices::Model>, DbErr> {
    let backend = db.get_database_backend();
    let (lock, p) = match backend {
        DbBackend::Postgres => ("FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4", "$5"]),
        _ => ("", ["?1", "?2", "?3", "?4", "?5"]),
    };
    let sql = format!(
        "UPDATE notices SET status = {sending}, claimed_at = {now}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM notices \
                      WHERE (status = {pending} AND next_attempt_at <= {now}) \
                         OR (status = {sending} AND claimed_at < {stale}) \
                      ORDER BY id LIMIT {limit} {lock}) \
         RETURNING *",
        now = p[0],
        stale = p[1],
        limit = p[2],
        sending = p[3],
        pending = p[4],
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let values = [
        now.into(),
        (now - CLAIM_LEASE).into(),
        limit.into(),
        NoticeStatus::Sending.into(),
        NoticeStatus::Pending.into(),
    ];
    let stmt = Statement::from_sql_and_values(backend, sql, values);
    let mut claimed = notices::Entity::find().from_raw_sql(stmt).all(db).await?;
    claimed.sort_by_key(|n| n.id);
    Ok(claimed)
}

/// Records delivery. Only a row this worker still holds (`sending`) becomes `sent`.
pub async fn mark_sent(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    notices::Entity::update_many()
        .col_expr(notices::Column::Status, NoticeStatus::Sent.into())
        .col_expr(notices::Column::SentAt, now.into())
        .col_expr(notices::Column::LastError, Option::<String>::None.into())
        .filter(notices::Column::Id.eq(id))
        .filter(notices::Column::Status.eq(NoticeStatus::Sending))
        .exec(db)
        .await?;
    Ok(())
}

/// Backoff before attempt `n + 1`: 1, 2, 4 … minutes, at most an hour.
pub fn retry_delay(attempts: i32) -> TimeDelta {
    let exp = attempts.clamp(1, 7) - 1;
    TimeDelta::minutes((1i64 << exp).min(60))
}

/// Records a failed attempt: retried later with backoff, or `failed` for good after [`MAX_ATTEMPTS`].
/// Returns whether the notice will be retried.
pub async fn mark_attempt_failed(
    db: &impl ConnectionTrait,
    notice: &notices::Model,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let retry = !permanent && notice.attempts < MAX_ATTEMPTS;
    notices::Entity::update_many()
        .col_expr(notices::Column::Status, if retry { NoticeStatus::Pending } else { NoticeStatus::Failed }.into())
        .col_expr(notices::Column::NextAttemptAt, (now + retry_delay(notice.attempts)).into())
        .col_expr(notices::Column::LastError, error.chars().take(2000).collect::<String>().into())
        .filter(notices::Column::Id.eq(notice.id))
        .filter(notices::Column::Status.eq(NoticeStatus::Sending))
        .exec(db)
        .await?;
    Ok(retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
