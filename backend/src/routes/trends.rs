//! `GET /api/v1/sections/{code}/trends`: what the nightly `trend_analysis` job stored for a section. Never
//! computed in the request.

use axum::Json;
use axum::extract::State;

use crate::error::{ApiError, ErrorResponse};
use crate::extract::Path;
use crate::state::AppState;
use crate::views::trends::SectionTrends;

/// A section's trends by item and window: Mann–Kendall with Sen's slope over 12, 36 and 60 monthly means
/// and 90 days of station daily means, seasonal Kendall over 36 and 60 months, with the guards of each.
#[utoipa::path(get, path = "/api/v1/sections/{code}/trends", tag = "sections", security(("bearer" = [])),
    params(("code" = String, Path, description = "Section code, e.g. QYP-03")),
    responses((status = 200, body = SectionTrends), (status = 404, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn trends(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<SectionTrends>, ApiError> {
    let section = models::sections::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
    let rows = models::trends::for_section(&state.db, section.section.id).await?;
    Ok(Json(SectionTrends::new(section.section.code, rows)))
}
