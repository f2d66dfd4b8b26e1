//! The state every handler shares.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::TimeDelta;
use governor::DefaultKeyedRateLimiter;
use sea_orm::DatabaseConnection;

use crate::rules::RuleTable;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub token_ttl: TimeDelta,
    pub settings: Arc<crate::Settings>,
    /// Sign-in attempts per client address.
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Decimal places of period values, as configured.
    pub decimals: models::domain::evaluation::Decimals,
    /// Every route's access rule, filled by `routes::router`.
    pub rules: Arc<RuleTable>,
}
