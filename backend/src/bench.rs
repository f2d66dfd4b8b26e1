//! `riverchief bench …`: measurements at a nation's size, printed as a table for the README. Not tests:
//! figures depend on the machine; run them on a release build.

use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, Utc};

use sea_orm::EntityTrait;

use models::assessment::{self, Scope};
use models::domain::evaluation::Rounding;
use models::domain::period::{Period, YearMonth};

/// Opens `into` (or a SQLite file in `dir`), migrated, and refuses a database that already holds sections:
/// every bench builds its own registry.
pub(crate) async fn empty_database(
    into: Option<&str>,
    dir: &std::path::Path,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let url = match into {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let db = models::db::open(&url).await.with_context(|| format!("opening {url}"))?;
    if models::entities::sections::Entity::find().one(&db).await?.is_some() {
        anyhow::bail!("{url} already holds sections: give an empty database");
    }
    Ok(db)
}

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
    let db = empty_database(into, dir.path()).await?;
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
    let db = empty_database(into, dir.path()).await?;
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

/// Readings of automatic stations for [`ingest`]: `per_section` hourly values of nine items for each of
/// `sections` sections, in 2025 (outside the live window: history, no alerts), as submitted.
fn station_history(
    sections: usize,
    per_section: usize,
    offset_hours: i64,
) -> Vec<models::domain::reading::ReadingInput> {
    use models::domain::reading::{ReadingInput, ValueInput};
    const ITEMS: [(&str, f64); 9] = [
        ("ph", 7.2),
        ("do", 7.5),
        ("temp", 18.0),
        ("codmn", 3.1),
        ("nh3n", 0.42),
        ("tp", 0.08),
        ("tn", 1.3),
        ("cod", 14.0),
        ("bod5", 2.6),
    ];
    let start =
        chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00+08:00").map(|t| t.to_utc()).unwrap_or_default();
    let hours = per_section.div_ceil(ITEMS.len());
    let mut out = Vec::with_capacity(sections * hours * ITEMS.len());
    for h in 0..hours {
        let at = (start + chrono::TimeDelta::hours(h as i64 + offset_hours)).to_rfc3339();
        for s in 0..sections {
            for (k, (parameter, base)) in ITEMS.iter().enumerate() {
                let wobble = 1.0 + 0.1 * (((s * 31 + h * 7 + k * 13) % 17) as f64 / 17.0 - 0.5);
                out.push(ReadingInput {
                    section: Some(format!("S{s:05}")),
                    parameter: Some((*parameter).into()),
                    sampled_at: Some(at.clone()),
                    value: Some(ValueInput::Number((base * wobble * 1000.0).round() / 1000.0)),
                    kind: Some("hour".into()),
                    ..Default::default()
                });
            }
        }
    }
    out
}

/// Stores `inputs` through the readings writer in chunks of `chunk`, one transaction.
async fn write_all(
    db: &sea_orm::DatabaseConnection,
    inputs: &[models::domain::reading::ReadingInput],
    chunk: usize,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<models::readings::Totals> {
    use models::audit::Actor;
    use models::domain::reading::ReadingSource;
    let mut writer = models::readings::Writer::begin(
        db,
        ReadingSource::Csv,
        Actor::cli("bench"),
        models::readings::DEFAULT_LIVE_WINDOW,
        now,
    )
    .await?;
    for (n, part) in inputs.chunks(chunk).enumerate() {
        let items: Vec<(usize, _)> = part.iter().cloned().enumerate().map(|(i, r)| (n * chunk + i, r)).collect();
        let (valid, problems) = writer.check(&items).await?;
        if let Some(p) = problems.first() {
            anyhow::bail!("generated reading {} refused: {}", p.index, p.problem.en);
        }
        writer.store(valid).await?;
    }
    Ok(writer.commit(None).await?)
}

/// `JSON API` batches: `batches` submissions of `size` readings through `readings::submit` (what the handler
/// calls after reading the body), `clients` of them at once, each client on its own sections.
async fn submit_batches(
    db: &sea_orm::DatabaseConnection,
    inputs: &[models::domain::reading::ReadingInput],
    size: usize,
    clients: usize,
) -> anyhow::Result<u64> {
    use models::audit::Actor;
    use models::domain::reading::ReadingSource;
    use models::readings::{DEFAULT_LIVE_WINDOW, Submission, submit};
    // Client c takes the readings of the sections whose number is c modulo `clients`.
    let mut per_client: Vec<Vec<models::domain::reading::ReadingInput>> = vec![Vec::new(); clients];
    for r in inputs {
        let s: usize = r.section.as_deref().and_then(|c| c[1..].parse().ok()).unwrap_or(0);
        per_client[s % clients].push(r.clone());
    }
    let tasks = per_client.into_iter().map(|mine| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut stored = 0u64;
            for part in mine.chunks(size) {
                let submission = Submission {
                    items: part.iter().cloned().enumerate().collect(),
                    source: ReadingSource::Api,
                    actor: Actor::cli("bench"),
                    only_section: None,
                    live_window: DEFAULT_LIVE_WINDOW,
                };
                let results = submit(&db, submission, Utc::now()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                stored += results.iter().filter(|r| r.stored).count() as u64;
            }
            anyhow::Ok(stored)
        })
    });
    let mut stored = 0;
    for t in futures::future::join_all(tasks).await {
        stored += t??;
    }
    Ok(stored)
}

/// Times the readings store against the database's own fastest load of the same rows: PostgreSQL's `COPY`
/// into a table with the readings' columns and indexes, SQLite's prepared insert per row in one transaction
/// (what Python's `executemany` does). `rows` readings are imported from a CSV file as `import readings`
/// does, then again (every one a duplicate), then 100,000 of them changed (revisions); `api_rows` go through
/// the JSON API's path in batches of 10,000 from one client and from four.
pub async fn ingest(sections: usize, rows: usize, api_rows: usize, into: Option<&str>) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, DbBackend};
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let db = empty_database(into, dir.path()).await?;
    models::rollups::ensure_built(&db, Utc::now()).await?;
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    models::demo::load(&db, &seed::national::dataset(sections, 0, today, 20_261_201), Utc::now()).await?;
    let backend = db.get_database_backend();
    let mut steps = Vec::new();

    let inputs = station_history(sections, rows.div_ceil(sections), 0);
    let inputs = &inputs[..rows.min(inputs.len())];
    // The readings as a bureau's CSV file: what `riverchief import readings` reads.
    let csv_path = dir.path().join("readings.csv");
    {
        let mut w = csv::Writer::from_path(&csv_path)?;
        w.write_record(["section", "parameter", "sampled_at", "value", "kind"])?;
        for r in inputs {
            let value = match &r.value {
                Some(models::domain::reading::ValueInput::Number(v)) => v.to_string(),
                _ => String::new(),
            };
            w.write_record([
                r.section.as_deref().unwrap_or_default(),
                r.parameter.as_deref().unwrap_or_default(),
                r.sampled_at.as_deref().unwrap_or_default(),
                value.as_str(),
                r.kind.as_deref().unwrap_or_default(),
            ])?;
        }
        w.flush()?;
    }
    let size_mb = std::fs::metadata(&csv_path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let import = |label: &'static str| {
        let db = db.clone();
        let path = csv_path.clone();
        async move {
            let options = crate::import::Options {
                mode: crate::import::Mode::AllOrNothing,
                sheet: None,
                actor: models::audit::Actor::cli(label),
                only_section: None,
                live_window: models::readings::DEFAULT_LIVE_WINDOW,
                origin: None,
                now: Utc::now(),
            };
            let input = crate::import::Input { name: "readings.csv".into(), source: crate::import::Source::Path(path) };
            let summary =
                crate::import::import(&db, vec![input], options, &mut ()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::Ok(summary)
        }
    };
    let ours = measure(
        &mut steps,
        format!(
            "import {} readings from CSV ({size_mb:.0} MB; read, checked, judged, stored in one transaction)",
            inputs.len()
        ),
        import("bench"),
    )
    .await?;
    if ours.stored != inputs.len() as u64 {
        anyhow::bail!("imported {} of {} ({} problems)", ours.stored, inputs.len(), ours.problem_count());
    }
    let ours_s = steps.last().map_or(0.0, |s| s.seconds);
    let again = measure(&mut steps, "the same file again (all duplicates)", import("bench")).await?;
    if again.duplicates != inputs.len() as u64 {
        anyhow::bail!("{} duplicates of {}", again.duplicates, inputs.len());
    }
    let dup_s = steps.last().map_or(0.0, |s| s.seconds);
    let now = Utc::now();
    let revised: Vec<_> = inputs
        .iter()
        .take(100_000)
        .map(|r| {
            let mut r = r.clone();
            if let Some(models::domain::reading::ValueInput::Number(v)) = r.value.as_mut() {
                *v += 0.001;
            }
            r
        })
        .collect();
    let rev =
        measure(&mut steps, format!("{} of them changed (revisions, through the writer)", revised.len()), async {
            write_all(&db, &revised, 10_000, now).await
        })
        .await?;
    if rev.revised != revised.len() as u64 {
        anyhow::bail!("{} revisions of {}", rev.revised, revised.len());
    }

    // The baseline: the rows as stored, loaded by the database's own fastest path into a copy of the table.
    let columns = "section_id, parameter, sampled_at, value, below_detection, detection_limit, source, quality_flag, \
                   class, received_at, data_kind, revision, qc, origin, method, lab";
    let baseline_s = if backend == DbBackend::Postgres {
        use futures::StreamExt;
        let pool = db.get_postgres_connection_pool();
        let mut conn = pool.acquire().await?;
        let mut stream = conn.copy_out_raw(&format!("COPY (SELECT {columns} FROM readings) TO STDOUT")).await?;
        let mut data = Vec::new();
        while let Some(chunk) = stream.next().await {
            data.extend_from_slice(&chunk?);
        }
        drop(stream);
        db.execute_unprepared(
            "CREATE TABLE bench_copy (id bigint GENERATED BY DEFAULT AS IDENTITY, section_id integer NOT NULL, \
               parameter varchar(24) NOT NULL, sampled_at timestamptz NOT NULL, value double precision NOT NULL, \
               below_detection boolean NOT NULL, detection_limit double precision, source varchar(16) NOT NULL, \
               quality_flag varchar(1) NOT NULL, class smallint, received_at timestamptz NOT NULL, \
               data_kind varchar(8) NOT NULL, revision integer NOT NULL, qc varchar(16), origin varchar(64), \
               method varchar(64), lab varchar(64), PRIMARY KEY (id, sampled_at))",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX bench_copy_series ON bench_copy (section_id, parameter, sampled_at, data_kind)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX bench_copy_time ON bench_copy (section_id, sampled_at)").await?;
        measure(
            &mut steps,
            format!("baseline: PostgreSQL COPY of the same {} rows, same indexes", inputs.len()),
            async {
                let mut copy = conn.copy_in_raw(&format!("COPY bench_copy ({columns}) FROM STDIN")).await?;
                copy.send(data).await?;
                copy.finish().await?;
                Ok(())
            },
        )
        .await?;
        db.execute_unprepared("DROP TABLE bench_copy").await?;
        steps.last().map_or(0.0, |s| s.seconds)
    } else {
        use sea_orm::sqlx::{Executor, Row};
        let pool = db.get_sqlite_connection_pool();
        let rows_now: Vec<sea_orm::sqlx::sqlite::SqliteRow> =
            sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(format!("SELECT {columns} FROM readings")))
                .fetch_all(pool)
                .await?;
        pool.execute(
            "CREATE TABLE bench_copy (id integer PRIMARY KEY, section_id integer NOT NULL, parameter varchar(24) NOT NULL, \
               sampled_at text NOT NULL, value double NOT NULL, below_detection boolean NOT NULL, detection_limit double, \
               source varchar(16) NOT NULL, quality_flag varchar(1) NOT NULL, class smallint, received_at text NOT NULL, \
               data_kind varchar(8) NOT NULL, revision integer NOT NULL, qc varchar(16), origin varchar(64), \
               method varchar(64), lab varchar(64))",
        )
        .await?;
        pool.execute(
            "CREATE UNIQUE INDEX bench_copy_series ON bench_copy (section_id, parameter, sampled_at, data_kind)",
        )
        .await?;
        pool.execute("CREATE INDEX bench_copy_time ON bench_copy (section_id, sampled_at)").await?;
        let insert =
            format!("INSERT INTO bench_copy ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        measure(
            &mut steps,
            format!(
                "baseline: SQLite prepared insert per row (executemany) of the same {} rows, same indexes",
                inputs.len()
            ),
            async {
                let mut tx = pool.begin().await?;
                for r in &rows_now {
                    sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(insert.as_str()))
                        .bind(r.get::<i64, _>(0))
                        .bind(r.get::<String, _>(1))
                        .bind(r.get::<String, _>(2))
                        .bind(r.get::<f64, _>(3))
                        .bind(r.get::<bool, _>(4))
                        .bind(r.get::<Option<f64>, _>(5))
                        .bind(r.get::<String, _>(6))
                        .bind(r.get::<String, _>(7))
                        .bind(r.get::<Option<i64>, _>(8))
                        .bind(r.get::<String, _>(9))
                        .bind(r.get::<String, _>(10))
                        .bind(r.get::<i64, _>(11))
                        .bind(r.get::<Option<String>, _>(12))
                        .bind(r.get::<Option<String>, _>(13))
                        .bind(r.get::<Option<String>, _>(14))
                        .bind(r.get::<Option<String>, _>(15))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            },
        )
        .await?;
        pool.execute("DROP TABLE bench_copy").await?;
        steps.last().map_or(0.0, |s| s.seconds)
    };

    // The JSON API's path: new readings (a later year, so none is a duplicate), then the same again.
    let api = station_history(sections, api_rows.div_ceil(sections), -24 * 400);
    let api = &api[..api_rows.min(api.len())];
    measure(&mut steps, format!("API path: {} readings in batches of 10,000, one client", api.len()), async {
        submit_batches(&db, api, 10_000, 1).await
    })
    .await?;
    let api_one = steps.last().map_or(0.0, |s| s.seconds);
    measure(&mut steps, "API path: the same again (duplicates), one client", async {
        submit_batches(&db, api, 10_000, 1).await
    })
    .await?;
    let api_dup = steps.last().map_or(0.0, |s| s.seconds);
    let api4 = station_history(sections, api_rows.div_ceil(sections), -24 * 800);
    let api4 = &api4[..api_rows.min(api4.len())];
    measure(
        &mut steps,
        format!("API path: {} new readings in batches of 10,000, four clients at once", api4.len()),
        async { submit_batches(&db, api4, 10_000, 4).await },
    )
    .await?;
    let api_four = steps.last().map_or(0.0, |s| s.seconds);

    let base_name = if backend == DbBackend::Postgres { "COPY" } else { "executemany" };
    let per_row = baseline_s / inputs.len() as f64;
    println!("riverchief bench ingest: {sections} sections, on {backend:?}");
    println!("| step | seconds | peak memory (MB) |\n|---|---:|---:|");
    for s in &steps {
        let peak = s.peak_mb.map_or("–".to_string(), |m| format!("{m:.0}"));
        println!("| {} | {:.3} | {peak} |", s.what, s.seconds);
    }
    println!();
    println!("| ratio (same run) | value |\n|---|---:|");
    println!("| CSV import / {base_name} | {:.2}× |", ours_s / baseline_s);
    println!("| the file again (duplicates) / first import | {:.2}× |", dup_s / ours_s);
    println!("| API one client / {base_name} (per row) | {:.2}× |", api_one / (per_row * api.len() as f64));
    println!("| API duplicates / API first send | {:.2}× |", api_dup / api_one);
    println!("| API four clients / one client | {:.2}× the time |", api_four / api_one);
    Ok(())
}
