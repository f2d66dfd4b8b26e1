//! Installation facts kept in the database, such as which demo dataset was loaded.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};

use crate::entities::app_meta;

/// Key under which the demo loader records the dataset it loaded.
pub const DEMO_DATASET: &str = "demo_dataset";

pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(app_meta::Entity::find_by_id(key.to_string()).one(db).await?.map(|m| m.value))
}

pub async fn set(db: &impl ConnectionTrait, key: &str, value: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    app_meta::Entity::insert(app_meta::ActiveModel {
        key: Set(key.into()),
        value: Set(value.into()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(app_meta::Column::Key)
            .update_columns([app_meta::Column::Value, app_meta::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records `key` unless it is already there; `true` when this call recorded it. On PostgreSQL a concurrent
/// transaction recording the same key makes this wait for it, so exactly one of them wins.
pub async fn insert_if_absent(
    db: &impl ConnectionTrait,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = app_meta::Entity::insert(app_meta::ActiveModel {
        key: Set(key.into()),
        value: Set(value.into()),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([app_meta::Column::Key])
    .exec_without_returning(db)
    .await?;
    Ok(matches!(result, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}
