//! The registry as rows, the way a bureau keeps it in spreadsheets: each row names the rows it refers to by
//! code (a section names its water body's code, an appointment its chief's code), so a registry is plain
//! data that a file can be read into, written from, and checked without a database. One shape serves the
//! import, the API's single writes, the export and the demo.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::gb3838::{WaterBodyKind, WaterClass};
use crate::domain::{ChiefLevel, ControlLevel, RegionLevel};

/// Where a row came from, for messages: a CSV file's line, or an XLSX sheet's row (both 1-based, the header
/// being row 1). `None` for rows from the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The file (CSV) or sheet (XLSX) the row is in.
    pub sheet: Option<String>,
    pub row: Option<usize>,
}

/// An administrative region (行政区划): province, city, district, street or town, village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionRow {
    /// 12-digit 统计用区划代码, or 6-digit adcode for a province, city or district.
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// The parent region's code; `None` for the root of the installation's tree.
    pub parent: Option<String>,
    /// The region is retired (撤销): kept for history, no longer offered.
    #[serde(default)]
    pub retired: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// A river, lake or reservoir.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaterBodyRow {
    pub code: String,
    pub name: String,
    pub kind: WaterBodyKind,
    /// The river this one flows into (a tributary's main stem), by code.
    pub parent: Option<String>,
    /// The regions it crosses, by code.
    #[serde(default)]
    pub regions: Vec<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub retired: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// A reach (河段): the stretch of a water body within one region, the unit a chief is appointed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachRow {
    pub code: String,
    pub name: String,
    pub water_body: String,
    pub region: String,
    pub description: Option<String>,
    #[serde(default)]
    pub retired: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// A monitoring section (监测断面).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRow {
    pub code: String,
    pub name: String,
    pub water_body: String,
    /// The reach it lies on, by code.
    pub reach: Option<String>,
    pub region: String,
    /// WGS-84 degrees.
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub control_level: ControlLevel,
    /// The standing target class (I–V); a year's own target, where set, overrides it for that year.
    pub target: WaterClass,
    /// Device id (MN) of the section's automatic station.
    pub station_mn: Option<String>,
    pub active_from: Option<NaiveDate>,
    /// Set to retire the section from that date: its history and past assessments stay as they were.
    pub active_to: Option<NaiveDate>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A section's target for one year (targets change; an assessment uses the year's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRow {
    pub section: String,
    pub year: i32,
    pub target: WaterClass,
    #[serde(skip)]
    pub origin: Origin,
}

/// A river chief (河长).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChiefRow {
    /// The bureau's own number for the chief (河长编号), stable across re-imports.
    pub code: String,
    pub name: String,
    pub level: ChiefLevel,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub region: Option<String>,
    #[serde(default)]
    pub retired: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// A chief's appointment (任命) to a reach, or to a whole water body when `reach` is `None`, for a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRow {
    pub chief: String,
    pub water_body: String,
    pub reach: Option<String>,
    pub starts_on: NaiveDate,
    /// `None`: until someone else is appointed to the same reach and level.
    pub ends_on: Option<NaiveDate>,
    pub note: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A registry, or the part of one a file or request changes. Rows not given are left as they are: nothing
/// is retired by being left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    #[serde(default)]
    pub regions: Vec<RegionRow>,
    #[serde(default)]
    pub water_bodies: Vec<WaterBodyRow>,
    #[serde(default)]
    pub reaches: Vec<ReachRow>,
    #[serde(default)]
    pub sections: Vec<SectionRow>,
    #[serde(default)]
    pub targets: Vec<TargetRow>,
    #[serde(default)]
    pub chiefs: Vec<ChiefRow>,
    #[serde(default)]
    pub appointments: Vec<AppointmentRow>,
}

impl Registry {
    pub fn len(&self) -> usize {
        self.regions.len()
            + self.water_bodies.len()
            + self.reaches.len()
            + self.sections.len()
            + self.targets.len()
            + self.chiefs.len()
            + self.appointments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The kinds of row, in the order they are applied (a row may refer only to kinds before it, or its own).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    Regions,
    WaterBodies,
    Reaches,
    Sections,
    Targets,
    Chiefs,
    Appointments,
}

impl Kind {
    /// The sheet name in an exported workbook, and the Chinese name of the kind.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Regions => "行政区划",
            Self::WaterBodies => "水体",
            Self::Reaches => "河段",
            Self::Sections => "监测断面",
            Self::Targets => "年度目标",
            Self::Chiefs => "河长",
            Self::Appointments => "河长任命",
        }
    }
}
