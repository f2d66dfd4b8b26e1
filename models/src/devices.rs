//! HJ 212 devices: automatic surface-water stations (ST 21, data to a section) and enterprises' online
//! monitors (ST 32, data to an outfall), each known by its MN, with an optional access password (PW) and
//! the units it reports items in where they differ from the code's default.
//!
//! A section whose registry entry names a station MN is a device already, without a password; registering
//! the device adds one (and units). Frames the receiver does not store as readings are recorded as events.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit::{self, Actor, NewEntry};
use crate::db::begin_write;
use crate::domain::units::Unit;
use crate::domain::{Problem, quote};
use crate::entities::{device_events, devices, outfalls, sections};

/// What an administrator says about a device.
#[derive(Debug, Clone, Default)]
pub struct DeviceInput {
    /// Section code (a surface-water station).
    pub section: Option<String>,
    /// Outfall code (an enterprise's online monitor).
    pub outfall: Option<String>,
    /// The device's PW; `Some("")` removes it; `None` keeps what is stored.
    pub password: Option<String>,
    /// HJ 212 code → unit the device reports it in (`{"w20115": "mg/L"}`).
    pub units: BTreeMap<String, String>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("invalid device: {}", .0.iter().map(|p| p.en.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A device as stored, with where its data goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub model: devices::Model,
    pub section_code: Option<String>,
    pub outfall_code: Option<String>,
}

/// Longest note kept with a device (the column's width).
pub const MAX_NOTE: usize = 200;

/// An MN: 1 to 24 letters and digits (HJ 212-2017 6.3.2 gives 14 or 24 characters; older devices send
/// other lengths).
pub fn valid_mn(mn: &str) -> bool {
    (1..=24).contains(&mn.len()) && mn.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// SHA-256 of a device password, hex. PW travels in clear in every frame; the digest keeps the stored copy
/// from being one.
pub fn digest(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

/// Whether `given` is the password whose digest is stored (constant time).
pub fn password_matches(stored_digest: &str, given: Option<&str>) -> bool {
    let given = digest(given.unwrap_or(""));
    bool::from(given.as_bytes().ct_eq(stored_digest.as_bytes()))
}

/// Registers or changes the device `mn` (audited). Returns the device and whether it was new.
pub async fn put(
    db: &DatabaseConnection,
    mn: &str,
    input: DeviceInput,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(Device, bool), DeviceError> {
    let mut problems = Vec::new();
    if !valid_mn(mn) {
        problems.push(Problem::new(
            "mn",
            "invalid_mn",
            format!("设备编号“{}”无效：应为 1–24 位字母或数字", quote(mn)),
            format!("device MN '{}' is invalid: 1 to 24 letters and digits", quote(mn)),
        ));
    }
    if input.section.is_some() == input.outfall.is_some() {
        problems.push(Problem::new(
            "section",
            "section_or_outfall",
            "请给出设备所属的断面（section）或排放口（outfall），二者选一",
            "give the device's section or its outfall, one of the two",
        ));
    }
    if input.note.as_deref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        problems.push(Problem::new(
            "note",
            "too_long",
            format!("备注超过 {MAX_NOTE} 个字符"),
            format!("note is longer than {MAX_NOTE} characters"),
        ));
    }
    for (code, unit) in &input.units {
        if crate::domain::hj212::codes::lookup(code).is_none() {
            problems.push(Problem::new(
                "units",
                "unknown_code",
                format!("未知的 HJ 212 编码“{}”", quote(code)),
                format!("unknown HJ 212 code '{}'", quote(code)),
            ));
        } else if Unit::parse(unit).is_none() {
            problems.push(Problem::new(
                "units",
                "unsupported_unit",
                format!("{} 的单位“{}”无法识别（可用 mg/L、ug/L、ng/L）", quote(code), quote(unit)),
                format!("unit '{}' of {} is not known (use mg/L, ug/L, ng/L)", quote(unit), quote(code)),
            ));
        }
    }
    let tx = begin_write(db).await?;
    let section = match &input.section {
        Some(code) => {
            let found = crate::sections::find_by_code(&tx, code).await?;
            if found.is_none() {
                problems.push(Problem::new(
                    "section",
                    "unknown_section",
                    format!("未知断面编码“{}”", quote(code)),
                    format!("unknown section code '{}'", quote(code)),
                ));
            }
            found.map(|c| c.section)
        }
        None => None,
    };
    let outfall = match &input.outfall {
        Some(code) => {
            let found = outfalls::Entity::find().filter(outfalls::Column::Code.eq(code.trim())).one(&tx).await?;
            if found.is_none() {
                problems.push(Problem::new(
                    "outfall",
                    "unknown_outfall",
                    format!("未知排放口编码“{}”", quote(code)),
                    format!("unknown outfall code '{}'", quote(code)),
                ));
            }
            found
        }
        None => None,
    };
    if !problems.is_empty() {
        return Err(DeviceError::Invalid(problems));
    }
    let units = (!input.units.is_empty()).then(|| serde_json::to_string(&input.units).unwrap_or_default());
    let existing = devices::Entity::find().filter(devices::Column::Mn.eq(mn)).one(&tx).await?;
    let created = existing.is_none();
    let before = existing.as_ref().map(describe);
    let model = match existing {
        Some(old) => {
            let keep_digest = old.password_digest.clone();
            let mut active = old.into_active_model();
            active.section_id = Set(section.as_ref().map(|s| s.id));
            active.outfall_id = Set(outfall.as_ref().map(|o| o.id));
            active.password_digest = Set(match input.password.as_deref() {
                None => keep_digest,
                Some("") => None,
                Some(p) => Some(digest(p)),
            });
            active.units = Set(units);
            active.note = Set(input.note.clone());
            active.updated_at = Set(now);
            active.update(&tx).await?
        }
        None => {
            devices::ActiveModel {
                mn: Set(mn.to_string()),
                section_id: Set(section.as_ref().map(|s| s.id)),
                outfall_id: Set(outfall.as_ref().map(|o| o.id)),
                password_digest: Set(input.password.as_deref().filter(|p| !p.is_empty()).map(digest)),
                units: Set(units),
                note: Set(input.note.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                frames: Set(0),
                ..Default::default()
            }
            .insert(&tx)
            .await?
        }
    };
    audit::append(
        &tx,
        NewEntry {
            actor,
            action: if created { "device.create" } else { "device.update" }.into(),
            entity: "devices".into(),
            entity_id: Some(mn.to_string()),
            before,
            after: Some(describe(&model)),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((Device { model, section_code: section.map(|s| s.code), outfall_code: outfall.map(|o| o.code) }, created))
}

/// What the audit log keeps of a device: never the password's digest, only whether there is one.
fn describe(d: &devices::Model) -> serde_json::Value {
    serde_json::json!({
        "mn": d.mn, "section_id": d.section_id, "outfall_id": d.outfall_id,
        "password": d.password_digest.is_some(), "units": d.units, "note": d.note,
    })
}

/// Every registered device, by MN, with its section's or outfall's code.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Device>, DbErr> {
    let all = devices::Entity::find().order_by_asc(devices::Column::Mn).all(db).await?;
    let section_codes: HashMap<i32, String> = sections::Entity::find()
        .select_only()
        .columns([sections::Column::Id, sections::Column::Code])
        .filter(sections::Column::Id.is_in(all.iter().filter_map(|d| d.section_id)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let outfall_codes: HashMap<i32, String> = outfalls::Entity::find()
        .select_only()
        .columns([outfalls::Column::Id, outfalls::Column::Code])
        .filter(outfalls::Column::Id.is_in(all.iter().filter_map(|d| d.outfall_id)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .map(|model| Device {
            section_code: model.section_id.and_then(|id| section_codes.get(&id).cloned()),
            outfall_code: model.outfall_id.and_then(|id| outfall_codes.get(&id).cloned()),
            model,
        })
        .collect())
}

/// Events, newest first: `limit` of them, older than `before_id`, of one MN if given.
pub async fn events(
    db: &impl ConnectionTrait,
    mn: Option<&str>,
    before_id: Option<i32>,
    limit: u64,
) -> Result<Vec<device_events::Model>, DbErr> {
    let mut query = device_events::Entity::find().order_by_desc(device_events::Column::Id).limit(limit);
    if let Some(mn) = mn {
        query = query.filter(device_events::Column::Mn.eq(mn));
    }
    if let Some(id) = before_id {
        query = query.filter(device_events::Column::Id.lt(id));
    }
    query.all(db).await
}
