//! `riverchief bench …`: measurements at a nation's size, printed as a table for the README. Not tests:
//! figures depend on the machine; run them on a release build.

use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, Utc};

use sea_orm::EntityTrait;

use models::assessment::{self, Scope};
use models::domain::evaluation::Rounding;
use models::domain::period::{Period, YearMonth};

/// What one step cost.
struct Step {
    what: String,
    seconds: f64,
    /// The process's peak resident memory during the step (Linux), MB.
    peak_mb: Option<f64>,
}

/// The peak resident set size is reset to the current one (Linux `clear_refs`), so that each step's peak
/// is its own.
pub(crate) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub(crate) fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

async fn measure<T, F: std::future::Future<Output = anyhow::Result<T>>>(
    steps: &mut Vec<Step>,
    what: impl Into<String>,
    f: F,
) -> anyhow::Result<T> {
    reset_peak();
    let started = Instant::now();
    let out = f.await?;
    steps.push(Step { what: what.into(), seconds: started.elapsed().as_secs_f64(), peak_mb: status_mb("VmHWM:") });
    Ok(out)
}

/// Builds a nation's registry of `sections` sections with `months` months of monthly samples of the 21
/// evaluated items in a fresh database (`into`, or a temporary SQLite file), then times the assessment, the
/// section list and a section's detail, each with its peak memory.
pub async fn assessment(sections: usize, months: u32, into: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let url = match into {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let db = models::db::open(&url).await.with_context(|| format!("opening {url}"))?;
    if models::entities::sections::Entity::find().one(&db).await?.is_some() {
        anyhow::bail!("{url} already holds sections: give an empty database");
    }
    models::rollups::ensure_built(&db, Utc::now()).await?;
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut steps = Vec::new();
    let dataset = measure(&mut steps, "generate the registry and history", async {
        Ok(seed::national::dataset(sections, months, today, 20_261_201))
    })
    .await?;
    let readings = dataset.readings.len();
    measure(&mut steps, format!("store them ({readings} readings, one transaction)"), async {
        Ok(models::demo::load(&db, &dataset, Utc::now()).await?)
    })
    .await?;
    drop(dataset);

    let last_month = YearMonth::of(today).previous();
    // The parts of an assessment, to see where its time goes.
    measure(&mut steps, "part: every section with its water body and town", async {
        Ok(assessment::section_facts(&db).await?)
    })
    .await?;
    let last_year = today.year() - 1;
    let (from, to) = (YearMonth { year: last_year, month: 1 }, YearMonth { year: last_year, month: 12 });
    measure(&mut steps, "part: a year's totals of every series (one query)", async {
        Ok(models::rollups::period_totals(&db, from, to, None).await?)
    })
    .await?;
    let rounding = Rounding::per_item();
    let year = Period::Year(today.year() - 1);
    let month = Period::Month(last_month);
    for (scope, period, what) in [
        (Scope::District, year, "assessment: the nation over a year (with the year before)"),
        (Scope::Town, year, "assessment: every town over a year"),
        (Scope::Town, month, "assessment: every town over last month (with the month before and last year's)"),
        (
            Scope::River,
            Period::YearToDate { year: last_month.year, through: last_month.month },
            "assessment: every river, year to date",
        ),
    ] {
        let a =
            measure(&mut steps, what, async { Ok(assessment::assess(&db, scope, period, rounding).await?) }).await?;
        let evaluated: usize = a.units.iter().map(|u| u.figures.evaluated).sum();
        if evaluated == 0 {
            anyhow::bail!("{what}: no section was evaluated");
        }
    }
    let listed = measure(&mut steps, "GET /api/v1/sections: every section with its latest class", async {
        Ok(models::sections::list_overview(&db).await?)
    })
    .await?;
    let code = listed.get(listed.len() / 2).map(|s| s.section.code.clone()).unwrap_or_default();
    measure(&mut steps, "GET /api/v1/sections/{code}: one section's detail", async {
        Ok(assessment::section_detail(&db, &code, today, rounding).await?)
    })
    .await?;

    let backend = format!("{:?}", sea_orm::ConnectionTrait::get_database_backend(&db));
    println!("riverchief bench assessment: {sections} sections, {months} months, {readings} readings, on {backend}");
    println!("| step | seconds | peak memory (MB) |\n|---|---:|---:|");
    for s in &steps {
        let peak = s.peak_mb.map_or("–".to_string(), |m| format!("{m:.0}"));
        println!("| {} | {:.3} | {peak} |", s.what, s.seconds);
    }
    Ok(())
}

/// Builds a nation's registry (`sections` sections, their reaches, five levels of chiefs and their
/// appointments) and times its import through the registry's one write, the same import again (nothing
/// changes), the section list, a section's chain and the export.
pub async fn registry(sections: usize, into: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let url = match into {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let db = models::db::open(&url).await.with_context(|| format!("opening {url}"))?;
    if models::entities::sections::Entity::find().one(&db).await?.is_some() {
        anyhow::bail!("{url} already holds sections: give an empty database");
    }
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut steps = Vec::new();
    let rows =
        measure(&mut steps, "generate the registry", async { Ok(seed::national::registry(sections, today)) }).await?;
    let (chiefs, terms) = (rows.chiefs.len(), rows.appointments.len());
    let workbook = measure(&mut steps, "write it as an XLSX workbook (what `registry export` writes)", async {
        Ok(crate::tabular::registry::write_xlsx(&rows)?)
    })
    .await?;
    let size_mb = workbook.len() as f64 / 1e6;
    let (read, _) =
        measure(&mut steps, format!("read the workbook ({size_mb:.1} MB) back, every cell checked"), async {
            Ok(crate::tabular::registry::read_xlsx(std::io::Cursor::new(workbook))?)
        })
        .await?;
    if read.len() != rows.len() {
        anyhow::bail!("the workbook read back {} rows of {}", read.len(), rows.len());
    }
    let actor = || models::audit::Actor::cli("bench registry");
    let plan = measure(
        &mut steps,
        format!("import it ({} rows: {chiefs} chiefs, {terms} appointments), audited", rows.len()),
        async { Ok(models::registry::apply(&db, &rows, actor(), Utc::now(), false).await?) },
    )
    .await?;
    if plan.total(|c| c.created) != rows.len() {
        anyhow::bail!("the import created {} of {} rows", plan.total(|c| c.created), rows.len());
    }
    let again = measure(&mut steps, "import the same rows again (nothing changes)", async {
        Ok(models::registry::apply(&db, &rows, actor(), Utc::now(), false).await?)
    })
    .await?;
    if !again.changes.is_empty() {
        anyhow::bail!("a second import changed {} rows", again.changes.len());
    }
    let listed = measure(&mut steps, "GET /api/v1/sections: every section with its latest class", async {
        Ok(models::sections::list_overview(&db).await?)
    })
    .await?;
    let code = listed.get(listed.len() / 2).map(|s| s.section.code.clone()).unwrap_or_default();
    let ctx = models::sections::find_by_code(&db, &code).await?.context("a section")?;
    let chain = measure(&mut steps, "GET /api/v1/sections/{code}/chain: who answers for one section today", async {
        Ok(models::chiefs::chain_for_section(&db, &ctx.section, today).await?)
    })
    .await?;
    if chain.len() != 5 {
        anyhow::bail!("{code}'s chain has {} chiefs, not 5", chain.len());
    }
    measure(&mut steps, "GET /api/v1/registry/export: the whole registry", async {
        Ok(models::registry::export(&db).await?)
    })
    .await?;

    let backend = format!("{:?}", sea_orm::ConnectionTrait::get_database_backend(&db));
    println!("riverchief bench registry: {sections} sections, {chiefs} chiefs, {terms} appointments, on {backend}");
    println!("| step | seconds | peak memory (MB) |\n|---|---:|---:|");
    for s in &steps {
        let peak = s.peak_mb.map_or("–".to_string(), |m| format!("{m:.0}"));
        println!("| {} | {:.3} | {peak} |", s.what, s.seconds);
    }
    Ok(())
}
