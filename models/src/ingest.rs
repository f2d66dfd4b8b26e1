//! The one way readings are written, whatever brought them (the JSON API, a spreadsheet import, an HJ 212
//! station): many rows per statement, each row's fate decided by what is already stored.
//!
//! A row's identity is its section, item, sampling time and data kind. Against what is stored a row is
//! - **new**: inserted;
//! - a **duplicate**: the same identity with the same value, flag, limit and labels; nothing changes;
//! - a **revision**: the same identity with something different. The stored value moves to
//!   `reading_revisions` (with who replaced it and when), the new one becomes current, the reading keeps
//!   its id, and its revision number goes up. Nothing is overwritten without a trace, and nothing sent is
//!   dropped.
//!
//! Within one batch, rows are taken in the order given: a second row with the identity of an earlier one
//! is compared with it as if it came in a later batch (so a file that says two things about one sample
//! stores both, the later current). Rows are written in chunks; the roll-ups evaluation reads and the
//! alerts are the caller's (see `readings::submit`), in the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    Statement, Value,
};

use crate::domain::Code;
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::period::YearMonth;
use crate::domain::reading::{DataKind, QcFlag, QualityFlag, ReadingSource};
use crate::entities::{reading_revisions, readings};

/// A checked reading ready to store: its section resolved, its class judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub section_id: i32,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub kind: DataKind,
    /// In the standard's unit; for a non-detect, its detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub quality_flag: QualityFlag,
    pub qc: Option<QcFlag>,
    pub class: Option<WaterClass>,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
}

impl Row {
    fn key(&self) -> Key {
        (self.section_id, self.parameter, self.sampled_at, self.kind)
    }

    /// Whether evaluation counts it: a normal device flag, no quality rule against it, a counted kind.
    pub fn is_evaluated(&self) -> bool {
        self.quality_flag.is_valid_for_evaluation() && self.qc.is_none() && self.kind.is_evaluated()
    }

    /// Whether a stored reading says the same: then this row is a duplicate.
    fn same_as(&self, stored: &readings::Model) -> bool {
        self.value.to_bits() == stored.value.to_bits()
            && self.below_detection == stored.below_detection
            && self.detection_limit.map(f64::to_bits) == stored.detection_limit.map(f64::to_bits)
            && self.quality_flag == stored.quality_flag
            && self.origin == stored.origin
            && self.method == stored.method
            && self.lab == stored.lab
    }
}

type Key = (i32, Parameter, DateTime<Utc>, DataKind);

/// What became of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    New,
    Duplicate,
    /// The value it replaced, now in the reading's history.
    Revised {
        previous: Box<readings::Model>,
    },
}

/// A row's outcome, in the order the rows were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub reading_id: i64,
    /// The reading's revision number now (1 for a first value).
    pub revision: i32,
    pub fate: Fate,
}

/// Rows per insert statement. PostgreSQL takes them as one array a column; SQLite binds 15 values a row
/// under its 32,766 limit.
const PG_CHUNK: usize = 10_000;
const SQLITE_CHUNK: usize = 32_766 / 15;

/// Stores rows as new readings, duplicates or revisions (see the module's documentation). Call in the
/// caller's write transaction: every row lands or none does. `by` names who sent them, for the history.
/// On PostgreSQL the rows' months need their partitions: call [`crate::partitions::ensure_for`] first,
/// outside the transaction.
pub async fn store(
    db: &impl ConnectionTrait,
    rows: &[Row],
    source: ReadingSource,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, DbErr> {
    let mut outcomes: Vec<Option<Stored>> = vec![None; rows.len()];
    // Whether the previous chunk was mostly already stored (a file imported again, a station re-sending):
    // then the next one is looked up before it is inserted, which costs one lookup instead of an insert
    // that finds every row taken and a lookup after it.
    let mut expect_stored = false;
    for round in rounds(rows) {
        let chunk = if db.get_database_backend() == DbBackend::Postgres { PG_CHUNK } else { SQLITE_CHUNK };
        for part in round.chunks(chunk) {
            let found = store_part(db, rows, part, expect_stored, source, by, now, &mut outcomes).await?;
            expect_stored = found * 2 > part.len();
        }
    }
    Ok(outcomes.into_iter().map(|o| o.expect("every row has an outcome")).collect())
}

/// Splits row positions into rounds in which each identity appears once: the first occurrence of every
/// identity in the first round, the second in the second, and so on.
fn rounds(rows: &[Row]) -> Vec<Vec<usize>> {
    let mut seen: HashMap<Key, usize> = HashMap::with_capacity(rows.len());
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let n = seen.entry(row.key()).or_insert(0);
        if rounds.len() <= *n {
            rounds.push(Vec::new());
        }
        rounds[*n].push(i);
        *n += 1;
    }
    rounds
}

/// Stores one chunk; returns how many of its rows were stored already (duplicates and revisions).
#[allow(clippy::too_many_arguments)]
async fn store_part(
    db: &impl ConnectionTrait,
    rows: &[Row],
    part: &[usize],
    look_first: bool,
    source: ReadingSource,
    by: &str,
    now: DateTime<Utc>,
    outcomes: &mut [Option<Stored>],
) -> Result<usize, DbErr> {
    let mut stored = if look_first { find_stored(db, rows, part).await? } else { HashMap::new() };
    let fresh: Vec<usize> = part.iter().copied().filter(|&i| !stored.contains_key(&rows[i].key())).collect();
    let inserted = if fresh.is_empty() { HashMap::new() } else { insert_new(db, rows, &fresh, source, now).await? };
    let mut taken = Vec::new();
    for &i in &fresh {
        match inserted.get(&rows[i].key()) {
            Some(&id) => outcomes[i] = Some(Stored { reading_id: id, revision: 1, fate: Fate::New }),
            // Stored meanwhile by another writer, or not looked up first.
            None => taken.push(i),
        }
    }
    if !taken.is_empty() {
        stored.extend(find_stored(db, rows, &taken).await?);
    }
    let mut revised = Vec::new();
    let mut found = 0;
    for &i in part {
        if outcomes[i].is_some() {
            continue;
        }
        found += 1;
        let existing = stored
            .get(&rows[i].key())
            .ok_or_else(|| DbErr::RecordNotFound(format!("the reading that row {i} conflicted with")))?;
        if rows[i].same_as(existing) {
            outcomes[i] = Some(Stored { reading_id: existing.id, revision: existing.revision, fate: Fate::Duplicate });
        } else {
            revised.push((i, existing.clone()));
        }
    }
    revise(db, rows, &revised, source, by, now).await?;
    for (i, previous) in revised {
        outcomes[i] = Some(Stored {
            reading_id: previous.id,
            revision: previous.revision + 1,
            fate: Fate::Revised { previous: Box::new(previous) },
        });
    }
    Ok(found)
}

/// Inserts the rows whose identity is not stored yet; returns the ids of those inserted, by identity.
async fn insert_new(
    db: &impl ConnectionTrait,
    rows: &[Row],
    part: &[usize],
    source: ReadingSource,
    now: DateTime<Utc>,
) -> Result<HashMap<Key, i64>, DbErr> {
    let backend = db.get_database_backend();
    let statement = if backend == DbBackend::Postgres {
        // One array parameter a column, however many rows, bound in PostgreSQL's binary format.
        let rows: Vec<&Row> = part.iter().map(|&i| &rows[i]).collect();
        let a = PgArrays::of(&rows);
        Statement::from_sql_and_values(
            backend,
            "INSERT INTO readings (section_id, parameter, sampled_at, value, below_detection, detection_limit, \
               source, quality_flag, class, received_at, data_kind, qc, origin, method, lab) \
             SELECT s, p, t, v, b, NULLIF(dl, 'NaN'), $14, f, NULLIF(c, -1), $15, k, NULLIF(q, ''), \
               NULLIF(o, ''), NULLIF(m, ''), NULLIF(l, '') \
             FROM unnest($1::int4[], $2::text[], $3::timestamptz[], $4::float8[], $5::bool[], $6::float8[], \
               $7::text[], $8::int2[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) \
               AS r(s, p, t, v, b, dl, f, c, k, q, o, m, l) \
             ON CONFLICT (section_id, parameter, sampled_at, data_kind) DO NOTHING \
             RETURNING id, section_id, parameter, sampled_at, data_kind",
            [
                a.section,
                a.parameter,
                a.sampled_at,
                a.value,
                a.below_detection,
                a.detection_limit,
                a.quality_flag,
                a.class,
                a.kind,
                a.qc,
                a.origin,
                a.method,
                a.lab,
                Value::from(source.as_str()),
                Value::from(now),
            ],
        )
    } else {
        use readings::Column as C;
        let mut insert = Query::insert();
        insert.into_table(readings::Entity).columns([
            C::SectionId,
            C::Parameter,
            C::SampledAt,
            C::Value,
            C::BelowDetection,
            C::DetectionLimit,
            C::Source,
            C::QualityFlag,
            C::Class,
            C::ReceivedAt,
            C::DataKind,
            C::Qc,
            C::Origin,
            C::Method,
            C::Lab,
        ]);
        for &i in part {
            let r = &rows[i];
            insert.values_panic([
                r.section_id.into(),
                r.parameter.into(),
                r.sampled_at.into(),
                r.value.into(),
                r.below_detection.into(),
                r.detection_limit.into(),
                source.into(),
                r.quality_flag.into(),
                r.class.map(WaterClass::rank).into(),
                now.into(),
                r.kind.into(),
                r.qc.map(|q| q.as_str()).into(),
                r.origin.clone().into(),
                r.method.clone().into(),
                r.lab.clone().into(),
            ]);
        }
        insert
            .on_conflict(
                OnConflict::columns([C::SectionId, C::Parameter, C::SampledAt, C::DataKind]).do_nothing().to_owned(),
            )
            .returning(Query::returning().columns([C::Id, C::SectionId, C::Parameter, C::SampledAt, C::DataKind]));
        backend.build(&insert)
    };
    let returned = InsertedRow::find_by_statement(statement).all(db).await?;
    Ok(returned.into_iter().map(|r| ((r.section_id, r.parameter, r.sampled_at, r.data_kind), r.id)).collect())
}

/// Rows as one PostgreSQL array a column, for `unnest`: a statement binds 13 parameters whatever the
/// number of rows, in the binary format, so the server parses no text. sea-query's arrays cannot hold NULL,
/// so a missing number travels as NaN, a missing class as -1 and a missing label as the empty string
/// (labels are never empty: they are trimmed and an empty one is none), and the SQL turns them back with
/// `NULLIF`.
struct PgArrays {
    section: Value,
    parameter: Value,
    sampled_at: Value,
    value: Value,
    below_detection: Value,
    detection_limit: Value,
    quality_flag: Value,
    class: Value,
    kind: Value,
    qc: Value,
    origin: Value,
    method: Value,
    lab: Value,
}

impl PgArrays {
    fn of(rows: &[&Row]) -> PgArrays {
        fn column<T>(rows: &[&Row], f: impl Fn(&Row) -> T) -> Value
        where
            Value: From<Vec<T>>,
        {
            Value::from(rows.iter().map(|r| f(r)).collect::<Vec<T>>())
        }
        let label = |l: &Option<String>| l.clone().unwrap_or_default();
        PgArrays {
            section: column(rows, |r| r.section_id),
            parameter: column(rows, |r| r.parameter.key().to_string()),
            sampled_at: column(rows, |r| r.sampled_at),
            value: column(rows, |r| r.value),
            below_detection: column(rows, |r| r.below_detection),
            detection_limit: column(rows, |r| r.detection_limit.unwrap_or(f64::NAN)),
            quality_flag: column(rows, |r| r.quality_flag.as_str().to_string()),
            class: column(rows, |r| r.class.map_or(-1, |c| c.rank())),
            kind: column(rows, |r| r.kind.as_str().to_string()),
            qc: column(rows, |r| r.qc.map(|q| q.as_str().to_string()).unwrap_or_default()),
            origin: column(rows, |r| label(&r.origin)),
            method: column(rows, |r| label(&r.method)),
            lab: column(rows, |r| label(&r.lab)),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct InsertedRow {
    id: i64,
    section_id: i32,
    parameter: Parameter,
    sampled_at: DateTime<Utc>,
    data_kind: DataKind,
}

/// The stored readings with the identities of these rows.
async fn find_stored(
    db: &impl ConnectionTrait,
    rows: &[Row],
    which: &[usize],
) -> Result<HashMap<Key, readings::Model>, DbErr> {
    let backend = db.get_database_backend();
    let mut found = HashMap::with_capacity(which.len());
    let chunk = if backend == DbBackend::Postgres { PG_CHUNK } else { 32_766 / 4 };
    for part in which.chunks(chunk) {
        let statement = if backend == DbBackend::Postgres {
            let keys: Vec<&Row> = part.iter().map(|&i| &rows[i]).collect();
            Statement::from_sql_and_values(
                backend,
                "SELECT r.* FROM unnest($1::int4[], $2::text[], $3::timestamptz[], $4::text[]) AS k(s, p, t, d) \
                 JOIN readings r ON r.section_id = k.s AND r.parameter = k.p AND r.sampled_at = k.t \
                   AND r.data_kind = k.d",
                [
                    Value::from(keys.iter().map(|r| r.section_id).collect::<Vec<i32>>()),
                    Value::from(keys.iter().map(|r| r.parameter.key().to_string()).collect::<Vec<String>>()),
                    Value::from(keys.iter().map(|r| r.sampled_at).collect::<Vec<DateTime<Utc>>>()),
                    Value::from(keys.iter().map(|r| r.kind.as_str().to_string()).collect::<Vec<String>>()),
                ],
            )
        } else {
            let mut values = Vec::with_capacity(part.len() * 4);
            let placeholders: Vec<&str> = part
                .iter()
                .map(|&i| {
                    let r = &rows[i];
                    values.extend([
                        Value::from(r.section_id),
                        Value::from(r.parameter),
                        Value::from(r.sampled_at),
                        Value::from(r.kind),
                    ]);
                    "(?, ?, ?, ?)"
                })
                .collect();
            Statement::from_sql_and_values(
                backend,
                format!(
                    "WITH k(s, p, t, d) AS (VALUES {}) SELECT r.* FROM k JOIN readings r \
                     ON r.section_id = k.s AND r.parameter = k.p AND r.sampled_at = k.t AND r.data_kind = k.d",
                    placeholders.join(", ")
                ),
                values,
            )
        };
        for model in readings::Entity::find().from_raw_sql(statement).all(db).await? {
            found.insert((model.section_id, model.parameter, model.sampled_at, model.data_kind), model);
        }
    }
    Ok(found)
}

/// Moves each stored value to the history and makes the row's value current.
async fn revise(
    db: &impl ConnectionTrait,
    rows: &[Row],
    revised: &[(usize, readings::Model)],
    source: ReadingSource,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if revised.is_empty() {
        return Ok(());
    }
    for part in revised.chunks(32_766 / 17) {
        let history = part.iter().map(|(_, old)| reading_revisions::ActiveModel {
            reading_id: Set(old.id),
            revision: Set(old.revision),
            value: Set(old.value),
            below_detection: Set(old.below_detection),
            detection_limit: Set(old.detection_limit),
            source: Set(old.source),
            quality_flag: Set(old.quality_flag),
            qc: Set(old.qc),
            class: Set(old.class),
            origin: Set(old.origin.clone()),
            method: Set(old.method.clone()),
            lab: Set(old.lab.clone()),
            received_at: Set(old.received_at),
            superseded_at: Set(now),
            superseded_by: Set(by.to_string()),
            ..Default::default()
        });
        reading_revisions::Entity::insert_many(history).exec_without_returning(db).await?;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // One statement a chunk: the new values as arrays, joined to their readings by id and time (the
        // partition key, so each row is found in its month's partition).
        for part in revised.chunks(PG_CHUNK) {
            let new: Vec<&Row> = part.iter().map(|(i, _)| &rows[*i]).collect();
            let a = PgArrays::of(&new);
            let statement = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE readings r SET value = n.v, below_detection = n.b, detection_limit = NULLIF(n.dl, 'NaN'), \
                   source = $12, quality_flag = n.f, qc = NULLIF(n.q, ''), class = NULLIF(n.c, -1), \
                   origin = NULLIF(n.o, ''), method = NULLIF(n.m, ''), lab = NULLIF(n.l, ''), received_at = $13, \
                   revision = r.revision + 1 \
                 FROM unnest($1::int8[], $2::timestamptz[], $3::float8[], $4::bool[], $5::float8[], $6::text[], \
                   $7::int2[], $8::text[], $9::text[], $10::text[], $11::text[]) AS n(id, t, v, b, dl, f, c, q, o, m, l) \
                 WHERE r.id = n.id AND r.sampled_at = n.t",
                [
                    Value::from(part.iter().map(|(_, old)| old.id).collect::<Vec<i64>>()),
                    a.sampled_at,
                    a.value,
                    a.below_detection,
                    a.detection_limit,
                    a.quality_flag,
                    a.class,
                    a.qc,
                    a.origin,
                    a.method,
                    a.lab,
                    Value::from(source),
                    Value::from(now),
                ],
            );
            let updated = db.execute_raw(statement).await?.rows_affected();
            if updated != part.len() as u64 {
                return Err(DbErr::RecordNotUpdated);
            }
        }
        return Ok(());
    }
    use readings::Column as C;
    for (i, old) in revised {
        let r = &rows[*i];
        readings::Entity::update_many()
            .col_expr(C::Value, Expr::value(r.value))
            .col_expr(C::BelowDetection, Expr::value(r.below_detection))
            .col_expr(C::DetectionLimit, Expr::value(r.detection_limit))
            .col_expr(C::Source, Expr::value(source))
            .col_expr(C::QualityFlag, Expr::value(r.quality_flag))
            .col_expr(C::Qc, Expr::value(r.qc.map(|q| q.as_str())))
            .col_expr(C::Class, Expr::value(r.class.map(WaterClass::rank)))
            .col_expr(C::Origin, Expr::value(r.origin.clone()))
            .col_expr(C::Method, Expr::value(r.method.clone()))
            .col_expr(C::Lab, Expr::value(r.lab.clone()))
            .col_expr(C::ReceivedAt, Expr::value(now))
            .col_expr(C::Revision, Expr::col(C::Revision).add(1))
            .filter(C::Id.eq(old.id))
            .filter(C::SampledAt.eq(old.sampled_at))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The months (section, item, yyyymm) whose evaluation totals a set of revisions changes: a revision may
/// bring a value into evaluation, take one out, or change it.
pub fn months_touched<'a>(
    revised: impl IntoIterator<Item = (&'a Row, &'a readings::Model)>,
) -> BTreeSet<(i32, Parameter, i32)> {
    revised
        .into_iter()
        .filter(|(row, old)| {
            row.is_evaluated()
                || (old.quality_flag.is_valid_for_evaluation() && old.qc.is_none() && old.data_kind.is_evaluated())
        })
        .map(|(row, _)| (row.section_id, row.parameter, YearMonth::of_instant(row.sampled_at).key()))
        .collect()
}
