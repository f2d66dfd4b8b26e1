//! Scheduled and background work. Each job is a type with a unique snake_case name; [`registry`] lists
//! them all; [`scheduler`] runs them on their cron schedules, each tick once across replicas.

pub mod analysis;
pub mod channels;
pub mod create_partitions;
pub mod deliver_notices;
pub mod early_warning;
pub mod mail;
pub mod monthly_report;
pub mod scheduler;
pub mod silent_stations;
pub mod trend_analysis;
pub mod yangtze_warning;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

pub use mail::{MailSettings, Mailer};

/// What a job needs from the outside world.
#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    /// Decimal places of period values (the 2020 statistics rule, as configured).
    pub decimals: models::domain::evaluation::Decimals,
    /// The colour warnings' thresholds (`[warnings]`, validated at load).
    pub warnings: models::domain::warning::WarningThresholds,
}

/// What a run did, for logs, the job_runs table and `riverchief jobs run`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Named counts, e.g. `sent = 3`.
    pub counts: BTreeMap<&'static str, u64>,
    /// One line per item worth naming.
    pub lines: Vec<String>,
    /// Items that failed (a notice not delivered, a section not analysed): `jobs run` exits non-zero.
    pub failures: u64,
}

impl Report {
    pub fn count(&mut self, name: &'static str) {
        *self.counts.entry(name).or_default() += 1;
    }

    pub fn get(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// `sent 2, retrying 1`; `nothing to do` when every count is zero.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.counts.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k} {n}")).collect();
        if parts.is_empty() { "nothing to do".into() } else { parts.join(", ") }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Report>> + Send + 'a>>;

/// A unit of scheduled work. Bodies never sleep or loop forever, so tests call `run` directly.
pub trait Job: Send + Sync {
    /// Unique snake_case name, used in configuration, `jobs run NAME` and job_runs.
    fn name(&self) -> &'static str;
    /// One line for `jobs list`.
    fn description(&self) -> &'static str;
    /// Six-field cron (seconds first), in China Standard Time. Configuration may override it.
    fn default_schedule(&self) -> &'static str;
    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a>;
}

/// Every job riverchief has.
pub fn registry() -> Vec<Box<dyn Job>> {
    vec![
        Box::new(deliver_notices::DeliverNotices),
        Box::new(monthly_report::MonthlyReport),
        Box::new(create_partitions::CreatePartitions),
        Box::new(trend_analysis::TrendAnalysis),
        Box::new(yangtze_warning::YangtzeWarning),
        Box::new(silent_stations::SilentStations),
        Box::new(early_warning::EarlyWarning),
    ]
}

pub fn find(name: &str) -> Option<Box<dyn Job>> {
    registry().into_iter().find(|j| j.name() == name)
}

/// Runs one job once, now, outside the schedule, recording the run in job_runs.
pub async fn run_now(job: &dyn Job, ctx: &JobContext) -> anyhow::Result<Report> {
    let now = Utc::now();
    scheduler::run_leased(job, ctx, now, now, "manual").await.map(|r| r.unwrap_or_default())
}

/// Runs one job once, now, as it would have run at `as_of` (a run the scheduler missed), recording the run
/// in job_runs under the present tick.
pub async fn run_as_of(job: &dyn Job, ctx: &JobContext, as_of: DateTime<Utc>) -> anyhow::Result<Report> {
    scheduler::run_leased(job, ctx, Utc::now(), as_of, "manual").await.map(|r| r.unwrap_or_default())
}
