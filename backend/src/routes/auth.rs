//! `POST /api/v1/auth/token`: username and password for a bearer token.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::error::ApiError;
use crate::extract;
use crate::state::AppState;
use crate::views::auth::{TokenRequest, TokenResponse};
use axum::Json;

#[tracing::instrument(skip_all, fields(username = %body.username))]
pub async fn issue_token(
    State(state): State<AppState>,
    extract::Json(body): extract::Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let user = models::users::find_by_username(&state.db, &body.username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password;
    // argon2 is slow on purpose; keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || models::users::verify_password(hash.as_deref(), &password))
        .await
        .map_err(anyhow::Error::from)?;
    let Some(user) = user.filter(|u| verified && !u.disabled) else {
        return Err(ApiError::client(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "用户名或密码错误",
            "wrong username or password",
        ));
    };
    let (token, expires_at) =
        models::users::issue_token(&state.db, user.id, Some("api"), state.token_ttl, Utc::now()).await?;
    tracing::info!(user = user.id, "token issued");
    Ok(Json(TokenResponse::new(token, expires_at, &user)))
}
