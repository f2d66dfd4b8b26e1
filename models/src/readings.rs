//! Storing readings: idempotently, judged against GB 3838 and the section's target, all or nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};

use crate::alerts::{self, AlertOutcome};
use crate::db::begin_write;
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::reading::ValidReading;
use crate::entities::{readings, sections};
use crate::sections::{SectionContext, find_by_codes};

/// Where readings came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    Csv,
    Hj212,
    Lab,
    Seed,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Csv => "csv",
            Self::Hj212 => "hj212",
            Self::Lab => "lab",
            Self::Seed => "seed",
        }
    }
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
    pub parameter: Parameter,
    pub class: Option<WaterClass>,
    /// Whether the reading meets the section's target; `None` when the item is not evaluated.
    pub meets_target: Option<bool>,
    pub alert: Option<AlertOutcome>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Section codes not in the registry, with their positions in the batch. Nothing was stored.
    #[error("unknown sections")]
    UnknownSections(Vec<(usize, String)>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Stores a validated batch in one transaction: every reading or none. A reading already stored is
/// reported as a duplicate and changes nothing. Each new reading is classified; an evaluated,
/// normal-flagged reading worse than its section's target opens or updates an alert.
pub async fn ingest(
    db: &DatabaseConnection,
    batch: &[ValidReading],
    source: Source,
    actor: crate::audit::Actor,
    now: DateTime<Utc>,
) -> Result<Vec<IngestResult>, IngestError> {
    let tx = begin_write(db).await?;
    let sections = find_by_codes(&tx, batch.iter().map(|r| r.section.as_str())).await?;
    let unknown: Vec<(usize, String)> = batch
        .iter()
        .enumerate()
        .filter(|(_, r)| !sections.contains_key(&r.section))
        .map(|(i, r)| (i, r.section.clone()))
        .collect();
    if !unknown.is_empty() {
        return Err(IngestError::UnknownSections(unknown));
    }
    lock_sections(&tx, sections.values().map(|s| s.section.id).collect()).await?;

    // Oldest first, so an alert's "last" reading is the latest in time whatever the submission order.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by_key(|&i| (batch[i].sampled_at, i));

    let mut results = Vec::with_capacity(batch.len());
    for index in order {
        let reading = &batch[index];
        let ctx = &sections[&reading.section];
        results.push(store_one(&tx, ctx, reading, index, source, now).await?);
    }
    results.sort_by_key(|r| r.index);
    crate::audit::append(&tx, audit_entry(actor, source, &results, batch), now).await?;
    tx.commit().await?;
    Ok(results)
}

/// The audit record of a batch: what was stored, what was already there, which alerts moved.
fn audit_entry(
    actor: crate::audit::Actor,
    source: Source,
    results: &[IngestResult],
    batch: &[ValidReading],
) -> crate::audit::NewEntry {
    let stored: Vec<i64> = results.iter().filter(|r| r.stored).map(|r| r.reading_id).collect();
    let alerts = |opened: bool| -> Vec<i32> {
        let mut ids: Vec<i32> = results
            .iter()
            .filter_map(|r| r.alert.as_ref())
            .filter(|a| a.opened == opened)
            .map(|a| a.alert_id)
            .collect();
        ids.dedup();
        ids
    };
    let mut sections: Vec<&str> = batch.iter().map(|r| r.section.as_str()).collect();
    sections.sort_unstable();
    sections.dedup();
    crate::audit::NewEntry {
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
    source: Source,
    now: DateTime<Utc>,
) -> Result<IngestResult, DbErr> {
    let kind = ctx.kind();
    // A non-detect is classified at its detection limit: the worst it can be.
    let class = r.parameter.classify(r.value, kind);
    let inserted = readings::Entity::insert(readings::ActiveModel {
        section_id: Set(ctx.section.id),
        parameter: Set(r.parameter.key().into()),
        sampled_at: Set(r.sampled_at),
        value: Set(r.value),
        below_detection: Set(r.below_detection),
        detection_limit: Set(r.detection_limit),
        source: Set(source.as_str().into()),
        quality_flag: Set(r.quality_flag.code().into()),
        class: Set(class.map(WaterClass::rank)),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([readings::Column::SectionId, readings::Column::Parameter, readings::Column::SampledAt])
    .exec(db)
    .await?;

    let evaluated = r.parameter.is_evaluated(kind) && r.quality_flag.is_valid_for_evaluation();
    let meets_target = class.filter(|_| evaluated).map(|c| c <= ctx.target());

    let reading_id = match inserted {
        TryInsertResult::Inserted(res) => res.last_insert_id,
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            let existing = find_one(db, ctx.section.id, r.parameter, r.sampled_at).await?;
            return Ok(IngestResult {
                index,
                reading_id: existing.map_or(0, |e| e.id),
                stored: false,
                parameter: r.parameter,
                class,
                meets_target,
                alert: None,
            });
        }
    };

    let mut alert = None;
    if let (Some(class), Some(false), false) = (class, meets_target, r.below_detection) {
        let row = readings::Entity::find_by_id(reading_id)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("reading {reading_id}")))?;
        alert = Some(alerts::record_exceedance(db, ctx, &row, r.parameter, class, now).await?);
    }
    Ok(IngestResult { index, reading_id, stored: true, parameter: r.parameter, class, meets_target, alert })
}

pub async fn find_one(
    db: &impl ConnectionTrait,
    section_id: i32,
    parameter: Parameter,
    sampled_at: DateTime<Utc>,
) -> Result<Option<readings::Model>, DbErr> {
    readings::Entity::find()
        .filter(readings::Column::SectionId.eq(section_id))
        .filter(readings::Column::Parameter.eq(parameter.key()))
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
pub async fn bulk_insert(
    db: &impl ConnectionTrait,
    rows: &[BulkReading],
    source: Source,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    const COLUMNS: usize = 10;
    let chunk = 32_766 / COLUMNS;
    let mut inserted = 0;
    for part in rows.chunks(chunk) {
        let models = part.iter().map(|r| readings::ActiveModel {
            section_id: Set(r.section_id),
            parameter: Set(r.parameter.key().into()),
            sampled_at: Set(r.sampled_at),
            value: Set(r.value),
            below_detection: Set(false),
            detection_limit: Set(None),
            source: Set(source.as_str().into()),
            quality_flag: Set("N".into()),
            class: Set(r.class.map(WaterClass::rank)),
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
