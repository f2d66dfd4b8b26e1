//! Creating and reading the registry: regions, water bodies, sections, chiefs and their reaches, enterprises
//! and outfalls. Used by the seed and, later, by the registry API.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use crate::domain::gb3838::{WaterBodyKind, WaterClass};
use crate::domain::{ChiefLevel, ControlLevel, RegionLevel};
use crate::entities::{chief_assignments, enterprises, outfalls, regions, river_chiefs, sections, water_bodies};

pub async fn create_region(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    level: RegionLevel,
    parent_id: Option<i32>,
) -> Result<regions::Model, DbErr> {
    regions::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
        level: Set(level),
        parent_id: Set(parent_id),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn create_water_body(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    kind: WaterBodyKind,
    description: Option<&str>,
) -> Result<water_bodies::Model, DbErr> {
    water_bodies::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
        kind: Set(kind),
        description: Set(description.map(Into::into)),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A monitoring section to register.
#[derive(Debug, Clone)]
pub struct NewSection<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub water_body_id: i32,
    pub region_id: i32,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub control_level: ControlLevel,
    pub target_class: WaterClass,
    pub station_mn: Option<&'a str>,
}

pub async fn create_section(
    db: &impl ConnectionTrait,
    s: NewSection<'_>,
    now: DateTime<Utc>,
) -> Result<sections::Model, DbErr> {
    sections::ActiveModel {
        code: Set(s.code.into()),
        name: Set(s.name.into()),
        water_body_id: Set(s.water_body_id),
        region_id: Set(s.region_id),
        longitude: Set(s.longitude),
        latitude: Set(s.latitude),
        control_level: Set(s.control_level),
        target_class: Set(s.target_class),
        station_mn: Set(s.station_mn.map(Into::into)),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A river chief to register.
#[derive(Debug, Clone)]
pub struct NewChief<'a> {
    pub name: &'a str,
    pub level: ChiefLevel,
    pub position: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub region_id: Option<i32>,
}

pub async fn create_chief(
    db: &impl ConnectionTrait,
    c: NewChief<'_>,
    now: DateTime<Utc>,
) -> Result<river_chiefs::Model, DbErr> {
    river_chiefs::ActiveModel {
        name: Set(c.name.into()),
        level: Set(c.level),
        position: Set(c.position.map(Into::into)),
        phone: Set(c.phone.map(Into::into)),
        email: Set(c.email.map(Into::into)),
        region_id: Set(c.region_id),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Makes `chief_id` answerable for a water body, or only for one of its sections.
pub async fn assign_chief(
    db: &impl ConnectionTrait,
    chief_id: i32,
    water_body_id: i32,
    section_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<chief_assignments::Model, DbErr> {
    chief_assignments::ActiveModel {
        chief_id: Set(chief_id),
        water_body_id: Set(water_body_id),
        section_id: Set(section_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

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
