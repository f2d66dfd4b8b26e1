//! `GET /api/v1/me`, and for admins: users (`/api/v1/users…`) and API keys (`/api/v1/api-keys…`).

use axum::Json;
use axum::extract::State;

use crate::extract::Path;
use axum::http::StatusCode;
use chrono::{TimeDelta, Utc};
use serde_json::json;

use models::db::begin_write;

use crate::auth::{Access, Via};
use crate::error::{ApiError, Detail, ErrorResponse};
use crate::extract;
use crate::state::AppState;
use crate::views::accounts::{
    ApiKeyList, ApiKeyView, CreatedApiKey, MeView, NewApiKeyRequest, NewUserRequest, UserList, UserView,
};

/// The signed-in caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ErrorResponse)))]
pub async fn me(access: Access) -> Result<Json<MeView>, ApiError> {
    let user = access.auth.user.as_ref().ok_or_else(ApiError::unauthorized)?;
    Ok(Json(MeView {
        account: UserView::from(user),
        signed_in_with: if matches!(access.auth.via, Via::Session(_)) { "session" } else { "token" },
        csrf_token: access.auth.csrf_token(),
    }))
}

/// Every account (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list_users(State(state): State<AppState>, _access: Access) -> Result<Json<UserList>, ApiError> {
    let users: Vec<UserView> = models::users::list(&state.db).await?.iter().map(UserView::from).collect();
    Ok(Json(UserList { count: users.len(), users }))
}

fn bad(field: &str, code: &str, zh: String, en: String) -> Detail {
    Detail { index: None, field: field.into(), code: code.into(), message: zh, message_en: en }
}

/// Creates an account (admin). A chief account names its river chief; an enterprise account its enterprise.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 400, description = "Malformed JSON", body = ErrorResponse), (status = 413, description = "Body too large", body = ErrorResponse), (status = 415, description = "Not JSON", body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn create_user(
    State(state): State<AppState>,
    access: Access,
    extract::Json(body): extract::Json<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let link = crate::accounts::check_new_user(
        &state.db,
        &body.username,
        &body.password,
        &body.role,
        body.chief_id,
        body.enterprise.as_deref(),
    )
    .await?;
    let tx = begin_write(&state.db).await?;
    let user = models::users::create(
        &tx,
        models::users::NewUser {
            username: &body.username,
            password: &body.password,
            role: link.role,
            display_name: body.display_name.as_deref(),
            chief_id: link.chief_id,
            enterprise_id: link.enterprise_id,
            email: body.email.as_deref(),
        },
        Utc::now(),
    )
    .await
    .map_err(anyhow::Error::from)?;
    let after = serde_json::to_value(UserView::from(&user)).ok();
    crate::audit::append(
        &tx,
        crate::audit::actor(&access.auth),
        "user.create",
        "users",
        Some(user.id.to_string()),
        None,
        after,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

async fn set_disabled(
    state: &AppState,
    access: &Access,
    username: &str,
    disabled: bool,
) -> Result<Json<UserView>, ApiError> {
    let tx = begin_write(&state.db).await?;
    let before = models::users::find_by_username(&tx, username).await?.ok_or_else(|| no_user(username))?;
    let user =
        models::users::set_disabled(&tx, username, disabled, Utc::now()).await?.ok_or_else(|| no_user(username))?;
    let action = if disabled { "user.disable" } else { "user.enable" };
    crate::audit::append(
        &tx,
        crate::audit::actor(&access.auth),
        action,
        "users",
        Some(user.id.to_string()),
        Some(json!({ "disabled": before.disabled })),
        Some(json!({ "disabled": user.disabled })),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(UserView::from(&user)))
}

fn no_user(username: &str) -> ApiError {
    ApiError::not_found(&format!("用户“{username}”"), &format!("user '{username}'"))
}

/// Disables an account and revokes its tokens and sessions (admin).
#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorResponse), (status = 409, description = "One's own account", body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn disable_user(
    State(state): State<AppState>,
    access: Access,
    Path(username): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    if access.auth.user.as_ref().is_some_and(|u| u.username == username) {
        return Err(ApiError::client(
            StatusCode::CONFLICT,
            "cannot_disable_self",
            "不能停用当前登录的账号",
            "an administrator cannot disable their own account",
        ));
    }
    set_disabled(&state, &access, &username, true).await
}

/// Enables a disabled account (admin).
#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn enable_user(
    State(state): State<AppState>,
    access: Access,
    Path(username): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    set_disabled(&state, &access, &username, false).await
}

/// Every API key (admin). Keys themselves are never shown again after creation.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ApiKeyList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list_api_keys(State(state): State<AppState>, _access: Access) -> Result<Json<ApiKeyList>, ApiError> {
    let api_keys: Vec<ApiKeyView> = models::api_keys::list(&state.db).await?.iter().map(ApiKeyView::from).collect();
    Ok(Json(ApiKeyList { count: api_keys.len(), api_keys }))
}

/// Creates a key for a machine, limited to one section or one outfall (admin).
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "admin", security(("bearer" = [])), request_body = NewApiKeyRequest,
    responses((status = 201, body = CreatedApiKey), (status = 400, description = "Malformed JSON", body = ErrorResponse), (status = 413, description = "Body too large", body = ErrorResponse), (status = 415, description = "Not JSON", body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    access: Access,
    extract::Json(body): extract::Json<NewApiKeyRequest>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let scope = crate::accounts::key_scope(&state.db, body.section.as_deref(), body.outfall.as_deref()).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid(
            "invalid_api_key",
            "接口密钥参数有误",
            "invalid API key request",
            vec![bad(
                "name",
                "invalid_name",
                "名称不能为空且不超过 64 个字符".into(),
                "name must be 1–64 characters".into(),
            )],
        ));
    }
    let now = Utc::now();
    let expires_at = body.expires_in_days.map(|d| now + TimeDelta::days(i64::from(d.clamp(1, 3650))));
    let tx = begin_write(&state.db).await?;
    let (key, model) =
        models::api_keys::create(&tx, name, scope, access.auth.user.as_ref().map(|u| u.id), expires_at, now).await?;
    let view = ApiKeyView::from(&model);
    crate::audit::append(
        &tx,
        crate::audit::actor(&access.auth),
        "api_key.create",
        "api_keys",
        Some(model.id.to_string()),
        None,
        serde_json::to_value(&view).ok(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedApiKey { key, api_key: view })))
}

/// Revokes a key (admin): it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path)),
    responses((status = 200, body = ApiKeyView), (status = 404, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    access: Access,
    Path(id): Path<i32>,
) -> Result<Json<ApiKeyView>, ApiError> {
    let tx = begin_write(&state.db).await?;
    let key = models::api_keys::revoke(&tx, id, Utc::now())
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("接口密钥 {id}"), &format!("API key {id}")))?;
    let view = ApiKeyView::from(&key);
    crate::audit::append(
        &tx,
        crate::audit::actor(&access.auth),
        "api_key.revoke",
        "api_keys",
        Some(id.to_string()),
        None,
        serde_json::to_value(&view).ok(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view))
}
