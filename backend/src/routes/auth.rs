//! `POST /api/v1/auth/token` and `POST /api/v1/auth/logout`: bearer tokens for scripts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::auth::{Access, Via, client_ip, sign_in};
use crate::error::{ApiError, ErrorResponse};
use crate::extract;
use crate::state::AppState;
use crate::views::auth::{TokenRequest, TokenResponse};

/// Sign in with a username and password; the answer holds a bearer token for the `Authorization` header.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorResponse),
        (status = 400, description = "Malformed JSON", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Not JSON", body = ErrorResponse),
        (status = 422, description = "Missing fields", body = ErrorResponse),
        (status = 429, description = "Too many attempts, or the account is locked", body = ErrorResponse),
    ))]
#[tracing::instrument(skip_all, fields(username = %body.username))]
pub async fn issue_token(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    extract::Json(body): extract::Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let user = sign_in(&state, client_ip(&extensions), &body.username, &body.password).await?;
    let (token, expires_at) =
        models::users::issue_token(&state.db, user.id, Some("api"), state.token_ttl, Utc::now()).await?;
    crate::audit::record_login(&state, &user, "token").await?;
    tracing::info!(user = user.id, "token issued");
    Ok(Json(TokenResponse::new(token, expires_at, &user)))
}

/// Sign out: the presented bearer token (or web session) stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorResponse),
    ))]
pub async fn logout(State(state): State<AppState>, access: Access) -> Result<StatusCode, ApiError> {
    let now = Utc::now();
    match &access.auth.via {
        Via::Token(token) => models::users::revoke_token(&state.db, token, now).await?,
        Via::Session(token) => models::sessions::revoke(&state.db, token, now).await?,
        Via::ApiKey | Via::Nothing => false,
    };
    if let Some(user) = &access.auth.user {
        crate::audit::record(&state, &access.auth, "auth.logout", "users", Some(user.id.to_string()), None, None)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
