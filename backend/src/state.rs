//! The state every handler shares.

use std::sync::Arc;

use chrono::TimeDelta;
use sea_orm::DatabaseConnection;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub token_ttl: TimeDelta,
    pub settings: Arc<crate::Settings>,
}
