//! Loading a prepared dataset (the demo) in one write: registry, accounts and history in one transaction,
//! once, with its audit entry. The `seed` crate generates the dataset; this stores it.
//!
//! Rows refer to each other by code (a section names its water body's code), as a bureau's spreadsheets do,
//! so a dataset is plain data that can be generated, checked and printed without a database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::app_meta::{self, DEMO_DATASET};
use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::domain::gb3838::{Parameter, WaterBodyKind};
use crate::domain::reading::ReadingSource;
use crate::readings::{BulkReading, bulk_insert};
use crate::registry::{self, Kind, NewEnterprise, NewOutfall, Registry, RegistryError};
use crate::rollups::{self, Counted};
use crate::users::{self, NewUser, UserError};

#[derive(Debug, Clone)]
pub struct OutfallRow {
    pub code: String,
    pub name: String,
    /// The receiving water body's code.
    pub receiving: Option<String>,
    pub discharge_standard: Option<String>,
    pub station_mn: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct EnterpriseRow {
    pub credit_code: String,
    pub name: String,
    pub region: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub is_key_unit: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub outfalls: Vec<OutfallRow>,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub username: String,
    pub password: String,
    pub role: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// The code of the chief a chief account acts as.
    pub chief: Option<String>,
    /// The credit code of the enterprise an enterprise account acts for.
    pub enterprise: Option<String>,
}

/// A normal reading of the history; its class is judged on loading.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub section: String,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub value: f64,
}

/// Everything a dataset holds.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Recorded in `app_meta` once loaded: a second load of any dataset changes nothing.
    pub name: String,
    /// Regions, water bodies, reaches, sections, chiefs and appointments, stored through
    /// [`registry::apply_in`] as an import would store them.
    pub registry: Registry,
    pub enterprises: Vec<EnterpriseRow>,
    pub users: Vec<UserRow>,
    pub readings: Vec<HistoryRow>,
}

/// What loading stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub regions: usize,
    pub water_bodies: usize,
    pub sections: usize,
    pub chiefs: usize,
    pub enterprises: usize,
    pub outfalls: usize,
    pub users: usize,
    pub readings: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A dataset was loaded before; nothing was changed.
    #[error("the dataset {0} was already loaded; nothing changed")]
    AlreadyLoaded(String),
    /// A row names a code no earlier row defines.
    #[error("the dataset is inconsistent: {0}")]
    UnknownReference(String),
    #[error("a demo account is invalid: {0}")]
    User(#[from] UserError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn id_of(ids: &HashMap<String, i32>, what: &str, code: &str) -> Result<i32, DemoError> {
    ids.get(code).copied().ok_or_else(|| DemoError::UnknownReference(format!("unknown {what} '{code}'")))
}

/// Loads `dataset` unless a dataset was loaded before, in one transaction: all of it or none, with one
/// audit entry for the load and one for each account.
pub async fn load(db: &DatabaseConnection, dataset: &Dataset, now: DateTime<Utc>) -> Result<Counts, DemoError> {
    let tx = begin_write(db).await?;
    // Claim the marker first: a second loader (another replica starting) waits here, then finds it.
    if !app_meta::insert_if_absent(&tx, DEMO_DATASET, &dataset.name, now).await? {
        let loaded = app_meta::get(&tx, DEMO_DATASET).await?.unwrap_or_default();
        tx.rollback().await?;
        return Err(DemoError::AlreadyLoaded(loaded));
    }
    let counts = store(&tx, dataset, now).await?;
    let entry = NewEntry {
        actor: Actor::system("seed"),
        action: "seed.demo".into(),
        entity: "demo_dataset".into(),
        entity_id: Some(dataset.name.clone()),
        before: None,
        after: Some(serde_json::json!({
            "sections": counts.sections, "chiefs": counts.chiefs, "enterprises": counts.enterprises,
            "users": counts.users, "readings": counts.readings,
        })),
    };
    audit::append(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(counts)
}

async fn store(
    db: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    d: &Dataset,
    now: DateTime<Utc>,
) -> Result<Counts, DemoError> {
    let plan = registry::apply_in(db, &d.registry, Actor::system("seed"), now).await?;
    let created = |kind: Kind| plan.counts.get(&kind).map_or(0, |c| c.created);
    let mut counts = Counts {
        regions: created(Kind::Regions),
        water_bodies: created(Kind::WaterBodies),
        sections: created(Kind::Sections),
        chiefs: created(Kind::Chiefs),
        ..Counts::default()
    };
    let snapshot = registry::Snapshot::load(db).await?;
    let regions = snapshot.region_ids();
    let water_bodies = snapshot.water_bodies_by_code();
    let water_body = |code: &str| {
        water_bodies
            .get(code)
            .copied()
            .ok_or_else(|| DemoError::UnknownReference(format!("unknown water body '{code}'")))
    };
    let section_kind = snapshot.sections_with_kind();
    let chiefs = snapshot.chief_ids();
    for e in &d.enterprises {
        let region_id = e.region.as_deref().map(|r| id_of(&regions, "region", r)).transpose()?;
        let enterprise = registry::create_enterprise(
            db,
            NewEnterprise {
                credit_code: &e.credit_code,
                name: &e.name,
                region_id,
                address: e.address.as_deref(),
                industry: e.industry.as_deref(),
                is_key_unit: e.is_key_unit,
                contact_name: e.contact_name.as_deref(),
                contact_phone: e.contact_phone.as_deref(),
            },
            now,
        )
        .await?;
        counts.enterprises += 1;
        for o in &e.outfalls {
            let receiving_water_body_id =
                o.receiving.as_deref().map(|w| water_body(w).map(|(id, _)| id)).transpose()?;
            registry::create_outfall(
                db,
                NewOutfall {
                    enterprise_id: enterprise.id,
                    code: &o.code,
                    name: &o.name,
                    receiving_water_body_id,
                    discharge_standard: o.discharge_standard.as_deref(),
                    station_mn: o.station_mn.as_deref(),
                    longitude: o.longitude,
                    latitude: o.latitude,
                },
                now,
            )
            .await?;
            counts.outfalls += 1;
        }
    }
    for u in &d.users {
        let chief_id = u.chief.as_deref().map(|k| id_of(&chiefs, "chief", k)).transpose()?;
        let new = NewUser {
            username: &u.username,
            password: &u.password,
            role: &u.role,
            display_name: u.display_name.as_deref(),
            email: u.email.as_deref(),
            chief_id,
            chief: None,
            enterprise: u.enterprise.as_deref(),
        };
        users::insert(db, new, Actor::system("seed"), now).await?;
        counts.users += 1;
    }
    let mut rows = Vec::with_capacity(d.readings.len());
    for r in &d.readings {
        let (section_id, kind) = section_kind
            .get(&r.section)
            .copied()
            .ok_or_else(|| DemoError::UnknownReference(format!("unknown section '{}'", r.section)))?;
        rows.push(BulkReading {
            section_id,
            parameter: r.parameter,
            sampled_at: r.sampled_at,
            value: r.value,
            class: r.parameter.classify(r.value, kind),
        });
    }
    crate::partitions::ensure_for(db, rows.iter().map(|r| r.sampled_at)).await?;
    counts.readings = bulk_insert(db, &rows, ReadingSource::Seed, now).await?;
    // A fresh registry: every row above was new, so all of them count.
    let counted: Vec<Counted> = rows
        .iter()
        .map(|r| Counted {
            section_id: r.section_id,
            parameter: r.parameter,
            sampled_at: r.sampled_at,
            value: r.value,
            below_detection: false,
        })
        .collect();
    rollups::add(db, &counted).await?;
    let kind_of: HashMap<i32, WaterBodyKind> = section_kind.values().copied().collect();
    let classified: Vec<_> = rows
        .iter()
        .filter(|r| r.class.is_some())
        .filter_map(|r| kind_of.get(&r.section_id).map(|kind| (r.section_id, *kind, r.sampled_at)))
        .collect();
    rollups::refresh_latest(db, &classified).await?;
    Ok(counts)
}
