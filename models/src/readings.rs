//! Submitting readings: each checked, stored idempotently and judged against GB 3838 and its section's
//! target, the batch all or nothing, with its audit entry in the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};

use crate::alerts::{self, AlertOutcome};
use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::domain::alert::JudgedReading;
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::quality;
use crate::domain::reading::{DataKind, QcFlag, QualityFlag, ReadAs, ReadingInput, ReadingSource, ValidReading};
use crate::domain::{Code, Problem, quote};
use crate::entities::{readings, sections};
use crate::ingest::{self, Fate, Row};
use crate::partitions;
use crate::rollups::{self, Counted};
use crate::sections::{SectionContext, code_key, find_by_codes};

/// A batch of readings to store.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Each reading with its position in what the caller sent (problems are reported by position).
    pub items: Vec<(usize, ReadingInput)>,
    pub source: ReadingSource,
    pub actor: Actor,
    /// A station's key may submit for its own section only.
    pub only_section: Option<i32>,
    /// Readings sampled longer ago than this open no alerts ([`DEFAULT_LIVE_WINDOW`]).
    pub live_window: TimeDelta,
}

/// One problem with one submitted reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    pub index: usize,
    pub problem: Problem,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Readings that are not valid, or name sections not in the registry. Nothing was stored.
    #[error("{} problem(s) with the submitted readings; nothing was stored", .0.len())]
    Invalid(Vec<ItemProblem>),
    /// Readings for sections the submitter may not write. Nothing was stored.
    #[error("readings for sections this key may not submit; nothing was stored")]
    NotAllowed(Vec<ItemProblem>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What happened to one submitted reading.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestResult {
    /// Position in the submitted batch.
    pub index: usize,
    /// The stored row; for a duplicate, the row stored earlier.
    pub reading_id: i64,
    /// `true` for a reading new to the store; `false` for a duplicate or a revision.
    pub stored: bool,
    /// For a revision: the value it replaced (now in the reading's history).
    pub revised_from: Option<f64>,
    /// The reading's revision number now (1 for a first value).
    pub revision: i32,
    /// The section's code as registered.
    pub section: String,
    pub parameter: Parameter,
    /// In the standard's unit (a non-detect: its detection limit).
    pub value: f64,
    pub class: Option<WaterClass>,
    pub target: WaterClass,
    /// Whether the reading meets the section's target; `None` when the item is not evaluated.
    pub meets_target: Option<bool>,
    pub alert: Option<AlertOutcome>,
    /// The value as it was given, when in another unit than the standard's.
    pub read_as: Option<ReadAs>,
    /// Set aside by a quality rule: stored, shown, not evaluated.
    pub qc: Option<QcFlag>,
}

/// The readings that passed every check, with their sections.
struct Checked {
    valid: Vec<(usize, ValidReading)>,
    sections: HashMap<String, SectionContext>,
    problems: Vec<ItemProblem>,
}

/// Validates every item and looks its section up; reports every problem, not just the first.
async fn check_items(
    db: &impl ConnectionTrait,
    items: &[(usize, ReadingInput)],
    now: DateTime<Utc>,
) -> Result<Checked, DbErr> {
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(items.len());
    for (index, input) in items {
        match input.validate(now) {
            Ok(reading) => valid.push((*index, reading)),
            Err(ps) => problems.extend(ps.into_iter().map(|problem| ItemProblem { index: *index, problem })),
        }
    }
    let sections = find_by_codes(db, valid.iter().map(|(_, r)| r.section.as_str())).await?;
    for (index, r) in &valid {
        if !sections.contains_key(&code_key(&r.section)) {
            problems.push(ItemProblem { index: *index, problem: unknown_section(&r.section) });
        }
    }
    problems.sort_by_key(|p| p.index);
    Ok(Checked { valid, sections, problems })
}

fn unknown_section(code: &str) -> Problem {
    Problem::new(
        "section",
        "unknown_section",
        format!("未知断面编码“{}”", quote(code)),
        format!("unknown section code '{}'", quote(code)),
    )
}

/// The problems [`submit`] would report for these items, without storing anything: for an edge that found
/// problems of its own in other items and reports them all at once.
pub async fn problems(
    db: &impl ConnectionTrait,
    items: &[(usize, ReadingInput)],
    now: DateTime<Utc>,
) -> Result<Vec<ItemProblem>, DbErr> {
    Ok(check_items(db, items, now).await?.problems)
}

/// How long after sampling a reading still raises alerts. Older readings (a backfill, a year of lab
/// results, a station catching up after an outage) are judged and stored like any other but open no alert:
/// a chief is told about the water as it is, not as it was last spring.
pub const DEFAULT_LIVE_WINDOW: TimeDelta = TimeDelta::hours(48);

/// Checks and stores a batch in one transaction: every reading or none. Each reading is new, a duplicate
/// of what is stored (nothing changes), or a revision of it (the old value goes to the reading's history;
/// see [`crate::ingest`]). Each is classified; an evaluated, normal-flagged reading sampled within the
/// live window and worse than its section's target opens or updates an alert (see `domain::alert::decide`).
pub async fn submit(
    db: &DatabaseConnection,
    submission: Submission,
    now: DateTime<Utc>,
) -> Result<Vec<IngestResult>, SubmitError> {
    let Checked { valid, sections, problems } = check_items(db, &submission.items, now).await?;
    if !problems.is_empty() {
        return Err(SubmitError::Invalid(problems));
    }
    let section_of = |r: &ValidReading| &sections[&code_key(&r.section)];
    if let Some(allowed) = submission.only_section {
        let foreign: Vec<ItemProblem> = valid
            .iter()
            .filter(|(_, r)| section_of(r).section.id != allowed)
            .map(|(index, r)| ItemProblem {
                index: *index,
                problem: Problem::new(
                    "section",
                    "section_not_allowed",
                    format!("该密钥无权提交断面“{}”的数据", quote(&r.section)),
                    format!("this key may not submit readings for section '{}'", quote(&r.section)),
                ),
            })
            .collect();
        if !foreign.is_empty() {
            return Err(SubmitError::NotAllowed(foreign));
        }
    }
    // Oldest first, so an alert's "last" reading is the latest in time whatever the submission order; the
    // same sample twice keeps the order it was sent in.
    let mut order: Vec<&(usize, ValidReading)> = valid.iter().collect();
    order.sort_by_key(|(index, r)| (r.sampled_at, *index));
    let rows: Vec<Row> = order.iter().map(|(_, r)| row_of(section_of(r), r)).collect();
    partitions::ensure_for(db, rows.iter().map(|r| r.sampled_at)).await?;

    let tx = begin_write(db).await?;
    let by = submission.actor.label.clone();
    let stored = ingest::store(&tx, &rows, submission.source, &by, now).await?;

    // The roll-ups evaluation reads move in the same transaction as the readings.
    let counted: Vec<Counted> = rows
        .iter()
        .zip(&stored)
        .filter(|(row, s)| s.fate == Fate::New && row.is_evaluated())
        .map(|(row, _)| Counted {
            section_id: row.section_id,
            parameter: row.parameter,
            sampled_at: row.sampled_at,
            value: row.value,
            below_detection: row.below_detection,
        })
        .collect();
    rollups::add(&tx, &counted).await?;
    let revised = rows.iter().zip(&stored).filter_map(|(row, s)| match &s.fate {
        Fate::Revised { previous } => Some((row, previous.as_ref())),
        _ => None,
    });
    rollups::recount(&tx, &ingest::months_touched(revised)).await?;
    let classified: Vec<_> = order
        .iter()
        .zip(&rows)
        .zip(&stored)
        .filter(|((_, row), s)| s.fate != Fate::Duplicate && row.is_evaluated() && row.class.is_some())
        .map(|(((_, r), row), _)| (row.section_id, section_of(r).kind(), row.sampled_at))
        .collect();
    rollups::refresh_latest(&tx, &classified).await?;

    // Alerts: only for what changed, and only for the water as it is now.
    let live_since = now - submission.live_window;
    let alerting: Vec<usize> = (0..rows.len())
        .filter(|&i| stored[i].fate != Fate::Duplicate && rows[i].sampled_at >= live_since && alerts_on(&rows[i]))
        .collect();
    lock_sections(&tx, alerting.iter().map(|&i| rows[i].section_id).collect()).await?;
    let mut results = Vec::with_capacity(rows.len());
    for (i, ((index, reading), row)) in order.iter().zip(&rows).enumerate() {
        let ctx = section_of(reading);
        let judged = judged(ctx, row);
        let alert = if alerting.binary_search(&i).is_ok() {
            alerts::record_reading(&tx, ctx, stored[i].reading_id, &judged, now).await?
        } else {
            None
        };
        results.push(IngestResult {
            index: *index,
            reading_id: stored[i].reading_id,
            stored: stored[i].fate == Fate::New,
            revised_from: match &stored[i].fate {
                Fate::Revised { previous } => Some(previous.value),
                _ => None,
            },
            revision: stored[i].revision,
            section: ctx.section.code.clone(),
            parameter: row.parameter,
            value: row.value,
            class: row.class,
            target: judged.target,
            meets_target: judged.meets_target(),
            alert,
            read_as: reading.read_as,
            qc: row.qc,
        });
    }
    results.sort_by_key(|r| r.index);
    audit::append(&tx, audit_entry(submission.actor, submission.source, &results), now).await?;
    tx.commit().await?;
    Ok(results)
}

/// A checked reading as the store takes it: its section resolved, its class judged, quality rules applied.
fn row_of(ctx: &SectionContext, r: &ValidReading) -> Row {
    // A non-detect is classified at its detection limit: the worst it can be.
    let class = r.parameter.classify(r.value, ctx.kind());
    Row {
        section_id: ctx.section.id,
        parameter: r.parameter,
        sampled_at: r.sampled_at,
        kind: r.kind,
        value: r.value,
        below_detection: r.below_detection,
        detection_limit: r.detection_limit,
        quality_flag: r.quality_flag,
        qc: r.qc.or_else(|| quality::screen(r.parameter, r.value)),
        class,
        origin: r.origin.clone(),
        method: r.method.clone(),
        lab: r.lab.clone(),
    }
}

/// Whether a reading may raise an alert. A placeholder (-999) is no measurement. A value a rule found
/// implausible is kept out of evaluation and trends but still alerts: the chief is told to look at the
/// water or at the instrument, and the alert shows the reading's flag.
fn alerts_on(row: &Row) -> bool {
    row.qc != Some(QcFlag::Sentinel)
}

fn judged(ctx: &SectionContext, row: &Row) -> JudgedReading {
    JudgedReading {
        parameter: row.parameter,
        value: row.value,
        below_detection: row.below_detection,
        sampled_at: row.sampled_at,
        class: row.class,
        evaluated: row.parameter.is_evaluated(ctx.kind())
            && row.quality_flag.is_valid_for_evaluation()
            && alerts_on(row),
        target: ctx.target_at(row.sampled_at),
    }
}

/// The audit record of a batch: what was stored, revised, already there, which alerts moved.
fn audit_entry(actor: Actor, source: ReadingSource, results: &[IngestResult]) -> NewEntry {
    let stored: Vec<i64> = results.iter().filter(|r| r.stored).map(|r| r.reading_id).collect();
    let revised: Vec<serde_json::Value> = results
        .iter()
        .filter_map(|r| {
            r.revised_from.map(|from| serde_json::json!({"reading_id": r.reading_id, "revision": r.revision, "from": from, "to": r.value}))
        })
        .collect();
    let alerts = |opened: bool| -> Vec<i32> {
        let ids: BTreeSet<i32> = results
            .iter()
            .filter_map(|r| r.alert.as_ref())
            .filter(|a| a.opened == opened)
            .map(|a| a.alert_id)
            .collect();
        ids.into_iter().collect()
    };
    let sections: BTreeSet<&str> = results.iter().map(|r| r.section.as_str()).collect();
    NewEntry {
        actor,
        action: "readings.submit".into(),
        entity: "readings".into(),
        entity_id: None,
        before: None,
        after: Some(serde_json::json!({
            "source": source.as_str(),
            "submitted": results.len(),
            "stored": stored.len(),
            "revised": revised.len(),
            "duplicates": results.len() - stored.len() - revised.len(),
            "first_reading_id": stored.iter().min(),
            "last_reading_id": stored.iter().max(),
            "revisions": revised,
            "sections": sections,
            "alerts_opened": alerts(true),
            "alerts_updated": alerts(false),
        })),
    }
}

/// On PostgreSQL, locks the sections whose alerts a batch may move, in id order, so that concurrent batches
/// for the same section take turns deciding its alerts (SQLite's write transaction already serialises
/// them). Taken after the rows are written and only when alerts are to be decided, so batches of old data
/// or for different sections do not wait for each other.
async fn lock_sections(db: &impl ConnectionTrait, ids: BTreeSet<i32>) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres && !ids.is_empty() {
        sections::Entity::find()
            .select_only()
            .column(sections::Column::Id)
            .filter(sections::Column::Id.is_in(ids))
            .order_by_asc(sections::Column::Id)
            // Not FOR UPDATE: the readings' foreign keys already hold KEY SHARE on these rows, and two
            // batches each holding that while waiting for FOR UPDATE would deadlock.
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .into_tuple::<i32>()
            .all(db)
            .await?;
    }
    Ok(())
}

pub async fn find_one(
    db: &impl ConnectionTrait,
    section_id: i32,
    parameter: Parameter,
    sampled_at: DateTime<Utc>,
) -> Result<Option<readings::Model>, DbErr> {
    readings::Entity::find()
        .filter(readings::Column::SectionId.eq(section_id))
        .filter(readings::Column::Parameter.eq(parameter))
        .filter(readings::Column::SampledAt.eq(sampled_at))
        .one(db)
        .await
}

/// A judged reading for bulk loading (the demo history, later large imports): no alerting.
#[derive(Debug, Clone)]
pub struct BulkReading {
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub value: f64,
    pub class: Option<WaterClass>,
}

/// Inserts many readings in chunks under both backends' bind-parameter limits; existing rows are left as
/// they are. Call it inside the caller's transaction: the rows land together or not at all.
pub(crate) async fn bulk_insert(
    db: &impl ConnectionTrait,
    rows: &[BulkReading],
    source: ReadingSource,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    const COLUMNS: usize = 11;
    let chunk = 32_766 / COLUMNS;
    let mut inserted = 0;
    for part in rows.chunks(chunk) {
        let models = part.iter().map(|r| readings::ActiveModel {
            section_id: Set(r.section_id),
            parameter: Set(r.parameter),
            sampled_at: Set(r.sampled_at),
            value: Set(r.value),
            below_detection: Set(false),
            detection_limit: Set(None),
            source: Set(source),
            quality_flag: Set(QualityFlag::Normal),
            class: Set(r.class),
            received_at: Set(now),
            data_kind: Set(DataKind::Sample),
            ..Default::default()
        });
        let result = readings::Entity::insert_many(models)
            .on_conflict_do_nothing_on([
                readings::Column::SectionId,
                readings::Column::Parameter,
                readings::Column::SampledAt,
                readings::Column::DataKind,
            ])
            .exec_without_returning(db)
            .await?;
        if let TryInsertResult::Inserted(n) = result {
            inserted += n;
        }
    }
    Ok(inserted)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    readings::Entity::find().count(db).await
}

/// Which readings of a section to list.
#[derive(Debug, Clone, Default)]
pub struct ReadingFilter {
    pub parameter: Option<Parameter>,
    pub kind: Option<DataKind>,
    /// Sampled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Sampled before.
    pub to: Option<DateTime<Utc>>,
}

/// Where a page of readings continues: after this (sampling time, id), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub sampled_at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    /// `1700000000.42`: seconds since the epoch, then the id. Opaque to clients.
    pub fn encode(self) -> String {
        format!("{}.{}", self.sampled_at.timestamp(), self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (t, id) = text.split_once('.')?;
        Some(Cursor { sampled_at: DateTime::from_timestamp(t.parse().ok()?, 0)?, id: id.parse().ok()? })
    }
}

/// One page of a section's readings, newest first, and the cursor of the next page if there is one. Reads
/// `limit + 1` rows through the (section, item, time) or (section, time) index: a page costs its size,
/// however long the section's history (on PostgreSQL, only the months the range covers).
pub async fn page(
    db: &impl ConnectionTrait,
    section_id: i32,
    filter: &ReadingFilter,
    after: Option<Cursor>,
    limit: u64,
) -> Result<(Vec<readings::Model>, Option<Cursor>), DbErr> {
    use readings::Column as C;
    use sea_orm::Condition;
    let mut query = readings::Entity::find().filter(C::SectionId.eq(section_id));
    if let Some(p) = filter.parameter {
        query = query.filter(C::Parameter.eq(p));
    }
    if let Some(k) = filter.kind {
        query = query.filter(C::DataKind.eq(k));
    }
    if let Some(from) = filter.from {
        query = query.filter(C::SampledAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(C::SampledAt.lt(to));
    }
    if let Some(c) = after {
        query = query.filter(
            Condition::any()
                .add(C::SampledAt.lt(c.sampled_at))
                .add(Condition::all().add(C::SampledAt.eq(c.sampled_at)).add(C::Id.lt(c.id))),
        );
    }
    let mut rows = query.order_by_desc(C::SampledAt).order_by_desc(C::Id).limit(limit + 1).all(db).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor { sampled_at: r.sampled_at, id: r.id })
    } else {
        None
    };
    Ok((rows, next))
}

/// A reading and every value it held before, the current first.
#[derive(Debug, Clone)]
pub struct History {
    pub current: readings::Model,
    /// Newest first.
    pub revisions: Vec<crate::entities::reading_revisions::Model>,
}

pub async fn history(db: &impl ConnectionTrait, id: i64) -> Result<Option<History>, DbErr> {
    use crate::entities::reading_revisions;
    let Some(current) = readings::Entity::find().filter(readings::Column::Id.eq(id)).one(db).await? else {
        return Ok(None);
    };
    let revisions = reading_revisions::Entity::find()
        .filter(reading_revisions::Column::ReadingId.eq(id))
        .order_by_desc(reading_revisions::Column::Revision)
        .all(db)
        .await?;
    Ok(Some(History { current, revisions }))
}
