//! `GET /api/v1/sections/{code}/forecast`: what the hourly `early_warning` job stored for a section: the
//! forecasts of its key items and, for an automatic station, its anomaly result. Never trained in the
//! request.

use axum::Json;
use axum::extract::State;

use crate::error::{ApiError, ErrorResponse};
use crate::extract::Path;
use crate::state::AppState;
use crate::views::forecasts::SectionForecast;

/// A section's stored forecasts (model, backtest skill, steps with their 80 % interval, expected breach of
/// the target limit) and its station's latest anomaly score. An empty list before the job has run.
#[utoipa::path(get, path = "/api/v1/sections/{code}/forecast", tag = "sections", security(("bearer" = [])),
    params(("code" = String, Path, description = "Section code, e.g. QYP-03")),
    responses((status = 200, body = SectionForecast), (status = 404, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn forecast(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<SectionForecast>, ApiError> {
    let section = models::sections::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
    let rows = models::forecasts::for_section(&state.db, section.section.id).await?;
    let anomaly = models::forecasts::anomaly_for_section(&state.db, section.section.id).await?;
    Ok(Json(SectionForecast::new(section.section.code, rows, anomaly)))
}
