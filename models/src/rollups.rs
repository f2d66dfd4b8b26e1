//! What evaluation reads instead of every reading: monthly totals per section, item and month
//! (`reading_months`, see `domain::evaluation::MonthTotals`), the series that have them
//! (`reading_series`), and each section's latest sample (`section_latest`). All are updated in the
//! transaction that stores readings, so they are never behind what is stored; [`rebuild`] fills them
//! from the readings (an older database, on first start).
//!
//! A period's value is then one `GROUP BY` over months: the cost of an assessment grows with sections ×
//! items × months, not with the readings an automatic station sends every few minutes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::Code;
use crate::domain::evaluation::{MonthTotals, PeriodTotals};
use crate::domain::gb3838::{Parameter, ParameterList, WaterBodyKind, WaterClass};
use crate::domain::period::YearMonth;
use crate::domain::reading::{DataKind, QualityFlag};
use crate::entities::{reading_months, reading_series, readings, section_latest};
use strum::VariantArray;

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

/// The readings evaluation counts: a normal device flag, no quality rule against them, and a counted data
/// kind (samples and hourly values, see [`DataKind::is_evaluated`]).
pub fn evaluated() -> Condition {
    let kinds: Vec<&'static str> =
        DataKind::VARIANTS.iter().copied().filter(|k| k.is_evaluated()).map(|k| k.as_str()).collect();
    Condition::all()
        .add(readings::Column::QualityFlag.eq(QualityFlag::Normal))
        .add(readings::Column::Qc.is_null())
        .add(readings::Column::DataKind.is_in(kinds))
}

/// Counts months of series again from their stored readings, for each (section, item, yyyymm): after
/// revisions, whose old values cannot be taken out of a total that keeps a maximum. A month left with no
/// evaluated readings loses its row.
///
/// A few statements a month, however many series: the month's sections and items are counted together
/// (every pair of them, a few more than asked when the pairs are sparse, all counted from what is stored).
/// Returns every (section, item, yyyymm) counted again, the extra pairs too: totals gathered for them and
/// not yet written are in that count already (see [`Pending::forget`]).
pub async fn recount(
    db: &impl ConnectionTrait,
    months: &BTreeSet<(i32, Parameter, i32)>,
) -> Result<BTreeSet<(i32, Parameter, i32)>, DbErr> {
    let mut recounted = BTreeSet::new();
    use reading_months::Column as M;
    let mut by_month: BTreeMap<i32, (BTreeSet<i32>, BTreeSet<Parameter>)> = BTreeMap::new();
    for &(section, parameter, key) in months {
        let (sections, parameters) = by_month.entry(key).or_default();
        sections.insert(section);
        parameters.insert(parameter);
    }
    for (key, (sections, parameters)) in by_month {
        let Some(month) = YearMonth::from_key(key) else { continue };
        let sections: Vec<i32> = sections.into_iter().collect();
        let parameters: Vec<Parameter> = parameters.into_iter().collect();
        recounted.extend(sections.iter().flat_map(|&s| parameters.iter().map(move |&p| (s, p, key))));
        for part in sections.chunks(RECOUNT_SECTIONS) {
            let values: Vec<(i32, Parameter, f64, bool)> = readings::Entity::find()
                .select_only()
                .columns([
                    readings::Column::SectionId,
                    readings::Column::Parameter,
                    readings::Column::Value,
                    readings::Column::BelowDetection,
                ])
                .filter(readings::Column::SectionId.is_in(part.iter().copied()))
                .filter(readings::Column::Parameter.is_in(parameters.iter().copied()))
                .filter(readings::Column::SampledAt.gte(month.start()))
                .filter(readings::Column::SampledAt.lt(month.next().start()))
                .filter(evaluated())
                .into_tuple()
                .all(db)
                .await?;
            reading_months::Entity::delete_many()
                .filter(M::Month.eq(key))
                .filter(M::SectionId.is_in(part.iter().copied()))
                .filter(M::Parameter.is_in(parameters.iter().copied()))
                .exec(db)
                .await?;
            let mut totals: BTreeMap<(i32, Parameter, i32), MonthTotals> = BTreeMap::new();
            for (section, parameter, value, below) in values {
                totals.entry((section, parameter, key)).or_default().add(parameter, value, below);
            }
            Pending { totals }.flush(db).await?;
        }
    }
    Ok(recounted)
}

/// Sections counted again per statement: well under both backends' bind limits with the items beside them.
const RECOUNT_SECTIONS: usize = 2000;

/// Rows per statement when adding totals: 8 values a row, well under both backends' bind limits.
const CHUNK: usize = 1000;

/// Adds newly stored readings to their months' totals. Call in the transaction that stored them.
pub async fn add(db: &impl ConnectionTrait, counted: &[Counted]) -> Result<(), DbErr> {
    let mut pending = Pending::default();
    pending.add(counted);
    pending.flush(db).await
}

/// Month totals gathered over a writer's chunks and written once, at its commit: a long import then
/// updates each month row once instead of once a chunk (PostgreSQL keeps every version of a row updated
/// in one transaction until it ends, and each lookup walks them).
#[derive(Debug, Default)]
pub struct Pending {
    totals: BTreeMap<(i32, Parameter, i32), MonthTotals>,
}

impl Pending {
    pub fn add(&mut self, counted: &[Counted]) {
        for c in counted {
            let key = (c.section_id, c.parameter, YearMonth::of_instant(c.sampled_at).key());
            self.totals.entry(key).or_default().add(c.parameter, c.value, c.below_detection);
        }
    }

    /// Adds a month's totals as they are: for benchmarks that fill the roll-ups without readings.
    pub fn put(&mut self, section_id: i32, parameter: Parameter, month: YearMonth, totals: MonthTotals) {
        self.totals.insert((section_id, parameter, month.key()), totals);
    }

    /// Forgets what is gathered for months about to be counted again from the stored readings (which
    /// already hold it).
    pub fn forget(&mut self, months: &BTreeSet<(i32, Parameter, i32)>) {
        for m in months {
            self.totals.remove(m);
        }
    }

    pub async fn flush(self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let series: BTreeSet<(i32, Parameter)> =
            self.totals.keys().map(|&(section, parameter, _)| (section, parameter)).collect();
        let series: Vec<_> = series.into_iter().collect();
        for chunk in series.chunks(CHUNK) {
            add_series(db, chunk).await?;
        }
        let rows: Vec<_> = self.totals.into_iter().collect();
        for chunk in rows.chunks(CHUNK) {
            add_chunk(db, chunk).await?;
        }
        Ok(())
    }
}

/// Records the series (section and item) that now have months, once each.
async fn add_series(db: &impl ConnectionTrait, series: &[(i32, Parameter)]) -> Result<(), DbErr> {
    use reading_series::Column as C;
    let models = series.iter().map(|&(section, parameter)| reading_series::ActiveModel {
        section_id: Set(section),
        parameter: Set(parameter),
    });
    reading_series::Entity::insert_many(models)
        .on_conflict(OnConflict::columns([C::SectionId, C::Parameter]).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

async fn add_chunk(db: &impl ConnectionTrait, rows: &[((i32, Parameter, i32), MonthTotals)]) -> Result<(), DbErr> {
    use reading_months::Column as C;
    let models = rows.iter().map(|((section, parameter, month), t)| reading_months::ActiveModel {
        section_id: Set(*section),
        parameter: Set(*parameter),
        month: Set(*month),
        n: Set(t.n as i32),
        n_nd: Set(t.n_nd as i32),
        sum_value: Set(t.sum),
        sum_h: Set(t.sum_h),
        max_dl: Set(t.max_dl),
    });
    // The largest detection limit of the two; either may be absent (SQLite's MAX() of a NULL is NULL).
    let max_dl = match db.get_database_backend() {
        DbBackend::Postgres => "GREATEST(reading_months.max_dl, excluded.max_dl)",
        _ => "MAX(COALESCE(reading_months.max_dl, excluded.max_dl), COALESCE(excluded.max_dl, reading_months.max_dl))",
    };
    let add = |column: &str| Expr::cust(format!("reading_months.{column} + excluded.{column}"));
    let on_conflict = OnConflict::columns([C::SectionId, C::Parameter, C::Month])
        .value(C::N, add("n"))
        .value(C::NNd, add("n_nd"))
        .value(C::SumValue, add("sum_value"))
        .value(C::SumH, add("sum_h"))
        .value(C::MaxDl, Expr::cust(max_dl))
        .to_owned();
    reading_months::Entity::insert_many(models).on_conflict(on_conflict).exec_without_returning(db).await?;
    Ok(())
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
///
/// The query walks the series and, for each, reads the period's months as one range of `reading_months`'
/// key: a year costs twelve rows a series however many years are stored (a filter on the month alone would
/// read every month ever stored, or need an index whose rows are scattered over the table).
pub async fn period_totals(
    db: &impl ConnectionTrait,
    from: YearMonth,
    to: YearMonth,
    sections: Option<&[i32]>,
) -> Result<HashMap<i32, Vec<(Parameter, PeriodTotals)>>, DbErr> {
    use reading_months::Column as M;
    use reading_series::Column as S;
    let (s, m) = (reading_series::Entity, reading_months::Entity);
    // Each month's mean, of [H⁺] for pH, averaged.
    let month_sum = CaseStatement::new()
        .case(Expr::col((m, M::Parameter)).eq(Parameter::Ph), Expr::col((m, M::SumH)))
        .finally(Expr::col((m, M::SumValue)));
    let mean = Func::avg(Expr::expr(month_sum).div(Expr::col((m, M::N))));
    let aggregates = |query: &mut sea_orm::sea_query::SelectStatement| {
        query
            .expr_as(Func::count(Expr::col((m, M::Month))), "months")
            .expr_as(Func::sum(Expr::col((m, M::N))), "samples")
            .expr_as(Func::sum(Expr::col((m, M::NNd))), "nds")
            .expr_as(Func::max(Expr::col((m, M::MaxDl))), "max_dl")
            .expr_as(mean.clone(), "mean_of_means");
    };
    let query = if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // SQLite walks each series' key range of the clustered table, in key order: no sort, no hash.
        let mut query = Query::select();
        query.column((s, S::SectionId)).column((s, S::Parameter));
        aggregates(&mut query);
        query
            .from(s)
            .inner_join(
                m,
                Expr::col((m, M::SectionId))
                    .equals((s, S::SectionId))
                    .and(Expr::col((m, M::Parameter)).equals((s, S::Parameter)))
                    .and(Expr::col((m, M::Month)).gte(from.key()))
                    .and(Expr::col((m, M::Month)).lte(to.key())),
            )
            .and_where(Expr::col((m, M::N)).gt(0))
            .group_by_col((s, S::SectionId))
            .group_by_col((s, S::Parameter));
        if let Some(ids) = sections {
            query.and_where(Expr::col((s, S::SectionId)).is_in(ids.iter().copied()));
        }
        query
    } else {
        // PostgreSQL reads the period's months in one scan and hashes them by series: 0.33 s for a nation's
        // year against 0.87 s probing each series' range through the series table.
        let mut query = Query::select();
        query.column((m, M::SectionId)).column((m, M::Parameter));
        aggregates(&mut query);
        query
            .from(m)
            .and_where(Expr::col((m, M::Month)).gte(from.key()))
            .and_where(Expr::col((m, M::Month)).lte(to.key()))
            .and_where(Expr::col((m, M::N)).gt(0))
            .group_by_col((m, M::SectionId))
            .group_by_col((m, M::Parameter));
        if let Some(ids) = sections {
            query.and_where(Expr::col((m, M::SectionId)).is_in(ids.iter().copied()));
        }
        query
    };
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
        .filter(evaluated())
        .filter(readings::Column::Class.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let classed: Vec<(Parameter, WaterClass)> = items.into_iter().filter_map(|(p, c)| Some((p, c?))).collect();
    let Some((class, worst_items)) = sample_class(&classed, kind) else {
        // Nothing judged is left at `at` (its values revised into flagged ones, or set aside by hand): if it
        // was the latest sample, the newest one still judged takes its place, or the section has none.
        let current = section_latest::Entity::find_by_id(section).one(db).await?;
        if current.is_some_and(|c| c.sampled_at == at) {
            let newest: Option<DateTime<Utc>> = readings::Entity::find()
                .select_only()
                .column_as(readings::Column::SampledAt.max(), "newest")
                .filter(readings::Column::SectionId.eq(section))
                .filter(evaluated())
                .filter(readings::Column::Class.is_not_null())
                .into_tuple()
                .one(db)
                .await?
                .flatten();
            match newest {
                Some(newest) if newest != at => return Box::pin(write_latest(db, section, kind, newest)).await,
                _ => {
                    section_latest::Entity::delete_by_id(section).exec(db).await?;
                }
            }
        }
        return Ok(());
    };
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
    reading_series::Entity::delete_many().exec(db).await?;
    section_latest::Entity::delete_many().exec(db).await?;
    let mut after: Option<i64> = None;
    let mut counted_total = 0;
    let mut latest: HashMap<i32, DateTime<Utc>> = HashMap::new();
    loop {
        let mut query =
            readings::Entity::find().filter(evaluated()).order_by_asc(readings::Column::Id).limit(REBUILD_PAGE);
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::DatabaseConnection;

    use super::*;
    use crate::demo::{Dataset, HistoryRow};
    use crate::domain::audit::Actor;
    use crate::domain::reading::{ReadingInput, ReadingSource, ValueInput};
    use crate::domain::{ControlLevel, RegionLevel};
    use crate::readings::{Submission, submit};
    use crate::registry::{Origin, RegionRow, Registry, SectionRow, WaterBodyRow};
    use crate::test_db::on_the_backend_under_test;

    fn dataset() -> Dataset {
        let region = RegionRow {
            code: "360104".into(),
            name: "demo district".into(),
            level: RegionLevel::District,
            parent: None,
            retired: false,
            origin: Origin::default(),
        };
        let body = |code: &str, kind| WaterBodyRow {
            code: code.into(),
            name: code.into(),
            kind,
            parent: None,
            regions: Vec::new(),
            description: None,
            retired: false,
            origin: Origin::default(),
        };
        let section = |code: &str, body: &str| SectionRow {
            code: code.into(),
            name: code.into(),
            water_body: body.into(),
            region: "360104".into(),
            longitude: None,
            latitude: None,
            control_level: ControlLevel::District,
            target: WaterClass::III,
            station_mn: None,
            reach: None,
            active_from: None,
            active_to: None,
            origin: Origin::default(),
        };
        let at = |m: u32, d: u32| Utc.with_ymd_and_hms(2026, m, d, 2, 0, 0).unwrap();
        let history = |section: &str, parameter, sampled_at, value| HistoryRow {
            section: section.into(),
            parameter,
            sampled_at,
            value,
        };
        Dataset {
            name: "rollups test".into(),
            registry: Registry {
                regions: vec![region],
                water_bodies: vec![body("R1", WaterBodyKind::River), body("L1", WaterBodyKind::Lake)],
                sections: vec![section("S-R", "R1"), section("S-L", "L1")],
                ..Registry::default()
            },
            readings: vec![
                history("S-R", Parameter::Nh3n, at(1, 5), 0.4),
                history("S-R", Parameter::Ph, at(1, 5), 7.0),
                history("S-L", Parameter::Tp, at(2, 5), 0.03),
            ],
            ..Dataset::default()
        }
    }

    fn reading(section: &str, parameter: &str, at: &str, value: ValueInput) -> ReadingInput {
        ReadingInput {
            section: Some(section.into()),
            parameter: Some(parameter.into()),
            sampled_at: Some(at.into()),
            value: Some(value),
            ..ReadingInput::default()
        }
    }

    async fn store(db: &DatabaseConnection, readings: Vec<ReadingInput>) {
        let submission = Submission {
            items: readings.into_iter().enumerate().collect(),
            source: ReadingSource::Api,
            actor: Actor::system("test"),
            only_section: None,
            live_window: crate::readings::DEFAULT_LIVE_WINDOW,
        };
        submit(db, submission, Utc::now()).await.expect("stored");
    }

    async fn snapshot(
        db: &DatabaseConnection,
    ) -> (Vec<reading_months::Model>, Vec<reading_series::Model>, Vec<section_latest::Model>) {
        (
            reading_months::Entity::find().all(db).await.unwrap().into_iter().collect::<BTreeSetOf<_>>().0,
            reading_series::Entity::find().all(db).await.unwrap().into_iter().collect::<BTreeSetOf<_>>().0,
            section_latest::Entity::find().order_by_asc(section_latest::Column::SectionId).all(db).await.unwrap(),
        )
    }

    /// Rebuilds the roll-ups from the readings, in a transaction of its own; returns the readings counted.
    async fn rebuild_all(db: &DatabaseConnection) -> u64 {
        let tx = crate::db::begin_write(db).await.unwrap();
        let sections = crate::entities::sections::Entity::find().all(&tx).await.unwrap();
        let kinds: HashMap<i32, WaterBodyKind> = crate::sections::with_water_bodies(&tx, sections)
            .await
            .unwrap()
            .into_iter()
            .map(|(s, w)| (s.id, w.kind))
            .collect();
        let counted = rebuild(&tx, &kinds).await.unwrap();
        tx.commit().await.unwrap();
        counted
    }

    /// Rows in a stable order (the models hold floats, so they are sorted by their debug text).
    struct BTreeSetOf<T>(Vec<T>);

    impl<T: std::fmt::Debug> FromIterator<T> for BTreeSetOf<T> {
        fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
            let mut rows: Vec<T> = iter.into_iter().collect();
            rows.sort_by_key(|r| format!("{r:?}"));
            Self(rows)
        }
    }

    on_the_backend_under_test!(
        kept_up_equals_rebuilt,
        a_writer_screens_each_chunk_against_the_one_before,
        totals_gathered_over_chunks_with_revisions_equal_rebuilt,
        revisions_across_sections_items_and_months_recount_as_a_rebuild_would,
        a_latest_sample_set_aside_by_hand_gives_way_to_the_one_before,
        a_recount_in_a_later_chunk_does_not_count_gathered_totals_twice
    );

    /// A writer gathers month totals over its chunks and writes them at commit; a revision in a later chunk
    /// counts its month again. The result is what rebuilding from the readings gives.
    async fn totals_gathered_over_chunks_with_revisions_equal_rebuilt(db: &DatabaseConnection) {
        use crate::readings::{DEFAULT_LIVE_WINDOW, Writer};
        crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
        let mut writer = Writer::begin(db, ReadingSource::Csv, Actor::system("test"), DEFAULT_LIVE_WINDOW, Utc::now())
            .await
            .unwrap();
        let at = |d: u32| format!("2026-01-{d:02}T08:00:00+08:00");
        let chunks = [
            vec![
                reading("S-R", "nh3n", &at(6), ValueInput::Number(0.6)),
                reading("S-R", "nh3n", &at(7), ValueInput::Number(0.7)),
            ],
            // 0.6 revised to 1.6 in the same month; one more new value; the lake gets a month.
            vec![
                reading("S-R", "nh3n", &at(6), ValueInput::Number(1.6)),
                reading("S-R", "nh3n", &at(8), ValueInput::Number(0.8)),
                reading("S-L", "tp", &at(9), ValueInput::Number(0.04)),
            ],
            vec![reading("S-R", "nh3n", &at(9), ValueInput::Number(0.9))],
        ];
        for chunk in chunks {
            let items: Vec<(usize, ReadingInput)> = chunk.into_iter().enumerate().collect();
            let (valid, problems) = writer.check(&items).await.unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            writer.store(valid).await.unwrap();
        }
        let totals = writer.commit(None).await.unwrap();
        assert_eq!((totals.stored, totals.revised), (5, 1));
        let kept_up = snapshot(db).await;
        let january = kept_up.0.iter().find(|m| m.parameter == Parameter::Nh3n && m.month == 202601).expect("month");
        // 0.4 from the dataset, then 1.6 (revised from 0.6), 0.7, 0.8, 0.9.
        assert_eq!(january.n, 5);
        assert!((january.sum_value - (0.4 + 1.6 + 0.7 + 0.8 + 0.9)).abs() < 1e-9, "{january:?}");

        rebuild_all(db).await;
        assert_eq!(snapshot(db).await, kept_up);
    }

    /// Revisions of several series in several months, in one chunk, are counted again together: the pairs
    /// of section and item that were not revised keep their totals, and a month whose only evaluated value
    /// is revised into a device-flagged one loses its row. The result is what rebuilding gives.
    async fn revisions_across_sections_items_and_months_recount_as_a_rebuild_would(db: &DatabaseConnection) {
        crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
        let at = |m: u32, d: u32| format!("2026-{m:02}-{d:02}T08:00:00+08:00");
        let n = |v: f64| ValueInput::Number(v);
        store(
            db,
            vec![
                reading("S-R", "nh3n", &at(3, 6), n(0.6)),
                reading("S-R", "ph", &at(3, 6), n(7.2)),
                reading("S-R", "nh3n", &at(4, 6), n(0.5)),
                reading("S-L", "tp", &at(3, 9), n(0.04)),
                reading("S-L", "tp", &at(4, 9), n(0.05)),
            ],
        )
        .await;
        let mut flagged = reading("S-L", "tp", &at(4, 9), n(0.05));
        flagged.flag = Some("D".into());
        store(
            db,
            vec![
                // March: the river's NH3-N and the lake's TP revised; the river's pH is not.
                reading("S-R", "nh3n", &at(3, 6), n(1.6)),
                reading("S-L", "tp", &at(3, 9), n(0.14)),
                // April: the river's NH3-N revised; the lake's only TP value now flagged by its device.
                reading("S-R", "nh3n", &at(4, 6), n(0.25)),
                flagged,
            ],
        )
        .await;
        let kept_up = snapshot(db).await;
        let month = |p: Parameter, m: i32| kept_up.0.iter().find(|r| r.parameter == p && r.month == m);
        assert!((month(Parameter::Nh3n, 202603).expect("March NH3-N").sum_value - 1.6).abs() < 1e-9);
        assert!((month(Parameter::Nh3n, 202604).expect("April NH3-N").sum_value - 0.25).abs() < 1e-9);
        assert!((month(Parameter::Tp, 202603).expect("March TP").sum_value - 0.14).abs() < 1e-9);
        assert!((month(Parameter::Ph, 202603).expect("March pH").sum_value - 7.2).abs() < 1e-9);
        assert!(month(Parameter::Tp, 202604).is_none(), "April's TP has no evaluated value left");
        rebuild_all(db).await;
        assert_eq!(snapshot(db).await, kept_up);
    }

    /// The latest sample's only value flagged by hand: the sample before it becomes the latest again, and
    /// clearing the flag brings it back. Each time the roll-ups equal a rebuild.
    async fn a_latest_sample_set_aside_by_hand_gives_way_to_the_one_before(db: &DatabaseConnection) {
        use crate::domain::reading::QcFlag;
        crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
        store(db, vec![reading("S-L", "tp", "2026-03-09T08:00:00+08:00", ValueInput::Number(0.14))]).await;
        let lake = crate::sections::find_by_code(db, "S-L").await.unwrap().expect("lake").section.id;
        let latest = || async move {
            section_latest::Entity::find_by_id(lake).one(db).await.unwrap().map(|l| (l.sampled_at, l.class))
        };
        let march = Utc.with_ymd_and_hms(2026, 3, 9, 0, 0, 0).unwrap();
        assert_eq!(latest().await, Some((march, WaterClass::V)));
        let id = readings::Entity::find()
            .filter(readings::Column::SampledAt.eq(march))
            .one(db)
            .await
            .unwrap()
            .expect("March")
            .id;
        let set = |qc| crate::readings::set_qc(db, id, qc, Some("test"), Actor::system("test"), Utc::now());
        set(Some(QcFlag::Manual)).await.expect("flagged");
        // The dataset's February sample: TP 0.03 on a lake is class III.
        assert_eq!(latest().await.map(|l| l.0.date_naive()), chrono::NaiveDate::from_ymd_opt(2026, 2, 5));
        let flagged = snapshot(db).await;
        rebuild_all(db).await;
        assert_eq!(snapshot(db).await, flagged);
        set(None).await.expect("cleared");
        assert_eq!(latest().await, Some((march, WaterClass::V)));
        let cleared = snapshot(db).await;
        rebuild_all(db).await;
        assert_eq!(snapshot(db).await, cleared);
    }

    /// One writer, two chunks: the second revises the river's NH3-N and the lake's TP in March, so March is
    /// counted again for both sections and both items, including the river's TP, whose new value from the
    /// first chunk is only gathered (written at commit). It must be counted once.
    async fn a_recount_in_a_later_chunk_does_not_count_gathered_totals_twice(db: &DatabaseConnection) {
        use crate::readings::{DEFAULT_LIVE_WINDOW, Writer};
        crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
        let mut writer = Writer::begin(db, ReadingSource::Csv, Actor::system("test"), DEFAULT_LIVE_WINDOW, Utc::now())
            .await
            .unwrap();
        let at = |d: u32| format!("2026-03-{d:02}T08:00:00+08:00");
        let n = |v: f64| ValueInput::Number(v);
        let chunks = [
            vec![
                reading("S-R", "nh3n", &at(6), n(0.6)),
                reading("S-R", "tp", &at(8), n(0.1)),
                reading("S-L", "tp", &at(9), n(0.04)),
            ],
            vec![reading("S-R", "nh3n", &at(6), n(1.6)), reading("S-L", "tp", &at(9), n(0.14))],
        ];
        for chunk in chunks {
            let items: Vec<(usize, ReadingInput)> = chunk.into_iter().enumerate().collect();
            let (valid, problems) = writer.check(&items).await.unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            writer.store(valid).await.unwrap();
        }
        writer.commit(None).await.unwrap();
        let kept_up = snapshot(db).await;
        let river_tp =
            kept_up.0.iter().find(|m| m.parameter == Parameter::Tp && m.month == 202603 && m.section_id == 1);
        assert_eq!(river_tp.map(|m| m.n), Some(1), "{river_tp:?}");
        rebuild_all(db).await;
        assert_eq!(snapshot(db).await, kept_up);
    }

    /// Within one writer (an import's chunks), a series' next chunk is screened against the values the
    /// writer just wrote, without asking the database again.
    async fn a_writer_screens_each_chunk_against_the_one_before(db: &DatabaseConnection) {
        use crate::domain::reading::QcFlag;
        use crate::readings::{DEFAULT_LIVE_WINDOW, Writer};
        crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
        let hour = |h: u32, v: f64| {
            let mut r = reading("S-R", "nh3n", &format!("2026-03-01T{h:02}:00:00+08:00"), ValueInput::Number(v));
            r.kind = Some("hour".into());
            r
        };
        let mut writer = Writer::begin(db, ReadingSource::Csv, Actor::system("test"), DEFAULT_LIVE_WINDOW, Utc::now())
            .await
            .unwrap();
        let mut store = async |items: Vec<ReadingInput>| {
            let items: Vec<(usize, ReadingInput)> = items.into_iter().enumerate().collect();
            let (valid, problems) = writer.check(&items).await.unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            writer.store(valid).await.unwrap()
        };
        let first = store(vec![hour(1, 0.4), hour(2, 0.5)]).await;
        assert!(first.iter().all(|r| r.qc.is_none()));
        let second = store(vec![hour(3, 4.0), hour(4, 0.6)]).await;
        assert_eq!(second[0].qc, Some(QcFlag::Spike), "0.5 → 4.0 in an hour");
        assert_eq!(second[1].qc, None, "compared with 0.5, not with the spike");
        let stuck: Vec<ReadingInput> = (5..17).map(|h| hour(h, 0.7)).collect();
        let third = store(stuck).await;
        assert_eq!(third.last().and_then(|r| r.qc), Some(QcFlag::Flat), "twelve equal hourly values");
        writer.commit(None).await.unwrap();
    }

    /// The roll-ups kept up batch by batch are the ones rebuilt from the readings, and a period's totals are
    /// the mean of the monthly means (of [H⁺] for pH), computed here by hand.
    async fn kept_up_equals_rebuilt(db: &DatabaseConnection) {
        {
            crate::demo::load(db, &dataset(), Utc::now()).await.expect("loaded");
            use ValueInput::{Number, Text};
            store(
                db,
                vec![
                    reading("S-R", "nh3n", "2026-01-20T10:00:00+08:00", Number(0.8)),
                    reading("S-R", "ph", "2026-01-20T10:00:00+08:00", Number(8.0)),
                    // February in China Standard Time, though still January in UTC.
                    reading("S-R", "nh3n", "2026-02-01T01:00:00+08:00", Text("<0.1".into())),
                    reading("S-L", "tp", "2026-02-20T10:00:00+08:00", Number(0.05)),
                ],
            )
            .await;
            // A later batch adds to the same months.
            store(
                db,
                vec![
                    reading("S-R", "nh3n", "2026-02-10T10:00:00+08:00", Number(0.35)),
                    reading("S-R", "ph", "2026-02-10T10:00:00+08:00", Number(6.0)),
                ],
            )
            .await;
            let kept_up = snapshot(db).await;
            assert_eq!(kept_up.1.len(), 3, "series: S-R nh3n and ph, S-L tp");
            assert_eq!(kept_up.2.len(), 2, "both sections have a latest sample");

            assert_eq!(rebuild_all(db).await, 9);
            assert_eq!(snapshot(db).await, kept_up);

            let river = crate::entities::sections::Entity::find()
                .filter(crate::entities::sections::Column::Code.eq("S-R"))
                .one(db)
                .await
                .unwrap()
                .expect("the river section")
                .id;
            let year = period_totals(db, YearMonth::new(2026, 1).unwrap(), YearMonth::new(2026, 12).unwrap(), None)
                .await
                .unwrap();
            let items = &year[&river];
            let (_, nh3n) = items.iter().find(|(p, _)| *p == Parameter::Nh3n).unwrap();
            // January (0.4 + 0.8) / 2 = 0.6; February (0.05 for the non-detect + 0.35) / 2 = 0.2.
            assert_eq!((nh3n.months, nh3n.samples, nh3n.nds), (2, 4, 1));
            assert!((nh3n.mean_of_means - 0.4).abs() < 1e-12, "{}", nh3n.mean_of_means);
            assert_eq!(nh3n.max_dl, Some(0.1));
            let (_, ph) = items.iter().find(|(p, _)| *p == Parameter::Ph).unwrap();
            let h = ((1e-7 + 1e-8) / 2.0 + 1e-6) / 2.0;
            assert!((ph.mean_of_means - h).abs() < 1e-18, "{} vs {h}", ph.mean_of_means);

            // A period that ends before February sees January only; one section asked for, one answered.
            let january =
                period_totals(db, YearMonth::new(2026, 1).unwrap(), YearMonth::new(2026, 1).unwrap(), Some(&[river]))
                    .await
                    .unwrap();
            assert_eq!(january.len(), 1);
            let (_, nh3n) = january[&river].iter().find(|(p, _)| *p == Parameter::Nh3n).unwrap();
            assert_eq!((nh3n.months, nh3n.samples, nh3n.nds), (1, 2, 0));
        }
    }
}
