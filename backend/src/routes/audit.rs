//! `GET /api/v1/audit` and `GET /api/v1/audit/verify` (admin).

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use models::audit::{AuditFilter, Verification};
use models::domain::Code;

use crate::auth::Access;
use crate::error::{ApiError, ErrorResponse};
use crate::state::AppState;
use crate::views::local_time;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// At most this many entries (1–1000, default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Entries older than this id (for paging back).
    pub before_id: Option<i64>,
    /// Only this action, e.g. `readings.submit`.
    pub action: Option<String>,
    /// Only this actor (username, `key:NAME`, job name).
    pub actor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: String,
    /// user | api_key | system | cli
    pub actor_kind: String,
    pub actor_label: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub count: usize,
    pub entries: Vec<AuditEntryView>,
}

/// The audit log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 422, description = "Bad query", body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    _access: Access,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    let filter = AuditFilter {
        limit: crate::extract::limit(q.limit, 50, models::audit::LIST_LIMIT_MAX)?,
        before_id: q.before_id,
        action: q.action,
        actor_label: q.actor,
    };
    let entries: Vec<AuditEntryView> = models::audit::list(&state.db, &filter)
        .await?
        .into_iter()
        .map(|e| AuditEntryView {
            id: e.id,
            at: local_time(e.at),
            actor_kind: e.actor_kind.as_str().to_string(),
            actor_label: e.actor_label,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before.and_then(|t| serde_json::from_str(&t).ok()),
            after: e.after.and_then(|t| serde_json::from_str(&t).ok()),
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditList { count: entries.len(), entries }))
}

#[derive(Serialize, ToSchema)]
pub struct VerificationView {
    pub intact: bool,
    pub entries: Option<u64>,
    /// The hash of the newest entry: write it down elsewhere to detect a rewritten log later.
    pub head_hash: Option<String>,
    /// The first broken entry.
    pub broken_entry: Option<i64>,
    pub problem: Option<String>,
    pub message: Option<String>,
    pub message_en: Option<String>,
}

/// Checks the hash chain of the whole audit log (admin).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = VerificationView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn verify(State(state): State<AppState>, _access: Access) -> Result<Json<VerificationView>, ApiError> {
    Ok(Json(match models::audit::verify(&state.db).await? {
        Verification::Intact { entries, head_hash } => VerificationView {
            intact: true,
            entries: Some(entries),
            head_hash: Some(head_hash),
            broken_entry: None,
            problem: None,
            message: None,
            message_en: None,
        },
        Verification::Broken { entry_id, kind, reason_en, reason_zh } => VerificationView {
            intact: false,
            entries: None,
            head_hash: None,
            broken_entry: Some(entry_id),
            problem: Some(kind.as_str().to_string()),
            message: Some(reason_zh),
            message_en: Some(reason_en),
        },
    }))
}
