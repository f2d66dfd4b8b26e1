//! PostgreSQL's readings table is partitioned by month of sampling time (China Standard Time months, as
//! evaluation counts them), one table `readings_YYYY_MM` each. A query by section and time then reads only
//! its months, and an old month can be detached or archived whole.
//!
//! A row can only land in a month that has its partition, so writers make the months they need first
//! ([`ensure_for`]) on a connection of their own, outside their transaction. A partition is made as a
//! table of its own and then attached, which locks the parent only against other schema changes: an import
//! writing other months in its open transaction goes on, and so do readers. The job
//! `create_partitions` makes the coming months ahead of time, so live data never waits for one. SQLite has
//! one table and nothing to do.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TransactionSession, TransactionTrait};

use crate::domain::period::YearMonth;

/// The partitions that exist, as yyyymm keys.
pub async fn list(db: &impl ConnectionTrait) -> Result<BTreeSet<i32>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(BTreeSet::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'readings'::regclass",
        ))
        .await?;
    let mut months = BTreeSet::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        if let Some(key) = month_of_name(&name) {
            months.insert(key);
        }
    }
    Ok(months)
}

/// `readings_2026_11` → 202611.
fn month_of_name(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("readings_")?;
    let (year, month) = rest.split_once('_')?;
    let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    YearMonth::new(year, month).map(YearMonth::key)
}

/// Makes the partitions for the months of these sampling times that lack one; returns how many it made.
pub async fn ensure_for(
    db: &(impl ConnectionTrait + TransactionTrait),
    times: impl IntoIterator<Item = DateTime<Utc>>,
) -> Result<usize, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let wanted: BTreeSet<i32> = times.into_iter().map(|t| YearMonth::of_instant(t).key()).collect();
    ensure_months(db, wanted).await
}

/// Makes the partitions for these months (yyyymm keys) that lack one. Writers that find the same month
/// missing at the same moment take turns (an advisory lock), so each month is made once.
pub async fn ensure_months<C>(db: &C, wanted: BTreeSet<i32>) -> Result<usize, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    if db.get_database_backend() != DbBackend::Postgres || wanted.is_empty() {
        return Ok(0);
    }
    if wanted.is_subset(&list(db).await?) {
        return Ok(0);
    }
    let tx = db.begin().await?;
    tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK})")).await?;
    let have = list(&tx).await?;
    let mut made = 0;
    for key in wanted.difference(&have) {
        let Some(month) = YearMonth::from_key(*key) else { continue };
        let (from, to) = (month.start(), month.next().start());
        // Made on its own and attached, rather than `CREATE TABLE … PARTITION OF`: attaching locks the
        // parent only against other schema changes, so a long import writing other months goes on.
        let name = format!("readings_{:04}_{:02}", month.year, month.month);
        tx.execute_unprepared(&format!("CREATE TABLE {name} (LIKE readings INCLUDING DEFAULTS)")).await?;
        tx.execute_unprepared(&format!(
            "ALTER TABLE readings ATTACH PARTITION {name} FOR VALUES FROM ('{}') TO ('{}')",
            from.to_rfc3339(),
            to.to_rfc3339()
        ))
        .await?;
        made += 1;
    }
    tx.commit().await?;
    Ok(made)
}

/// The advisory lock key partition makers share (an arbitrary constant: "rcpart" in ASCII).
const LOCK: i64 = 0x7263_7061_7274;

/// Makes the partitions of this month and the next `ahead` months (the job `create_partitions`).
pub async fn ensure_ahead(
    db: &(impl ConnectionTrait + TransactionTrait),
    now: DateTime<Utc>,
    ahead: u32,
) -> Result<usize, DbErr> {
    let mut month = YearMonth::of_instant(now);
    let mut wanted = BTreeSet::new();
    for _ in 0..=ahead {
        wanted.insert(month.key());
        month = month.next();
    }
    ensure_months(db, wanted).await
}
