//! `GET /api/v1/alerts`: alerts of the sections the caller answers for.

use axum::Json;
use axum::extract::State;

use crate::extract::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use models::domain::authz::Grant;

use crate::auth::Access;
use models::domain::quote;

use crate::error::{ApiError, Detail, ErrorResponse};
use crate::state::AppState;
use crate::views::alerts::{AlertList, AlertView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `open` (default: open and acknowledged) or `all` (closed ones too).
    #[param(pattern = "^(open|all)$")]
    pub status: Option<String>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// Alerts, newest first: all for bureau staff, those of the sections in their chain for a river chief.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 422, description = "Bad query", body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    access: Access,
    Query(q): Query<AlertQuery>,
) -> Result<Json<AlertList>, ApiError> {
    let include_closed = match q.status.as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::invalid_query(vec![Detail::new(
                "status",
                "invalid_status",
                format!("状态“{}”无效，可用 open、all", quote(other)),
                format!("status '{}' is not open or all", quote(other)),
            )]));
        }
    };
    let sections = match access.grant {
        Grant::All => None,
        Grant::Chain(chief) => Some(
            models::chiefs::reach(&state.db, chief, models::chiefs::china_day(chrono::Utc::now())).await?.section_ids,
        ),
        _ => Some(Vec::new()),
    };
    let limit = crate::extract::limit(q.limit, 100, 500)?;
    let alerts: Vec<AlertView> = models::alerts::list(&state.db, sections.as_deref(), include_closed, limit)
        .await?
        .iter()
        .map(AlertView::from)
        .collect();
    Ok(Json(AlertList { count: alerts.len(), alerts }))
}
