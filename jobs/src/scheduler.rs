//! Running jobs on their schedules with tokio-cron-scheduler. Every replica schedules every job; a lease row
//! per (job, tick) makes each tick run once.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
use tracing::{error, info};

use models::job_runs;

use crate::{Job, JobContext, Report};

/// Runs `job` for `tick` if this instance wins the lease. `None` when another run already holds it.
pub async fn run_leased(
    job: &dyn Job,
    ctx: &JobContext,
    tick: DateTime<Utc>,
    now: DateTime<Utc>,
    instance: &str,
) -> anyhow::Result<Option<Report>> {
    let Some(run_id) =
        job_runs::try_lease(&ctx.db, job.name(), tick, instance, now).await.context("taking the job's lease")?
    else {
        return Ok(None);
    };
    let result = job.run(ctx, now).await;
    let (ok, summary) = match &result {
        Ok(report) => (true, report.summary()),
        Err(e) => (false, format!("{e:#}")),
    };
    job_runs::finish(&ctx.db, run_id, ok, &summary, Utc::now()).await.context("recording the job run")?;
    metrics::counter!("riverchief_job_runs_total", "job" => job.name().to_string(), "outcome" => if ok { "ok" } else { "failed" })
        .increment(1);
    result.map(Some)
}

/// The scheduled tick a firing belongs to: the firing time rounded to the minute, so replicas whose
/// clocks or wake-ups differ by a few seconds agree on it. Schedules therefore fire at most once a minute.
pub fn tick_of(fired_at: DateTime<Utc>) -> DateTime<Utc> {
    fired_at.duration_round(TimeDelta::minutes(1)).unwrap_or(fired_at)
}

/// What a schedule's firing does: runs `job` for the tick `fired_at` belongs to, once across replicas, and
/// logs the outcome. The scheduler calls this; tests call it with a chosen time instead of waiting.
pub async fn fire(job: &dyn Job, ctx: &JobContext, instance: &str, fired_at: DateTime<Utc>) -> Option<Report> {
    match run_leased(job, ctx, tick_of(fired_at), fired_at, instance).await {
        Ok(Some(report)) => {
            info!(job = job.name(), summary = %report.summary(), "job ran");
            Some(report)
        }
        Ok(None) => None,
        Err(e) => {
            error!(job = job.name(), error = format!("{e:#}"), "job failed");
            None
        }
    }
}

/// The cron expression a job runs on: the configured override, else its default; `None` when disabled.
pub fn schedule_of<'a>(job: &'a dyn Job, schedules: &'a HashMap<String, String>) -> Option<&'a str> {
    let expr = schedules.get(job.name()).map(String::as_str).unwrap_or(job.default_schedule()).trim();
    (!expr.is_empty() && expr != "off").then_some(expr)
}

/// Starts the scheduler with every job in the registry. `schedules` overrides default cron expressions
/// by job name; an empty expression (or `off`) disables a job.
pub async fn start(
    ctx: JobContext,
    schedules: &HashMap<String, String>,
    instance: String,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await.context("creating the job scheduler")?;
    let instance: Arc<str> = instance.into();
    for job in crate::registry() {
        let name = job.name();
        let Some(expr) = schedule_of(job.as_ref(), schedules).map(str::to_string) else {
            info!(job = name, "job disabled by configuration");
            continue;
        };
        let job: Arc<dyn Job> = Arc::from(job);
        let (ctx, instance) = (ctx.clone(), instance.clone());
        let cron = CronJob::new_async_tz(expr.as_str(), chrono_tz::Asia::Shanghai, move |_id, _scheduler| {
            let (job, ctx, instance) = (job.clone(), ctx.clone(), instance.clone());
            Box::pin(async move {
                fire(job.as_ref(), &ctx, &instance, Utc::now()).await;
            })
        })
        .with_context(|| format!("schedule '{expr}' for job {name} is not a six-field cron expression"))?;
        scheduler.add(cron).await.with_context(|| format!("scheduling job {name}"))?;
        info!(job = name, schedule = %expr, "job scheduled");
    }
    scheduler.start().await.context("starting the job scheduler")?;
    Ok(scheduler)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_has_a_six_field_schedule_the_scheduler_accepts() {
        let defaults = HashMap::new();
        for job in crate::registry() {
            let expr = schedule_of(job.as_ref(), &defaults).expect("on by default");
            assert_eq!(expr.split_whitespace().count(), 6, "{}: seconds first", job.name());
            let cron = CronJob::new_async_tz(expr, chrono_tz::Asia::Shanghai, |_, _| Box::pin(async {}));
            assert!(cron.is_ok(), "{}: '{expr}' is refused", job.name());
        }
        let off = HashMap::from([("deliver_notices".to_string(), "off".to_string())]);
        let deliver = crate::find("deliver_notices").expect("job");
        assert_eq!(schedule_of(deliver.as_ref(), &off), None);
    }

    #[test]
    fn firings_a_few_seconds_apart_share_a_tick() {
        let a: DateTime<Utc> = "2026-11-20T02:04:59.200Z".parse().expect("t");
        let b: DateTime<Utc> = "2026-11-20T02:05:01.900Z".parse().expect("t");
        assert_eq!(tick_of(a), tick_of(b));
        assert_eq!(tick_of(a), "2026-11-20T02:05:00Z".parse::<DateTime<Utc>>().expect("t"));
    }
}
