//! Accounts and API keys on the wire.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use models::api_keys::KeyRow;
use models::domain::Code;
use models::entities::{api_keys, users};

use super::local_time;

/// The signed-in caller.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    /// The account, as administrators see it.
    #[serde(flatten)]
    pub account: UserView,
    /// `token` or `session`.
    pub signed_in_with: &'static str,
    /// For a web session: the token to send as `X-CSRF-Token` with writes.
    pub csrf_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    /// admin | bureau | chief | enterprise
    pub role: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// The river chief this account acts as (role chief).
    pub chief_id: Option<i32>,
    /// The enterprise this account acts for (role enterprise).
    pub enterprise_id: Option<i32>,
    pub disabled: bool,
    /// Set while the account is locked after repeated wrong passwords.
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl From<&users::Model> for UserView {
    fn from(u: &users::Model) -> Self {
        UserView {
            username: u.username.clone(),
            role: u.role.as_str().into(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            chief_id: u.chief_id,
            enterprise_id: u.enterprise_id,
            disabled: u.disabled,
            locked_until: u.locked_until.filter(|t| *t > chrono::Utc::now()).map(local_time),
            created_at: local_time(u.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub count: usize,
    pub users: Vec<UserView>,
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 1–64 letters, digits or `. _ - @`.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[\p{L}\p{N}._@-]+$")]
    pub username: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    pub password: String,
    /// admin | bureau | chief | enterprise
    #[schema(pattern = "^(admin|bureau|chief|enterprise)$")]
    pub role: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// For role chief: the river chief's code (河长编号), or `chief_id`.
    pub chief: Option<String>,
    /// For role chief: the river chief's id, or `chief`.
    pub chief_id: Option<i32>,
    /// Required for role enterprise: the enterprise's unified social credit code.
    pub enterprise: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i32,
    pub name: String,
    /// The key's first characters, to tell keys apart; the key itself is shown only when created.
    pub prefix: String,
    pub section_id: Option<i32>,
    pub outfall_id: Option<i32>,
    /// What the key is limited to: a section's code, or an outfall as `CREDIT_CODE/OUTFALL_CODE`.
    pub scope: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl ApiKeyView {
    pub fn new(k: &api_keys::Model, scope: Option<String>) -> Self {
        ApiKeyView {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            section_id: k.section_id,
            outfall_id: k.outfall_id,
            scope,
            created_at: local_time(k.created_at),
            expires_at: k.expires_at.map(local_time),
            revoked_at: k.revoked_at.map(local_time),
            last_used_at: k.last_used_at.map(local_time),
        }
    }
}

impl From<&KeyRow> for ApiKeyView {
    fn from(row: &KeyRow) -> Self {
        Self::new(&row.key, row.scope.clone())
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub count: usize,
    pub api_keys: Vec<ApiKeyView>,
}

/// A new key, limited to one section (`section`: its code) or one outfall (`outfall`:
/// `CREDIT_CODE/OUTFALL_CODE`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    pub section: Option<String>,
    pub outfall: Option<String>,
    /// Days until the key stops working, 1–3650; no expiry when absent.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The key. Shown once: store it now.
    pub key: String,
    pub api_key: ApiKeyView,
}
