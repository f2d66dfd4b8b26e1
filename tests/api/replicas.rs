//! The replica guard across processes (issue #11): three processes sharing one database fire the same
//! job for the same tick at nearly the same moment, and the lease in `job_runs` lets exactly one run it.
//!
//! The parent test re-executes this test binary three times, running only the ignored [`replica_child`];
//! the children meet at a barrier of files in the test's directory, so that they take the lease together.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::entities::job_runs;
use models::job_runs::JobRunStatus;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use tests::{TestApp, spawn_app};

/// Set only in a child's environment: the child's instance name. Without it the child does nothing.
const INSTANCE: &str = "RIVERCHIEF_REPLICA_INSTANCE";
const DATABASE_URL: &str = "RIVERCHIEF_REPLICA_DATABASE_URL";
const JOB: &str = "RIVERCHIEF_REPLICA_JOB";
/// When the schedule fired (RFC 3339); the tick is this rounded to the minute, as the scheduler does.
const FIRED_AT: &str = "RIVERCHIEF_REPLICA_FIRED_AT";
/// A directory: each child writes `ready-INSTANCE` there, then waits for the parent's `go`.
const BARRIER: &str = "RIVERCHIEF_REPLICA_BARRIER";

/// How long a side waits for the other at the barrier before giving up: a guard against hanging when a
/// process dies, not a measurement (a child on a loaded machine is ready in well under a second).
const BARRIER_PATIENCE: Duration = Duration::from_secs(120);

const REPLICAS: [&str; 3] = ["replica-a", "replica-b", "replica-c"];

/// What one child said it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ran,
    Skipped,
}

/// One section with a year of NH3-N samples through the JSON API, so that `trend_analysis` has work.
async fn seeded() -> TestApp {
    let app = spawn_app().await;
    app.given_section_in("REP-1", ("T-REP", "副本镇"), ("W-REP", "副本河", WaterBodyKind::River), WaterClass::III)
        .await;
    let readings: Vec<Value> = (1..=12)
        .flat_map(|month| {
            [(8, 0.40), (22, 0.44)].map(|(day, base)| {
                json!({"section": "REP-1", "parameter": "nh3n",
                    "sampled_at": format!("2025-{month:02}-{day:02}T09:00:00+08:00"),
                    "value": base + 0.02 * f64::from(month)})
            })
        })
        .collect();
    let (status, body) = app.post_readings(Some(&app.reader), Value::Array(readings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app
}

fn spawn_child(app: &TestApp, job: &str, fired_at: DateTime<Utc>, barrier: &Path, instance: &str) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args(["--exact", "replicas::replica_child", "--ignored", "--nocapture"])
        .env(INSTANCE, instance)
        .env(DATABASE_URL, app.database_url())
        .env(JOB, job)
        .env(FIRED_AT, fired_at.to_rfc3339())
        .env(BARRIER, barrier)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts again as a child")
}

fn describe(instance: &str, output: &Output) -> String {
    format!(
        "{instance}: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Three child processes fire `job` at `fired_at` together; returns what each said it did.
async fn three_replicas_fire(app: &TestApp, job: &str, fired_at: DateTime<Utc>) -> Vec<(String, Outcome)> {
    let barrier = app.dir.path().join(format!("barrier-{}", fired_at.timestamp()));
    std::fs::create_dir(&barrier).expect("barrier directory");
    let mut children: Vec<(&str, Child)> =
        REPLICAS.iter().map(|&instance| (instance, spawn_child(app, job, fired_at, &barrier, instance))).collect();

    // Every child connected and waiting, then all let go at once.
    let waiting_since = Instant::now();
    while !REPLICAS.iter().all(|i| barrier.join(format!("ready-{i}")).exists()) {
        if let Some(k) = children.iter_mut().position(|(_, c)| c.try_wait().expect("child status").is_some()) {
            let (instance, child) = children.swap_remove(k);
            for (_, other) in &mut children {
                let _ = other.kill();
            }
            let output = child.wait_with_output().expect("child output");
            panic!("a child ended before the barrier\n{}", describe(instance, &output));
        }
        assert!(waiting_since.elapsed() < BARRIER_PATIENCE, "the children never all reached the barrier");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    std::fs::write(barrier.join("go"), b"").expect("go");

    let mut outcomes = Vec::new();
    for (instance, child) in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
        assert!(output.status.success(), "a child failed\n{}", describe(instance, &output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let said: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("REPLICA ")).collect();
        let outcome = match said.as_slice() {
            ["ran"] => Outcome::Ran,
            ["skipped"] => Outcome::Skipped,
            _ => panic!("a child said {said:?}, not one REPLICA line\n{}", describe(instance, &output)),
        };
        outcomes.push((instance.to_string(), outcome));
    }
    outcomes
}

async fn runs_of(app: &TestApp, job: &str) -> Vec<job_runs::Model> {
    job_runs::Entity::find()
        .filter(job_runs::Column::Job.eq(job))
        .order_by_asc(job_runs::Column::Tick)
        .all(&app.db)
        .await
        .expect("job runs")
}

fn the_winner(outcomes: &[(String, Outcome)]) -> String {
    let ran: Vec<&str> = outcomes.iter().filter(|(_, o)| *o == Outcome::Ran).map(|(i, _)| i.as_str()).collect();
    let skipped = outcomes.iter().filter(|(_, o)| *o == Outcome::Skipped).count();
    assert_eq!((ran.len(), skipped), (1, 2), "exactly one replica runs the tick: {outcomes:?}");
    ran[0].to_string()
}

#[tokio::test]
async fn three_replica_processes_firing_the_same_tick_run_the_job_once_and_the_next_tick_once_more() {
    let app = seeded().await;
    let job = jobs::trend_analysis::NAME;
    // 02:30 in Beijing on two nights, each firing a little after the minute as schedulers do.
    let nights: [DateTime<Utc>; 2] =
        ["2026-01-14T18:30:00.350Z", "2026-01-15T18:30:00.120Z"].map(|t| t.parse().expect("time"));

    let first = the_winner(&three_replicas_fire(&app, job, nights[0]).await);
    let runs = runs_of(&app, job).await;
    assert_eq!(runs.len(), 1, "one lease row for the tick: {runs:?}");
    assert_eq!(runs[0].tick, jobs::scheduler::tick_of(nights[0]));
    assert_eq!((runs[0].instance.as_str(), runs[0].status), (first.as_str(), JobRunStatus::Ok));
    assert!(models::trends::count(&app.db).await.expect("count") > 0, "the winner really ran the job");

    // The guard is per tick: the next night's tick runs once more, by whichever replica wins it.
    let second = the_winner(&three_replicas_fire(&app, job, nights[1]).await);
    let runs = runs_of(&app, job).await;
    let ticks: Vec<(DateTime<Utc>, &str, JobRunStatus)> =
        runs.iter().map(|r| (r.tick, r.instance.as_str(), r.status)).collect();
    assert_eq!(
        ticks,
        [
            (jobs::scheduler::tick_of(nights[0]), first.as_str(), JobRunStatus::Ok),
            (jobs::scheduler::tick_of(nights[1]), second.as_str(), JobRunStatus::Ok)
        ]
    );
}

/// One replica of the test above, run only as its child process: the parent re-executes this binary with
/// `--ignored --exact replicas::replica_child` and the `RIVERCHIEF_REPLICA_*` environment. It is ignored
/// so that ordinary runs skip it, and without that environment (someone running every ignored test) it
/// returns at once; given the environment, anything missing or failing fails it loudly.
#[tokio::test]
#[ignore = "a child process of three_replica_processes_…; started by that test"]
async fn replica_child() {
    let Ok(instance) = std::env::var(INSTANCE) else {
        eprintln!("replica_child: not started as a child ({INSTANCE} unset); nothing to do");
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{instance}: {name} is not set"));
    let (url, job_name, barrier) = (var(DATABASE_URL), var(JOB), PathBuf::from(var(BARRIER)));
    let fired_at: DateTime<Utc> = var(FIRED_AT).parse().expect("FIRED_AT is an RFC 3339 time");
    let job = jobs::find(&job_name).unwrap_or_else(|| panic!("no job {job_name}"));

    // A replica as `serve` builds one, on the database the parent made and migrated.
    let outbox = tempfile::tempdir().expect("outbox");
    let mut settings = backend::Settings::defaults();
    settings.outbox_dir = outbox.path().to_path_buf();
    let db = models::db::connect(&url).await.expect("the child reaches the parent's database");
    sea_orm::ConnectionTrait::execute_unprepared(&db, "SELECT 1").await.expect("a connection is open");
    let ctx = backend::startup::job_context(&settings, db).expect("job context");

    std::fs::write(barrier.join(format!("ready-{instance}")), b"").expect("ready");
    let waiting_since = Instant::now();
    while !barrier.join("go").exists() {
        assert!(waiting_since.elapsed() < BARRIER_PATIENCE, "{instance}: the parent never said go");
        std::thread::sleep(Duration::from_millis(1));
    }

    // What `scheduler::fire` does, with the lease's outcome told apart from a failure.
    let tick = jobs::scheduler::tick_of(fired_at);
    let outcome = jobs::scheduler::run_leased(job.as_ref(), &ctx, tick, fired_at, &instance)
        .await
        .unwrap_or_else(|e| panic!("{instance}: {job_name} failed: {e:#}"));
    match outcome {
        Some(report) => {
            assert_eq!(report.failures, 0, "{instance}: {report}");
            println!("REPLICA ran");
        }
        None => println!("REPLICA skipped"),
    }
}
