//! Stored early-warning models (`forecast_models`, `anomaly_models`), what the hourly `early_warning` job
//! reads to judge sections (each series' newest valid values, automatic stations' recent multivariate
//! readings, both bounded) and the one write of a section's results: its models, its colour warnings and
//! the alerts they open, in one transaction.

use std::collections::HashSet;
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
};

use crate::alerts::{self, WarningSignal};
use crate::domain::alert::AlertKind;
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::reading::QualityFlag;
use crate::domain::warning::WarningKind;
use crate::entities::{anomaly_models, forecast_models, readings, warnings as warning_rows};
use crate::sections::SectionContext;
use crate::trends::STATION_KINDS;
use crate::warnings::{self, Change, Raise};

/// A section's stored forecasts, by item in the standard's order.
pub async fn for_section(db: &impl ConnectionTrait, section_id: i32) -> Result<Vec<forecast_models::Model>, DbErr> {
    let mut rows =
        forecast_models::Entity::find().filter(forecast_models::Column::SectionId.eq(section_id)).all(db).await?;
    rows.sort_by_key(|r| r.parameter);
    Ok(rows)
}

/// A section's stored anomaly detector and latest score, if it is an automatic station's.
pub async fn anomaly_for_section(
    db: &impl ConnectionTrait,
    section_id: i32,
) -> Result<Option<anomaly_models::Model>, DbErr> {
    anomaly_models::Entity::find_by_id(section_id).one(db).await
}

/// The stored forecasts of the sections whose ids lie in `sections`.
pub async fn forecasts_of(
    db: &impl ConnectionTrait,
    sections: RangeInclusive<i32>,
) -> Result<Vec<forecast_models::Model>, DbErr> {
    forecast_models::Entity::find()
        .filter(forecast_models::Column::SectionId.between(*sections.start(), *sections.end()))
        .all(db)
        .await
}

/// The stored anomaly detectors of the sections whose ids lie in `sections`.
pub async fn anomalies_of(
    db: &impl ConnectionTrait,
    sections: RangeInclusive<i32>,
) -> Result<Vec<anomaly_models::Model>, DbErr> {
    anomaly_models::Entity::find()
        .filter(anomaly_models::Column::SectionId.between(*sections.start(), *sections.end()))
        .all(db)
        .await
}

/// How many forecasts are stored.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    forecast_models::Entity::find().count(db).await
}

/// One valid stored value (flag `N`, not set aside), a non-detect at half its limit as assessment takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecentValue {
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub value: f64,
    pub class: Option<WaterClass>,
}

#[derive(Debug, FromQueryResult)]
struct RecentRow {
    section_id: i32,
    parameter: Parameter,
    sampled_at: DateTime<Utc>,
    value: f64,
    below_detection: bool,
    class: Option<WaterClass>,
}

/// Series asked for in one statement: two binds each, well under SQLite's limit.
const RECENT_KEYS: usize = 8_000;

/// The newest `n` valid values of each series `(section, item)` sampled since `since`, oldest first within
/// a series. Each series is read through its (section, item, time) index from the newest end: about `n`
/// index reads a series, however long its history. One statement per 8,000 series.
pub async fn newest_valid(
    db: &impl ConnectionTrait,
    series: &[(i32, Parameter)],
    since: DateTime<Utc>,
    n: usize,
) -> Result<Vec<RecentValue>, DbErr> {
    let backend = db.get_database_backend();
    let normal = sea_orm::Value::from(QualityFlag::Normal);
    let mut out = Vec::new();
    for part in series.chunks(RECENT_KEYS) {
        let statement = if backend == DbBackend::Postgres {
            sea_orm::Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT r.section_id, r.parameter, r.sampled_at, r.value, r.below_detection, r.class \
                     FROM unnest($1::int4[], $2::text[]) AS k(s, p) \
                     CROSS JOIN LATERAL (SELECT * FROM readings x WHERE x.section_id = k.s AND x.parameter = k.p \
                       AND x.sampled_at >= $3 AND x.quality_flag = $4 AND x.qc IS NULL \
                       ORDER BY x.sampled_at DESC LIMIT {n}) r"
                ),
                [
                    sea_orm::Value::from(part.iter().map(|(s, _)| *s).collect::<Vec<i32>>()),
                    sea_orm::Value::from(part.iter().map(|(_, p)| p.key().to_string()).collect::<Vec<String>>()),
                    sea_orm::Value::from(since),
                    normal.clone(),
                ],
            )
        } else {
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(part.len() * 2 + 2);
            for (s, p) in part {
                values.extend([sea_orm::Value::from(*s), sea_orm::Value::from(*p)]);
            }
            values.extend([sea_orm::Value::from(since), normal.clone()]);
            sea_orm::Statement::from_sql_and_values(
                backend,
                format!(
                    "WITH k(s, p) AS (VALUES {}) \
                     SELECT x.section_id, x.parameter, x.sampled_at, x.value, x.below_detection, x.class \
                     FROM k JOIN readings x ON x.id IN (SELECT y.id FROM readings y \
                       WHERE y.section_id = k.s AND y.parameter = k.p AND y.sampled_at >= ? \
                       AND y.quality_flag = ? AND y.qc IS NULL ORDER BY y.sampled_at DESC LIMIT {n})",
                    vec!["(?, ?)"; part.len()].join(", ")
                ),
                values,
            )
        };
        for r in RecentRow::find_by_statement(statement).all(db).await? {
            out.push(RecentValue {
                section_id: r.section_id,
                parameter: r.parameter,
                sampled_at: r.sampled_at,
                value: if r.below_detection { r.value / 2.0 } else { r.value },
                class: r.class,
            });
        }
    }
    out.sort_by_key(|v| (v.section_id, v.parameter, v.sampled_at));
    Ok(out)
}

/// One valid automatic-station value (station kinds, flag `N`, not set aside, detected).
#[derive(Debug, Clone, Copy, PartialEq, FromQueryResult)]
pub struct StationValue {
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub value: f64,
}

/// The valid detected station values of `items` at the sections `ids`, sampled in `from..to`, ordered by
/// section and time: what the anomaly detector trains on (a bounded window) and scores.
pub async fn station_values(
    db: &impl ConnectionTrait,
    ids: &[i32],
    items: &[Parameter],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StationValue>, DbErr> {
    use readings::Column as R;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let kinds: Vec<&'static str> = STATION_KINDS.iter().map(|k| k.into()).collect();
    let mut query = Query::select();
    query
        .columns([R::SectionId, R::Parameter, R::SampledAt, R::Value])
        .from(readings::Entity)
        .and_where(Expr::col(R::SectionId).is_in(ids.iter().copied()))
        .and_where(Expr::col(R::Parameter).is_in(items.iter().map(|p| p.key())))
        .and_where(Expr::col(R::SampledAt).gte(from))
        .and_where(Expr::col(R::SampledAt).lt(to))
        .and_where(Expr::col(R::QualityFlag).eq(QualityFlag::Normal))
        .and_where(Expr::col(R::Qc).is_null())
        .and_where(Expr::col(R::BelowDetection).eq(false))
        .and_where(Expr::col(R::DataKind).is_in(kinds))
        .order_by(R::SectionId, sea_orm::Order::Asc)
        .order_by(R::SampledAt, sea_orm::Order::Asc);
    let backend = db.get_database_backend();
    StationValue::find_by_statement(backend.build(&query)).all(db).await
}

/// A colour warning as the job judged it, with what its alert carries.
#[derive(Debug, Clone)]
pub struct JudgedWarning {
    pub raise: Raise,
    /// `None` when the warning opens no alert of its own (see `jobs::early_warning`: values worse than the
    /// target already opened an exceedance alert; or no recent value to show).
    pub alert: Option<AlertFacts>,
}

/// The newest value behind a warning, for its alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertFacts {
    pub parameter: Parameter,
    pub value: f64,
    pub class: WaterClass,
    pub sampled_at: DateTime<Utc>,
    pub target: WaterClass,
}

/// Everything the job writes for one section.
#[derive(Debug, Clone, Default)]
pub struct SectionResults {
    /// Refitted or re-forecast models; the ones kept as they were are not written again.
    pub forecasts: Vec<forecast_models::Model>,
    pub anomaly: Option<anomaly_models::Model>,
    pub warnings: Vec<JudgedWarning>,
}

/// What writing a section's results did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionOutcome {
    pub raised: u64,
    pub graver: u64,
    pub milder: u64,
    pub unchanged: u64,
    pub alerts_opened: u64,
    pub notices_queued: u64,
}

/// Writes a section's forecasts, anomaly result and warnings in one transaction: each warning raised or
/// updated (`warnings::raise`), its alert opened or updated (`alerts::record_warning`, kind `warning`)
/// and linked to it.
pub async fn store_section(
    db: &DatabaseConnection,
    ctx: &SectionContext,
    results: SectionResults,
    now: DateTime<Utc>,
) -> Result<SectionOutcome, DbErr> {
    let tx = crate::db::begin_write(db).await?;
    upsert_forecasts(&tx, results.forecasts).await?;
    if let Some(anomaly) = results.anomaly {
        upsert_anomaly(&tx, anomaly).await?;
    }
    let mut outcome = SectionOutcome::default();
    for judged in results.warnings {
        let (level, summary) = (judged.raise.level, judged.raise.summary.clone());
        let (stored, change) = warnings::raise(&tx, judged.raise, now).await?;
        match change {
            Change::Raised => outcome.raised += 1,
            Change::Graver => outcome.graver += 1,
            Change::Milder => outcome.milder += 1,
            Change::Same => outcome.unchanged += 1,
        }
        let Some(facts) = judged.alert else { continue };
        let signal = WarningSignal {
            kind: AlertKind::Warning,
            parameter: facts.parameter,
            level,
            change,
            value: facts.value,
            class: facts.class,
            sampled_at: facts.sampled_at,
            target: facts.target,
            summary: &summary,
        };
        let alert = alerts::record_warning(&tx, ctx, &signal, now).await?;
        outcome.alerts_opened += u64::from(alert.opened);
        outcome.notices_queued += u64::from(alert.notice_queued);
        if stored.alert_id != Some(alert.alert_id) {
            warnings::set_alert(&tx, stored.id, alert.alert_id).await?;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Lifts every current quality warning whose key is not in `still`, noting it in the history of the alert
/// it opened, in one transaction. Returns the warnings lifted.
pub async fn lift_quality_warnings(
    db: &DatabaseConnection,
    still: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<Vec<warning_rows::Model>, DbErr> {
    let tx = crate::db::begin_write(db).await?;
    let lifted = warnings::lift_all_but(&tx, WarningKind::Quality, still, now).await?;
    for w in &lifted {
        if let Some(alert_id) = w.alert_id {
            let note = format!("预警解除 / warning lifted: {}", w.summary);
            alerts::record_warning_lifted(&tx, alert_id, &note, now).await?;
        }
    }
    tx.commit().await?;
    Ok(lifted)
}

async fn upsert_forecasts(db: &impl ConnectionTrait, rows: Vec<forecast_models::Model>) -> Result<(), DbErr> {
    use forecast_models::Column as C;
    if rows.is_empty() {
        return Ok(());
    }
    let active: Vec<forecast_models::ActiveModel> = rows.into_iter().map(Into::into).collect();
    let on_conflict = OnConflict::columns([C::SectionId, C::Parameter])
        .update_columns([
            C::Model,
            C::Version,
            C::Cadence,
            C::Features,
            C::Parameters,
            C::TrainedAt,
            C::TrainingN,
            C::TrainingFrom,
            C::TrainingTo,
            C::DataSignature,
            C::Mae,
            C::PersistenceMae,
            C::SeasonalNaiveMae,
            C::Reason,
            C::ForecastAt,
            C::Forecast,
            C::TargetClass,
            C::LimitValue,
            C::LimitBound,
            C::BreachOn,
            C::BreachProbability,
            C::MaxProbability,
        ])
        .to_owned();
    forecast_models::Entity::insert_many(active).on_conflict(on_conflict).exec_without_returning(db).await?;
    Ok(())
}

async fn upsert_anomaly(db: &impl ConnectionTrait, row: anomaly_models::Model) -> Result<(), DbErr> {
    use anomaly_models::Column as C;
    let on_conflict = OnConflict::column(C::SectionId)
        .update_columns([
            C::Version,
            C::Parameters,
            C::TrainedAt,
            C::TrainingN,
            C::ScoredAt,
            C::Score,
            C::P,
            C::PThreshold,
            C::Anomalous,
            C::Contributions,
            C::RecentScored,
            C::RecentAnomalous,
            C::UpdatedAt,
        ])
        .to_owned();
    anomaly_models::Entity::insert(anomaly_models::ActiveModel::from(row))
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    Ok(())
}
