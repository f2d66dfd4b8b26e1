//! Stored trend results (`trend_results`) and what the nightly trend job reads to compute them: the monthly
//! totals of `reading_months`, a page of sections at a time, and automatic stations' daily means, averaged
//! in the database.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::evaluation::MonthTotals;
use crate::domain::gb3838::{Parameter, WaterBodyKind};
use crate::domain::period::YearMonth;
use crate::domain::reading::{DataKind, QualityFlag};
use crate::entities::{reading_months, reading_series, readings, sections, trend_results};

/// The data kinds of automatic stations, whose daily means make the 90-day window.
pub const STATION_KINDS: [DataKind; 4] = [DataKind::Hour, DataKind::Day, DataKind::Minute, DataKind::Realtime];

/// Every section's water-body kind (which items are evaluated depends on it).
pub async fn section_kinds(db: &impl ConnectionTrait) -> Result<HashMap<i32, WaterBodyKind>, DbErr> {
    let rows = sections::Entity::find().all(db).await?;
    Ok(crate::sections::with_water_bodies(db, rows).await?.into_iter().map(|(s, w)| (s.id, w.kind)).collect())
}

/// The sections that have monthly totals, in id order: what the trend job pages through.
pub async fn sections_with_months(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    reading_series::Entity::find()
        .select_only()
        .column(reading_series::Column::SectionId)
        .distinct()
        .order_by_asc(reading_series::Column::SectionId)
        .into_tuple()
        .all(db)
        .await
}

/// One month of one series, as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthRow {
    pub section_id: i32,
    pub parameter: Parameter,
    pub month: YearMonth,
    pub totals: MonthTotals,
}

/// The stored months `from..=to` of the sections whose ids lie in `sections`, ordered by section, item and
/// month: one range query on `reading_months`' key. Months without samples are left out.
pub async fn months_of(
    db: &impl ConnectionTrait,
    sections: RangeInclusive<i32>,
    from: YearMonth,
    to: YearMonth,
) -> Result<Vec<MonthRow>, DbErr> {
    use reading_months::Column as M;
    type Row = (i32, Parameter, i32, i32, i32, f64, f64, Option<f64>);
    let rows: Vec<Row> = reading_months::Entity::find()
        .select_only()
        .columns([M::SectionId, M::Parameter, M::Month, M::N, M::NNd, M::SumValue, M::SumH, M::MaxDl])
        .filter(M::SectionId.between(*sections.start(), *sections.end()))
        .filter(M::Month.between(from.key(), to.key()))
        .filter(M::N.gt(0))
        .order_by_asc(M::SectionId)
        .order_by_asc(M::Parameter)
        .order_by_asc(M::Month)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(section_id, parameter, month, n, n_nd, sum, sum_h, max_dl)| {
            let totals = MonthTotals { n: u32::try_from(n).ok()?, n_nd: u32::try_from(n_nd).ok()?, sum, sum_h, max_dl };
            Some(MonthRow { section_id, parameter, month: YearMonth::from_key(month)?, totals })
        })
        .collect())
}

/// One day (China Standard Time) of one automatic station's item: normal readings of the station kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRow {
    pub section_id: i32,
    pub parameter: Parameter,
    pub day: NaiveDate,
    pub n: u32,
    pub n_nd: u32,
    /// The day's mean, non-detects at half their limit.
    pub mean: f64,
    /// The largest detection limit among the day's non-detects.
    pub max_dl: Option<f64>,
}

#[derive(Debug, FromQueryResult)]
struct DayQueryRow {
    section_id: i32,
    parameter: Parameter,
    day: i64,
    n: i64,
    n_nd: i64,
    mean: f64,
    max_dl: Option<f64>,
}

/// Seconds China Standard Time is ahead of UTC (no daylight saving time).
const CST_OFFSET_SECONDS: i64 = 8 * 3600;

/// Daily means of automatic-station readings (`STATION_KINDS`, flag `N`, not set aside) of the sections
/// whose ids lie in `sections`, sampled in `from..to`, grouped in the database by section, item and day in China Standard Time, ordered so.
/// On PostgreSQL the time bounds prune the month partitions outside them.
pub async fn station_days(
    db: &impl ConnectionTrait,
    sections: RangeInclusive<i32>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DayRow>, DbErr> {
    let within = Expr::col(readings::Column::SectionId).between(*sections.start(), *sections.end());
    station_days_where(db, within, from, to).await
}

/// As [`station_days`], for the sections `ids` only (the early-warning job reads the stations whose daily
/// forecast is due, not a whole page).
pub async fn station_days_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DayRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let within = Expr::col(readings::Column::SectionId).is_in(ids.iter().copied());
    station_days_where(db, within, from, to).await
}

async fn station_days_where(
    db: &impl ConnectionTrait,
    sections: sea_orm::sea_query::SimpleExpr,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DayRow>, DbErr> {
    use readings::Column as R;
    let backend = db.get_database_backend();
    // Days since 1970-01-01 in China Standard Time.
    let day = match backend {
        DbBackend::Postgres => {
            format!("CAST(FLOOR((EXTRACT(EPOCH FROM \"sampled_at\") + {CST_OFFSET_SECONDS}) / 86400) AS BIGINT)")
        }
        _ => format!("((CAST(strftime('%s', \"sampled_at\") AS INTEGER) + {CST_OFFSET_SECONDS}) / 86400)"),
    };
    let kinds: Vec<&'static str> = STATION_KINDS.iter().map(|k| k.into()).collect();
    let mut query = Query::select();
    query
        .column(R::SectionId)
        .column(R::Parameter)
        .expr_as(Expr::cust(day), "day")
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .expr_as(Expr::cust("SUM(CASE WHEN \"below_detection\" THEN 1 ELSE 0 END)"), "n_nd")
        .expr_as(Expr::cust("AVG(CASE WHEN \"below_detection\" THEN \"value\" / 2 ELSE \"value\" END)"), "mean")
        .expr_as(Expr::cust("MAX(CASE WHEN \"below_detection\" THEN \"value\" END)"), "max_dl")
        .from(readings::Entity)
        .and_where(sections)
        .and_where(Expr::col(R::SampledAt).gte(from))
        .and_where(Expr::col(R::SampledAt).lt(to))
        .and_where(Expr::col(R::QualityFlag).eq(QualityFlag::Normal))
        .and_where(Expr::col(R::Qc).is_null())
        .and_where(Expr::col(R::DataKind).is_in(kinds))
        .group_by_col(R::SectionId)
        .group_by_col(R::Parameter)
        .add_group_by([Expr::cust("day")])
        .order_by(R::SectionId, sea_orm::Order::Asc)
        .order_by(R::Parameter, sea_orm::Order::Asc)
        .order_by_expr(Expr::cust("day"), sea_orm::Order::Asc);
    let rows = DayQueryRow::find_by_statement(backend.build(&query)).all(db).await?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(DayRow {
                section_id: r.section_id,
                parameter: r.parameter,
                day: epoch.checked_add_days(chrono::Days::new(u64::try_from(r.day).ok()?))?,
                n: u32::try_from(r.n).ok()?,
                n_nd: u32::try_from(r.n_nd).ok()?,
                mean: r.mean,
                max_dl: r.max_dl,
            })
        })
        .collect())
}

/// Rows per upsert statement: 19 values a row, well under both backends' bind limits.
const UPSERT_ROWS: usize = 1000;

/// Writes results, replacing the stored result of the same section, item and window. Call in a
/// transaction: a few multi-row statements.
pub async fn upsert(db: &impl ConnectionTrait, results: Vec<trend_results::Model>) -> Result<(), DbErr> {
    use trend_results::Column as C;
    let mut results = results.into_iter().peekable();
    while results.peek().is_some() {
        let chunk: Vec<trend_results::ActiveModel> = results.by_ref().take(UPSERT_ROWS).map(Into::into).collect();
        let on_conflict = OnConflict::columns([C::SectionId, C::Parameter, C::Window])
            .update_columns([
                C::ComputedAt,
                C::N,
                C::S,
                C::VarS,
                C::Z,
                C::P,
                C::Tau,
                C::SlopePerYear,
                C::Trend,
                C::SkS,
                C::SkVarS,
                C::SkZ,
                C::SkP,
                C::SkSlopePerYear,
                C::SkTrend,
                C::Guards,
            ])
            .to_owned();
        trend_results::Entity::insert_many(chunk).on_conflict(on_conflict).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Removes results an earlier run wrote that the run of `computed_at` did not write again (a series whose
/// window holds no data any more). Returns how many.
pub async fn remove_older_than(db: &impl ConnectionTrait, computed_at: DateTime<Utc>) -> Result<u64, DbErr> {
    let done =
        trend_results::Entity::delete_many().filter(trend_results::Column::ComputedAt.lt(computed_at)).exec(db).await?;
    Ok(done.rows_affected)
}

/// A section's stored results, by item (the standard's order) and window.
pub async fn for_section(db: &impl ConnectionTrait, section_id: i32) -> Result<Vec<trend_results::Model>, DbErr> {
    let mut rows =
        trend_results::Entity::find().filter(trend_results::Column::SectionId.eq(section_id)).all(db).await?;
    rows.sort_by_key(|r| (r.parameter, r.window));
    Ok(rows)
}

/// How many results are stored.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    trend_results::Entity::find().count(db).await
}

/// The stored results of the sections whose ids lie in `sections` (the early-warning job reads whether a
/// significant trend is deteriorating).
pub async fn for_sections(
    db: &impl ConnectionTrait,
    sections: RangeInclusive<i32>,
) -> Result<Vec<trend_results::Model>, DbErr> {
    trend_results::Entity::find()
        .filter(trend_results::Column::SectionId.between(*sections.start(), *sections.end()))
        .all(db)
        .await
}
