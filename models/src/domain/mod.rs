//! Pure domain rules: no database, no I/O. Plain values in, plain values out.

pub mod alert;
pub mod audit;
pub mod authz;
pub mod credit_code;
pub mod discharge;
pub mod evaluation;
pub mod gb3838;
pub mod hj212;
pub mod notice;
pub mod notice_text;
pub mod period;
pub mod quality;
pub mod reading;
#[cfg(test)]
pub(crate) mod reference_csv;
pub mod registry;
pub mod selfcheck;
pub mod trend;
pub mod trophic;
pub mod units;
pub mod warning;

use serde::Serialize;

/// One thing wrong with one field of some input, in words for people (Chinese and English).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    /// Stable snake_case code for programs.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Problem {
    pub fn new(field: &'static str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { field, code, zh: zh.into(), en: en.into() }
    }

    pub fn missing(field: &'static str) -> Self {
        Self::new(field, "missing_field", format!("缺少字段 {field}"), format!("missing field {field}"))
    }
}

/// An enumeration with a stable snake_case code: the text stored in the database, sent over the API and
/// written in configuration. Derive `strum::IntoStaticStr` and `strum::VariantArray` on the enum (with
/// `#[strum(serialize_all = "snake_case")]` or per-variant names) and it is a `Code`; nothing else writes
/// or reads the text by hand.
pub trait Code: Copy + Eq + Sized + 'static + strum::VariantArray + Into<&'static str> {
    /// The stored form, e.g. `"river"`.
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// The variant whose code is exactly `s` (stored values are read strictly).
    fn from_code(s: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|v| v.as_str() == s)
    }

    /// The variant named by people or programs: surrounding whitespace and ASCII case are ignored, the one
    /// rule for every code a caller types (section codes, parameters, flags, roles, levels).
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::VARIANTS.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }

    /// Every code, for messages: `river, lake, reservoir`.
    fn codes() -> String {
        Self::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl<T: Copy + Eq + 'static + strum::VariantArray + Into<&'static str>> Code for T {}

/// Input quoted back in a message, cut to a length that keeps answers small: a 1 MB section code is
/// named by its first characters, not echoed whole.
pub fn quote(input: &str) -> String {
    const MAX: usize = 64;
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// What a signed-in user is. Authorisation rules are written in terms of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// Manages users and the registry.
    Admin,
    /// Environment bureau staff: read everything, manage alerts, submit lab readings.
    Bureau,
    /// A river chief, linked to a `river_chiefs` row.
    Chief,
    /// An enterprise's environmental officer, linked to one enterprise.
    Enterprise,
}

/// Level of a river chief, lowest first: notices go to the lowest level and escalate upwards.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChiefLevel {
    /// 村级河长
    Village,
    /// 乡镇（街道）级河长
    Town,
    /// 县（区）级河长
    District,
    /// 市级河长
    City,
    /// 省级河长
    Province,
}

impl ChiefLevel {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Village => "村级河长",
            Self::Town => "乡镇（街道）级河长",
            Self::District => "区级河长",
            Self::City => "市级河长",
            Self::Province => "省级河长",
        }
    }
}

/// Who controls a monitoring section (国控/省控/市控/区控).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ControlLevel {
    National,
    Provincial,
    Municipal,
    District,
}

impl ControlLevel {
    pub fn zh(self) -> &'static str {
        match self {
            Self::National => "国控",
            Self::Provincial => "省控",
            Self::Municipal => "市控",
            Self::District => "区控",
        }
    }
}

/// The level of an administrative region, highest first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    District,
    /// 街道
    Street,
    /// 镇、乡
    Town,
    Village,
}

impl RegionLevel {
    /// Streets and towns are the units a district assesses.
    pub fn is_town(self) -> bool {
        matches!(self, Self::Street | Self::Town)
    }
}

/// How a job run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum JobRunStatus {
    Running,
    Ok,
    Failed,
}
