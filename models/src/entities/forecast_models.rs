use sea_orm::entity::prelude::*;

use crate::domain::gb3838::{Parameter, WaterClass};

/// The fitted exceedance forecast of one section's item and the latest forecast made from it (see
/// `models::forecasts`). Method, cadence and bound are the words `jobs::analysis::forecast` writes.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "forecast_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub parameter: Parameter,
    /// `linear_harmonic`, `persistence` or `seasonal_naive`: the method used.
    pub model: String,
    pub version: String,
    /// `daily` or `monthly`.
    pub cadence: String,
    /// JSON array of feature names.
    pub features: String,
    /// JSON: the fitted model (`jobs::analysis::FittedForecastModel`).
    pub parameters: String,
    pub trained_at: DateTimeUtc,
    pub training_n: i32,
    pub training_from: Date,
    pub training_to: Date,
    pub data_signature: String,
    pub mae: Option<f64>,
    pub persistence_mae: f64,
    pub seasonal_naive_mae: Option<f64>,
    pub reason: String,
    pub forecast_at: DateTimeUtc,
    /// JSON array of steps.
    pub forecast: String,
    pub target_class: WaterClass,
    pub limit_value: f64,
    /// `upper` or `lower`.
    pub limit_bound: String,
    pub breach_on: Option<Date>,
    pub breach_probability: Option<f64>,
    pub max_probability: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
