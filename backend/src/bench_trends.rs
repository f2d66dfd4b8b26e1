//! `riverchief bench trends`: the nightly `trend_analysis` job at a nation's size. A registry of `sections`
//! sections is stored, their monthly totals of nine items over `years` years are written straight into
//! `reading_months` (no raw readings: the job reads only the totals), and the job is timed with its peak
//! memory, then timed again (every result already stored: the upsert path). With `--early-warning` the
//! hourly `early_warning` job is timed after it: first with every forecast fitted, then an hour later with
//! every model kept. Not a test: run it on a release build.

use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

pub async fn run(sections: usize, years: u32, into: Option<&str>, early_warning: bool) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let db = empty_database(into, dir.path()).await?;
    models::rollups::ensure_built(&db, Utc::now()).await?;
    let now = Utc::now();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut table = Vec::new();

    let started = Instant::now();
    let dataset = seed::national::dataset(sections, 0, today, SEED);
    models::demo::load(&db, &dataset, now).await.context("storing the registry")?;
    drop(dataset);
    table.push((format!("store the registry ({sections} sections)"), started.elapsed().as_secs_f64(), None));

    let started = Instant::now();
    let kinds = models::trends::section_kinds(&db).await?;
    let mut ids: Vec<i32> = kinds.keys().copied().collect();
    ids.sort_unstable();
    let months = years * 12;
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
        let tx = models::db::begin_write(&db).await?;
        pending.flush(&tx).await.context("writing monthly totals")?;
        tx.commit().await?;
    }
    table.push((
        format!("fill reading_months directly ({rows} rows: {} items × {months} months)", ITEMS.len()),
        started.elapsed().as_secs_f64(),
        None,
    ));

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

    let backend = format!("{:?}", sea_orm::ConnectionTrait::get_database_backend(&db));
    println!(
        "riverchief bench trends: {sections} sections × {} items × {months} months, {stored} results, on {backend}",
        ITEMS.len()
    );
    println!("| step | seconds | peak memory (MB) |\n|---|---:|---:|");
    for (what, seconds, peak) in &table {
        let peak = peak.map_or("–".to_string(), |m| format!("{m:.0}"));
        println!("| {what} | {seconds:.3} | {peak} |");
    }
    Ok(())
}
