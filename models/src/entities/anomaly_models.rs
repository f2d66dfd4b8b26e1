use sea_orm::entity::prelude::*;

/// The fitted anomaly detector of one automatic-station section and the score of its latest reading (see
/// `models::forecasts`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "anomaly_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    pub version: String,
    /// JSON: the fitted detector (`jobs::analysis::AnomalyModel`).
    pub parameters: String,
    pub trained_at: DateTimeUtc,
    pub training_n: i32,
    /// The sampling time of the reading scored; `None` before one was.
    pub scored_at: Option<DateTimeUtc>,
    pub score: Option<f64>,
    pub p: Option<f64>,
    pub p_threshold: f64,
    pub anomalous: bool,
    /// JSON array of contributions, largest first.
    pub contributions: String,
    /// Readings scored in the latest window, and how many of them were anomalous.
    pub recent_scored: i32,
    pub recent_anomalous: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
