//! Web sessions: a random token in an HttpOnly cookie, stored as its SHA-256, with an expiry.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::{sessions, users};
use crate::secret;

pub const SESSION_PREFIX: &str = "rcs_";

/// Opens a session for `user_id`; returns the cookie value and its expiry.
pub(crate) async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    ttl: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), DbErr> {
    let token = secret::random_token(SESSION_PREFIX);
    let expires_at = now + ttl;
    sessions::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(secret::digest(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

/// The enabled user of a live session.
pub async fn find_user(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let digest = secret::digest(token);
    let Some(session) = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(digest.as_str()))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !secret::constant_time_eq(&session.token_hash, &digest) {
        return Ok(None);
    }
    Ok(users::Entity::find_by_id(session.user_id).one(db).await?.filter(|u| !u.disabled))
}

/// Ends a session. `true` when it was live.
pub(crate) async fn revoke(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, now.into())
        .filter(sessions::Column::TokenHash.eq(secret::digest(token)))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
