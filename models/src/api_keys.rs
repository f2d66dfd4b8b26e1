//! API keys for machines: an automatic station uploading a section's readings, an enterprise system
//! uploading one outfall's self-checks. Each key is limited to one section or one outfall. Creating and
//! revoking a key are one write each, with its audit entry.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::domain::{Problem, quote};
use crate::entities::{api_keys, sections};
use crate::secret;

pub const KEY_PREFIX: &str = "rck_";
/// Longest key name (characters).
pub const MAX_NAME_LEN: usize = 64;
/// The longest life a key may be given, in days (ten years).
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// What a key may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    Section(i32),
    Outfall(i32),
}

/// A key to create, as typed by an administrator: every field is checked by [`create`].
#[derive(Debug, Clone, Default)]
pub struct NewKey<'a> {
    pub name: &'a str,
    /// A section's code (for a station's key) …
    pub section: Option<&'a str>,
    /// … or an outfall, as `CREDIT_CODE/OUTFALL_CODE` (for an enterprise system's key).
    pub outfall: Option<&'a str>,
    /// Days until the key stops working, 1 to [`MAX_EXPIRY_DAYS`]; `None`: it does not expire.
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("invalid API key request: {}", crate::users::problems_en(.0))]
    Invalid(Vec<Problem>),
    #[error("no API key {0}")]
    NotFound(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A created key: the key itself (shown once, never stored) and its row.
#[derive(Debug)]
pub struct CreatedKey {
    pub key: String,
    pub model: api_keys::Model,
    /// What it is limited to, as registered: the section's code or `CREDIT_CODE/OUTFALL_CODE`.
    pub scope: String,
}

/// What a new key is limited to: a section by code, or an outfall as `CREDIT_CODE/OUTFALL_CODE`.
async fn scope(
    db: &impl ConnectionTrait,
    new: &NewKey<'_>,
    problems: &mut Vec<Problem>,
) -> Result<Option<(KeyScope, String)>, DbErr> {
    match (new.section, new.outfall) {
        (Some(code), None) => Ok(match crate::sections::find_by_code(db, code).await? {
            Some(ctx) => Some((KeyScope::Section(ctx.section.id), ctx.section.code)),
            None => {
                problems.push(Problem::new(
                    "section",
                    "unknown_section",
                    format!("未知断面编码“{}”", quote(code)),
                    format!("unknown section '{}'", quote(code)),
                ));
                None
            }
        }),
        (None, Some(path)) => {
            let Some((credit, code)) = path.split_once('/') else {
                problems.push(Problem::new(
                    "outfall",
                    "invalid_outfall",
                    "排口应写作 统一社会信用代码/排口编号",
                    "write the outfall as CREDIT_CODE/OUTFALL_CODE",
                ));
                return Ok(None);
            };
            Ok(match crate::enterprises::find_outfall(db, credit.trim(), code.trim()).await? {
                Some(o) => Some((KeyScope::Outfall(o.id), format!("{}/{}", credit.trim(), o.code))),
                None => {
                    problems.push(Problem::new(
                        "outfall",
                        "unknown_outfall",
                        format!("未知排口“{}”", quote(path)),
                        format!("unknown outfall '{}'", quote(path)),
                    ));
                    None
                }
            })
        }
        _ => {
            problems.push(Problem::new(
                "section",
                "scope_required",
                "须且只能指定 section 或 outfall 之一",
                "give exactly one of section or outfall",
            ));
            Ok(None)
        }
    }
}

/// Checks the request, creates the key and records it in the audit log, in one transaction.
pub async fn create(
    db: &DatabaseConnection,
    new: NewKey<'_>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<CreatedKey, KeyError> {
    let tx = begin_write(db).await?;
    let mut problems = Vec::new();
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        problems.push(Problem::new(
            "name",
            "invalid_name",
            format!("名称不能为空且不超过 {MAX_NAME_LEN} 个字符"),
            format!("name must be 1–{MAX_NAME_LEN} characters"),
        ));
    }
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => Some(now + TimeDelta::days(days)),
        Some(days) => {
            problems.push(Problem::new(
                "expires_in_days",
                "out_of_range",
                format!("有效期须为 1–{MAX_EXPIRY_DAYS} 天（不填则长期有效），收到 {days}"),
                format!(
                    "expiry must be 1–{MAX_EXPIRY_DAYS} days (leave it out for a key that does not expire), got {days}"
                ),
            ));
            None
        }
    };
    let scope = scope(&tx, &new, &mut problems).await?;
    let Some((scope, scope_name)) = scope.filter(|_| problems.is_empty()) else {
        return Err(KeyError::Invalid(problems));
    };

    let key = secret::random_token(KEY_PREFIX);
    let (section_id, outfall_id) = match scope {
        KeyScope::Section(id) => (Some(id), None),
        KeyScope::Outfall(id) => (None, Some(id)),
    };
    let created_by = (actor.kind == audit::ActorKind::User).then_some(actor.id).flatten();
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
    .insert(&tx)
    .await?;
    let entry = NewEntry {
        actor,
        action: "api_key.create".into(),
        entity: "api_keys".into(),
        entity_id: Some(model.id.to_string()),
        before: None,
        after: Some(json!({
            "name": model.name, "prefix": model.prefix, "section_id": model.section_id,
            "outfall_id": model.outfall_id, "expires_at": model.expires_at,
        })),
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(CreatedKey { key, model, scope: scope_name })
}

/// Revokes a key: it stops working at once. Revoking a revoked key changes nothing and records nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    id: i32,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<api_keys::Model, KeyError> {
    let tx = begin_write(db).await?;
    let key = api_keys::Entity::find_by_id(id).one(&tx).await?.ok_or(KeyError::NotFound(id))?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut active: api_keys::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    let key = active.update(&tx).await?;
    let entry = NewEntry {
        actor,
        action: "api_key.revoke".into(),
        entity: "api_keys".into(),
        entity_id: Some(id.to_string()),
        before: Some(json!({ "revoked_at": null })),
        after: Some(json!({ "revoked_at": key.revoked_at })),
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(key)
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

/// A key with the code of what it is limited to, for lists.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub key: api_keys::Model,
    /// The section's code, or the outfall as `CREDIT_CODE/OUTFALL_CODE`.
    pub scope: Option<String>,
}

/// Every key, oldest first, with what it is limited to.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<KeyRow>, DbErr> {
    use std::collections::HashMap;
    let keys = api_keys::Entity::find().order_by_asc(api_keys::Column::Id).all(db).await?;
    let section_ids: Vec<i32> = keys.iter().filter_map(|k| k.section_id).collect();
    let outfall_ids: Vec<i32> = keys.iter().filter_map(|k| k.outfall_id).collect();
    let sections: HashMap<i32, String> = sections::Entity::find()
        .filter(sections::Column::Id.is_in(section_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let outfalls: HashMap<i32, String> = crate::enterprises::outfall_paths(db, outfall_ids).await?;
    Ok(keys
        .into_iter()
        .map(|key| {
            let scope = match (key.section_id, key.outfall_id) {
                (Some(s), _) => sections.get(&s).cloned(),
                (_, Some(o)) => outfalls.get(&o).cloned(),
                _ => None,
            };
            KeyRow { key, scope }
        })
        .collect())
}
