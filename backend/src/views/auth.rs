use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use models::domain::Code;
use models::entities::users;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: String,
    pub user: UserView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
    pub display_name: Option<String>,
}

impl TokenResponse {
    pub fn new(token: String, expires_at: DateTime<Utc>, user: &users::Model) -> Self {
        Self {
            token,
            token_type: "Bearer",
            expires_at: super::local_time(expires_at),
            user: UserView {
                username: user.username.clone(),
                role: user.role.as_str().into(),
                display_name: user.display_name.clone(),
            },
        }
    }
}
