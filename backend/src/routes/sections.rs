//! `GET /api/v1/sections`: every monitoring section with its water body, target and latest class.

use axum::Json;
use axum::extract::State;

use crate::extract::Path;
use chrono::Utc;

use models::domain::evaluation::Rounding;

use crate::error::ApiError;
use crate::state::AppState;
use crate::views::sections::{SectionDetailView, SectionList, SectionView};

/// Every monitoring section with its water body, target class and the class of its latest sample.
#[utoipa::path(get, path = "/api/v1/sections", tag = "sections", security(("bearer" = [])),
    responses((status = 200, body = SectionList), (status = 401, body = crate::error::ErrorResponse), (status = 403, body = crate::error::ErrorResponse)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<SectionList>, ApiError> {
    let overview = models::sections::list_overview(&state.db).await?;
    let sections: Vec<SectionView> = overview.into_iter().map(SectionView::from).collect();
    Ok(Json(SectionList { count: sections.len(), sections }))
}

/// One section: its latest sample judged as measured, and its classes over the month, quarter and year
/// to date of that sample and over the previous year.
#[utoipa::path(get, path = "/api/v1/sections/{code}", tag = "sections", security(("bearer" = [])),
    params(("code" = String, Path, description = "Section code, e.g. QYP-03")),
    responses((status = 200, body = SectionDetailView), (status = 404, body = crate::error::ErrorResponse),
        (status = 401, body = crate::error::ErrorResponse), (status = 403, body = crate::error::ErrorResponse)))]
pub async fn detail(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<SectionDetailView>, ApiError> {
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let detail = models::assessment::section_detail(&state.db, &code, today, Rounding::PerItem(state.decimals))
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
    Ok(Json(SectionDetailView::from(&detail)))
}
