//! Users, their passwords (argon2id) and their bearer tokens (random, stored as SHA-256).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::Role;
use crate::entities::{api_tokens, sessions, users};
use crate::secret;

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
        failed_logins: Set(0),
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

/// Prefix that marks riverchief bearer tokens, so secret scanners and people recognise a leaked one.
pub const TOKEN_PREFIX: &str = "rc_";

/// Issues a bearer token for `user_id`, valid for `ttl`. Returns the token, shown once, and its expiry.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    user_id: i32,
    label: Option<&str>,
    ttl: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), DbErr> {
    let token = secret::random_token(TOKEN_PREFIX);
    let expires_at = now + ttl;
    api_tokens::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(secret::digest(&token)),
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

/// The enabled user holding this unexpired, unrevoked token. The lookup is by SHA-256 digest and the
/// stored digest is compared again in constant time, so timing reveals nothing about stored tokens.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let digest = secret::digest(token);
    let Some(row) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(digest.as_str()))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .filter(api_tokens::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !secret::constant_time_eq(&row.token_hash, &digest) {
        return Ok(None);
    }
    let user = users::Entity::find_by_id(row.user_id).one(db).await?;
    Ok(user.filter(|u| !u.disabled))
}

/// Revokes one bearer token. `true` when it was live.
pub async fn revoke_token(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, now.into())
        .filter(api_tokens::Column::TokenHash.eq(secret::digest(token)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Revokes every token and web session of a user (on disable or password reset).
pub async fn revoke_all_credentials(db: &impl ConnectionTrait, user_id: i32, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let tokens = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, now.into())
        .filter(api_tokens::Column::UserId.eq(user_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let sessions = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, now.into())
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(tokens.rows_affected + sessions.rows_affected)
}

// ---------------------------------------------------------------------------------------------------
// Lock-out after repeated failures
// ---------------------------------------------------------------------------------------------------

/// Failed sign-ins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account waits.
pub const LOCKOUT: TimeDelta = TimeDelta::minutes(15);
/// Failures further apart than this start the count again.
pub const FAILURE_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// Whether the account may try to sign in now; `Some(until)` while it is locked.
pub fn locked_until(user: &users::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    user.locked_until.filter(|until| *until > now)
}

/// Counts a failed sign-in; returns when the account is locked until, if this failure locked it.
pub async fn record_failed_login(
    db: &impl ConnectionTrait,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let recent = user.last_failed_login_at.is_some_and(|at| now - at <= FAILURE_WINDOW);
    let failures = if recent { user.failed_logins + 1 } else { 1 };
    let locked = (failures >= MAX_FAILED_LOGINS).then_some(now + LOCKOUT);
    users::Entity::update_many()
        .col_expr(users::Column::FailedLogins, if locked.is_some() { 0 } else { failures }.into())
        .col_expr(users::Column::LastFailedLoginAt, now.into())
        .col_expr(users::Column::LockedUntil, locked.into())
        .filter(users::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    Ok(locked)
}

/// Clears the failure count after a successful sign-in.
pub async fn record_successful_login(db: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::FailedLogins, 0.into())
        .col_expr(users::Column::LockedUntil, Option::<DateTime<Utc>>::None.into())
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Managing accounts
// ---------------------------------------------------------------------------------------------------

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    use sea_orm::QueryOrder;
    users::Entity::find().order_by_asc(users::Column::Username).all(db).await
}

/// Disables or enables an account. Disabling revokes its tokens and sessions. `None`: no such user.
pub async fn set_disabled(
    db: &impl ConnectionTrait,
    username: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, DbErr> {
    let Some(user) = find_by_username(db, username).await? else { return Ok(None) };
    let mut active: users::ActiveModel = user.clone().into();
    active.disabled = Set(disabled);
    let user = active.update(db).await?;
    if disabled {
        revoke_all_credentials(db, user.id, now).await?;
    }
    Ok(Some(user))
}

/// Sets a new password, unlocks the account and revokes its tokens and sessions. `None`: no such user.
pub async fn reset_password(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<users::Model>, UserError> {
    let Some(user) = find_by_username(db, username).await? else { return Ok(None) };
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(hash_password(password)?);
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    let user = active.update(db).await?;
    revoke_all_credentials(db, user.id, now).await?;
    Ok(Some(user))
}

/// Shortest password accepted for a new account or a reset.
pub const MIN_PASSWORD_LEN: usize = 10;
