//! Recording writes in the audit log, with the caller as the actor. Each function appends inside the
//! transaction that makes the write, or (for writes that are one statement) in one of its own.

use serde_json::Value;

use models::audit::{Actor, NewEntry};
use models::db::begin_write;
use models::entities::users;
use sea_orm::ConnectionTrait;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// The audit actor for an authenticated caller.
pub fn actor(auth: &Authenticated) -> Actor {
    match (&auth.user, &auth.key) {
        (Some(u), _) => Actor::user(u.id, &u.username),
        (_, Some(k)) => Actor::api_key(k.id, &k.name),
        _ => Actor::system("anonymous"),
    }
}

/// Appends one entry within `db` (a transaction the caller commits).
pub async fn append(
    db: &impl ConnectionTrait,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<i64, ApiError> {
    let entry = NewEntry { actor, action: action.into(), entity: entity.into(), entity_id, before, after };
    Ok(models::audit::append(db, entry, chrono::Utc::now()).await?)
}

/// Records a write that already happened, in a transaction of its own.
pub async fn record(
    state: &AppState,
    auth: &Authenticated,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), ApiError> {
    let tx = begin_write(&state.db).await?;
    append(&tx, actor(auth), action, entity, entity_id, before, after).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a successful sign-in (a token or a session was created).
pub async fn record_login(state: &AppState, user: &users::Model, how: &str) -> Result<(), ApiError> {
    let tx = begin_write(&state.db).await?;
    append(
        &tx,
        Actor::user(user.id, &user.username),
        "auth.login",
        "users",
        Some(user.id.to_string()),
        None,
        Some(serde_json::json!({ "with": how })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
