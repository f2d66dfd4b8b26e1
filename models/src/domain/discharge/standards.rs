//! Which standard and grade an outfall is judged by, and how the grade follows the receiving water.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::domain::Code;
use crate::domain::gb3838::WaterClass;

/// GB 8978-1996 grade (级): 1 into class III waters, 2 into IV/V, 3 into sewers to a secondary WWTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
pub enum Gb8978Grade {
    #[serde(rename = "1")]
    #[strum(serialize = "1")]
    One,
    #[serde(rename = "2")]
    #[strum(serialize = "2")]
    Two,
    #[serde(rename = "3")]
    #[strum(serialize = "3")]
    Three,
}

impl Gb8978Grade {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::One => "一级",
            Self::Two => "二级",
            Self::Three => "三级",
        }
    }

    /// Column of the grade in the limit tables.
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// GB 18918-2002 grade (级): 1A, 1B, 2, 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
pub enum Gb18918Grade {
    #[serde(rename = "1A")]
    #[strum(serialize = "1A")]
    OneA,
    #[serde(rename = "1B")]
    #[strum(serialize = "1B")]
    OneB,
    #[serde(rename = "2")]
    #[strum(serialize = "2")]
    Two,
    #[serde(rename = "3")]
    #[strum(serialize = "3")]
    Three,
}

impl Gb18918Grade {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::OneA => "一级A",
            Self::OneB => "一级B",
            Self::Two => "二级",
            Self::Three => "三级",
        }
    }

    /// Column of the grade in the limit table.
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// A discharge standard and grade, stored on an outfall as `gb8978:1` or `gb18918:1A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standard {
    Gb8978(Gb8978Grade),
    Gb18918(Gb18918Grade),
}

impl Standard {
    /// Every standard and grade.
    pub const ALL: [Standard; 7] = [
        Self::Gb8978(Gb8978Grade::One),
        Self::Gb8978(Gb8978Grade::Two),
        Self::Gb8978(Gb8978Grade::Three),
        Self::Gb18918(Gb18918Grade::OneA),
        Self::Gb18918(Gb18918Grade::OneB),
        Self::Gb18918(Gb18918Grade::Two),
        Self::Gb18918(Gb18918Grade::Three),
    ];

    /// `gb8978:1|2|3` or `gb18918:1A|1B|2|3`, case-insensitive, surrounding spaces ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let (standard, grade) = s.trim().split_once(':')?;
        // Upper-cased and then read strictly, not `Code::parse`: spaces after the colon stay an error.
        let grade = grade.to_ascii_uppercase();
        if standard.eq_ignore_ascii_case("gb8978") {
            Gb8978Grade::from_code(&grade).map(Self::Gb8978)
        } else if standard.eq_ignore_ascii_case("gb18918") {
            Gb18918Grade::from_code(&grade).map(Self::Gb18918)
        } else {
            None
        }
    }

    /// Stored form: `gb8978:1`, `gb18918:1A`.
    pub fn as_str(&self) -> String {
        match self {
            Self::Gb8978(g) => format!("gb8978:{}", g.as_str()),
            Self::Gb18918(g) => format!("gb18918:{}", g.as_str()),
        }
    }

    /// `GB 8978-1996 一级`, `GB 18918-2002 一级A`.
    pub fn name_zh(&self) -> String {
        match self {
            Self::Gb8978(g) => format!("GB 8978-1996 {}", g.name_zh()),
            Self::Gb18918(g) => format!("GB 18918-2002 {}", g.name_zh()),
        }
    }

    /// `GB 8978-1996 grade 1`, `GB 18918-2002 grade 1A`.
    pub fn name_en(&self) -> String {
        match self {
            Self::Gb8978(g) => format!("GB 8978-1996 grade {}", g.as_str()),
            Self::Gb18918(g) => format!("GB 18918-2002 grade {}", g.as_str()),
        }
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// Serialised in its stored form, so the API and the database say the same thing.
impl Serialize for Standard {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

/// No GB 8978 grade applies to the receiving water.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error(
        "GB 8978-1996 §4.1.1 allows no new outfalls into class {0} waters; existing outfalls there are held to \
         total-load control under the water's function, not to a discharge grade"
    )]
    NoNewOutfalls(WaterClass),
}

impl GradeError {
    pub fn zh(&self) -> String {
        match self {
            Self::NoNewOutfalls(class) => {
                format!(
                    "GB 8978-1996 第4.1.1条：{class}类水域禁止新建排污口，现有排污口按水体功能要求实行污染物总量控制，不适用排放分级"
                )
            }
        }
    }
}

/// GB 8978-1996 §4.1: grade 1 for discharge into class III waters, grade 2 into class IV and V (劣V is
/// treated as V: its function is still that of a class IV/V water). Class I and II waters take no new
/// outfalls. Protected and swimming areas inside class III waters are also closed (§4.1.1), but a class
/// alone cannot tell them apart, so class III always gives grade 1. Grade 3 depends on where the sewer goes,
/// not on a water class, and is never derived here.
pub fn gb8978_grade_for_receiving(class: WaterClass) -> Result<Gb8978Grade, GradeError> {
    match class {
        WaterClass::I | WaterClass::II => Err(GradeError::NoNewOutfalls(class)),
        WaterClass::III => Ok(Gb8978Grade::One),
        WaterClass::IV | WaterClass::V | WaterClass::WorseThanV => Ok(Gb8978Grade::Two),
    }
}

/// An outfall's standard cannot be settled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutfallStandardError {
    #[error("unknown discharge standard '{0}': use gb8978:1|2|3 or gb18918:1A|1B|2|3")]
    Unknown(String),
    #[error(transparent)]
    Grade(#[from] GradeError),
}

/// The standard an outfall is judged by: the stored one (`gb8978:1`, …), or when none is stored the GB 8978
/// grade for the receiving water's target class. A stored text that does not parse is an error rather than
/// "none stored", so a typo in the registry cannot silently change the grade.
pub fn outfall_standard(stored: Option<&str>, receiving_target: WaterClass) -> Result<Standard, OutfallStandardError> {
    match stored {
        Some(s) => Standard::parse(s).ok_or_else(|| OutfallStandardError::Unknown(s.to_string())),
        None => Ok(Standard::Gb8978(gb8978_grade_for_receiving(receiving_target)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_follows_the_receiving_water() {
        for class in WaterClass::ALL {
            let want = match class {
                WaterClass::I | WaterClass::II => Err(GradeError::NoNewOutfalls(class)),
                WaterClass::III => Ok(Gb8978Grade::One),
                WaterClass::IV | WaterClass::V | WaterClass::WorseThanV => Ok(Gb8978Grade::Two),
            };
            assert_eq!(gb8978_grade_for_receiving(class), want, "{class}");
        }
        let err = gb8978_grade_for_receiving(WaterClass::II).expect_err("closed");
        assert!(err.to_string().contains("class II"), "{err}");
        assert!(err.zh().contains("II类水域禁止新建排污口"), "{}", err.zh());
    }

    #[test]
    fn outfall_standard_is_stored_or_derived() {
        assert_eq!(outfall_standard(Some("gb18918:1a"), WaterClass::II), Ok(Standard::Gb18918(Gb18918Grade::OneA)));
        assert_eq!(outfall_standard(None, WaterClass::IV), Ok(Standard::Gb8978(Gb8978Grade::Two)));
        assert_eq!(
            outfall_standard(None, WaterClass::I),
            Err(OutfallStandardError::Grade(GradeError::NoNewOutfalls(WaterClass::I)))
        );
        assert_eq!(
            outfall_standard(Some("gb8978-1"), WaterClass::III),
            Err(OutfallStandardError::Unknown("gb8978-1".into()))
        );
    }

    #[test]
    fn standard_parse_round_trips() {
        for s in Standard::ALL {
            assert_eq!(Standard::parse(&s.as_str()), Some(s));
            assert_eq!(Standard::parse(&s.as_str().to_uppercase()), Some(s));
            assert_eq!(Standard::parse(&s.as_str().to_lowercase()), Some(s));
            assert_eq!(serde_json::to_string(&s).expect("serialise"), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Standard::parse(" GB18918:1b "), Some(Standard::Gb18918(Gb18918Grade::OneB)));
        assert_eq!(Standard::Gb8978(Gb8978Grade::One).name_zh(), "GB 8978-1996 一级");
        assert_eq!(Standard::Gb18918(Gb18918Grade::OneA).name_zh(), "GB 18918-2002 一级A");
        assert_eq!(Standard::Gb18918(Gb18918Grade::OneB).as_str(), "gb18918:1B");
        for bad in ["", "gb8978", "gb8978:", "gb8978:4", "gb8978:1A", "gb18918:1", "gb18918:1C", "gb3838:3", "8978:1"] {
            assert_eq!(Standard::parse(bad), None, "{bad:?}");
        }
    }
}
