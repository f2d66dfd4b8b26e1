//! Who is calling: the `CurrentUser` extractor reads a Bearer token and finds its user.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use chrono::Utc;

use models::domain::Role;
use models::entities::users;

use crate::error::ApiError;
use crate::state::AppState;

/// A signed-in user. Extracting it from a request without a valid token answers 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: users::Model,
    pub role: Role,
}

impl CurrentUser {
    /// Refuses with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role], action_zh: &str, action_en: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden(action_zh, action_en)) }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let user =
            models::users::find_by_token(&state.db, token, Utc::now()).await?.ok_or_else(ApiError::unauthorized)?;
        let role = Role::parse(&user.role).ok_or_else(ApiError::unauthorized)?;
        Ok(CurrentUser { user, role })
    }
}
