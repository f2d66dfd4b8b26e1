//! `GET /api/v1/me`, and for admins: users (`/api/v1/users…`) and API keys (`/api/v1/api-keys…`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use models::api_keys::NewKey;
use models::users::NewUser;

use crate::auth::{Access, Via};
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{self, Path};
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

/// Creates an account (admin). A chief account names its river chief; an enterprise account its enterprise.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 400, description = "Malformed JSON", body = ErrorResponse), (status = 413, description = "Body too large", body = ErrorResponse), (status = 415, description = "Not JSON", body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn create_user(
    State(state): State<AppState>,
    access: Access,
    extract::Json(body): extract::Json<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let new = NewUser {
        username: &body.username,
        password: &body.password,
        role: &body.role,
        display_name: body.display_name.as_deref(),
        email: body.email.as_deref(),
        chief_id: body.chief_id,
        chief: body.chief.as_deref(),
        enterprise: body.enterprise.as_deref(),
    };
    let user = models::users::create(&state.db, new, access.auth.actor(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
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
    let user = models::users::set_disabled(&state.db, &username, true, access.auth.actor(), Utc::now()).await?;
    Ok(Json(UserView::from(&user)))
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
    let user = models::users::set_disabled(&state.db, &username, false, access.auth.actor(), Utc::now()).await?;
    Ok(Json(UserView::from(&user)))
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
    let new = NewKey {
        name: &body.name,
        section: body.section.as_deref(),
        outfall: body.outfall.as_deref(),
        expires_in_days: body.expires_in_days,
    };
    let created = models::api_keys::create(&state.db, new, access.auth.actor(), Utc::now()).await?;
    let api_key = ApiKeyView::new(&created.model, Some(created.scope));
    Ok((StatusCode::CREATED, Json(CreatedApiKey { key: created.key, api_key })))
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
    let key = models::api_keys::revoke(&state.db, id, access.auth.actor(), Utc::now()).await?;
    Ok(Json(ApiKeyView::new(&key, None)))
}
