//! `POST /api/v1/auth/token` and `POST /api/v1/auth/logout`: bearer tokens for scripts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use models::auth::{Issue, Presented};

use crate::auth::{Access, Via, check_sign_in_rate, client_ip};
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
#[tracing::instrument(skip_all, fields(username = %models::domain::quote(&body.username)))]
pub async fn issue_token(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    extract::Json(body): extract::Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    check_sign_in_rate(&state, client_ip(&extensions))?;
    let issue = Issue::Token { label: "api", ttl: state.token_ttl };
    let signed_in = models::auth::sign_in(&state.db, &body.username, &body.password, issue, Utc::now()).await?;
    tracing::info!(user = signed_in.user.id, "token issued");
    Ok(Json(TokenResponse::new(signed_in.secret, signed_in.expires_at, &signed_in.user)))
}

/// Sign out: the presented bearer token (or web session) stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorResponse),
    ))]
pub async fn logout(State(state): State<AppState>, access: Access) -> Result<StatusCode, ApiError> {
    let presented = match &access.auth.via {
        Via::Token(token) => Some(Presented::Token(token)),
        Via::Session(token) => Some(Presented::Session(token)),
        Via::ApiKey | Via::Nothing => None,
    };
    if let (Some(presented), Some(user)) = (presented, &access.auth.user) {
        models::auth::sign_out(&state.db, presented, user, Utc::now()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
