//! What evaluation reads instead of every reading: monthly totals per section, item and month
//! (`reading_months`, see `domain::evaluation::MonthTotals`), and each section's latest sample
//! (`section_latest`). Both are updated in the transaction that stores readings, so they are never behind
//! what is stored; [`rebuild`] fills them from the readings (an older database, on first start).
//!
//! A period's value is then one `GROUP BY` over months: the cost of an assessment grows with sections ×
//! items × months, not with the readings an automatic station sends every few minutes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    Statement, Value,
};

use crate::domain::evaluation::{MonthTotals, PeriodTotals};
use crate::domain::gb3838::{Parameter, ParameterList, WaterBodyKind, WaterClass};
use crate::domain::period::YearMonth;
use crate::domain::reading::QualityFlag;
use crate::entities::{reading_months, readings, section_latest};

/// A normal (flag `N`) reading just stored, as the roll-ups count it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    /// For a non-detect, its detection limit.
    pub value: f64,
    pub below_detection: bool,
}

/// Rows per statement when adding totals: 8 values a row, well under both backends' bind limits.
const CHUNK: usize = 1000;

/// Adds newly stored readings to their months' totals. Call in the transaction that stored them.
pub async fn add(db: &impl ConnectionTrait, counted: &[Counted]) -> Result<(), DbErr> {
    let mut totals: BTreeMap<(i32, Parameter, i32), MonthTotals> = BTreeMap::new();
    for c in counted {
        let key = (c.section_id, c.parameter, YearMonth::of_instant(c.sampled_at).key());
        totals.entry(key).or_default().add(c.parameter, c.value, c.below_detection);
    }
    let rows: Vec<_> = totals.into_iter().collect();
    for chunk in rows.chunks(CHUNK) {
        add_chunk(db, chunk).await?;
    }
    Ok(())
}

async fn add_chunk(db: &impl ConnectionTrait, rows: &[((i32, Parameter, i32), MonthTotals)]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "INSERT INTO reading_months (section_id, parameter, month, n, n_nd, sum_value, sum_h, max_dl) VALUES ",
    );
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 8);
    for (i, ((section, parameter, month), t)) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let base = i * 8;
        let marks: Vec<String> = (1..=8).map(|k| placeholder(backend, base + k)).collect();
        sql.push_str(&format!("({})", marks.join(", ")));
        values.extend([
            Value::from(*section),
            Value::from(*parameter),
            Value::from(*month),
            Value::from(t.n as i32),
            Value::from(t.n_nd as i32),
            Value::from(t.sum),
            Value::from(t.sum_h),
            Value::from(t.max_dl),
        ]);
    }
    // The largest detection limit of the two; either may be absent (SQLite's MAX() of a NULL is NULL).
    let max_dl = match backend {
        DbBackend::Postgres => "GREATEST(reading_months.max_dl, excluded.max_dl)",
        _ => "MAX(COALESCE(reading_months.max_dl, excluded.max_dl), COALESCE(excluded.max_dl, reading_months.max_dl))",
    };
    sql.push_str(&format!(
        " ON CONFLICT (section_id, parameter, month) DO UPDATE SET \
         n = reading_months.n + excluded.n, n_nd = reading_months.n_nd + excluded.n_nd, \
         sum_value = reading_months.sum_value + excluded.sum_value, sum_h = reading_months.sum_h + excluded.sum_h, \
         max_dl = {max_dl}"
    ));
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(())
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

#[derive(Debug, FromQueryResult)]
struct PeriodRow {
    section_id: i32,
    parameter: Parameter,
    months: i64,
    samples: i64,
    nds: i64,
    max_dl: Option<f64>,
    mean_of_means: f64,
}

/// Every item's totals over the months `from`..=`to`, by section: for `sections`, or for all when `None`.
/// One `GROUP BY` over the stored months; the mean of monthly means (of [H⁺] for pH) is taken there.
pub async fn period_totals(
    db: &impl ConnectionTrait,
    from: YearMonth,
    to: YearMonth,
    sections: Option<&[i32]>,
) -> Result<HashMap<i32, Vec<(Parameter, PeriodTotals)>>, DbErr> {
    use reading_months::Column as C;
    let mean = Expr::cust_with_values(
        "AVG(CASE WHEN parameter = ? THEN sum_h ELSE sum_value END / n)",
        [Value::from(Parameter::Ph)],
    );
    let mut query = Query::select()
        .columns([C::SectionId, C::Parameter])
        .expr_as(Func::count(Expr::col(C::Month)), "months")
        .expr_as(Func::sum(Expr::col(C::N)), "samples")
        .expr_as(Func::sum(Expr::col(C::NNd)), "nds")
        .expr_as(Func::max(Expr::col(C::MaxDl)), "max_dl")
        .expr_as(mean, "mean_of_means")
        .from(reading_months::Entity)
        .and_where(Expr::col(C::Month).gte(from.key()))
        .and_where(Expr::col(C::Month).lte(to.key()))
        .and_where(Expr::col(C::N).gt(0))
        .group_by_columns([C::SectionId, C::Parameter])
        .to_owned();
    if let Some(ids) = sections {
        query.and_where(Expr::col(C::SectionId).is_in(ids.iter().copied()));
    }
    let rows = PeriodRow::find_by_statement(db.get_database_backend().build(&query)).all(db).await?;
    let mut by_section: HashMap<i32, Vec<(Parameter, PeriodTotals)>> = HashMap::new();
    for r in rows {
        let totals = PeriodTotals {
            months: u32::try_from(r.months).unwrap_or(0),
            samples: u64::try_from(r.samples).unwrap_or(0),
            nds: u64::try_from(r.nds).unwrap_or(0),
            max_dl: r.max_dl,
            mean_of_means: r.mean_of_means,
        };
        by_section.entry(r.section_id).or_default().push((r.parameter, totals));
    }
    for items in by_section.values_mut() {
        items.sort_by_key(|(p, _)| *p);
    }
    Ok(by_section)
}

/// The class of a sample: the worst evaluated item, and the items in that class in the standard's order.
pub fn sample_class(items: &[(Parameter, WaterClass)], kind: WaterBodyKind) -> Option<(WaterClass, ParameterList)> {
    let evaluated: Vec<(Parameter, WaterClass)> = items.iter().copied().filter(|(p, _)| p.is_evaluated(kind)).collect();
    let class = evaluated.iter().map(|(_, c)| *c).max()?;
    let mut worst: Vec<Parameter> = evaluated.iter().filter(|(_, c)| *c == class).map(|(p, _)| *p).collect();
    worst.sort();
    worst.dedup();
    Some((class, ParameterList(worst)))
}

/// Brings each section's latest sample up to date after readings were stored for it. Only sections whose
/// new readings are no older than their latest sample are looked at again.
pub async fn refresh_latest(
    db: &impl ConnectionTrait,
    stored: &[(i32, WaterBodyKind, DateTime<Utc>)],
) -> Result<(), DbErr> {
    let mut newest: HashMap<i32, (WaterBodyKind, DateTime<Utc>)> = HashMap::new();
    for &(section, kind, at) in stored {
        let e = newest.entry(section).or_insert((kind, at));
        e.1 = std::cmp::max(e.1, at);
    }
    if newest.is_empty() {
        return Ok(());
    }
    let current: HashMap<i32, DateTime<Utc>> = section_latest::Entity::find()
        .filter(section_latest::Column::SectionId.is_in(newest.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.section_id, l.sampled_at))
        .collect();
    for (section, (kind, at)) in newest {
        if current.get(&section).is_some_and(|latest| *latest > at) {
            continue;
        }
        write_latest(db, section, kind, at).await?;
    }
    Ok(())
}

/// Judges the sample of `section` at `at` from its stored readings and records it as the latest.
async fn write_latest(
    db: &impl ConnectionTrait,
    section: i32,
    kind: WaterBodyKind,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let items: Vec<(Parameter, Option<WaterClass>)> = readings::Entity::find()
        .select_only()
        .columns([readings::Column::Parameter, readings::Column::Class])
        .filter(readings::Column::SectionId.eq(section))
        .filter(readings::Column::SampledAt.eq(at))
        .filter(readings::Column::QualityFlag.eq(QualityFlag::Normal))
        .filter(readings::Column::Class.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let classed: Vec<(Parameter, WaterClass)> = items.into_iter().filter_map(|(p, c)| Some((p, c?))).collect();
    let Some((class, worst_items)) = sample_class(&classed, kind) else { return Ok(()) };
    let row = section_latest::ActiveModel {
        section_id: sea_orm::ActiveValue::Set(section),
        sampled_at: sea_orm::ActiveValue::Set(at),
        class: sea_orm::ActiveValue::Set(class),
        worst_items: sea_orm::ActiveValue::Set(worst_items),
    };
    section_latest::Entity::insert(row)
        .on_conflict(
            OnConflict::column(section_latest::Column::SectionId)
                .update_columns([
                    section_latest::Column::SampledAt,
                    section_latest::Column::Class,
                    section_latest::Column::WorstItems,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Readings read per query while rebuilding.
const REBUILD_PAGE: u64 = 20_000;

/// Refills both roll-ups from the stored readings, a page at a time (memory stays flat), and returns how
/// many readings were counted. Call in a write transaction.
pub async fn rebuild(db: &impl ConnectionTrait, kinds: &HashMap<i32, WaterBodyKind>) -> Result<u64, DbErr> {
    reading_months::Entity::delete_many().exec(db).await?;
    section_latest::Entity::delete_many().exec(db).await?;
    let mut after: Option<i64> = None;
    let mut counted_total = 0;
    let mut latest: HashMap<i32, DateTime<Utc>> = HashMap::new();
    loop {
        let mut query = readings::Entity::find()
            .filter(readings::Column::QualityFlag.eq(QualityFlag::Normal))
            .order_by_asc(readings::Column::Id)
            .limit(REBUILD_PAGE);
        if let Some(id) = after {
            query = query.filter(readings::Column::Id.gt(id));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let counted: Vec<Counted> = page
            .iter()
            .map(|r| Counted {
                section_id: r.section_id,
                parameter: r.parameter,
                sampled_at: r.sampled_at,
                value: r.value,
                below_detection: r.below_detection,
            })
            .collect();
        for r in page.iter().filter(|r| r.class.is_some()) {
            let e = latest.entry(r.section_id).or_insert(r.sampled_at);
            *e = std::cmp::max(*e, r.sampled_at);
        }
        counted_total += counted.len() as u64;
        add(db, &counted).await?;
    }
    for (section, at) in latest {
        let kind = kinds
            .get(&section)
            .copied()
            .ok_or_else(|| DbErr::RecordNotFound(format!("the water body of section {section}")))?;
        write_latest(db, section, kind, at).await?;
    }
    Ok(counted_total)
}

/// The `app_meta` key recording that the roll-ups were built from the readings.
pub const BUILT: &str = "rollups_built";

/// Builds the roll-ups from the stored readings once, on the first start after they were introduced (a
/// database of an older version has readings and no roll-ups). `Some(readings counted)` when it did.
pub async fn ensure_built(db: &sea_orm::DatabaseConnection, now: DateTime<Utc>) -> Result<Option<u64>, DbErr> {
    if crate::app_meta::get(db, BUILT).await?.is_some() {
        return Ok(None);
    }
    let tx = crate::db::begin_write(db).await?;
    // Another replica starting at the same time waits here, then finds the marker.
    if !crate::app_meta::insert_if_absent(&tx, BUILT, "1", now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let sections = crate::entities::sections::Entity::find().all(&tx).await?;
    let kinds: HashMap<i32, WaterBodyKind> =
        crate::sections::with_water_bodies(&tx, sections).await?.into_iter().map(|(s, w)| (s.id, w.kind)).collect();
    let counted = rebuild(&tx, &kinds).await?;
    tx.commit().await?;
    Ok(Some(counted))
}
