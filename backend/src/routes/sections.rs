//! `GET /api/v1/sections`: every monitoring section with its water body, target and latest class.

use axum::Json;
use axum::extract::State;

use crate::error::ApiError;
use crate::state::AppState;
use crate::views::sections::{SectionList, SectionView};

pub async fn list(State(state): State<AppState>) -> Result<Json<SectionList>, ApiError> {
    let overview = models::sections::list_overview(&state.db).await?;
    let sections: Vec<SectionView> = overview.into_iter().map(SectionView::from).collect();
    Ok(Json(SectionList { count: sections.len(), sections }))
}
