//! Pure domain rules: no database, no I/O. Plain values in, plain values out.

pub mod audit;
pub mod authz;
pub mod credit_code;
pub mod discharge;
pub mod evaluation;
pub mod gb3838;
pub mod notice_text;
pub mod period;
pub mod reading;
#[cfg(test)]
pub(crate) mod reference_csv;
pub mod selfcheck;

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

/// What a signed-in user is. Authorisation rules are written in terms of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Bureau, Role::Chief, Role::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Bureau => "bureau",
            Self::Chief => "chief",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Level of a river chief, lowest first: notices go to the lowest level and escalate upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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
    pub const ALL: [ChiefLevel; 5] = [Self::Village, Self::Town, Self::District, Self::City, Self::Province];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Village => "village",
            Self::Town => "town",
            Self::District => "district",
            Self::City => "city",
            Self::Province => "province",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlLevel {
    National,
    Provincial,
    Municipal,
    District,
}

impl ControlLevel {
    pub const ALL: [ControlLevel; 4] = [Self::National, Self::Provincial, Self::Municipal, Self::District];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
            Self::Municipal => "municipal",
            Self::District => "district",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::National => "国控",
            Self::Provincial => "省控",
            Self::Municipal => "市控",
            Self::District => "区控",
        }
    }
}
