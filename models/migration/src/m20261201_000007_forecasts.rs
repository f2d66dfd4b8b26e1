//! Early-warning models and their latest results, written by the hourly `early_warning` job and read by
//! the API (which never trains a model):
//! - `forecast_models`: per section and item, the fitted exceedance forecast (method, version, features,
//!   parameters as JSON, training time, span and size, backtest skill, cadence) and the latest forecast
//!   made from it (steps, the target limit, the expected breach);
//! - `anomaly_models`: per automatic-station section, the fitted multivariate anomaly detector and the
//!   score of the station's latest reading.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant, instant_null, m20261128_000001_registry::Sections};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ForecastModels::Table)
                    .col(integer(ForecastModels::SectionId))
                    .col(string_len(ForecastModels::Parameter, 24))
                    // linear_harmonic | persistence | seasonal_naive: the method used.
                    .col(string_len(ForecastModels::Model, 24))
                    .col(string_len(ForecastModels::Version, 48))
                    // daily (an automatic station's daily means) | monthly
                    .col(string_len(ForecastModels::Cadence, 8))
                    // JSON array of the regression's feature names.
                    .col(text(ForecastModels::Features))
                    // JSON: everything needed to forecast again without refitting.
                    .col(text(ForecastModels::Parameters))
                    .col(instant(ForecastModels::TrainedAt))
                    .col(integer(ForecastModels::TrainingN))
                    .col(date(ForecastModels::TrainingFrom))
                    .col(date(ForecastModels::TrainingTo))
                    // What the model was trained on, so that a run can tell new data from none.
                    .col(string_len(ForecastModels::DataSignature, 64))
                    .col(double_null(ForecastModels::Mae))
                    .col(double(ForecastModels::PersistenceMae))
                    .col(double_null(ForecastModels::SeasonalNaiveMae))
                    .col(text(ForecastModels::Reason))
                    .col(instant(ForecastModels::ForecastAt))
                    // JSON array of {time, value, low, high, probability}.
                    .col(text(ForecastModels::Forecast))
                    .col(small_integer(ForecastModels::TargetClass))
                    .col(double(ForecastModels::LimitValue))
                    // upper | lower
                    .col(string_len(ForecastModels::LimitBound, 8))
                    .col(date_null(ForecastModels::BreachOn))
                    .col(double_null(ForecastModels::BreachProbability))
                    // The largest step probability of crossing the limit within the horizon.
                    .col(double(ForecastModels::MaxProbability))
                    .primary_key(Index::create().col(ForecastModels::SectionId).col(ForecastModels::Parameter))
                    .foreign_key(&mut fk(ForecastModels::Table, ForecastModels::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnomalyModels::Table)
                    .col(integer(AnomalyModels::SectionId).primary_key())
                    .col(string_len(AnomalyModels::Version, 48))
                    // JSON: the fitted detector (medians, scales, covariance, threshold).
                    .col(text(AnomalyModels::Parameters))
                    .col(instant(AnomalyModels::TrainedAt))
                    .col(integer(AnomalyModels::TrainingN))
                    .col(instant_null(AnomalyModels::ScoredAt))
                    .col(double_null(AnomalyModels::Score))
                    .col(double_null(AnomalyModels::P))
                    .col(double(AnomalyModels::PThreshold))
                    .col(boolean(AnomalyModels::Anomalous))
                    // JSON array of {parameter, value, z, contribution, share}, largest first.
                    .col(text(AnomalyModels::Contributions))
                    .col(integer(AnomalyModels::RecentScored))
                    .col(integer(AnomalyModels::RecentAnomalous))
                    .col(instant(AnomalyModels::UpdatedAt))
                    .foreign_key(&mut fk(AnomalyModels::Table, AnomalyModels::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AnomalyModels::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ForecastModels::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ForecastModels {
    Table,
    SectionId,
    Parameter,
    Model,
    Version,
    Cadence,
    Features,
    Parameters,
    TrainedAt,
    TrainingN,
    TrainingFrom,
    TrainingTo,
    DataSignature,
    Mae,
    PersistenceMae,
    SeasonalNaiveMae,
    Reason,
    ForecastAt,
    Forecast,
    TargetClass,
    LimitValue,
    LimitBound,
    BreachOn,
    BreachProbability,
    MaxProbability,
}

#[derive(DeriveIden)]
enum AnomalyModels {
    Table,
    SectionId,
    Version,
    Parameters,
    TrainedAt,
    TrainingN,
    ScoredAt,
    Score,
    P,
    PThreshold,
    Anomalous,
    Contributions,
    RecentScored,
    RecentAnomalous,
    UpdatedAt,
}
