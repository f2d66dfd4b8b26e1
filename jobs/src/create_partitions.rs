//! `create_partitions`: on PostgreSQL, makes the readings partitions of this month and the next three, so
//! stations' data never waits for a partition to be made. Nothing to do on SQLite.

use chrono::{DateTime, Utc};

use crate::{Job, JobContext, JobFuture, Report};

/// Months made ahead of the current one.
pub const AHEAD: u32 = 3;

pub struct CreatePartitions;

impl Job for CreatePartitions {
    fn name(&self) -> &'static str {
        "create_partitions"
    }

    fn description(&self) -> &'static str {
        "make the readings table's monthly partitions ahead of time (PostgreSQL)"
    }

    fn default_schedule(&self) -> &'static str {
        // 03:10 China Standard Time every day.
        "0 10 3 * * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(async move {
            let made = models::partitions::ensure_ahead(&ctx.db, now, AHEAD).await?;
            let mut report = Report::default();
            for _ in 0..made {
                report.count("partitions made");
            }
            Ok(report)
        })
    }
}
