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
    db: &DatabaseConnection,
    items: &[(usize, ReadingInput)],
    now: DateTime<Utc>,
) -> Result<Vec<ItemProblem>, DbErr> {
    let mut writer = Writer::begin(db, ReadingSource::Api, Actor::system("check"), DEFAULT_LIVE_WINDOW, now).await?;
    Ok(writer.check(items).await?.1)
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
    let Submission { items, source, actor, only_section, live_window } = submission;
    let mut writer = Writer::begin(db, source, actor, live_window, now).await?;
    writer.only_section = only_section;
    let (valid, problems) = writer.check(&items).await?;
    if !problems.is_empty() {
        return Err(if problems.iter().all(|p| p.problem.code == "section_not_allowed") {
            SubmitError::NotAllowed(problems)
        } else {
            SubmitError::Invalid(problems.into_iter().filter(|p| p.problem.code != "section_not_allowed").collect())
        });
    }
    let results = writer.store(valid).await?;
    writer.commit(None).await?;
    Ok(results)
}

/// Writes readings in one transaction, a chunk at a time, for a caller that has more than fits in memory
/// (a spreadsheet of a million rows): [`check`](Writer::check) a chunk, [`store`](Writer::store) what
/// passed, and [`commit`](Writer::commit) at the end with one audit entry for all of it. Dropped without
/// `commit`, it stores nothing.
pub struct Writer {
    db: DatabaseConnection,
    tx: sea_orm::DatabaseTransaction,
    source: ReadingSource,
    actor: Actor,
    /// A station's key may submit for its own section only.
    pub only_section: Option<i32>,
    /// Write the audit entry only when something already stored changed (a revision) or an alert moved:
    /// for the HJ 212 receiver, whose new readings arrive every few seconds and are told by the devices'
    /// counters and each reading's `received_at`.
    pub audit_only_changes: bool,
    live_window: TimeDelta,
    now: DateTime<Utc>,
    /// Sections looked up so far, by code key; `None`: not in the registry.
    sections: HashMap<String, Option<SectionContext>>,
    /// Each series' newest values written so far (screening spikes and flat lines).
    tails: Tails,
    /// Month totals and each section's newest classified sample, written once at commit.
    pending: rollups::Pending,
    newest: HashMap<i32, (crate::domain::gb3838::WaterBodyKind, DateTime<Utc>)>,
    totals: Totals,
}

/// What a writer stored, for its audit entry and its caller's summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Totals {
    pub submitted: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub revised: u64,
    /// Set aside by a quality rule (stored, not evaluated).
    pub flagged: u64,
    pub first_reading_id: Option<i64>,
    pub last_reading_id: Option<i64>,
    /// The first [`REVISIONS_LISTED`] revisions: reading, revision, from, to.
    pub revisions: Vec<serde_json::Value>,
    pub sections: BTreeSet<String>,
    pub alerts_opened: BTreeSet<i32>,
    pub alerts_updated: BTreeSet<i32>,
}

/// Revisions named one by one in an audit entry; the count covers the rest.
pub const REVISIONS_LISTED: usize = 1000;

impl Totals {
    fn add(&mut self, r: &IngestResult) {
        self.submitted += 1;
        match (r.stored, r.revised_from) {
            (true, _) => {
                self.stored += 1;
                self.first_reading_id = Some(self.first_reading_id.map_or(r.reading_id, |f| f.min(r.reading_id)));
                self.last_reading_id = Some(self.last_reading_id.map_or(r.reading_id, |l| l.max(r.reading_id)));
            }
            (false, Some(from)) => {
                self.revised += 1;
                if self.revisions.len() < REVISIONS_LISTED {
                    self.revisions.push(serde_json::json!({
                        "reading_id": r.reading_id, "revision": r.revision, "from": from, "to": r.value,
                    }));
                }
            }
            (false, None) => self.duplicates += 1,
        }
        if r.qc.is_some() && r.stored {
            self.flagged += 1;
        }
        if !self.sections.contains(&r.section) {
            self.sections.insert(r.section.clone());
        }
        if let Some(a) = &r.alert {
            if a.opened { &mut self.alerts_opened } else { &mut self.alerts_updated }.insert(a.alert_id);
        }
    }
}

impl Writer {
    pub async fn begin(
        db: &DatabaseConnection,
        source: ReadingSource,
        actor: Actor,
        live_window: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Writer, DbErr> {
        Ok(Writer {
            db: db.clone(),
            tx: begin_write(db).await?,
            source,
            actor,
            only_section: None,
            audit_only_changes: false,
            live_window,
            now,
            sections: HashMap::new(),
            tails: HashMap::new(),
            pending: rollups::Pending::default(),
            newest: HashMap::new(),
            totals: Totals::default(),
        })
    }

    /// Starts from series tails kept by an earlier writer (the HJ 212 receiver's groups, one after the
    /// other), so continuing series are screened without asking the database.
    pub fn with_tails(mut self, tails: Tails) -> Writer {
        self.tails = tails;
        self
    }

    /// The series tails as this writer leaves them, for the next writer once this one has committed.
    pub fn take_tails(&mut self) -> Tails {
        std::mem::take(&mut self.tails)
    }

    /// What was written so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// The open transaction, for writes that must land with the readings.
    pub fn transaction(&self) -> &sea_orm::DatabaseTransaction {
        &self.tx
    }

    /// Validates every item and looks its section up; reports every problem, not just the first.
    pub async fn check(
        &mut self,
        items: &[(usize, ReadingInput)],
    ) -> Result<(Vec<(usize, ValidReading)>, Vec<ItemProblem>), DbErr> {
        let mut problems = Vec::new();
        let mut valid = Vec::with_capacity(items.len());
        for (index, input) in items {
            match input.validate(self.now) {
                Ok(reading) => valid.push((*index, reading)),
                Err(ps) => problems.extend(ps.into_iter().map(|problem| ItemProblem { index: *index, problem })),
            }
        }
        let unknown: BTreeSet<&str> = valid
            .iter()
            .map(|(_, r)| r.section.as_str())
            .filter(|c| !self.sections.contains_key(&code_key(c)))
            .collect();
        if !unknown.is_empty() {
            let found = find_by_codes(&self.tx, unknown.iter().copied()).await?;
            for code in unknown {
                let key = code_key(code);
                let ctx = found.get(&key).cloned();
                self.sections.insert(key, ctx);
            }
        }
        let mut passed = Vec::with_capacity(valid.len());
        for (index, r) in valid {
            match &self.sections[&code_key(&r.section)] {
                None => problems.push(ItemProblem { index, problem: unknown_section(&r.section) }),
                Some(ctx) if self.only_section.is_some_and(|allowed| ctx.section.id != allowed) => {
                    problems.push(ItemProblem {
                        index,
                        problem: Problem::new(
                            "section",
                            "section_not_allowed",
                            format!("该密钥无权提交断面“{}”的数据", quote(&r.section)),
                            format!("this key may not submit readings for section '{}'", quote(&r.section)),
                        ),
                    })
                }
                Some(_) => passed.push((index, r)),
            }
        }
        problems.sort_by_key(|p| p.index);
        Ok((passed, problems))
    }

    /// Stores readings that passed [`check`](Writer::check), deciding their alerts; returns each one's
    /// outcome in the order given.
    pub async fn store(&mut self, valid: Vec<(usize, ValidReading)>) -> Result<Vec<IngestResult>, DbErr> {
        let section_of = |r: &ValidReading| -> &SectionContext {
            self.sections[&code_key(&r.section)].as_ref().expect("checked readings have sections")
        };
        // Oldest first, so an alert's "last" reading is the latest in time whatever the submission order;
        // the same sample twice keeps the order it was sent in.
        let mut order: Vec<&(usize, ValidReading)> = valid.iter().collect();
        order.sort_by_key(|(index, r)| (r.sampled_at, *index));
        let mut rows: Vec<Row> = order.iter().map(|(_, r)| row_of(section_of(r), r)).collect();
        screen_series(&self.tx, &mut rows, &mut self.tails).await?;
        // Outside the transaction: a partition is attached by a connection of its own.
        partitions::ensure_for(&self.db, rows.iter().map(|r| r.sampled_at)).await?;
        let tx = &self.tx;
        let now = self.now;
        let stored = ingest::store(tx, &rows, self.source, &self.actor.label, now).await?;

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
        self.pending.add(&counted);
        let revised = rows.iter().zip(&stored).filter_map(|(row, s)| match &s.fate {
            Fate::Revised { previous } => Some((row, previous.as_ref())),
            _ => None,
        });
        let touched = ingest::months_touched(revised);
        // Counted again from the readings, which hold this transaction's rows: what is gathered for the
        // months counted again is in that count already.
        let recounted = rollups::recount(tx, &touched).await?;
        self.pending.forget(&recounted);
        let classified: Vec<_> = order
            .iter()
            .zip(&rows)
            .zip(&stored)
            .filter(|((_, row), s)| s.fate != Fate::Duplicate && row.is_evaluated() && row.class.is_some())
            .map(|(((_, r), row), _)| (row.section_id, section_of(r).kind(), row.sampled_at))
            .collect();
        // A revision that takes a sample out of evaluation may take away the section's latest sample: its
        // time is looked at again too.
        let withdrawn = order.iter().zip(&rows).zip(&stored).filter(|((_, row), s)| {
            matches!(s.fate, Fate::Revised { .. }) && (!row.is_evaluated() || row.class.is_none())
        });
        let withdrawn: Vec<_> =
            withdrawn.map(|(((_, r), row), _)| (row.section_id, section_of(r).kind(), row.sampled_at)).collect();
        for (section, kind, at) in classified.into_iter().chain(withdrawn) {
            let e = self.newest.entry(section).or_insert((kind, at));
            e.1 = e.1.max(at);
        }

        // Alerts: only for what changed, and only for the water as it is now.
        let live_since = now - self.live_window;
        let alerting: Vec<usize> = (0..rows.len())
            .filter(|&i| stored[i].fate != Fate::Duplicate && rows[i].sampled_at >= live_since && alerts_on(&rows[i]))
            .collect();
        lock_sections(tx, alerting.iter().map(|&i| rows[i].section_id).collect()).await?;
        let mut results = Vec::with_capacity(rows.len());
        for (i, ((index, reading), row)) in order.iter().zip(&rows).enumerate() {
            let ctx = section_of(reading);
            let judged = judged(ctx, row);
            let alert = if alerting.binary_search(&i).is_ok() {
                alerts::record_reading(tx, ctx, stored[i].reading_id, &judged, now).await?
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
        for r in &results {
            self.totals.add(r);
        }
        Ok(results)
    }

    /// Writes the audit entry of everything stored (with `detail`, e.g. the file imported) and commits.
    pub async fn commit(self, detail: Option<serde_json::Value>) -> Result<Totals, DbErr> {
        self.pending.flush(&self.tx).await?;
        let newest: Vec<_> = self.newest.iter().map(|(&section, &(kind, at))| (section, kind, at)).collect();
        rollups::refresh_latest(&self.tx, &newest).await?;
        let t = &self.totals;
        let changed = t.revised > 0 || !t.alerts_opened.is_empty() || !t.alerts_updated.is_empty();
        if !self.audit_only_changes || changed {
            let entry = audit_entry(self.actor, self.source, &self.totals, detail);
            audit::append(&self.tx, entry, self.now).await?;
        }
        self.tx.commit().await?;
        let source = self.source.as_str();
        metrics::counter!("riverchief_readings_stored_total", "source" => source).increment(self.totals.stored);
        metrics::counter!("riverchief_readings_revised_total", "source" => source).increment(self.totals.revised);
        metrics::counter!("riverchief_readings_duplicates_total", "source" => source).increment(self.totals.duplicates);
        Ok(self.totals)
    }
}

/// A checked reading as the store takes it: its section resolved, its class judged, quality rules applied.
fn row_of(ctx: &SectionContext, r: &ValidReading) -> Row {
    // A non-detect is classified at its detection limit: the worst it can be. A placeholder (-999) is no
    // value and has no class.
    let class = if r.qc == Some(QcFlag::Sentinel) { None } else { r.parameter.classify(r.value, ctx.kind()) };
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

/// The audit record of a write: what was stored, revised, already there, which alerts moved.
fn audit_entry(actor: Actor, source: ReadingSource, t: &Totals, detail: Option<serde_json::Value>) -> NewEntry {
    NewEntry {
        actor,
        action: "readings.submit".into(),
        entity: "readings".into(),
        entity_id: None,
        before: None,
        after: Some(serde_json::json!({
            "source": source.as_str(),
            "submitted": t.submitted,
            "stored": t.stored,
            "revised": t.revised,
            "duplicates": t.duplicates,
            "flagged": t.flagged,
            "first_reading_id": t.first_reading_id,
            "last_reading_id": t.last_reading_id,
            "revisions": t.revisions,
            "sections": t.sections,
            "alerts_opened": t.alerts_opened,
            "alerts_updated": t.alerts_updated,
            "detail": detail,
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

#[derive(Debug, thiserror::Error)]
pub enum QcError {
    #[error("no reading {0}")]
    NotFound(i64),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Sets (or, with `None`, clears) a reading's quality flag by hand, audited with the reason. The month's
/// evaluation totals and the section's latest sample follow at once: a flagged value leaves them, a
/// cleared one comes back.
pub async fn set_qc(
    db: &DatabaseConnection,
    id: i64,
    qc: Option<QcFlag>,
    reason: Option<&str>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<readings::Model, QcError> {
    use sea_orm::sea_query::Expr;
    let tx = begin_write(db).await?;
    let Some(before) = readings::Entity::find().filter(readings::Column::Id.eq(id)).one(&tx).await? else {
        return Err(QcError::NotFound(id));
    };
    readings::Entity::update_many()
        .col_expr(readings::Column::Qc, Expr::value(qc.map(|q| q.as_str())))
        .filter(readings::Column::Id.eq(id))
        .filter(readings::Column::SampledAt.eq(before.sampled_at))
        .exec(&tx)
        .await?;
    let month = crate::domain::period::YearMonth::of_instant(before.sampled_at).key();
    rollups::recount(&tx, &BTreeSet::from([(before.section_id, before.parameter, month)])).await?;
    let section = sections::Entity::find_by_id(before.section_id).one(&tx).await?;
    let ctx = match section {
        Some(s) => crate::sections::find_by_code(&tx, &s.code).await?,
        None => None,
    };
    if let Some(ctx) = ctx {
        rollups::refresh_latest(&tx, &[(before.section_id, ctx.kind(), before.sampled_at)]).await?;
    }
    let after =
        readings::Entity::find().filter(readings::Column::Id.eq(id)).one(&tx).await?.ok_or(QcError::NotFound(id))?;
    audit::append(
        &tx,
        NewEntry {
            actor,
            action: "readings.qc".into(),
            entity: "readings".into(),
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({"qc": before.qc.map(|q| q.as_str())})),
            after: Some(serde_json::json!({"qc": qc.map(|q| q.as_str()), "reason": reason})),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Applies the series rules (spikes, flat lines: `domain::quality::series`) to an automatic station's
/// values, against the last [`FLAT_RUN`](quality::FLAT_RUN) values stored before them in each series. Lab
/// samples are not screened: they are days apart and checked by the lab. Costs one query a chunk on
/// PostgreSQL (a lateral read of each series' newest rows through its index), one a series on SQLite.
/// A series: section, item, data kind.
pub type SeriesKey = (i32, Parameter, DataKind);

/// The newest values of the series a writer has written, oldest first, for screening the next chunk.
pub type Tails = HashMap<SeriesKey, Vec<crate::domain::quality::series::Point>>;

async fn screen_series(db: &impl ConnectionTrait, rows: &mut [Row], tails: &mut Tails) -> Result<(), DbErr> {
    use crate::domain::quality::{FLAT_RUN, max_rate_per_hour, series};
    use std::collections::BTreeMap;
    let mut by_series: BTreeMap<SeriesKey, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.kind != DataKind::Sample && r.qc.is_none() {
            by_series.entry((r.section_id, r.parameter, r.kind)).or_default().push(i);
        }
    }
    if by_series.is_empty() {
        return Ok(());
    }
    let first_at = |idx: &[usize]| idx.iter().map(|&i| rows[i].sampled_at).min().unwrap_or_default();
    let mut history: HashMap<SeriesKey, Vec<series::Point>> = HashMap::new();
    // Series whose stored tail this writer already knows (it wrote it) and that continue after it need no
    // query: a file of station history read hour after hour asks the database once a series.
    let mut wanted: BTreeMap<SeriesKey, Vec<usize>> = BTreeMap::new();
    for (key, idx) in &by_series {
        match tails.get(key) {
            Some(tail) if tail.last().is_none_or(|p| p.at < first_at(idx).timestamp()) => {
                history.insert(*key, tail.clone());
            }
            _ => {
                wanted.insert(*key, idx.clone());
            }
        }
    }
    let point = |at: DateTime<Utc>, value: f64, below: bool, flag: QualityFlag, qc: Option<QcFlag>| series::Point {
        at: at.timestamp(),
        value,
        judged: !below && flag.is_valid_for_evaluation() && qc.is_none(),
    };
    #[derive(Debug, sea_orm::FromQueryResult)]
    struct Past {
        section_id: i32,
        parameter: Parameter,
        data_kind: DataKind,
        sampled_at: DateTime<Utc>,
        value: f64,
        below_detection: bool,
        quality_flag: QualityFlag,
        qc: Option<QcFlag>,
    }
    if wanted.is_empty() {
    } else if db.get_database_backend() == DbBackend::Postgres {
        let statement = sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT r.section_id, r.parameter, r.data_kind, r.sampled_at, r.value, r.below_detection, \
                   r.quality_flag, r.qc \
                 FROM unnest($1::int4[], $2::text[], $3::text[], $4::timestamptz[], $5::int4[]) AS k(s, p, k, t, b) \
                 CROSS JOIN LATERAL (SELECT * FROM readings x WHERE x.section_id = k.s AND x.parameter = k.p \
                   AND x.data_kind = k.k AND x.sampled_at < k.t AND x.sampled_at >= k.t - make_interval(secs => k.b) \
                   ORDER BY x.sampled_at DESC LIMIT {FLAT_RUN}) r"
            ),
            [
                sea_orm::Value::from(wanted.keys().map(|(s, _, _)| *s).collect::<Vec<i32>>()),
                sea_orm::Value::from(wanted.keys().map(|(_, p, _)| p.key().to_string()).collect::<Vec<String>>()),
                sea_orm::Value::from(wanted.keys().map(|(_, _, k)| k.as_str().to_string()).collect::<Vec<String>>()),
                sea_orm::Value::from(wanted.values().map(|idx| first_at(idx)).collect::<Vec<DateTime<Utc>>>()),
                sea_orm::Value::from(
                    wanted.keys().map(|(_, _, k)| look_back(*k).num_seconds() as i32).collect::<Vec<i32>>(),
                ),
            ],
        );
        for p in <Past as sea_orm::FromQueryResult>::find_by_statement(statement).all(db).await? {
            history.entry((p.section_id, p.parameter, p.data_kind)).or_default().push(point(
                p.sampled_at,
                p.value,
                p.below_detection,
                p.quality_flag,
                p.qc,
            ));
        }
    } else {
        // One query for up to 8,000 series: each series' twelfth-newest time before its first new value is
        // found through the (section, item, time) index, and the rows from there on joined: about twelve
        // index reads a series, however long its history.
        let keys: Vec<(&SeriesKey, &Vec<usize>)> = wanted.iter().collect();
        for part in keys.chunks(8_000) {
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(part.len() * 4);
            for ((s, p, k), idx) in part {
                values.extend([
                    sea_orm::Value::from(*s),
                    sea_orm::Value::from(*p),
                    sea_orm::Value::from(*k),
                    sea_orm::Value::from(first_at(idx)),
                ]);
            }
            let statement = sea_orm::Statement::from_sql_and_values(
                DbBackend::Sqlite,
                format!(
                    "WITH k(s, p, d, t) AS (VALUES {}), \
                     b AS MATERIALIZED (SELECT s, p, d, t, COALESCE((SELECT y.sampled_at FROM readings y \
                         WHERE y.section_id = k.s AND y.parameter = k.p AND y.data_kind = k.d AND y.sampled_at < k.t \
                         ORDER BY y.sampled_at DESC LIMIT 1 OFFSET {}), '') AS lo FROM k) \
                     SELECT x.section_id, x.parameter, x.data_kind, x.sampled_at, x.value, x.below_detection, \
                       x.quality_flag, x.qc \
                     FROM b JOIN readings x ON x.section_id = b.s AND x.parameter = b.p AND x.data_kind = b.d \
                       AND x.sampled_at < b.t AND x.sampled_at >= b.lo",
                    vec!["(?, ?, ?, ?)"; part.len()].join(", "),
                    FLAT_RUN - 1
                ),
                values,
            );
            for p in <Past as sea_orm::FromQueryResult>::find_by_statement(statement).all(db).await? {
                history.entry((p.section_id, p.parameter, p.data_kind)).or_default().push(point(
                    p.sampled_at,
                    p.value,
                    p.below_detection,
                    p.quality_flag,
                    p.qc,
                ));
            }
        }
    }
    for (key, idx) in by_series {
        let mut past = history.remove(&key).unwrap_or_default();
        past.sort_by_key(|p| p.at);
        let mut idx = idx;
        idx.sort_by_key(|&i| rows[i].sampled_at);
        let new: Vec<series::Point> = idx
            .iter()
            .map(|&i| point(rows[i].sampled_at, rows[i].value, rows[i].below_detection, rows[i].quality_flag, None))
            .collect();
        for (&i, flag) in idx.iter().zip(series::screen(&past, &new, max_rate_per_hour(key.1), FLAT_RUN)) {
            if flag.is_some() {
                rows[i].qc = flag;
            }
        }
        let mut tail = past;
        tail.extend(idx.iter().map(|&i| {
            point(rows[i].sampled_at, rows[i].value, rows[i].below_detection, rows[i].quality_flag, rows[i].qc)
        }));
        let keep = tail.len().saturating_sub(FLAT_RUN);
        tail.drain(..keep);
        tails.insert(key, tail);
    }
    Ok(())
}

/// How far back twelve values of a kind reach, at the usual intervals (real-time every few minutes, minute
/// values every ten, hourly, daily), with room for gaps.
fn look_back(kind: DataKind) -> TimeDelta {
    match kind {
        DataKind::Realtime => TimeDelta::hours(2),
        DataKind::Minute => TimeDelta::hours(4),
        DataKind::Hour => TimeDelta::hours(36),
        DataKind::Day => TimeDelta::days(30),
        DataKind::Sample => TimeDelta::zero(),
    }
}
