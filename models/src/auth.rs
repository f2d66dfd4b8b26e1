//! Signing in and out: the password checked (off the async workers), the lock-out after repeated wrong
//! passwords, and the bearer token or web session issued or revoked, each with its audit entry in the same
//! transaction.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;

use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::entities::users;
use crate::{sessions, users as accounts};

/// What a successful sign-in hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issue<'a> {
    /// A bearer token for scripts, with a label naming where it was issued.
    Token { label: &'a str, ttl: TimeDelta },
    /// A web session (its secret goes in a cookie).
    Session { ttl: TimeDelta },
}

/// A signed-in user and the secret they were given, shown once.
#[derive(Debug)]
pub struct SignedIn {
    pub user: users::Model,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The same answer for an unknown user, a wrong password and a disabled account.
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("too many wrong passwords: the account is locked until {0}")]
    Locked(DateTime<Utc>),
    #[error("the password check could not run: {0}")]
    Verify(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Signs a user in: refuses a locked account, checks the password, counts a failure (locking the account
/// after [`accounts::MAX_FAILED_LOGINS`]), and on success issues the token or session with the `auth.login`
/// audit entry in one transaction. Every refusal for a wrong name or password reads the same.
pub async fn sign_in(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    issue: Issue<'_>,
    now: DateTime<Utc>,
) -> Result<SignedIn, SignInError> {
    let user = accounts::find_by_username(db, username).await?;
    if let Some(until) = user.as_ref().and_then(|u| accounts::locked_until(u, now)) {
        return Err(SignInError::Locked(until));
    }
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_string();
    // argon2 is slow on purpose; keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || accounts::verify_password(hash.as_deref(), &password))
        .await
        .map_err(|e| SignInError::Verify(e.to_string()))?;
    let user = match user {
        Some(user) if verified && !user.disabled => user,
        Some(user) if !verified => {
            return Err(match accounts::record_failed_login(db, &user, now).await? {
                Some(until) => SignInError::Locked(until),
                None => SignInError::InvalidCredentials,
            });
        }
        _ => return Err(SignInError::InvalidCredentials),
    };

    let tx = begin_write(db).await?;
    accounts::record_successful_login(&tx, user.id).await?;
    let (secret, expires_at, with) = match issue {
        Issue::Token { label, ttl } => {
            let (token, expires) = accounts::issue_token(&tx, user.id, Some(label), ttl, now).await?;
            (token, expires, "token")
        }
        Issue::Session { ttl } => {
            let (token, expires) = sessions::create(&tx, user.id, ttl, now).await?;
            (token, expires, "session")
        }
    };
    let entry = NewEntry {
        actor: Actor::user(user.id, &user.username),
        action: "auth.login".into(),
        entity: "users".into(),
        entity_id: Some(user.id.to_string()),
        before: None,
        after: Some(json!({ "with": with })),
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(SignedIn { user, secret, expires_at })
}

/// The credential a caller signed in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented<'a> {
    Token(&'a str),
    Session(&'a str),
}

/// Signs out: the presented token or session stops working at once, with the `auth.logout` audit entry in
/// the same transaction. `false` when it was no longer live (nothing is recorded then).
pub async fn sign_out(
    db: &DatabaseConnection,
    presented: Presented<'_>,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let tx = begin_write(db).await?;
    let revoked = match presented {
        Presented::Token(token) => accounts::revoke_token(&tx, token, now).await?,
        Presented::Session(token) => sessions::revoke(&tx, token, now).await?,
    };
    if revoked {
        let entry = NewEntry {
            actor: Actor::user(user.id, &user.username),
            action: "auth.logout".into(),
            entity: "users".into(),
            entity_id: Some(user.id.to_string()),
            before: None,
            after: None,
        };
        audit::append(&tx, entry, now).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}
