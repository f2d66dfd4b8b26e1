//! Submitting readings: each checked, stored idempotently and judged against GB 3838 and its section's
//! target, the batch all or nothing, with its audit entry in the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};

use crate::alerts::{self, AlertOutcome};
use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::domain::alert::JudgedReading;
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::reading::{QualityFlag, ReadAs, ReadingInput, ReadingSource, ValidReading};
use crate::domain::{Code, Problem, quote};
use crate::entities::{readings, sections};
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
    /// `false` when the same section, parameter and time was already stored (nothing changed).
    pub stored: bool,
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

/// Checks and stores a batch in one transaction: every reading or none. A reading already stored is reported
/// as a duplicate and changes nothing. Each new reading is classified; an evaluated, normal-flagged reading
/// worse than its section's target opens or updates an alert (see `domain::alert::decide`).
pub async fn submit(
    db: &DatabaseConnection,
    submission: Submission,
    now: DateTime<Utc>,
) -> Result<Vec<IngestResult>, SubmitError> {
    let tx = begin_write(db).await?;
    let Checked { valid, sections, problems } = check_items(&tx, &submission.items, now).await?;
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
    lock_sections(&tx, sections.values().map(|s| s.section.id).collect()).await?;

    // Oldest first, so an alert's "last" reading is the latest in time whatever the submission order.
    let mut order: Vec<&(usize, ValidReading)> = valid.iter().collect();
    order.sort_by_key(|(index, r)| (r.sampled_at, *index));

    let mut results = Vec::with_capacity(valid.len());
    let (mut counted, mut classified) = (Vec::new(), Vec::new());
    for (index, reading) in order {
        let ctx = section_of(reading);
        let result = store_one(&tx, ctx, reading, *index, submission.source, now).await?;
        if result.stored && reading.quality_flag.is_valid_for_evaluation() {
            counted.push(Counted {
                section_id: ctx.section.id,
                parameter: reading.parameter,
                sampled_at: reading.sampled_at,
                value: reading.value,
                below_detection: reading.below_detection,
            });
            if result.class.is_some() {
                classified.push((ctx.section.id, ctx.kind(), reading.sampled_at));
            }
        }
        results.push(result);
    }
    // The roll-ups evaluation reads move in the same transaction as the readings.
    rollups::add(&tx, &counted).await?;
    rollups::refresh_latest(&tx, &classified).await?;
    results.sort_by_key(|r| r.index);
    audit::append(&tx, audit_entry(submission.actor, submission.source, &results), now).await?;
    tx.commit().await?;
    Ok(results)
}

/// The audit record of a batch: what was stored, what was already there, which alerts moved.
fn audit_entry(actor: Actor, source: ReadingSource, results: &[IngestResult]) -> NewEntry {
    let stored: Vec<i64> = results.iter().filter(|r| r.stored).map(|r| r.reading_id).collect();
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
            "duplicates": results.len() - stored.len(),
            "first_reading_id": stored.iter().min(),
            "last_reading_id": stored.iter().max(),
            "sections": sections,
            "alerts_opened": alerts(true),
            "alerts_updated": alerts(false),
        })),
    }
}

/// On PostgreSQL, locks the batch's sections in id order so that concurrent batches for the same section
/// take turns deciding its alerts (SQLite's write transaction already serialises them).
async fn lock_sections(db: &impl ConnectionTrait, ids: BTreeSet<i32>) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres && !ids.is_empty() {
        sections::Entity::find()
            .select_only()
            .column(sections::Column::Id)
            .filter(sections::Column::Id.is_in(ids))
            .order_by_asc(sections::Column::Id)
            .lock_exclusive()
            .into_tuple::<i32>()
            .all(db)
            .await?;
    }
    Ok(())
}

async fn store_one(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    r: &ValidReading,
    index: usize,
    source: ReadingSource,
    now: DateTime<Utc>,
) -> Result<IngestResult, DbErr> {
    let kind = ctx.kind();
    // A non-detect is classified at its detection limit: the worst it can be.
    let class = r.parameter.classify(r.value, kind);
    let judged = JudgedReading {
        parameter: r.parameter,
        value: r.value,
        below_detection: r.below_detection,
        sampled_at: r.sampled_at,
        class,
        evaluated: r.parameter.is_evaluated(kind) && r.quality_flag.is_valid_for_evaluation(),
        target: ctx.target_at(r.sampled_at),
    };
    let inserted = readings::Entity::insert(readings::ActiveModel {
        section_id: Set(ctx.section.id),
        parameter: Set(r.parameter),
        sampled_at: Set(r.sampled_at),
        value: Set(r.value),
        below_detection: Set(r.below_detection),
        detection_limit: Set(r.detection_limit),
        source: Set(source),
        quality_flag: Set(r.quality_flag),
        class: Set(class),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([readings::Column::SectionId, readings::Column::Parameter, readings::Column::SampledAt])
    .exec(db)
    .await?;

    let result = |reading_id, stored, alert| IngestResult {
        index,
        reading_id,
        stored,
        section: ctx.section.code.clone(),
        parameter: r.parameter,
        value: r.value,
        class,
        target: judged.target,
        meets_target: judged.meets_target(),
        alert,
        read_as: r.read_as,
    };
    match inserted {
        TryInsertResult::Inserted(res) => {
            let alert = alerts::record_reading(db, ctx, res.last_insert_id, &judged, now).await?;
            Ok(result(res.last_insert_id, true, alert))
        }
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            let existing = find_one(db, ctx.section.id, r.parameter, r.sampled_at).await?;
            Ok(result(existing.map_or(0, |e| e.id), false, None))
        }
    }
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
    const COLUMNS: usize = 10;
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
            ..Default::default()
        });
        let result = readings::Entity::insert_many(models)
            .on_conflict_do_nothing_on([
                readings::Column::SectionId,
                readings::Column::Parameter,
                readings::Column::SampledAt,
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
