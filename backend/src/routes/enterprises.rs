//! `GET /api/v1/enterprises` and `GET /api/v1/enterprises/{credit_code}`: only what the caller may see.

use axum::Json;
use axum::extract::State;

use crate::extract::Path;

use models::domain::authz::Grant;
use models::enterprises::Visible;

use crate::auth::Access;
use crate::error::{ApiError, ErrorResponse};
use crate::state::AppState;
use crate::views::enterprises::{EnterpriseDetailView, EnterpriseList, EnterpriseView};

/// What a grant lets the caller see of enterprises.
async fn visible(state: &AppState, grant: &Grant) -> Result<Visible, ApiError> {
    Ok(match grant {
        Grant::All => Visible::All,
        Grant::Enterprise(id) => Visible::Only(*id),
        Grant::Chain(chief) => Visible::DischargingInto(
            models::chiefs::reach(&state.db, *chief, models::chiefs::china_day(chrono::Utc::now()))
                .await?
                .water_body_ids,
        ),
        // The matrix grants nothing else for this action; see nothing rather than guess.
        _ => Visible::Only(-1),
    })
}

/// Enterprises: all for bureau staff, one's own for an enterprise user, those discharging into a river
/// chief's waters for a chief.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", security(("bearer" = [])),
    responses((status = 200, body = EnterpriseList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(State(state): State<AppState>, access: Access) -> Result<Json<EnterpriseList>, ApiError> {
    let visible = visible(&state, &access.grant).await?;
    let enterprises: Vec<EnterpriseView> =
        models::enterprises::list(&state.db, &visible).await?.iter().map(EnterpriseView::from).collect();
    Ok(Json(EnterpriseList { count: enterprises.len(), enterprises }))
}

/// One enterprise with its outfalls and latest self-checks. An enterprise the caller may not see is
/// answered exactly like one that does not exist.
#[utoipa::path(get, path = "/api/v1/enterprises/{credit_code}", tag = "enterprises", security(("bearer" = [])),
    params(("credit_code" = String, Path, description = "Unified social credit code")),
    responses((status = 200, body = EnterpriseDetailView), (status = 404, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn detail(
    State(state): State<AppState>,
    access: Access,
    Path(code): Path<String>,
) -> Result<Json<EnterpriseDetailView>, ApiError> {
    let visible = visible(&state, &access.grant).await?;
    let detail = models::enterprises::detail(&state.db, &code, &visible, 100)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("企业“{code}”"), &format!("enterprise '{code}'")))?;
    Ok(Json(EnterpriseDetailView::from(&detail)))
}
