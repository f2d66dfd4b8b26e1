//! Job leases: the first instance to record (job, tick) runs that tick; the others skip it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TryInsertResult};

pub use crate::domain::JobRunStatus;
use crate::entities::job_runs;

/// Claims `(job, tick)` for `instance`. `None` when another run already holds it.
pub async fn try_lease(
    db: &impl ConnectionTrait,
    job: &str,
    tick: DateTime<Utc>,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let result = job_runs::Entity::insert(job_runs::ActiveModel {
        job: Set(job.into()),
        tick: Set(tick),
        instance: Set(instance.into()),
        started_at: Set(now),
        finished_at: Set(None),
        status: Set(JobRunStatus::Running),
        summary: Set(None),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([job_runs::Column::Job, job_runs::Column::Tick])
    .exec(db)
    .await?;
    Ok(match result {
        TryInsertResult::Inserted(r) => Some(r.last_insert_id),
        TryInsertResult::Conflicted | TryInsertResult::Empty => None,
    })
}

/// Records how a run ended.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    ok: bool,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    job_runs::Entity::update_many()
        .col_expr(job_runs::Column::FinishedAt, now.into())
        .col_expr(job_runs::Column::Status, if ok { JobRunStatus::Ok } else { JobRunStatus::Failed }.into())
        .col_expr(job_runs::Column::Summary, summary.into())
        .filter(job_runs::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
