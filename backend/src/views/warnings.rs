//! Warnings on the wire.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use models::domain::Code;
use models::entities::{devices, regions, sections, warnings};

use super::local_time;

#[derive(Serialize, ToSchema)]
pub struct WarningView {
    pub id: i32,
    /// quality | yangtze | silent_station
    pub kind: &'static str,
    pub kind_name: &'static str,
    /// blue | yellow | orange | red (colour warnings) | level2 | level1 (the Yangtze rule)
    pub level: &'static str,
    pub level_name: &'static str,
    /// The section's code, when it is about a section.
    pub section: Option<String>,
    pub section_name: Option<String>,
    /// The region's code, when it is about a town or the district (the Yangtze rule).
    pub region: Option<String>,
    pub region_name: Option<String>,
    /// The device's MN, when a station went silent.
    pub device: Option<String>,
    pub parameter: Option<&'static str>,
    pub parameter_name: Option<&'static str>,
    /// The quarter it was issued for (`2026Q3`), under the Yangtze rule.
    pub period: Option<String>,
    /// Each reason with its level and the numbers behind it.
    #[schema(value_type = Vec<Object>)]
    pub reasons: serde_json::Value,
    pub summary: String,
    pub raised_at: String,
    pub updated_at: String,
    /// When it was lifted; none while current.
    pub lifted_at: Option<String>,
    /// The alert it opened or updated.
    pub alert_id: Option<i32>,
}

/// What a page's warnings refer to, fetched once for the page.
#[derive(Default)]
pub struct Subjects {
    pub sections: HashMap<i32, sections::Model>,
    pub regions: HashMap<i32, regions::Model>,
    pub devices: HashMap<i32, devices::Model>,
}

impl WarningView {
    pub fn new(w: &warnings::Model, subjects: &Subjects) -> Self {
        let section = w.section_id.and_then(|id| subjects.sections.get(&id));
        let region = w.region_id.and_then(|id| subjects.regions.get(&id));
        Self {
            id: w.id,
            kind: w.kind.as_str(),
            kind_name: w.kind.zh(),
            level: w.level.as_str(),
            level_name: w.level.zh(),
            section: section.map(|s| s.code.clone()),
            section_name: section.map(|s| s.name.clone()),
            region: region.map(|r| r.code.clone()),
            region_name: region.map(|r| r.name.clone()),
            device: w.device_id.and_then(|id| subjects.devices.get(&id)).map(|d| d.mn.clone()),
            parameter: w.parameter.map(|p| p.key()),
            parameter_name: w.parameter.map(|p| p.info().name_zh),
            period: w.period.clone(),
            reasons: serde_json::from_str(&w.reasons).unwrap_or(serde_json::Value::Null),
            summary: w.summary.clone(),
            raised_at: local_time(w.raised_at),
            updated_at: local_time(w.updated_at),
            lifted_at: w.lifted_at.map(local_time),
            alert_id: w.alert_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WarningList {
    pub count: usize,
    /// How many match at each level (every level, whatever `level` asked for).
    pub levels: BTreeMap<&'static str, u64>,
    pub warnings: Vec<WarningView>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next: Option<String>,
}
