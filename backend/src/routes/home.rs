//! `GET /`: the front page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use models::app_meta::{self, DEMO_DATASET};

use crate::error::ApiError;
use crate::state::AppState;
use crate::views::home::{Home, SectionRow};

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let sections = models::sections::list_overview(&state.db).await?.into_iter().map(SectionRow::from).collect();
    let demo = app_meta::get(&state.db, DEMO_DATASET).await?;
    let page = Home { demo, sections }.render().map_err(anyhow::Error::from)?;
    Ok(Html(page))
}
