//! Accounts: creating, disabling, enabling and resetting them (each one write with its audit entry), their
//! passwords (argon2id) and bearer tokens (random, stored as SHA-256), and the lock-out after repeated
//! wrong passwords. Signing in and out is in [`crate::auth`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, SqlErr,
};
use serde_json::json;

use crate::audit::{self, Actor, ActorKind, NewEntry};
use crate::db::begin_write;
use crate::domain::{Code, Problem, Role, quote};
use crate::entities::{api_tokens, river_chiefs, sessions, users};
use crate::secret;

/// Shortest password accepted for a new account or a reset.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted: hashing is deliberately slow, and its cost grows with the input.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// Longest username, display name (characters).
pub const MAX_NAME_LEN: usize = 64;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("username '{0}' is taken")]
    UsernameTaken(String),
    /// Fields that are wrong, each named.
    #[error("invalid account: {}", problems_en(.0))]
    Invalid(Vec<Problem>),
    #[error("no user named '{0}'")]
    NotFound(String),
    #[error("an administrator cannot disable their own account")]
    CannotDisableSelf,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The English messages of `problems`, for errors shown at a terminal.
pub fn problems_en(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.field, p.en)).collect::<Vec<_>>().join("; ")
}

/// An account to create, as typed by an administrator: every field is checked by [`create`].
#[derive(Debug, Clone, Default)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// admin | bureau | chief | enterprise
    pub role: &'a str,
    pub display_name: Option<&'a str>,
    /// Where reports are sent (bureau staff).
    pub email: Option<&'a str>,
    /// For role chief: the river chief's id.
    pub chief_id: Option<i32>,
    /// For role chief: the river chief's code (河长编号), the key the registry uses; instead of `chief_id`.
    pub chief: Option<&'a str>,
    /// For role enterprise: the enterprise's unified social credit code.
    pub enterprise: Option<&'a str>,
}

/// What a valid [`NewUser`] is linked to.
struct Link {
    role: Role,
    chief_id: Option<i32>,
    enterprise_id: Option<i32>,
}

fn password_problems(password: &str) -> Vec<Problem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        vec![Problem::new(
            "password",
            "weak_password",
            format!("密码至少 {MIN_PASSWORD_LEN} 个字符"),
            format!("the password needs at least {MIN_PASSWORD_LEN} characters"),
        )]
    } else if n > MAX_PASSWORD_LEN {
        vec![Problem::new(
            "password",
            "password_too_long",
            format!("密码最多 {MAX_PASSWORD_LEN} 个字符"),
            format!("the password may have at most {MAX_PASSWORD_LEN} characters"),
        )]
    } else {
        Vec::new()
    }
}

/// Checks every field and names every problem: a well-formed username, a long enough password, a known
/// role, and the link its role needs (a chief account names a river chief, an enterprise account an
/// enterprise; other roles name neither).
async fn check(db: &impl ConnectionTrait, u: &NewUser<'_>) -> Result<Link, UserError> {
    let mut problems = Vec::new();
    let username_ok = !u.username.is_empty()
        && u.username.chars().count() <= MAX_NAME_LEN
        && u.username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !username_ok {
        problems.push(Problem::new(
            "username",
            "invalid_username",
            "用户名须为 1–64 个字母、数字或 . _ - @",
            "username must be 1–64 letters, digits or . _ - @",
        ));
    } else if find_by_username(db, u.username).await?.is_some() {
        return Err(UserError::UsernameTaken(u.username.to_string()));
    }
    problems.extend(password_problems(u.password));
    if u.display_name.is_some_and(|n| n.trim().is_empty() || n.chars().count() > MAX_NAME_LEN) {
        problems.push(Problem::new(
            "display_name",
            "invalid_display_name",
            format!("显示名称须为 1–{MAX_NAME_LEN} 个字符"),
            format!("the display name must be 1–{MAX_NAME_LEN} characters"),
        ));
    }
    if let Some(email) = u.email
        && !is_email(email)
    {
        problems.push(Problem::new(
            "email",
            "invalid_email",
            format!("邮箱地址“{}”无效", quote(email)),
            format!("'{}' is not an email address", quote(email)),
        ));
    }
    let role = Role::parse(u.role);
    if role.is_none() {
        problems.push(Problem::new(
            "role",
            "invalid_role",
            format!("角色须为 {} 之一", Role::codes()),
            format!("role must be one of {}", Role::codes()),
        ));
    }
    // A chief named by code stands for its id.
    let mut by_code = u.chief_id;
    if let Some(code) = u.chief.map(str::trim) {
        match river_chiefs::Entity::find().filter(river_chiefs::Column::Code.eq(code)).one(db).await? {
            Some(c) if u.chief_id.is_none_or(|id| id == c.id) => by_code = Some(c.id),
            Some(_) => problems.push(Problem::new(
                "chief",
                "conflicting_chief",
                "chief 与 chief_id 指的不是同一位河长",
                "chief and chief_id name different river chiefs",
            )),
            None => {
                problems.push(Problem::new(
                    "chief",
                    "unknown_chief",
                    format!("没有编号为“{}”的河长", quote(code)),
                    format!("no river chief with code '{}'", quote(code)),
                ));
                by_code = Some(-1);
            }
        }
    }
    let chief_id = match (role, by_code) {
        (Some(Role::Chief), None) => {
            problems.push(Problem::new(
                "chief_id",
                "missing_field",
                "河长账号须指定河长编号",
                "a chief account needs chief_id",
            ));
            None
        }
        (Some(Role::Chief), Some(id)) => {
            if id >= 0 && river_chiefs::Entity::find_by_id(id).one(db).await?.is_none() {
                problems.push(Problem::new(
                    "chief_id",
                    "unknown_chief",
                    format!("没有编号为 {id} 的河长"),
                    format!("no river chief {id}"),
                ));
            }
            Some(id)
        }
        (_, Some(_)) => {
            problems.push(Problem::new(
                "chief_id",
                "not_allowed",
                "只有河长账号可指定河长",
                "only chief accounts name a chief",
            ));
            None
        }
        (_, None) => None,
    };
    let enterprise_id = match (role, u.enterprise) {
        (Some(Role::Enterprise), None) => {
            problems.push(Problem::new(
                "enterprise",
                "missing_field",
                "企业账号须指定企业统一社会信用代码",
                "an enterprise account needs the enterprise's credit code",
            ));
            None
        }
        (Some(Role::Enterprise), Some(code)) => match crate::enterprises::find_by_credit_code(db, code).await? {
            Some(e) => Some(e.id),
            None => {
                problems.push(Problem::new(
                    "enterprise",
                    "unknown_enterprise",
                    format!("没有统一社会信用代码为 {} 的企业", quote(code)),
                    format!("no enterprise {}", quote(code)),
                ));
                None
            }
        },
        (_, Some(_)) => {
            problems.push(Problem::new(
                "enterprise",
                "not_allowed",
                "只有企业账号可指定企业",
                "only enterprise accounts name an enterprise",
            ));
            None
        }
        (_, None) => None,
    };
    match role {
        Some(role) if problems.is_empty() => Ok(Link { role, chief_id, enterprise_id }),
        _ => Err(UserError::Invalid(problems)),
    }
}

/// A plausible email address: one `@` with something on each side, a dot in the domain, no spaces, and
/// short enough to store. Delivery is the real test.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    s.len() <= MAX_EMAIL_LEN
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
        && !domain.contains('@')
}

/// What is recorded of an account in the audit log (never its password hash).
fn audit_view(u: &users::Model) -> serde_json::Value {
    json!({
        "username": u.username, "role": u.role.as_str(), "display_name": u.display_name, "email": u.email,
        "chief_id": u.chief_id, "enterprise_id": u.enterprise_id, "disabled": u.disabled,
    })
}

/// Creates an account: checks every field, hashes the password, and stores the account with its audit
/// entry in one transaction. Two creations of one username at once give one account and one
/// [`UserError::UsernameTaken`].
pub async fn create(
    db: &DatabaseConnection,
    new: NewUser<'_>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<users::Model, UserError> {
    let tx = begin_write(db).await?;
    let user = insert(&tx, new, actor, now).await?;
    tx.commit().await?;
    Ok(user)
}

/// [`create`] inside the caller's transaction (the demo loader's).
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    new: NewUser<'_>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<users::Model, UserError> {
    let link = check(db, &new).await?;
    let password_hash = hash_password(new.password)?;
    let inserted = users::ActiveModel {
        username: Set(new.username.into()),
        password_hash: Set(password_hash),
        role: Set(link.role),
        display_name: Set(new.display_name.map(|n| n.trim().to_string())),
        chief_id: Set(link.chief_id),
        enterprise_id: Set(link.enterprise_id),
        email: Set(new.email.map(Into::into)),
        failed_logins: Set(0),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    let user = match inserted {
        Ok(user) => user,
        // PostgreSQL: a concurrent creation committed the name after our check.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(UserError::UsernameTaken(new.username.to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    let entry = NewEntry {
        actor,
        action: "user.create".into(),
        entity: "users".into(),
        entity_id: Some(user.id.to_string()),
        before: None,
        after: Some(audit_view(&user)),
    };
    audit::append(db, entry, now).await?;
    Ok(user)
}

/// Disables (revoking every token and session) or enables an account, recording the state before and
/// after. An administrator cannot disable their own account.
pub async fn set_disabled(
    db: &DatabaseConnection,
    username: &str,
    disabled: bool,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<users::Model, UserError> {
    let tx = begin_write(db).await?;
    let before = find_by_username(&tx, username).await?.ok_or_else(|| UserError::NotFound(username.to_string()))?;
    if disabled && actor.kind == ActorKind::User && actor.id == Some(before.id) {
        return Err(UserError::CannotDisableSelf);
    }
    let mut active: users::ActiveModel = before.clone().into();
    active.disabled = Set(disabled);
    let user = active.update(&tx).await?;
    if disabled {
        revoke_all_credentials(&tx, user.id, now).await?;
    }
    let entry = NewEntry {
        actor,
        action: if disabled { "user.disable" } else { "user.enable" }.into(),
        entity: "users".into(),
        entity_id: Some(user.id.to_string()),
        before: Some(json!({ "disabled": before.disabled })),
        after: Some(json!({ "disabled": user.disabled })),
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets a new password, unlocks the account and revokes its tokens and sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<users::Model, UserError> {
    let problems = password_problems(password);
    if !problems.is_empty() {
        return Err(UserError::Invalid(problems));
    }
    let password_hash = hash_password(password)?;
    let tx = begin_write(db).await?;
    let user = find_by_username(&tx, username).await?.ok_or_else(|| UserError::NotFound(username.to_string()))?;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(password_hash);
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    let user = active.update(&tx).await?;
    revoke_all_credentials(&tx, user.id, now).await?;
    let entry = NewEntry {
        actor,
        action: "user.reset_password".into(),
        entity: "users".into(),
        entity_id: Some(user.id.to_string()),
        before: None,
        after: None,
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(user)
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

/// Enabled users of `role` that have an email address.
pub async fn with_email(db: &impl ConnectionTrait, role: Role) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Role.eq(role))
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Email.is_not_null())
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
}

pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find().filter(users::Column::Username.eq(username)).one(db).await
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find().order_by_asc(users::Column::Username).all(db).await
}

/// Prefix that marks riverchief bearer tokens, so secret scanners and people recognise a leaked one.
pub const TOKEN_PREFIX: &str = "rc_";

/// Issues a bearer token for `user_id`, valid for `ttl`. Returns the token, shown once, and its expiry.
pub(crate) async fn issue_token(
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
pub(crate) async fn revoke_token(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, now.into())
        .filter(api_tokens::Column::TokenHash.eq(secret::digest(token)))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Revokes every token and web session of a user (on disable or password reset).
async fn revoke_all_credentials(db: &impl ConnectionTrait, user_id: i32, now: DateTime<Utc>) -> Result<u64, DbErr> {
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
pub(crate) async fn record_failed_login(
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
pub(crate) async fn record_successful_login(db: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::FailedLogins, 0.into())
        .col_expr(users::Column::LockedUntil, Option::<DateTime<Utc>>::None.into())
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The username of each chief's account, by the chief's code.
pub async fn chief_accounts(db: &impl ConnectionTrait) -> Result<std::collections::HashMap<String, String>, DbErr> {
    let chiefs: std::collections::HashMap<i32, String> =
        river_chiefs::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.code)).collect();
    Ok(users::Entity::find()
        .filter(users::Column::ChiefId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((chiefs.get(&u.chief_id?)?.clone(), u.username)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn email_addresses_are_checked_for_their_shape() {
        assert!(is_email("village.qyp-03@chiefs.invalid"));
        for bad in ["", "no-at", "@x.invalid", "a@b", "a@.b", "a@b.", "a b@c.d", "a@b@c.d", "<a@b.c>"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(!is_email(&format!("{}@x.invalid", "a".repeat(250))));
    }
}
