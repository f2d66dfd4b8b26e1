//! Users, their passwords (argon2id) and their bearer tokens (random, stored as SHA-256).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::domain::Role;
use crate::entities::{api_tokens, users};

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A user to create. The password is hashed here and never stored.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub display_name: Option<&'a str>,
    pub chief_id: Option<i32>,
    pub enterprise_id: Option<i32>,
    /// Where reports are sent (bureau staff).
    pub email: Option<&'a str>,
}

pub fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| UserError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

pub async fn create(db: &impl ConnectionTrait, u: NewUser<'_>, now: DateTime<Utc>) -> Result<users::Model, UserError> {
    Ok(users::ActiveModel {
        username: Set(u.username.into()),
        password_hash: Set(hash_password(u.password)?),
        role: Set(u.role.as_str().into()),
        display_name: Set(u.display_name.map(Into::into)),
        chief_id: Set(u.chief_id),
        enterprise_id: Set(u.enterprise_id),
        email: Set(u.email.map(Into::into)),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Enabled users of `role` that have an email address.
pub async fn with_email(db: &impl ConnectionTrait, role: Role) -> Result<Vec<users::Model>, DbErr> {
    use sea_orm::QueryOrder;
    users::Entity::find()
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Email.is_not_null())
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
}

pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find().filter(users::Column::Username.eq(username)).one(db).await
}

/// Checks `password` against a stored PHC hash. With no hash (unknown user) it verifies against a fixed
/// dummy hash and answers `false`, taking as long as a wrong password so the answer does not reveal
/// which usernames exist. CPU-heavy by design: call it from a blocking thread.
pub fn verify_password(hash: Option<&str>, password: &str) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("riverchief-timing-equaliser").unwrap_or_default());
    let (stored, real) = match hash {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let ok = PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    ok && real
}

/// Prefix that marks riverchief tokens, so secret scanners and people recognise a leaked one.
pub const TOKEN_PREFIX: &str = "rc_";

fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a bearer token for `user_id`, valid for `ttl`. Returns the token, shown once, and its expiry.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    user_id: i32,
    label: Option<&str>,
    ttl: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let expires_at = now + ttl;
    api_tokens::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_digest(&token)),
        label: Set(label.map(Into::into)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

/// The enabled user holding this unexpired, unrevoked token. The lookup is by SHA-256 digest, so timing
/// reveals nothing about the stored tokens.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let Some(row) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(token_digest(token)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .filter(api_tokens::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(row.user_id).one(db).await?;
    Ok(user.filter(|u| !u.disabled))
}
