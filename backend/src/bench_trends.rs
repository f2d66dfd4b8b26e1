//! `riverchief bench trends`: the nightly `trend_analysis` job at two sizes, timed with its peak memory,
//! then timed again (every result already stored: the upsert path). Not a test: run it on a release build.
//!
//! - `--scale national`: a registry of `sections` sections whose monthly totals of nine items over `years`
//!   years are written straight into `reading_months` (no raw readings: the monthly windows read only the
//!   totals).
//! - `--scale station`: `stations` automatic stations reporting nine items every four hours for `days`
//!   days, stored as raw hourly readings (what the 90-day window averages in the database) with the
//!   monthly totals the readings writer keeps beside them.
//!
//! With `--early-warning` the hourly `early_warning` job is timed after it: first with every forecast
//! fitted, then an hour later with every model kept.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, TimeDelta, TimeZone, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait};

use models::domain::evaluation::MonthTotals;
use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};
use models::domain::period::YearMonth;
use models::rollups::Pending;

use crate::bench::{empty_database, reset_peak, status_mb};

const SEED: u64 = 20_261_211;

/// Sections whose months are written per transaction while filling.
const FILL_SECTIONS: usize = 200;

/// The nine items: the ones a national network reports most.
const ITEMS: [Parameter; 9] = [
    Parameter::Ph,
    Parameter::Do,
    Parameter::Codmn,
    Parameter::Cod,
    Parameter::Bod5,
    Parameter::Nh3n,
    Parameter::Tp,
    Parameter::F,
    Parameter::Cu,
];

/// Which data the job is timed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// Monthly totals of a nation's sections (the 12-, 36- and 60-month windows).
    National,
    /// Four-hourly readings of automatic stations (the 90-day window, and the monthly windows of their
    /// totals).
    Station,
}

/// What one step cost: what, seconds, peak memory (MB).
type Row = (String, f64, Option<f64>);

pub async fn run(scale: Scale, size: Size, into: Option<&str>, early_warning: bool) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let db = empty_database(into, dir.path()).await?;
    models::rollups::ensure_built(&db, Utc::now()).await?;
    let now = Utc::now();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut table = Vec::new();

    let sections = match scale {
        Scale::National => size.sections,
        Scale::Station => size.stations,
    };
    let started = Instant::now();
    let dataset = seed::national::dataset(sections, 0, today, SEED);
    models::demo::load(&db, &dataset, now).await.context("storing the registry")?;
    drop(dataset);
    table.push((format!("store the registry ({sections} sections)"), started.elapsed().as_secs_f64(), None));

    let data = match scale {
        Scale::National => {
            let months = size.years * 12;
            table.push(fill_months(&db, today, months).await?);
            format!("{sections} sections × {} items × {months} months", ITEMS.len())
        }
        Scale::Station => {
            table.extend(fill_station_readings(&db, today, size.days).await?);
            format!("{sections} automatic stations × {} items × {} days of four-hourly values", ITEMS.len(), size.days)
        }
    };

    for what in ["trend_analysis (first run: every result new)", "trend_analysis again (every result replaced)"] {
        reset_peak();
        let started = Instant::now();
        let report = jobs::trend_analysis::run(&db, Utc::now()).await?;
        let seconds = started.elapsed().as_secs_f64();
        if report.failures > 0 || report.get("analysed") == 0 {
            anyhow::bail!("{what}: {report}");
        }
        table.push((format!("{what}: {}", report.summary()), seconds, status_mb("VmHWM:")));
    }
    let stored = models::trends::count(&db).await?;
    if early_warning {
        let thresholds = models::domain::warning::WarningThresholds::default();
        let first = Utc::now();
        for (what, at) in [
            ("early_warning (first run: every forecast fitted)", first),
            ("early_warning an hour later (every model kept)", first + chrono::TimeDelta::hours(1)),
        ] {
            reset_peak();
            let started = Instant::now();
            let report = jobs::early_warning::run(&db, &thresholds, at).await?;
            let seconds = started.elapsed().as_secs_f64();
            if report.failures > 0 {
                anyhow::bail!("{what}: {report}");
            }
            table.push((format!("{what}: {}", report.summary()), seconds, status_mb("VmHWM:")));
        }
    }

    let backend = format!("{:?}", db.get_database_backend());
    println!("riverchief bench trends --scale {scale:?}: {data}, {stored} results, on {backend}");
    println!("| step | seconds | peak memory (MB) |\n|---|---:|---:|");
    for (what, seconds, peak) in &table {
        let peak = peak.map_or("–".to_string(), |m| format!("{m:.0}"));
        println!("| {what} | {seconds:.3} | {peak} |");
    }
    Ok(())
}

/// The sizes of both scales (each scale reads its own).
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub sections: usize,
    pub years: u32,
    pub stations: usize,
    pub days: u32,
}

/// Writes `months` months of totals of every section straight into the roll-ups.
async fn fill_months(db: &DatabaseConnection, today: NaiveDate, months: u32) -> anyhow::Result<Row> {
    let started = Instant::now();
    let kinds = models::trends::section_kinds(db).await?;
    let mut ids: Vec<i32> = kinds.keys().copied().collect();
    ids.sort_unstable();
    let last = YearMonth::of(today).previous();
    let mut first = last;
    for _ in 1..months {
        first = first.previous();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut rows = 0usize;
    for chunk in ids.chunks(FILL_SECTIONS) {
        let mut pending = Pending::default();
        for &id in chunk {
            let kind = kinds.get(&id).copied().unwrap_or(WaterBodyKind::River);
            // A section's load as a share of the class III limit, and its drift a year (a third rising, a
            // third falling, a third flat).
            let load: f64 = rng.random_range(0.2..1.5);
            let drift = [0.05, -0.05, 0.0][rng.random_range(0..3)];
            for &p in &ITEMS {
                let mut month = first;
                for k in 0..months {
                    let years_in = f64::from(k) / 12.0;
                    let season = 1.0 + 0.15 * (f64::from(month.month) * std::f64::consts::PI / 6.0).sin();
                    let noise: f64 = rng.random_range(0.8..1.25);
                    let value = match p {
                        Parameter::Ph => 7.2 + 0.3 * (noise - 1.0) + drift * years_in,
                        Parameter::Do => 8.0 / load * noise * season,
                        _ => {
                            p.limit_for(WaterClass::III, kind).unwrap_or(1.0)
                                * load
                                * noise
                                * season
                                * (1.0 + drift * years_in)
                        }
                    };
                    let mut totals = MonthTotals::default();
                    totals.add(p, value.max(0.0), false);
                    pending.put(id, p, month, totals);
                    month = month.next();
                    rows += 1;
                }
            }
        }
        let tx = models::db::begin_write(db).await?;
        pending.flush(&tx).await.context("writing monthly totals")?;
        tx.commit().await?;
    }
    Ok((
        format!("fill reading_months directly ({rows} rows: {} items × {months} months)", ITEMS.len()),
        started.elapsed().as_secs_f64(),
        None,
    ))
}

/// Stations whose readings are generated and stored together while filling (about 500,000 readings).
const FILL_STATIONS: usize = 25;

/// Hours between an automatic station's values: the national network's stations report every four hours.
const EVERY_HOURS: i64 = 4;

/// One generated station reading.
struct StationReading {
    section_id: i32,
    parameter: Parameter,
    sampled_at: DateTime<Utc>,
    /// Below detection: the detection limit.
    value: f64,
    below_detection: bool,
    class: Option<WaterClass>,
}

/// The `days` days ending at midnight today (China Standard Time) of four-hourly `hour` values of every
/// station, stored as raw readings (COPY on PostgreSQL, multi-row inserts on SQLite) with their monthly
/// totals in the roll-ups, as the readings writer would have kept them. Copper sits near its detection
/// limit, so some of its values and days are non-detects.
async fn fill_station_readings(db: &DatabaseConnection, today: NaiveDate, days: u32) -> anyhow::Result<Vec<Row>> {
    let started = Instant::now();
    let kinds = models::trends::section_kinds(db).await?;
    let mut ids: Vec<i32> = kinds.keys().copied().collect();
    ids.sort_unstable();
    let end = chrono_tz::Asia::Shanghai
        .from_local_datetime(&today.and_time(NaiveTime::MIN))
        .single()
        .context("midnight in China Standard Time")?
        .to_utc();
    let start = end - TimeDelta::days(i64::from(days));
    let steps = i64::from(days) * 24 / EVERY_HOURS;
    let months: BTreeSet<i32> =
        (0..=i64::from(days)).map(|d| YearMonth::of_instant(start + TimeDelta::days(d)).key()).collect();
    models::partitions::ensure_months(db, months).await.context("making the readings partitions")?;
    let received_at = Utc::now().trunc_subsecs(0);

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (mut rows, mut month_rows) = (0usize, 0usize);
    for chunk in ids.chunks(FILL_STATIONS) {
        let mut readings = Vec::with_capacity(chunk.len() * ITEMS.len() * usize::try_from(steps).unwrap_or(0));
        let mut totals: BTreeMap<(i32, Parameter, YearMonth), MonthTotals> = BTreeMap::new();
        for &id in chunk {
            let kind = kinds.get(&id).copied().unwrap_or(WaterBodyKind::River);
            // As for the national scale: a station's load against class III and its drift a year.
            let load: f64 = rng.random_range(0.2..1.5);
            let drift = [0.1, -0.1, 0.0][rng.random_range(0..3)];
            for &p in &ITEMS {
                for k in 0..steps {
                    let sampled_at = start + TimeDelta::hours(k * EVERY_HOURS);
                    let local = sampled_at.with_timezone(&chrono_tz::Asia::Shanghai);
                    let years_in = (k * EVERY_HOURS) as f64 / (24.0 * 365.0);
                    let season = 1.0 + 0.15 * (f64::from(local.ordinal()) * std::f64::consts::TAU / 365.0).sin();
                    // Photosynthesis: oxygen and pH peak in the afternoon, lowest before dawn.
                    let daily = (f64::from(local.hour()) - 9.0) * std::f64::consts::TAU / 24.0;
                    let noise: f64 = rng.random_range(0.85..1.18);
                    let value = match p {
                        Parameter::Ph => 7.3 + 0.25 * daily.sin() + 0.3 * (noise - 1.0) + drift * years_in,
                        Parameter::Do => 8.0 / load * noise * season * (1.0 + 0.15 * daily.sin()),
                        Parameter::Cu => CU_DL * rng.random_range(0.5..3.0),
                        _ => {
                            p.limit_for(WaterClass::III, kind).unwrap_or(1.0)
                                * load
                                * noise
                                * season
                                * (1.0 + drift * years_in)
                        }
                    };
                    let value = (value.max(0.0) * 1000.0).round() / 1000.0;
                    let below_detection = p == Parameter::Cu && value < CU_DL;
                    let value = if below_detection { CU_DL } else { value };
                    let judged = if below_detection { value / 2.0 } else { value };
                    totals.entry((id, p, YearMonth::of_instant(sampled_at))).or_default().add(
                        p,
                        value,
                        below_detection,
                    );
                    readings.push(StationReading {
                        section_id: id,
                        parameter: p,
                        sampled_at,
                        value,
                        below_detection,
                        class: p.classify(judged, kind),
                    });
                }
            }
        }
        rows += readings.len();
        month_rows += totals.len();
        store_station_readings(db, &readings, received_at).await.context("storing station readings")?;
        drop(readings);
        let mut pending = Pending::default();
        for ((id, p, month), t) in totals {
            pending.put(id, p, month, t);
        }
        let tx = models::db::begin_write(db).await?;
        pending.flush(&tx).await.context("writing monthly totals")?;
        tx.commit().await?;
    }
    let mut table = vec![(
        format!(
            "fill readings directly ({rows} four-hourly readings, {} items, and their {month_rows} monthly totals)",
            ITEMS.len()
        ),
        started.elapsed().as_secs_f64(),
        None,
    )];
    // A live database has its statistics (autovacuum analyses a table that grew); a bulk load has none yet.
    let started = Instant::now();
    db.execute_unprepared(if db.get_database_backend() == DbBackend::Postgres {
        "ANALYZE readings"
    } else {
        "ANALYZE"
    })
    .await
    .context("analysing the tables")?;
    table.push(("ANALYZE after the load".into(), started.elapsed().as_secs_f64(), None));
    Ok(table)
}

/// Copper's detection limit (mg/L, flame atomic absorption after chelation): station values sit around it.
const CU_DL: f64 = 0.005;

/// Readings per multi-row insert on SQLite: 16 values a row, under SQLite's 32,766 bound parameters.
const INSERT_ROWS: usize = 2000;

async fn store_station_readings(
    db: &DatabaseConnection,
    rows: &[StationReading],
    received_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    use models::domain::reading::{DataKind, QualityFlag, ReadingSource};
    use models::entities::readings;
    use sea_orm::ActiveValue::{NotSet, Set};
    if db.get_database_backend() == DbBackend::Postgres {
        use std::fmt::Write;
        let source: &str = ReadingSource::Hj212.into();
        let (flag, kind): (&str, &str) = (QualityFlag::Normal.into(), DataKind::Hour.into());
        let received = received_at.format("%Y-%m-%d %H:%M:%S+00").to_string();
        let mut data = String::with_capacity(rows.len() * 110);
        for r in rows {
            let class = r.class.map_or("\\N".to_string(), |c| c.rank().to_string());
            let (nd, dl) = if r.below_detection { ("t", r.value.to_string()) } else { ("f", "\\N".to_string()) };
            let _ = writeln!(
                data,
                "{}\t{}\t{}\t{}\t{nd}\t{dl}\t{source}\t{flag}\t{class}\t{received}\t{kind}\t1\t\\N\t\\N\t\\N\t\\N",
                r.section_id,
                r.parameter.key(),
                r.sampled_at.format("%Y-%m-%d %H:%M:%S+00"),
                r.value,
            );
        }
        let mut conn = db.get_postgres_connection_pool().acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY readings (section_id, parameter, sampled_at, value, below_detection, detection_limit, source, \
                 quality_flag, class, received_at, data_kind, revision, qc, origin, method, lab) FROM STDIN",
            )
            .await?;
        copy.send(data.into_bytes()).await?;
        copy.finish().await?;
        return Ok(());
    }
    let tx = models::db::begin_write(db).await?;
    for part in rows.chunks(INSERT_ROWS) {
        let batch = part.iter().map(|r| readings::ActiveModel {
            id: NotSet,
            section_id: Set(r.section_id),
            parameter: Set(r.parameter),
            sampled_at: Set(r.sampled_at),
            value: Set(r.value),
            below_detection: Set(r.below_detection),
            detection_limit: Set(r.below_detection.then_some(r.value)),
            source: Set(ReadingSource::Hj212),
            quality_flag: Set(QualityFlag::Normal),
            class: Set(r.class),
            received_at: Set(received_at),
            data_kind: Set(DataKind::Hour),
            revision: Set(1),
            qc: Set(None),
            origin: Set(None),
            method: Set(None),
            lab: Set(None),
        });
        readings::Entity::insert_many(batch).exec_without_returning(&tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
