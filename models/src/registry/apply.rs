//! The one write of the registry: [`apply`] takes rows (from a spreadsheet, an API request or the demo),
//! checks every one of them against the rules and against what is stored, and then creates, changes or
//! retires what differs, in one transaction with an audit entry for each change (before and after). Rows
//! equal to what is stored change nothing, so applying the same file twice is a no-op; a row left out is
//! left alone. With `dry_run` the same work is done and rolled back, and the plan says what would happen.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use serde_json::Value;

use super::rows::*;
use crate::audit::{self, Actor, NewEntry};
use crate::chiefs::china_day;
use crate::db::begin_write;
use crate::domain::alert::AlertStatus;
use crate::domain::gb3838::{WaterBodyKind, WaterClass};
use crate::domain::registry as rules;
use crate::domain::{ChiefLevel, Code, Problem, RegionLevel};
use crate::entities::{
    alerts, appointments, reaches, regions, river_chiefs, section_targets, sections, water_bodies, water_body_regions,
};

/// One thing wrong with one row, named by kind, place, key and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryProblem {
    pub kind: Kind,
    #[serde(skip_serializing_if = "is_default_origin")]
    pub origin: Origin,
    /// The row's code (or key, for targets and appointments).
    pub key: String,
    pub field: &'static str,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

fn is_default_origin(o: &Origin) -> bool {
    *o == Origin::default()
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Rows that are wrong, every one named; nothing was stored.
    #[error("{} problem(s) in the registry; nothing was stored: {}", .0.len(), first_problems(.0))]
    Invalid(Vec<RegistryProblem>),
    #[error("no {} with code '{key}'", kind.as_str())]
    NotFound { kind: Kind, key: String },
    /// A create named a code that is stored already.
    #[error("{} '{key}' exists already", kind.as_str())]
    Exists { kind: Kind, key: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn first_problems(problems: &[RegistryProblem]) -> String {
    let shown: Vec<String> =
        problems.iter().take(5).map(|p| format!("{} {}: {}", p.kind.as_str(), p.key, p.en)).collect();
    let more = problems.len().saturating_sub(5);
    if more > 0 { format!("{}; and {more} more", shown.join("; ")) } else { shown.join("; ") }
}

/// What happened (or, in a dry run, would happen) to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Changed,
    Retired,
}

impl ChangeKind {
    fn action(self) -> &'static str {
        match self {
            Self::Created => "registry.create",
            Self::Changed => "registry.update",
            Self::Retired => "registry.retire",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub key: String,
    pub change: ChangeKind,
    pub before: Option<Value>,
    pub after: Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: usize,
    pub changed: usize,
    pub retired: usize,
    pub unchanged: usize,
}

/// What an apply did, kind by kind, and each change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    pub dry_run: bool,
    pub counts: BTreeMap<Kind, Counts>,
    pub changes: Vec<Change>,
}

impl Plan {
    fn record(&mut self, kind: Kind, key: String, change: Option<ChangeKind>, before: Option<Value>, after: Value) {
        let counts = self.counts.entry(kind).or_default();
        match change {
            None => counts.unchanged += 1,
            Some(change) => {
                match change {
                    ChangeKind::Created => counts.created += 1,
                    ChangeKind::Changed => counts.changed += 1,
                    ChangeKind::Retired => counts.retired += 1,
                }
                self.changes.push(Change { kind, key, change, before, after });
            }
        }
    }

    pub fn total(&self, pick: impl Fn(&Counts) -> usize) -> usize {
        self.counts.values().map(pick).sum()
    }
}

/// Applies `registry` in its own write transaction (rolled back when `dry_run`).
pub async fn apply(
    db: &DatabaseConnection,
    registry: &Registry,
    actor: Actor,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Plan, RegistryError> {
    let tx = begin_write(db).await?;
    let mut plan = apply_in(&tx, registry, actor, now).await?;
    plan.dry_run = dry_run;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(plan)
}

/// [`apply`] inside the caller's write transaction (the demo loads its registry this way).
pub async fn apply_in(
    db: &impl ConnectionTrait,
    registry: &Registry,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Plan, RegistryError> {
    let today = china_day(now);
    let snapshot = Snapshot::load(db).await?;
    let mut check = Checker { snapshot: &snapshot, registry, index: Index::of(registry), today, problems: Vec::new() };
    check.all(db).await?;
    let takeovers = check.appointments();
    if !check.problems.is_empty() {
        return Err(RegistryError::Invalid(check.problems));
    }
    let mut writer = Writer { db, snapshot, today, plan: Plan::default() };
    writer.write(registry, &takeovers).await?;
    let entries: Vec<NewEntry> = writer
        .plan
        .changes
        .iter()
        .map(|c| NewEntry {
            actor: actor.clone(),
            action: c.change.action().into(),
            entity: table_of(c.kind).into(),
            entity_id: Some(c.key.clone()),
            before: c.before.clone(),
            after: Some(c.after.clone()),
        })
        .collect();
    audit::append_many(db, entries, now).await?;
    Ok(writer.plan)
}

fn table_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Regions => "regions",
        Kind::WaterBodies => "water_bodies",
        Kind::Reaches => "reaches",
        Kind::Sections => "sections",
        Kind::Targets => "section_targets",
        Kind::Chiefs => "river_chiefs",
        Kind::Appointments => "appointments",
    }
}

fn json<T: Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

/// The key of an appointment row: chief, water body, reach and first day.
pub fn appointment_key(a: &AppointmentRow) -> String {
    format!("{}/{}/{}/{}", a.chief, a.water_body, a.reach.as_deref().unwrap_or("-"), a.starts_on)
}

pub fn target_key(t: &TargetRow) -> String {
    format!("{}/{}", t.section, t.year)
}

/// The stored registry, by code, as rows and as models.
pub struct Snapshot {
    regions: HashMap<String, regions::Model>,
    region_codes: HashMap<i32, String>,
    water_bodies: HashMap<String, water_bodies::Model>,
    water_body_codes: HashMap<i32, String>,
    water_body_regions: HashMap<i32, BTreeSet<i32>>,
    reaches: HashMap<String, reaches::Model>,
    reach_codes: HashMap<i32, String>,
    sections: HashMap<String, sections::Model>,
    targets: HashMap<(i32, i32), WaterClass>,
    chiefs: HashMap<String, river_chiefs::Model>,
    chief_codes: HashMap<i32, String>,
    appointments: Vec<appointments::Model>,
}

impl Snapshot {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
        let regions: HashMap<String, regions::Model> =
            regions::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let water_bodies: HashMap<String, water_bodies::Model> =
            water_bodies::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let mut water_body_regions: HashMap<i32, BTreeSet<i32>> = HashMap::new();
        for link in water_body_regions::Entity::find().all(db).await? {
            water_body_regions.entry(link.water_body_id).or_default().insert(link.region_id);
        }
        let reaches: HashMap<String, reaches::Model> =
            reaches::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let sections: HashMap<String, sections::Model> =
            sections::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let targets = section_targets::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| ((t.section_id, t.year), t.target_class))
            .collect();
        let chiefs: HashMap<String, river_chiefs::Model> =
            river_chiefs::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let appointments = appointments::Entity::find().all(db).await?;
        Ok(Snapshot {
            region_codes: regions.values().map(|m| (m.id, m.code.clone())).collect(),
            water_body_codes: water_bodies.values().map(|m| (m.id, m.code.clone())).collect(),
            reach_codes: reaches.values().map(|m| (m.id, m.code.clone())).collect(),
            chief_codes: chiefs.values().map(|m| (m.id, m.code.clone())).collect(),
            regions,
            water_bodies,
            water_body_regions,
            reaches,
            sections,
            targets,
            chiefs,
            appointments,
        })
    }

    fn region_code(&self, id: i32) -> String {
        self.region_codes.get(&id).cloned().unwrap_or_default()
    }

    fn water_body_code(&self, id: i32) -> String {
        self.water_body_codes.get(&id).cloned().unwrap_or_default()
    }

    fn region_row(&self, m: &regions::Model) -> RegionRow {
        RegionRow {
            code: m.code.clone(),
            name: m.name.clone(),
            level: m.level,
            parent: m.parent_id.map(|id| self.region_code(id)),
            retired: m.retired_on.is_some(),
            origin: Origin::default(),
        }
    }

    fn water_body_row(&self, m: &water_bodies::Model) -> WaterBodyRow {
        WaterBodyRow {
            code: m.code.clone(),
            name: m.name.clone(),
            kind: m.kind,
            parent: m.parent_id.map(|id| self.water_body_code(id)),
            regions: {
                let mut codes: Vec<String> =
                    self.water_body_regions.get(&m.id).into_iter().flatten().map(|id| self.region_code(*id)).collect();
                codes.sort();
                codes
            },
            description: m.description.clone(),
            retired: m.retired_on.is_some(),
            origin: Origin::default(),
        }
    }

    fn reach_row(&self, m: &reaches::Model) -> ReachRow {
        ReachRow {
            code: m.code.clone(),
            name: m.name.clone(),
            water_body: self.water_body_code(m.water_body_id),
            region: self.region_code(m.region_id),
            description: m.description.clone(),
            retired: m.retired_on.is_some(),
            origin: Origin::default(),
        }
    }

    fn section_row(&self, m: &sections::Model) -> SectionRow {
        SectionRow {
            code: m.code.clone(),
            name: m.name.clone(),
            water_body: self.water_body_code(m.water_body_id),
            reach: m.reach_id.and_then(|id| self.reach_codes.get(&id).cloned()),
            region: self.region_code(m.region_id),
            longitude: m.longitude,
            latitude: m.latitude,
            control_level: m.control_level,
            target: m.target_class,
            station_mn: m.station_mn.clone(),
            active_from: m.active_from,
            active_to: m.active_to,
            origin: Origin::default(),
        }
    }

    fn chief_row(&self, m: &river_chiefs::Model) -> ChiefRow {
        ChiefRow {
            code: m.code.clone(),
            name: m.name.clone(),
            level: m.level,
            position: m.position.clone(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            region: m.region_id.map(|id| self.region_code(id)),
            retired: m.retired_on.is_some(),
            origin: Origin::default(),
        }
    }

    fn appointment_row(&self, m: &appointments::Model) -> AppointmentRow {
        AppointmentRow {
            chief: self.chief_codes.get(&m.chief_id).cloned().unwrap_or_default(),
            water_body: self.water_body_code(m.water_body_id),
            reach: m.reach_id.and_then(|id| self.reach_codes.get(&id).cloned()),
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            note: m.note.clone(),
            origin: Origin::default(),
        }
    }

    /// Whether a row of `kind` with `key` is stored.
    pub fn has(&self, kind: Kind, key: &str) -> bool {
        match kind {
            Kind::Regions => self.regions.contains_key(key),
            Kind::WaterBodies => self.water_bodies.contains_key(key),
            Kind::Reaches => self.reaches.contains_key(key),
            Kind::Sections => self.sections.contains_key(key),
            Kind::Chiefs => self.chiefs.contains_key(key),
            Kind::Targets => key.rsplit_once('/').is_some_and(|(section, year)| {
                let id = self.sections.get(section).map(|s| s.id);
                id.zip(year.parse::<i32>().ok()).is_some_and(|k| self.targets.contains_key(&k))
            }),
            Kind::Appointments => self.appointments.iter().any(|m| appointment_key(&self.appointment_row(m)) == key),
        }
    }

    pub fn region_ids(&self) -> HashMap<String, i32> {
        self.regions.values().map(|m| (m.code.clone(), m.id)).collect()
    }

    /// Water bodies by code: id and kind.
    pub fn water_bodies_by_code(&self) -> HashMap<String, (i32, WaterBodyKind)> {
        self.water_bodies.values().map(|m| (m.code.clone(), (m.id, m.kind))).collect()
    }

    /// Sections by code: id and the kind of their water body.
    pub fn sections_with_kind(&self) -> HashMap<String, (i32, WaterBodyKind)> {
        self.sections
            .values()
            .filter_map(|s| {
                let kind = self.water_bodies.get(self.water_body_codes.get(&s.water_body_id)?)?.kind;
                Some((s.code.clone(), (s.id, kind)))
            })
            .collect()
    }

    pub fn chief_ids(&self) -> HashMap<String, i32> {
        self.chiefs.values().map(|m| (m.code.clone(), m.id)).collect()
    }

    /// The whole stored registry as rows, sorted by code: what `registry export` writes.
    pub fn rows(&self) -> Registry {
        fn sorted<T, K: Ord>(mut rows: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
            rows.sort_by_key(|r| key(r));
            rows
        }
        let section_codes: HashMap<i32, &str> = self.sections.values().map(|s| (s.id, s.code.as_str())).collect();
        Registry {
            regions: sorted(self.regions.values().map(|m| self.region_row(m)).collect(), |r| r.code.clone()),
            water_bodies: sorted(self.water_bodies.values().map(|m| self.water_body_row(m)).collect(), |r| {
                r.code.clone()
            }),
            reaches: sorted(self.reaches.values().map(|m| self.reach_row(m)).collect(), |r| r.code.clone()),
            sections: sorted(self.sections.values().map(|m| self.section_row(m)).collect(), |r| r.code.clone()),
            targets: sorted(
                self.targets
                    .iter()
                    .filter_map(|((section, year), target)| {
                        Some(TargetRow {
                            section: section_codes.get(section)?.to_string(),
                            year: *year,
                            target: *target,
                            origin: Origin::default(),
                        })
                    })
                    .collect(),
                |t| (t.section.clone(), t.year),
            ),
            chiefs: sorted(self.chiefs.values().map(|m| self.chief_row(m)).collect(), |r| r.code.clone()),
            appointments: sorted(self.appointments.iter().map(|m| self.appointment_row(m)).collect(), |a| {
                (a.water_body.clone(), a.reach.clone(), a.starts_on, a.chief.clone())
            }),
        }
    }
}

/// The stored registry as rows.
pub async fn export(db: &impl ConnectionTrait) -> Result<Registry, DbErr> {
    Ok(Snapshot::load(db).await?.rows())
}

/// How a single write from the API treats what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Create or change, as the import does.
    Upsert,
    /// Only create: a row whose key is stored is refused (`Exists`).
    Create,
    /// Only change: a row whose key is not stored is refused (`NotFound`).
    Change,
}

/// [`apply`] with an intent, for the API's writes of one row (`POST /api/v1/regions` creates,
/// `PUT /api/v1/regions/{code}` changes).
pub async fn apply_as(
    db: &DatabaseConnection,
    registry: &Registry,
    intent: Intent,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Plan, RegistryError> {
    let tx = begin_write(db).await?;
    if intent != Intent::Upsert {
        let stored = Snapshot::load(&tx).await?;
        for (kind, key) in keys(registry) {
            let exists = stored.has(kind, &key);
            match intent {
                Intent::Create if exists => return Err(RegistryError::Exists { kind, key }),
                Intent::Change if !exists => return Err(RegistryError::NotFound { kind, key }),
                _ => {}
            }
        }
    }
    let plan = apply_in(&tx, registry, actor, now).await?;
    tx.commit().await?;
    Ok(plan)
}

/// Retires the stored row of `kind` with `code` (a section from `on`, default today), as a row marked
/// retired would: the same checks, the same audit entry.
pub async fn retire(
    db: &DatabaseConnection,
    kind: Kind,
    code: &str,
    on: Option<NaiveDate>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Plan, RegistryError> {
    let stored = export(db).await?;
    let missing = || RegistryError::NotFound { kind, key: code.to_string() };
    let mut one = Registry::default();
    match kind {
        Kind::Regions => {
            let row = stored.regions.into_iter().find(|r| r.code == code).ok_or_else(missing)?;
            one.regions.push(RegionRow { retired: true, ..row });
        }
        Kind::WaterBodies => {
            let row = stored.water_bodies.into_iter().find(|r| r.code == code).ok_or_else(missing)?;
            one.water_bodies.push(WaterBodyRow { retired: true, ..row });
        }
        Kind::Reaches => {
            let row = stored.reaches.into_iter().find(|r| r.code == code).ok_or_else(missing)?;
            one.reaches.push(ReachRow { retired: true, ..row });
        }
        Kind::Sections => {
            let row = stored.sections.into_iter().find(|r| r.code == code).ok_or_else(missing)?;
            let active_to = row.active_to.or(on).or(Some(china_day(now)));
            one.sections.push(SectionRow { active_to, ..row });
        }
        Kind::Chiefs => {
            let row = stored.chiefs.into_iter().find(|r| r.code == code).ok_or_else(missing)?;
            one.chiefs.push(ChiefRow { retired: true, ..row });
        }
        Kind::Targets | Kind::Appointments => return Err(missing()),
    }
    apply(db, &one, actor, now, false).await
}

/// Every row's kind and key.
fn keys(r: &Registry) -> Vec<(Kind, String)> {
    let mut keys = Vec::new();
    keys.extend(r.regions.iter().map(|x| (Kind::Regions, x.code.clone())));
    keys.extend(r.water_bodies.iter().map(|x| (Kind::WaterBodies, x.code.clone())));
    keys.extend(r.reaches.iter().map(|x| (Kind::Reaches, x.code.clone())));
    keys.extend(r.sections.iter().map(|x| (Kind::Sections, x.code.clone())));
    keys.extend(r.targets.iter().map(|x| (Kind::Targets, target_key(x))));
    keys.extend(r.chiefs.iter().map(|x| (Kind::Chiefs, x.code.clone())));
    keys.extend(r.appointments.iter().map(|x| (Kind::Appointments, appointment_key(x))));
    keys
}

/// A term that an appointment in the batch ends: the earlier, open-ended appointment to the same reach
/// and level, which the new one takes over from its first day.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Takeover {
    /// Of the term that ends: a stored appointment's id, or a batch row's index.
    ends: TermRef,
    ends_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TermRef {
    Stored(i32),
    Batch(usize),
}

/// The batch's rows by code, so that each reference is one lookup (an import of 10,000 appointments
/// names 10,000 chiefs).
#[derive(Default)]
struct Index<'a> {
    regions: HashMap<&'a str, RegionLevel>,
    water_bodies: BTreeSet<&'a str>,
    /// Reach → its water body.
    reaches: HashMap<&'a str, &'a str>,
    /// Chief → level and whether retired.
    chiefs: HashMap<&'a str, (ChiefLevel, bool)>,
}

impl<'a> Index<'a> {
    fn of(r: &'a Registry) -> Self {
        Index {
            regions: r.regions.iter().map(|x| (x.code.as_str(), x.level)).collect(),
            water_bodies: r.water_bodies.iter().map(|x| x.code.as_str()).collect(),
            reaches: r.reaches.iter().map(|x| (x.code.as_str(), x.water_body.as_str())).collect(),
            chiefs: r.chiefs.iter().map(|x| (x.code.as_str(), (x.level, x.retired))).collect(),
        }
    }
}

struct Checker<'a> {
    snapshot: &'a Snapshot,
    registry: &'a Registry,
    index: Index<'a>,
    today: NaiveDate,
    problems: Vec<RegistryProblem>,
}

impl Checker<'_> {
    fn push(&mut self, kind: Kind, origin: &Origin, key: &str, problem: Problem) {
        self.problems.push(RegistryProblem {
            kind,
            origin: origin.clone(),
            key: key.to_string(),
            field: problem.field,
            code: problem.code,
            zh: problem.zh,
            en: problem.en,
        });
    }

    fn unknown(&mut self, kind: Kind, origin: &Origin, key: &str, field: &'static str, what: Kind, code: &str) {
        self.push(
            kind,
            origin,
            key,
            Problem::new(
                field,
                "unknown_reference",
                format!("{}“{}”不存在（既未登记，也不在本次导入中）", what.zh(), rules_quote(code)),
                format!("{} '{}' does not exist (neither stored nor in this import)", what.as_str(), rules_quote(code)),
            ),
        );
    }

    fn region_level(&self, code: &str) -> Option<RegionLevel> {
        self.index.regions.get(code).copied().or_else(|| self.snapshot.regions.get(code).map(|r| r.level))
    }

    fn has_water_body(&self, code: &str) -> bool {
        self.snapshot.water_bodies.contains_key(code) || self.index.water_bodies.contains(code)
    }

    /// A reach's water body, from the batch or the store.
    fn reach_water_body(&self, code: &str) -> Option<String> {
        self.index
            .reaches
            .get(code)
            .map(|w| w.to_string())
            .or_else(|| self.snapshot.reaches.get(code).map(|r| self.snapshot.water_body_code(r.water_body_id)))
    }

    fn duplicates<T>(&mut self, kind: Kind, rows: &[T], key: impl Fn(&T) -> String, origin: impl Fn(&T) -> &Origin) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let k = key(row);
            if let Some(first) = seen.insert(k.clone(), i) {
                let first_at = origin(&rows[first]).row.map(|r| format!(" (row {r})")).unwrap_or_default();
                self.push(
                    kind,
                    origin(row),
                    &k,
                    Problem::new(
                        "code",
                        "duplicate_row",
                        format!("“{k}”在本次导入中出现了两次{first_at}"),
                        format!("'{k}' appears twice in this import{first_at}"),
                    ),
                );
            }
        }
    }

    async fn all(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let r = self.registry;
        self.duplicates(Kind::Regions, &r.regions, |x| x.code.clone(), |x| &x.origin);
        self.duplicates(Kind::WaterBodies, &r.water_bodies, |x| x.code.clone(), |x| &x.origin);
        self.duplicates(Kind::Reaches, &r.reaches, |x| x.code.clone(), |x| &x.origin);
        self.duplicates(Kind::Sections, &r.sections, |x| x.code.clone(), |x| &x.origin);
        self.duplicates(Kind::Targets, &r.targets, target_key, |x| &x.origin);
        self.duplicates(Kind::Chiefs, &r.chiefs, |x| x.code.clone(), |x| &x.origin);
        self.duplicates(Kind::Appointments, &r.appointments, appointment_key, |x| &x.origin);

        for row in &r.regions {
            let mut found: Vec<Problem> = rules::region_code(&row.code, row.level).into_iter().collect();
            found.extend(rules::name("name", &row.name));
            if let Some(parent) = row.parent.as_deref() {
                match self.region_level(parent) {
                    None => self.unknown(Kind::Regions, &row.origin, &row.code, "parent", Kind::Regions, parent),
                    Some(level) if found.is_empty() => {
                        found.extend(rules::region_parent(&row.code, row.level, parent, level))
                    }
                    Some(_) => {}
                }
            }
            for p in found {
                self.push(Kind::Regions, &row.origin, &row.code, p);
            }
        }

        let parents: HashMap<String, Option<String>> = self
            .snapshot
            .water_bodies
            .values()
            .map(|w| (w.code.clone(), w.parent_id.map(|id| self.snapshot.water_body_code(id))))
            .chain(r.water_bodies.iter().map(|w| (w.code.clone(), w.parent.clone())))
            .collect();
        for row in &r.water_bodies {
            let mut found: Vec<Problem> = rules::entity_code(&row.code).into_iter().collect();
            found.extend(rules::name("name", &row.name));
            found.extend(row.description.as_deref().and_then(|d| rules::text("description", d)));
            for p in found {
                self.push(Kind::WaterBodies, &row.origin, &row.code, p);
            }
            if let Some(parent) = row.parent.as_deref() {
                if !self.has_water_body(parent) {
                    self.unknown(Kind::WaterBodies, &row.origin, &row.code, "parent", Kind::WaterBodies, parent);
                } else {
                    // Walk up: a water body may not flow into itself.
                    let mut at = Some(parent.to_string());
                    for _ in 0..64 {
                        match at {
                            Some(ref code) if *code == row.code => {
                                self.push(
                                    Kind::WaterBodies,
                                    &row.origin,
                                    &row.code,
                                    Problem::new(
                                        "parent",
                                        "parent_cycle",
                                        "上级河流形成了循环（水体不能汇入自身）",
                                        "the parent rivers form a cycle (a water body cannot flow into itself)",
                                    ),
                                );
                                break;
                            }
                            Some(ref code) => at = parents.get(code).cloned().flatten(),
                            None => break,
                        }
                    }
                }
            }
            for region in &row.regions {
                if self.region_level(region).is_none() {
                    self.unknown(Kind::WaterBodies, &row.origin, &row.code, "regions", Kind::Regions, region);
                }
            }
        }

        for row in &r.reaches {
            let mut found: Vec<Problem> = rules::entity_code(&row.code).into_iter().collect();
            found.extend(rules::name("name", &row.name));
            found.extend(row.description.as_deref().and_then(|d| rules::text("description", d)));
            for p in found {
                self.push(Kind::Reaches, &row.origin, &row.code, p);
            }
            if !self.has_water_body(&row.water_body) {
                self.unknown(Kind::Reaches, &row.origin, &row.code, "water_body", Kind::WaterBodies, &row.water_body);
            }
            if self.region_level(&row.region).is_none() {
                self.unknown(Kind::Reaches, &row.origin, &row.code, "region", Kind::Regions, &row.region);
            }
        }

        // Station ids are unique across sections: the batch's own, then the store's other sections.
        let mut mn_owner: HashMap<String, String> =
            self.snapshot.sections.values().filter_map(|s| Some((s.station_mn.clone()?, s.code.clone()))).collect();
        // Sections in the batch restate their station id: what they held before is free for the others.
        let restated: BTreeSet<&str> = r.sections.iter().map(|s| s.code.as_str()).collect();
        mn_owner.retain(|_, owner| !restated.contains(owner.as_str()));
        for row in &r.sections {
            let mut found: Vec<Problem> = rules::entity_code(&row.code).into_iter().collect();
            found.extend(rules::name("name", &row.name));
            found.extend(rules::coordinates(row.longitude, row.latitude));
            found.extend(rules::target("target", row.target));
            found.extend(row.station_mn.as_deref().and_then(rules::station_mn));
            found.extend(rules::term("active_from", row.active_from, "active_to", row.active_to));
            found.extend(rules::day("active_from", row.active_from));
            found.extend(rules::day("active_to", row.active_to));
            if let Some(to) = row.active_to
                && to > self.today
            {
                found.push(Problem::new(
                    "active_to",
                    "retire_in_future",
                    format!("停用日期 {to} 晚于今天：断面停用后再登记"),
                    format!("active_to {to} is after today: retire a section once it has stopped"),
                ));
            }
            if let Some(mn) = &row.station_mn {
                match mn_owner.get(mn) {
                    Some(owner) if *owner != row.code => found.push(Problem::new(
                        "station_mn",
                        "station_mn_taken",
                        format!("自动站 MN {mn} 已属于断面 {owner}"),
                        format!("station MN {mn} already belongs to section {owner}"),
                    )),
                    _ => {
                        mn_owner.insert(mn.clone(), row.code.clone());
                    }
                }
            }
            for p in found {
                self.push(Kind::Sections, &row.origin, &row.code, p);
            }
            if !self.has_water_body(&row.water_body) {
                self.unknown(Kind::Sections, &row.origin, &row.code, "water_body", Kind::WaterBodies, &row.water_body);
            }
            if self.region_level(&row.region).is_none() {
                self.unknown(Kind::Sections, &row.origin, &row.code, "region", Kind::Regions, &row.region);
            }
            if let Some(reach) = row.reach.as_deref() {
                match self.reach_water_body(reach) {
                    None => self.unknown(Kind::Sections, &row.origin, &row.code, "reach", Kind::Reaches, reach),
                    Some(water_body) if water_body != row.water_body => self.push(
                        Kind::Sections,
                        &row.origin,
                        &row.code,
                        Problem::new(
                            "reach",
                            "reach_elsewhere",
                            format!("河段 {reach} 属于水体 {water_body}，不是 {}", row.water_body),
                            format!("reach {reach} is on water body {water_body}, not {}", row.water_body),
                        ),
                    ),
                    Some(_) => {}
                }
            }
            // Retiring a section whose alerts are still live would leave them with nobody to close them.
            if let (Some(_), Some(stored)) = (row.active_to, self.snapshot.sections.get(&row.code))
                && stored.active_to.is_none()
            {
                let live = alerts::Entity::find()
                    .filter(alerts::Column::SectionId.eq(stored.id))
                    .filter(alerts::Column::Status.ne(AlertStatus::Closed))
                    .count(db)
                    .await?;
                if live > 0 {
                    self.push(
                        Kind::Sections,
                        &row.origin,
                        &row.code,
                        Problem::new(
                            "active_to",
                            "open_alerts",
                            format!("断面 {} 还有 {live} 条未关闭的预警，关闭后才能停用", row.code),
                            format!(
                                "section {} has {live} alert(s) not closed; close them before retiring it",
                                row.code
                            ),
                        ),
                    );
                }
            }
        }

        let section_codes: BTreeSet<&str> = self
            .snapshot
            .sections
            .keys()
            .map(String::as_str)
            .chain(r.sections.iter().map(|s| s.code.as_str()))
            .collect();
        for row in &r.targets {
            let key = target_key(row);
            let found: Vec<Problem> =
                rules::year(row.year).into_iter().chain(rules::target("target", row.target)).collect();
            for p in found {
                self.push(Kind::Targets, &row.origin, &key, p);
            }
            if !section_codes.contains(row.section.as_str()) {
                self.unknown(Kind::Targets, &row.origin, &key, "section", Kind::Sections, &row.section);
            }
        }

        for row in &r.chiefs {
            let mut found: Vec<Problem> = rules::entity_code(&row.code).into_iter().collect();
            found.extend(rules::name("name", &row.name));
            found.extend(row.position.as_deref().and_then(|p| rules::text("position", p)));
            found.extend(row.phone.as_deref().and_then(rules::phone));
            found.extend(row.email.as_deref().and_then(rules::email));
            for p in found {
                self.push(Kind::Chiefs, &row.origin, &row.code, p);
            }
            if let Some(region) = row.region.as_deref()
                && self.region_level(region).is_none()
            {
                self.unknown(Kind::Chiefs, &row.origin, &row.code, "region", Kind::Regions, region);
            }
        }

        self.retirements_in_use();
        Ok(())
    }

    /// A water body, reach or region cannot be retired while an active section lies on or in it.
    fn retirements_in_use(&mut self) {
        /// Where a section lies: water body, reach, region, and whether it is active.
        type Placed = (String, Option<String>, String, bool);
        let r = self.registry;
        let s = self.snapshot;
        // Sections as they will be: the batch's rows over the stored ones.
        let mut sections: HashMap<&str, Placed> = s
            .sections
            .values()
            .map(|m| {
                (
                    m.code.as_str(),
                    (
                        s.water_body_code(m.water_body_id),
                        m.reach_id.and_then(|id| s.reach_codes.get(&id).cloned()),
                        s.region_code(m.region_id),
                        m.active_to.is_none(),
                    ),
                )
            })
            .collect();
        for row in &r.sections {
            sections.insert(
                row.code.as_str(),
                (row.water_body.clone(), row.reach.clone(), row.region.clone(), row.active_to.is_none()),
            );
        }
        let in_use = |pick: &dyn Fn(&Placed) -> bool| {
            sections.iter().filter(|(_, v)| v.3 && pick(v)).map(|(code, _)| code.to_string()).min()
        };
        let mut found = Vec::new();
        for row in r.water_bodies.iter().filter(|w| w.retired) {
            if let Some(section) = in_use(&|v| v.0 == row.code) {
                found.push((Kind::WaterBodies, row.origin.clone(), row.code.clone(), section));
            }
        }
        for row in r.reaches.iter().filter(|w| w.retired) {
            if let Some(section) = in_use(&|v| v.1.as_deref() == Some(row.code.as_str())) {
                found.push((Kind::Reaches, row.origin.clone(), row.code.clone(), section));
            }
        }
        for row in r.regions.iter().filter(|w| w.retired) {
            if let Some(section) = in_use(&|v| v.2 == row.code) {
                found.push((Kind::Regions, row.origin.clone(), row.code.clone(), section));
            }
        }
        for (kind, origin, code, section) in found {
            self.push(
                kind,
                &origin,
                &code,
                Problem::new(
                    "retired",
                    "in_use",
                    format!("{}“{code}”上还有在用断面 {section}，先停用断面", kind.zh()),
                    format!("{} '{code}' still has active section {section}; retire the section first", kind.as_str()),
                ),
            );
        }
    }

    /// Appointments: references, terms, and one chief per reach (or water body) and level at a time. An
    /// appointment that begins after an open-ended term of the same reach and level takes over from it: the
    /// earlier term ends the day before. Any other overlap is refused, naming the other chief.
    fn appointments(&mut self) -> Vec<Takeover> {
        let r = self.registry;
        let s = self.snapshot;
        let batch_chiefs = self.index.chiefs.clone();
        let chief_level = |code: &str| -> Option<(ChiefLevel, bool)> {
            batch_chiefs.get(code).copied().or_else(|| s.chiefs.get(code).map(|c| (c.level, c.retired_on.is_some())))
        };
        // Every term by (water body, reach, level): stored ones (as they are unless the batch restates them),
        // then the batch's.
        #[derive(Clone)]
        struct Term {
            id: TermRef,
            chief: String,
            starts_on: NaiveDate,
            ends_on: Option<NaiveDate>,
        }
        let batch_keys: HashMap<String, usize> =
            r.appointments.iter().enumerate().map(|(i, a)| (appointment_key(a), i)).collect();
        let mut terms: HashMap<(String, Option<String>, ChiefLevel), Vec<Term>> = HashMap::new();
        let mut restated: HashMap<usize, i32> = HashMap::new();
        for m in &s.appointments {
            let row = s.appointment_row(m);
            let key = appointment_key(&row);
            if let Some(&i) = batch_keys.get(&key) {
                restated.insert(i, m.id);
                continue;
            }
            terms.entry((row.water_body, row.reach, m.level)).or_default().push(Term {
                id: TermRef::Stored(m.id),
                chief: row.chief,
                starts_on: m.starts_on,
                ends_on: m.ends_on,
            });
        }
        let mut order: Vec<usize> = (0..r.appointments.len()).collect();
        order.sort_by_key(|&i| r.appointments[i].starts_on);
        let mut takeovers = Vec::new();
        for i in order {
            let row = &r.appointments[i];
            let key = appointment_key(row);
            let mut found: Vec<Problem> =
                rules::term("starts_on", Some(row.starts_on), "ends_on", row.ends_on).into_iter().collect();
            found.extend(rules::day("starts_on", Some(row.starts_on)));
            found.extend(rules::day("ends_on", row.ends_on));
            found.extend(row.note.as_deref().and_then(|n| rules::text("note", n)));
            let level = match chief_level(&row.chief) {
                None => {
                    self.unknown(Kind::Appointments, &row.origin, &key, "chief", Kind::Chiefs, &row.chief);
                    None
                }
                Some((_, true)) if !restated.contains_key(&i) => {
                    found.push(Problem::new(
                        "chief",
                        "chief_retired",
                        format!("河长 {} 已撤销，不能任命", row.chief),
                        format!("chief {} is retired and cannot be appointed", row.chief),
                    ));
                    None
                }
                Some((level, _)) => Some(level),
            };
            if !self.has_water_body(&row.water_body) {
                self.unknown(Kind::Appointments, &row.origin, &key, "water_body", Kind::WaterBodies, &row.water_body);
            }
            if let Some(reach) = row.reach.as_deref() {
                match self.reach_water_body(reach) {
                    None => self.unknown(Kind::Appointments, &row.origin, &key, "reach", Kind::Reaches, reach),
                    Some(w) if w != row.water_body => found.push(Problem::new(
                        "reach",
                        "reach_elsewhere",
                        format!("河段 {reach} 属于水体 {w}，不是 {}", row.water_body),
                        format!("reach {reach} is on water body {w}, not {}", row.water_body),
                    )),
                    Some(_) => {}
                }
            }
            let Some(level) = level else {
                for p in found {
                    self.push(Kind::Appointments, &row.origin, &key, p);
                }
                continue;
            };
            let others = terms.entry((row.water_body.clone(), row.reach.clone(), level)).or_default();
            let far = NaiveDate::MAX;
            for other in others.iter_mut() {
                let overlaps =
                    other.starts_on <= row.ends_on.unwrap_or(far) && row.starts_on <= other.ends_on.unwrap_or(far);
                if !overlaps {
                    continue;
                }
                if other.ends_on.is_none() && other.starts_on < row.starts_on && !restated.contains_key(&i) {
                    let ends_on = row.starts_on - TimeDelta::days(1);
                    other.ends_on = Some(ends_on);
                    takeovers.push(Takeover { ends: other.id, ends_on });
                } else {
                    let until = other.ends_on.map_or_else(|| "至今".to_string(), |d| d.to_string());
                    let until_en = other.ends_on.map_or_else(|| "open-ended".to_string(), |d| d.to_string());
                    found.push(Problem::new(
                        "starts_on",
                        "overlapping_term",
                        format!(
                            "与河长 {} 在同一{}、同一级别的任期（{} 至 {until}）重叠",
                            other.chief,
                            if row.reach.is_some() { "河段" } else { "水体" },
                            other.starts_on
                        ),
                        format!(
                            "overlaps the term of chief {} for the same {} and level ({} to {until_en})",
                            other.chief,
                            if row.reach.is_some() { "reach" } else { "water body" },
                            other.starts_on
                        ),
                    ));
                }
            }
            others.push(Term {
                id: TermRef::Batch(i),
                chief: row.chief.clone(),
                starts_on: row.starts_on,
                ends_on: row.ends_on,
            });
            for p in found {
                self.push(Kind::Appointments, &row.origin, &key, p);
            }
        }
        takeovers
    }
}

fn rules_quote(s: &str) -> String {
    crate::domain::quote(s)
}

struct Writer<'a, C> {
    db: &'a C,
    snapshot: Snapshot,
    today: NaiveDate,
    plan: Plan,
}

/// What a row does to what is stored.
fn change_of(stored: Option<bool>, now_retired: bool, equal: bool) -> Option<ChangeKind> {
    match stored {
        None => Some(ChangeKind::Created),
        Some(_) if equal => None,
        Some(was_retired) if now_retired && !was_retired => Some(ChangeKind::Retired),
        Some(_) => Some(ChangeKind::Changed),
    }
}

fn clean<T: Clone>(row: &T, strip: impl Fn(&mut T)) -> T {
    let mut row = row.clone();
    strip(&mut row);
    row
}

impl<C: ConnectionTrait> Writer<'_, C> {
    fn retired_on(&self, retired: bool, was: Option<NaiveDate>) -> Option<NaiveDate> {
        if retired { Some(was.unwrap_or(self.today)) } else { None }
    }

    async fn region_ids(&self) -> Result<HashMap<String, i32>, DbErr> {
        Ok(regions::Entity::find()
            .select_only()
            .columns([regions::Column::Code, regions::Column::Id])
            .into_tuple::<(String, i32)>()
            .all(self.db)
            .await?
            .into_iter()
            .collect())
    }

    async fn water_body_ids(&self) -> Result<HashMap<String, i32>, DbErr> {
        Ok(water_bodies::Entity::find()
            .select_only()
            .columns([water_bodies::Column::Code, water_bodies::Column::Id])
            .into_tuple::<(String, i32)>()
            .all(self.db)
            .await?
            .into_iter()
            .collect())
    }

    async fn write(&mut self, r: &Registry, takeovers: &[Takeover]) -> Result<(), DbErr> {
        let db = self.db;
        // Regions: create without parents, then set every batch row's parent (parents may come later).
        let mut touched: Vec<&RegionRow> = Vec::new();
        let mut new_regions = Vec::new();
        for row in &r.regions {
            let stored = self.snapshot.regions.get(&row.code);
            let before = stored.map(|m| self.snapshot.region_row(m));
            let incoming = clean(row, |x| x.origin = Origin::default());
            let change =
                change_of(stored.map(|m| m.retired_on.is_some()), row.retired, before.as_ref() == Some(&incoming));
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => {
                    new_regions.push(regions::ActiveModel {
                        code: Set(row.code.clone()),
                        name: Set(row.name.clone()),
                        level: Set(row.level),
                        parent_id: Set(None),
                        retired_on: Set(self.retired_on(row.retired, None)),
                        ..Default::default()
                    });
                    touched.push(row);
                }
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.name = Set(row.name.clone());
                    am.level = Set(row.level);
                    am.retired_on = Set(self.retired_on(row.retired, m.retired_on));
                    am.update(db).await?;
                    touched.push(row);
                }
            }
            self.plan.record(Kind::Regions, row.code.clone(), change, before.map(|b| json(&b)), json(&incoming));
        }
        insert_chunked(db, new_regions).await?;
        let region_ids = self.region_ids().await?;
        for row in touched {
            let stored_parent = self.snapshot.regions.get(&row.code).and_then(|m| m.parent_id);
            let parent_id = row.parent.as_ref().and_then(|p| region_ids.get(p).copied());
            if parent_id == stored_parent {
                continue;
            }
            regions::Entity::update_many()
                .col_expr(regions::Column::ParentId, parent_id.into())
                .filter(regions::Column::Code.eq(row.code.as_str()))
                .exec(db)
                .await?;
        }

        // Water bodies, the same way, then the regions they cross.
        let mut touched: Vec<&WaterBodyRow> = Vec::new();
        let mut new_waters = Vec::new();
        for row in &r.water_bodies {
            let stored = self.snapshot.water_bodies.get(&row.code);
            let before = stored.map(|m| self.snapshot.water_body_row(m));
            let mut incoming = clean(row, |x| x.origin = Origin::default());
            incoming.regions.sort();
            incoming.regions.dedup();
            let change =
                change_of(stored.map(|m| m.retired_on.is_some()), row.retired, before.as_ref() == Some(&incoming));
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => {
                    new_waters.push(water_bodies::ActiveModel {
                        code: Set(row.code.clone()),
                        name: Set(row.name.clone()),
                        kind: Set(row.kind),
                        description: Set(row.description.clone()),
                        parent_id: Set(None),
                        retired_on: Set(self.retired_on(row.retired, None)),
                        ..Default::default()
                    });
                    touched.push(row);
                }
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.name = Set(row.name.clone());
                    am.kind = Set(row.kind);
                    am.description = Set(row.description.clone());
                    am.retired_on = Set(self.retired_on(row.retired, m.retired_on));
                    am.update(db).await?;
                    touched.push(row);
                }
            }
            self.plan.record(Kind::WaterBodies, row.code.clone(), change, before.map(|b| json(&b)), json(&incoming));
        }
        insert_chunked(db, new_waters).await?;
        let water_body_ids = self.water_body_ids().await?;
        let mut relinked = Vec::new();
        let mut links = Vec::new();
        for row in touched {
            let Some(&id) = water_body_ids.get(&row.code) else { continue };
            let stored = self.snapshot.water_bodies.get(&row.code);
            let parent_id = row.parent.as_ref().and_then(|p| water_body_ids.get(p).copied());
            if parent_id != stored.and_then(|m| m.parent_id) {
                water_bodies::Entity::update_many()
                    .col_expr(water_bodies::Column::ParentId, parent_id.into())
                    .filter(water_bodies::Column::Id.eq(id))
                    .exec(db)
                    .await?;
            }
            if stored.is_some() {
                relinked.push(id);
            }
            let regions: BTreeSet<i32> = row.regions.iter().filter_map(|c| region_ids.get(c).copied()).collect();
            links.extend(regions.into_iter().map(|region_id| water_body_regions::ActiveModel {
                water_body_id: Set(id),
                region_id: Set(region_id),
            }));
        }
        for chunk in relinked.chunks(INSERT_CHUNK) {
            water_body_regions::Entity::delete_many()
                .filter(water_body_regions::Column::WaterBodyId.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
        insert_chunked(db, links).await?;

        // Reaches.
        let mut new_reaches = Vec::new();
        for row in &r.reaches {
            let stored = self.snapshot.reaches.get(&row.code);
            let before = stored.map(|m| self.snapshot.reach_row(m));
            let incoming = clean(row, |x| x.origin = Origin::default());
            let change =
                change_of(stored.map(|m| m.retired_on.is_some()), row.retired, before.as_ref() == Some(&incoming));
            let water_body_id = water_body_ids.get(&row.water_body).copied().unwrap_or_default();
            let region_id = region_ids.get(&row.region).copied().unwrap_or_default();
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => new_reaches.push(reaches::ActiveModel {
                    code: Set(row.code.clone()),
                    name: Set(row.name.clone()),
                    water_body_id: Set(water_body_id),
                    region_id: Set(region_id),
                    description: Set(row.description.clone()),
                    retired_on: Set(self.retired_on(row.retired, None)),
                    ..Default::default()
                }),
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.name = Set(row.name.clone());
                    am.water_body_id = Set(water_body_id);
                    am.region_id = Set(region_id);
                    am.description = Set(row.description.clone());
                    am.retired_on = Set(self.retired_on(row.retired, m.retired_on));
                    am.update(db).await?;
                }
            }
            self.plan.record(Kind::Reaches, row.code.clone(), change, before.map(|b| json(&b)), json(&incoming));
        }
        insert_chunked(db, new_reaches).await?;
        let reach_ids: HashMap<String, i32> = reaches::Entity::find()
            .select_only()
            .columns([reaches::Column::Code, reaches::Column::Id])
            .into_tuple::<(String, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect();

        // Sections: new ones in chunks, changed ones one by one. A station id may move between sections in
        // one batch (two stations swapped): the changed sections give theirs up first, so that the unique
        // index never sees it twice on the way.
        let moving: Vec<i32> = r
            .sections
            .iter()
            .filter_map(|row| self.snapshot.sections.get(&row.code).filter(|m| m.station_mn != row.station_mn))
            .filter(|m| m.station_mn.is_some())
            .map(|m| m.id)
            .collect();
        for chunk in moving.chunks(INSERT_CHUNK) {
            sections::Entity::update_many()
                .col_expr(sections::Column::StationMn, Option::<String>::None.into())
                .filter(sections::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
        let now = Utc::now();
        let mut new_sections = Vec::new();
        for row in &r.sections {
            let stored = self.snapshot.sections.get(&row.code);
            let before = stored.map(|m| self.snapshot.section_row(m));
            let incoming = clean(row, |x| x.origin = Origin::default());
            let change = change_of(
                stored.map(|m| m.active_to.is_some()),
                row.active_to.is_some(),
                before.as_ref() == Some(&incoming),
            );
            let values = (
                water_body_ids.get(&row.water_body).copied().unwrap_or_default(),
                region_ids.get(&row.region).copied().unwrap_or_default(),
                row.reach.as_ref().and_then(|c| reach_ids.get(c).copied()),
            );
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => new_sections.push(sections::ActiveModel {
                    code: Set(row.code.clone()),
                    name: Set(row.name.clone()),
                    water_body_id: Set(values.0),
                    region_id: Set(values.1),
                    reach_id: Set(values.2),
                    longitude: Set(row.longitude),
                    latitude: Set(row.latitude),
                    control_level: Set(row.control_level),
                    target_class: Set(row.target),
                    station_mn: Set(row.station_mn.clone()),
                    active: Set(row.active_to.is_none()),
                    active_from: Set(row.active_from),
                    active_to: Set(row.active_to),
                    created_at: Set(now),
                    ..Default::default()
                }),
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.name = Set(row.name.clone());
                    am.water_body_id = Set(values.0);
                    am.region_id = Set(values.1);
                    am.reach_id = Set(values.2);
                    am.longitude = Set(row.longitude);
                    am.latitude = Set(row.latitude);
                    am.control_level = Set(row.control_level);
                    am.target_class = Set(row.target);
                    am.station_mn = Set(row.station_mn.clone());
                    am.active = Set(row.active_to.is_none());
                    am.active_from = Set(row.active_from);
                    am.active_to = Set(row.active_to);
                    am.update(db).await?;
                }
            }
            self.plan.record(Kind::Sections, row.code.clone(), change, before.map(|b| json(&b)), json(&incoming));
        }
        // A station id moved from one section to another must be free before it is taken: changed sections
        // were updated above, new ones go in now.
        let mut new_sections = new_sections.into_iter().peekable();
        while new_sections.peek().is_some() {
            let chunk: Vec<_> = new_sections.by_ref().take(INSERT_CHUNK).collect();
            sections::Entity::insert_many(chunk).exec_without_returning(db).await?;
        }
        let section_ids: HashMap<String, i32> = sections::Entity::find()
            .select_only()
            .columns([sections::Column::Code, sections::Column::Id])
            .into_tuple::<(String, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect();

        // Yearly targets.
        for row in &r.targets {
            let Some(&section_id) = section_ids.get(&row.section) else { continue };
            let stored = self.snapshot.targets.get(&(section_id, row.year)).copied();
            let incoming = clean(row, |x| x.origin = Origin::default());
            let before = stored.map(|target| TargetRow { target, ..incoming.clone() });
            let change = change_of(stored.map(|_| false), false, stored == Some(row.target));
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => {
                    section_targets::ActiveModel {
                        section_id: Set(section_id),
                        year: Set(row.year),
                        target_class: Set(row.target),
                    }
                    .insert(db)
                    .await?;
                }
                (Some(_), Some(_)) => {
                    section_targets::Entity::update_many()
                        .col_expr(section_targets::Column::TargetClass, row.target.into())
                        .filter(section_targets::Column::SectionId.eq(section_id))
                        .filter(section_targets::Column::Year.eq(row.year))
                        .exec(db)
                        .await?;
                }
            }
            self.plan.record(Kind::Targets, target_key(row), change, before.map(|b| json(&b)), json(&incoming));
        }

        // Chiefs.
        let mut new_chiefs = Vec::new();
        for row in &r.chiefs {
            let stored = self.snapshot.chiefs.get(&row.code);
            let before = stored.map(|m| self.snapshot.chief_row(m));
            let incoming = clean(row, |x| x.origin = Origin::default());
            let change =
                change_of(stored.map(|m| m.retired_on.is_some()), row.retired, before.as_ref() == Some(&incoming));
            let region_id = row.region.as_ref().and_then(|c| region_ids.get(c).copied());
            match (change, stored) {
                (None, _) => {}
                (Some(_), None) => new_chiefs.push(river_chiefs::ActiveModel {
                    code: Set(row.code.clone()),
                    name: Set(row.name.clone()),
                    level: Set(row.level),
                    position: Set(row.position.clone()),
                    phone: Set(row.phone.clone()),
                    email: Set(row.email.clone()),
                    region_id: Set(region_id),
                    active: Set(!row.retired),
                    created_at: Set(now),
                    retired_on: Set(self.retired_on(row.retired, None)),
                    ..Default::default()
                }),
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.name = Set(row.name.clone());
                    am.level = Set(row.level);
                    am.position = Set(row.position.clone());
                    am.phone = Set(row.phone.clone());
                    am.email = Set(row.email.clone());
                    am.region_id = Set(region_id);
                    am.active = Set(!row.retired);
                    am.retired_on = Set(self.retired_on(row.retired, m.retired_on));
                    am.update(db).await?;
                }
            }
            self.plan.record(Kind::Chiefs, row.code.clone(), change, before.map(|b| json(&b)), json(&incoming));
        }
        let mut new_chiefs = new_chiefs.into_iter().peekable();
        while new_chiefs.peek().is_some() {
            let chunk: Vec<_> = new_chiefs.by_ref().take(INSERT_CHUNK).collect();
            river_chiefs::Entity::insert_many(chunk).exec_without_returning(db).await?;
        }
        let chiefs: HashMap<String, (i32, ChiefLevel)> = river_chiefs::Entity::find()
            .select_only()
            .columns([river_chiefs::Column::Code, river_chiefs::Column::Id, river_chiefs::Column::Level])
            .into_tuple::<(String, i32, ChiefLevel)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(code, id, level)| (code, (id, level)))
            .collect();

        // Appointments: terms taken over end first, then the batch's rows.
        let mut batch_ends: HashMap<usize, NaiveDate> = HashMap::new();
        for t in takeovers {
            match t.ends {
                TermRef::Batch(i) => {
                    batch_ends.insert(i, t.ends_on);
                }
                TermRef::Stored(id) => {
                    let Some(m) = self.snapshot.appointments.iter().find(|a| a.id == id).cloned() else { continue };
                    let before = self.snapshot.appointment_row(&m);
                    let after = AppointmentRow { ends_on: Some(t.ends_on), ..before.clone() };
                    let mut am = m.into_active_model();
                    am.ends_on = Set(Some(t.ends_on));
                    am.update(db).await?;
                    self.plan.record(
                        Kind::Appointments,
                        appointment_key(&before),
                        Some(ChangeKind::Changed),
                        Some(json(&before)),
                        json(&after),
                    );
                }
            }
        }
        let stored: HashMap<String, appointments::Model> = self
            .snapshot
            .appointments
            .iter()
            .map(|m| (appointment_key(&self.snapshot.appointment_row(m)), m.clone()))
            .collect();
        let mut new_terms = Vec::new();
        for (i, row) in r.appointments.iter().enumerate() {
            let key = appointment_key(row);
            let mut incoming = clean(row, |x| x.origin = Origin::default());
            if let Some(ends_on) = batch_ends.get(&i) {
                incoming.ends_on = Some(*ends_on);
            }
            let before = stored.get(&key).map(|m| self.snapshot.appointment_row(m));
            let change = change_of(before.as_ref().map(|_| false), false, before.as_ref() == Some(&incoming));
            let Some(&(chief_id, level)) = chiefs.get(&row.chief) else { continue };
            match (change, stored.get(&key)) {
                (None, _) => {}
                (Some(_), None) => new_terms.push(appointments::ActiveModel {
                    chief_id: Set(chief_id),
                    water_body_id: Set(water_body_ids.get(&row.water_body).copied().unwrap_or_default()),
                    reach_id: Set(row.reach.as_ref().and_then(|c| reach_ids.get(c).copied())),
                    level: Set(level),
                    starts_on: Set(row.starts_on),
                    ends_on: Set(incoming.ends_on),
                    note: Set(row.note.clone()),
                    ..Default::default()
                }),
                (Some(_), Some(m)) => {
                    let mut am = m.clone().into_active_model();
                    am.ends_on = Set(incoming.ends_on);
                    am.note = Set(row.note.clone());
                    am.update(db).await?;
                }
            }
            self.plan.record(Kind::Appointments, key, change, before.map(|b| json(&b)), json(&incoming));
        }
        let mut new_terms = new_terms.into_iter().peekable();
        while new_terms.peek().is_some() {
            let chunk: Vec<_> = new_terms.by_ref().take(INSERT_CHUNK).collect();
            appointments::Entity::insert_many(chunk).exec_without_returning(db).await?;
        }
        Ok(())
    }
}

/// Rows per multi-row insert: at most 16 columns, under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;

/// Inserts `rows` a chunk per statement.
async fn insert_chunked<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
