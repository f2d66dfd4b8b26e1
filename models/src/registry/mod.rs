//! The registry: regions, water bodies, reaches, sections, chiefs and their appointments, as rows ([`rows`])
//! written by one function ([`apply`]) for the import, the API and the demo alike; and, until the
//! enterprise archive has its own layer, creating enterprises and outfalls.

pub mod apply;
pub mod rows;

pub use apply::{
    Change, ChangeKind, Counts, Intent, Plan, RegistryError, RegistryProblem, Snapshot, apply, apply_as, apply_in,
    appointment_key, export, retire, target_key,
};
pub use rows::{
    AppointmentRow, ChiefRow, Kind, Origin, ReachRow, RegionRow, Registry, SectionRow, TargetRow, WaterBodyRow,
};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use crate::entities::{enterprises, outfalls};

/// An enterprise to register.
#[derive(Debug, Clone)]
pub struct NewEnterprise<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub region_id: Option<i32>,
    pub address: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub is_key_unit: bool,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
}

pub async fn create_enterprise(
    db: &impl ConnectionTrait,
    e: NewEnterprise<'_>,
    now: DateTime<Utc>,
) -> Result<enterprises::Model, DbErr> {
    enterprises::ActiveModel {
        credit_code: Set(e.credit_code.into()),
        name: Set(e.name.into()),
        region_id: Set(e.region_id),
        address: Set(e.address.map(Into::into)),
        industry: Set(e.industry.map(Into::into)),
        is_key_unit: Set(e.is_key_unit),
        contact_name: Set(e.contact_name.map(Into::into)),
        contact_phone: Set(e.contact_phone.map(Into::into)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// An outfall to register.
#[derive(Debug, Clone)]
pub struct NewOutfall<'a> {
    pub enterprise_id: i32,
    pub code: &'a str,
    pub name: &'a str,
    pub receiving_water_body_id: Option<i32>,
    pub discharge_standard: Option<&'a str>,
    pub station_mn: Option<&'a str>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

pub async fn create_outfall(
    db: &impl ConnectionTrait,
    o: NewOutfall<'_>,
    now: DateTime<Utc>,
) -> Result<outfalls::Model, DbErr> {
    outfalls::ActiveModel {
        enterprise_id: Set(o.enterprise_id),
        code: Set(o.code.into()),
        name: Set(o.name.into()),
        receiving_water_body_id: Set(o.receiving_water_body_id),
        discharge_standard: Set(o.discharge_standard.map(Into::into)),
        station_mn: Set(o.station_mn.map(Into::into)),
        longitude: Set(o.longitude),
        latitude: Set(o.latitude),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}
