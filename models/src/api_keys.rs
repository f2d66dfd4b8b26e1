//! API keys for machines: an automatic station uploading a section's readings, an enterprise system
//! uploading one outfall's self-checks. Each key is limited to one section or one outfall.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entities::api_keys;
use crate::secret;

pub const KEY_PREFIX: &str = "rck_";

/// What a key may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    Section(i32),
    Outfall(i32),
}

/// Creates a key; returns the key itself (shown once) and its row.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    scope: KeyScope,
    created_by: Option<i32>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(String, api_keys::Model), DbErr> {
    let key = secret::random_token(KEY_PREFIX);
    let (section_id, outfall_id) = match scope {
        KeyScope::Section(id) => (Some(id), None),
        KeyScope::Outfall(id) => (None, Some(id)),
    };
    let model = api_keys::ActiveModel {
        name: Set(name.into()),
        key_hash: Set(secret::digest(&key)),
        prefix: Set(key.chars().take(KEY_PREFIX.len() + 6).collect()),
        section_id: Set(section_id),
        outfall_id: Set(outfall_id),
        created_by: Set(created_by),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((key, model))
}

/// The live key matching `key`, its last use stamped.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<api_keys::Model>, DbErr> {
    let digest = secret::digest(key);
    let Some(row) = api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(digest.as_str()))
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !secret::constant_time_eq(&row.key_hash, &digest) || row.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, now.into())
        .filter(api_keys::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(Some(row))
}

pub fn scope_of(key: &api_keys::Model) -> Option<KeyScope> {
    match (key.section_id, key.outfall_id) {
        (Some(s), None) => Some(KeyScope::Section(s)),
        (None, Some(o)) => Some(KeyScope::Outfall(o)),
        _ => None,
    }
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_keys::Model>, DbErr> {
    api_keys::Entity::find().order_by_asc(api_keys::Column::Id).all(db).await
}

/// Revokes a key. `None`: no such key; `Some(false)`: it was already revoked.
pub async fn revoke(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<Option<api_keys::Model>, DbErr> {
    let Some(key) = api_keys::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    if key.revoked_at.is_some() {
        return Ok(Some(key));
    }
    let mut active: api_keys::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    Ok(Some(active.update(db).await?))
}
