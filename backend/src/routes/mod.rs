//! The HTTP routes. Paths appear only here; each resource module provides its handlers.

mod assessment;
mod auth;
mod health;
mod home;
mod readings;
mod sections;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/token", post(auth::issue_token))
        .route("/sections", get(sections::list))
        .route("/sections/{code}", get(sections::detail))
        .route("/assessment", get(assessment::assessment))
        .route("/readings", post(readings::submit))
        .fallback(not_found);

    Router::new()
        .route("/", get(home::home))
        .route("/health", get(health::health))
        .nest("/api/v1", api)
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.settings.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("该接口", "no such endpoint")
}
