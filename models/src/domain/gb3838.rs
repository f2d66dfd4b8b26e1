//! GB 3838-2002 surface-water quality: the Table 1 items, their limits, and single-factor classification.
//!
//! Numbers come from `shared/reference/gb3838_2002_limits.csv`; the unit tests below walk every limit.
//! Pure code: plain values in, plain values out.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A GB 3838 water-quality class. `WorseThanV` is 劣V, anything failing class V.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WaterClass {
    #[serde(rename = "I")]
    I = 1,
    #[serde(rename = "II")]
    II = 2,
    #[serde(rename = "III")]
    III = 3,
    #[serde(rename = "IV")]
    IV = 4,
    #[serde(rename = "V")]
    V = 5,
    #[serde(rename = "劣V")]
    WorseThanV = 6,
}

impl WaterClass {
    pub const ALL: [WaterClass; 6] = [Self::I, Self::II, Self::III, Self::IV, Self::V, Self::WorseThanV];
    /// The five classes that have limits, best first.
    const LIMITED: [WaterClass; 5] = [Self::I, Self::II, Self::III, Self::IV, Self::V];

    /// Stored form: 1..=6.
    pub fn rank(self) -> i16 {
        self as i16
    }

    pub fn from_rank(rank: i16) -> Option<Self> {
        Self::ALL.get(usize::try_from(rank).ok()?.checked_sub(1)?).copied()
    }

    /// Roman numeral as printed in Chinese reports: `I` … `V`, `劣V`.
    pub fn label(self) -> &'static str {
        match self {
            Self::I => "I",
            Self::II => "II",
            Self::III => "III",
            Self::IV => "IV",
            Self::V => "V",
            Self::WorseThanV => "劣V",
        }
    }

    /// Accepts `I`..`V`, `劣V`, `worse_than_v`, `VI`, and arabic `1`..`6`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Some(match s.to_ascii_uppercase().as_str() {
            "I" | "1" => Self::I,
            "II" | "2" => Self::II,
            "III" | "3" => Self::III,
            "IV" | "4" => Self::IV,
            "V" | "5" => Self::V,
            "VI" | "6" | "WORSE_THAN_V" | "劣V" => Self::WorseThanV,
            _ => return None,
        })
    }

    /// Class I–III: counts towards the excellent-water rate (优良水质比例).
    pub fn is_excellent_or_good(self) -> bool {
        self <= Self::III
    }

    /// Section status word of the national evaluation method.
    pub fn status(self) -> Status {
        match self {
            Self::I | Self::II => Status::Excellent,
            Self::III => Status::Good,
            Self::IV => Status::SlightlyPolluted,
            Self::V => Status::ModeratelyPolluted,
            Self::WorseThanV => Status::HeavilyPolluted,
        }
    }
}

impl fmt::Display for WaterClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Water-quality status words (水质状况) with the colours used on maps and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Excellent,
    Good,
    SlightlyPolluted,
    ModeratelyPolluted,
    HeavilyPolluted,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Excellent => "优",
            Self::Good => "良好",
            Self::SlightlyPolluted => "轻度污染",
            Self::ModeratelyPolluted => "中度污染",
            Self::HeavilyPolluted => "重度污染",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::SlightlyPolluted => "slightly polluted",
            Self::ModeratelyPolluted => "moderately polluted",
            Self::HeavilyPolluted => "heavily polluted",
        }
    }

    /// Map colour of the national method (blue, green, yellow, orange, red).
    pub fn colour(self) -> &'static str {
        match self {
            Self::Excellent => "blue",
            Self::Good => "green",
            Self::SlightlyPolluted => "yellow",
            Self::ModeratelyPolluted => "orange",
            Self::HeavilyPolluted => "red",
        }
    }
}

/// River or lake/reservoir: lakes and reservoirs use their own TP limits and evaluate TN.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WaterBodyKind {
    River,
    Lake,
    Reservoir,
}

impl WaterBodyKind {
    pub fn zh(self) -> &'static str {
        match self {
            Self::River => "河流",
            Self::Lake => "湖泊",
            Self::Reservoir => "水库",
        }
    }

    /// Lakes and reservoirs are judged alike (their TP column, TN evaluated).
    pub fn uses_lake_limits(self) -> bool {
        !matches!(self, Self::River)
    }
}

/// How a limit bounds a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Direction {
    /// `value <= limit` meets the class.
    UpperBound,
    /// `value >= limit` meets the class (dissolved oxygen).
    LowerBound,
    /// `low <= value <= high` for every class, otherwise 劣V (pH).
    Range { low: f64, high: f64 },
    /// No class limits (water temperature).
    Unclassified,
}

/// The 24 items of GB 3838-2002 Table 1, the 5 of Table 2, and four items measured beside them without a
/// class (chlorophyll-a and transparency for the lake trophic state, conductivity and turbidity from
/// automatic stations). Serialised as its key (`nh3n`); read from a key or an HJ 212 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parameter {
    Temp,
    Ph,
    Do,
    Codmn,
    Cod,
    Bod5,
    Nh3n,
    Tp,
    Tn,
    Cu,
    Zn,
    F,
    Se,
    As,
    Hg,
    Cd,
    Cr6,
    Pb,
    Cn,
    Phenol,
    Oil,
    Las,
    Sulfide,
    FecalColiform,
    // Table 2: supplementary items for centralised drinking-water sources (one limit, no classes).
    Sulfate,
    Chloride,
    Nitrate,
    Fe,
    Mn,
    // Reported beside the class, never classified: the lake trophic-state items GB 3838 has no limit for,
    // and the automatic stations' basic items.
    /// 叶绿素a, µg/L (= mg/m³).
    Chla,
    /// 透明度 (Secchi depth), m.
    Sd,
    /// 电导率, µS/cm.
    Conductivity,
    /// 浊度, NTU.
    Turbidity,
}

/// One row of Table 1.
#[derive(Debug)]
pub struct ParameterInfo {
    pub parameter: Parameter,
    /// Stable key used in the API, the database and reports.
    pub key: &'static str,
    /// HJ 212-2017 codes; the first is the "total" code, the second (if any) the alternative family.
    pub hj212_codes: &'static [&'static str],
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Short label for reports and notices (`NH3-N`).
    pub symbol: &'static str,
    /// Unit of the standard (and of stored values).
    pub unit: &'static str,
    pub direction: Direction,
    /// Class I..V limits for rivers (and for lakes where `lake_limits` is `None`).
    pub limits: Option<[f64; 5]>,
    /// Class I..V limits for lakes and reservoirs, where they differ (TP).
    pub lake_limits: Option<[f64; 5]>,
    /// Whether the item counts in a section's class (2011 method: not temperature, TN on rivers, fecal coliform).
    evaluated_in_rivers: bool,
    evaluated_in_lakes: bool,
    /// Whether the value is a concentration (must not be negative; µg/L converts).
    pub is_concentration: bool,
    /// 1 for Table 1 (basic items), 2 for Table 2 (drinking-water-source supplementary items), 0 for items
    /// GB 3838 does not limit.
    pub table: u8,
    /// The single limit of a Table 2 item.
    pub supplementary_limit: Option<f64>,
}

const fn row(
    parameter: Parameter,
    key: &'static str,
    hj212_codes: &'static [&'static str],
    names: (&'static str, &'static str, &'static str),
    unit: &'static str,
    direction: Direction,
    limits: Option<[f64; 5]>,
) -> ParameterInfo {
    ParameterInfo {
        parameter,
        key,
        hj212_codes,
        name_zh: names.0,
        name_en: names.1,
        symbol: names.2,
        unit,
        direction,
        limits,
        lake_limits: None,
        evaluated_in_rivers: true,
        evaluated_in_lakes: true,
        is_concentration: true,
        table: 1,
        supplementary_limit: None,
    }
}

/// A Table 2 row: one limit, not part of any class.
const fn supplementary(
    parameter: Parameter,
    key: &'static str,
    hj212: &'static [&'static str],
    names: (&'static str, &'static str, &'static str),
    limit: f64,
) -> ParameterInfo {
    ParameterInfo {
        evaluated_in_rivers: false,
        evaluated_in_lakes: false,
        table: 2,
        supplementary_limit: Some(limit),
        ..row(parameter, key, hj212, names, MG_L, Direction::UpperBound, None)
    }
}

/// An item measured beside the standard's, never classified.
const fn reported(
    parameter: Parameter,
    key: &'static str,
    hj212: &'static [&'static str],
    names: (&'static str, &'static str, &'static str),
    unit: &'static str,
) -> ParameterInfo {
    ParameterInfo {
        evaluated_in_rivers: false,
        evaluated_in_lakes: false,
        table: 0,
        ..row(parameter, key, hj212, names, unit, Direction::Unclassified, None)
    }
}

const MG_L: &str = "mg/L";
const UP: Direction = Direction::UpperBound;

/// GB 3838-2002 Tables 1 and 2, in the standard's order, then the reported items.
pub static TABLE: [ParameterInfo; Parameter::COUNT] = [
    ParameterInfo {
        evaluated_in_rivers: false,
        evaluated_in_lakes: false,
        is_concentration: false,
        ..row(
            Parameter::Temp,
            "temp",
            &["w01010"],
            ("水温", "water temperature", "水温"),
            "℃",
            Direction::Unclassified,
            None,
        )
    },
    ParameterInfo {
        is_concentration: false,
        ..row(
            Parameter::Ph,
            "ph",
            &["w01001"],
            ("pH值", "pH", "pH"),
            "无量纲",
            Direction::Range { low: 6.0, high: 9.0 },
            None,
        )
    },
    row(
        Parameter::Do,
        "do",
        &["w01009"],
        ("溶解氧", "dissolved oxygen", "DO"),
        MG_L,
        Direction::LowerBound,
        Some([7.5, 6.0, 5.0, 3.0, 2.0]),
    ),
    row(
        Parameter::Codmn,
        "codmn",
        &["w01019"],
        ("高锰酸盐指数", "permanganate index", "CODMn"),
        MG_L,
        UP,
        Some([2.0, 4.0, 6.0, 10.0, 15.0]),
    ),
    row(
        Parameter::Cod,
        "cod",
        &["w01018"],
        ("化学需氧量", "chemical oxygen demand", "COD"),
        MG_L,
        UP,
        Some([15.0, 15.0, 20.0, 30.0, 40.0]),
    ),
    row(
        Parameter::Bod5,
        "bod5",
        &["w01017"],
        ("五日生化需氧量", "five-day biochemical oxygen demand", "BOD5"),
        MG_L,
        UP,
        Some([3.0, 3.0, 4.0, 6.0, 10.0]),
    ),
    row(
        Parameter::Nh3n,
        "nh3n",
        &["w21003"],
        ("氨氮", "ammonia nitrogen", "NH3-N"),
        MG_L,
        UP,
        Some([0.15, 0.5, 1.0, 1.5, 2.0]),
    ),
    ParameterInfo {
        lake_limits: Some([0.01, 0.025, 0.05, 0.1, 0.2]),
        ..row(
            Parameter::Tp,
            "tp",
            &["w21011"],
            ("总磷", "total phosphorus", "TP"),
            MG_L,
            UP,
            Some([0.02, 0.1, 0.2, 0.3, 0.4]),
        )
    },
    // A reference item on lakes and reservoirs too (the 2011 method evaluates 21 items; TN is reported
    // beside the class, "总氮单独评价"), though Table 1 gives it limits for them.
    ParameterInfo {
        evaluated_in_rivers: false,
        evaluated_in_lakes: false,
        ..row(
            Parameter::Tn,
            "tn",
            &["w21001"],
            ("总氮", "total nitrogen", "TN"),
            MG_L,
            UP,
            Some([0.2, 0.5, 1.0, 1.5, 2.0]),
        )
    },
    row(Parameter::Cu, "cu", &["w20122", "w20138"], ("铜", "copper", "Cu"), MG_L, UP, Some([0.01, 1.0, 1.0, 1.0, 1.0])),
    row(Parameter::Zn, "zn", &["w20123", "w20139"], ("锌", "zinc", "Zn"), MG_L, UP, Some([0.05, 1.0, 1.0, 2.0, 2.0])),
    row(Parameter::F, "f", &["w21017"], ("氟化物", "fluoride", "F⁻"), MG_L, UP, Some([1.0, 1.0, 1.0, 1.5, 1.5])),
    row(
        Parameter::Se,
        "se",
        &["w20128", "w20140"],
        ("硒", "selenium", "Se"),
        MG_L,
        UP,
        Some([0.01, 0.01, 0.01, 0.02, 0.02]),
    ),
    row(
        Parameter::As,
        "as",
        &["w20119", "w20141"],
        ("砷", "arsenic", "As"),
        MG_L,
        UP,
        Some([0.05, 0.05, 0.05, 0.1, 0.1]),
    ),
    row(
        Parameter::Hg,
        "hg",
        &["w20111", "w20142"],
        ("汞", "mercury", "Hg"),
        MG_L,
        UP,
        Some([0.00005, 0.00005, 0.0001, 0.001, 0.001]),
    ),
    row(
        Parameter::Cd,
        "cd",
        &["w20115", "w20143"],
        ("镉", "cadmium", "Cd"),
        MG_L,
        UP,
        Some([0.001, 0.005, 0.005, 0.005, 0.01]),
    ),
    row(
        Parameter::Cr6,
        "cr6",
        &["w20117"],
        ("六价铬", "hexavalent chromium", "Cr(VI)"),
        MG_L,
        UP,
        Some([0.01, 0.05, 0.05, 0.05, 0.1]),
    ),
    row(
        Parameter::Pb,
        "pb",
        &["w20120", "w20144"],
        ("铅", "lead", "Pb"),
        MG_L,
        UP,
        Some([0.01, 0.01, 0.05, 0.05, 0.1]),
    ),
    row(Parameter::Cn, "cn", &["w21016"], ("氰化物", "cyanide", "CN⁻"), MG_L, UP, Some([0.005, 0.05, 0.2, 0.2, 0.2])),
    row(
        Parameter::Phenol,
        "phenol",
        &["w23002"],
        ("挥发酚", "volatile phenol", "挥发酚"),
        MG_L,
        UP,
        Some([0.002, 0.002, 0.005, 0.01, 0.1]),
    ),
    row(
        Parameter::Oil,
        "oil",
        &["w22001"],
        ("石油类", "petroleum", "石油类"),
        MG_L,
        UP,
        Some([0.05, 0.05, 0.05, 0.5, 1.0]),
    ),
    row(
        Parameter::Las,
        "las",
        &["w19002"],
        ("阴离子表面活性剂", "anionic surfactant", "LAS"),
        MG_L,
        UP,
        Some([0.2, 0.2, 0.2, 0.3, 0.3]),
    ),
    row(
        Parameter::Sulfide,
        "sulfide",
        &["w21019"],
        ("硫化物", "sulfide", "硫化物"),
        MG_L,
        UP,
        Some([0.05, 0.1, 0.2, 0.5, 1.0]),
    ),
    ParameterInfo {
        evaluated_in_rivers: false,
        evaluated_in_lakes: false,
        ..row(
            Parameter::FecalColiform,
            "fecal_coliform",
            &["w02003"],
            ("粪大肠菌群", "fecal coliform", "粪大肠菌群"),
            "个/L",
            UP,
            Some([200.0, 2000.0, 10000.0, 20000.0, 40000.0]),
        )
    },
    supplementary(Parameter::Sulfate, "so4", &["w21038"], ("硫酸盐", "sulfate", "SO₄²⁻"), 250.0),
    supplementary(Parameter::Chloride, "cl", &["w21022"], ("氯化物", "chloride", "Cl⁻"), 250.0),
    supplementary(Parameter::Nitrate, "no3n", &["w21007"], ("硝酸盐氮", "nitrate (as N)", "NO₃-N"), 10.0),
    supplementary(Parameter::Fe, "fe", &["w20125"], ("铁", "iron", "Fe"), 0.3),
    supplementary(Parameter::Mn, "mn", &["w20124"], ("锰", "manganese", "Mn"), 0.1),
    reported(Parameter::Chla, "chla", &["w01016"], ("叶绿素a", "chlorophyll-a", "Chl-a"), "µg/L"),
    ParameterInfo {
        is_concentration: false,
        ..reported(Parameter::Sd, "sd", &[], ("透明度", "transparency", "SD"), "m")
    },
    ParameterInfo {
        is_concentration: false,
        ..reported(Parameter::Conductivity, "conductivity", &["w01014"], ("电导率", "conductivity", "EC"), "µS/cm")
    },
    ParameterInfo {
        is_concentration: false,
        ..reported(Parameter::Turbidity, "turbidity", &["w01003"], ("浊度", "turbidity", "浊度"), "NTU")
    },
];

impl Parameter {
    /// How many items there are.
    pub const COUNT: usize = 33;

    pub fn info(self) -> &'static ParameterInfo {
        // TABLE is in declaration order of the enum; the unit tests hold that invariant.
        &TABLE[self as usize]
    }

    pub fn key(self) -> &'static str {
        self.info().key
    }

    /// Every item, in the standard's order.
    pub fn all() -> impl Iterator<Item = Parameter> {
        TABLE.iter().map(|info| info.parameter)
    }

    /// The parameter whose key is exactly `key` (the stored form).
    pub fn from_key(key: &str) -> Option<Parameter> {
        TABLE.iter().find(|info| info.key == key).map(|info| info.parameter)
    }

    /// A parameter key (`nh3n`) or an HJ 212-2017 code (`w21003`, either metal family), case-insensitive.
    pub fn parse(s: &str) -> Option<Parameter> {
        let s = s.trim();
        TABLE
            .iter()
            .find(|info| info.key.eq_ignore_ascii_case(s) || info.hj212_codes.iter().any(|c| c.eq_ignore_ascii_case(s)))
            .map(|info| info.parameter)
    }

    /// Class I..V limits that apply on this kind of water body.
    pub fn limits(self, kind: WaterBodyKind) -> Option<[f64; 5]> {
        let info = self.info();
        match info.lake_limits {
            Some(lake) if kind.uses_lake_limits() => Some(lake),
            _ => info.limits,
        }
    }

    /// The limit a value must meet to be in `class`; `None` for 劣V or unlimited items.
    pub fn limit_for(self, class: WaterClass, kind: WaterBodyKind) -> Option<f64> {
        let idx = usize::try_from(class.rank() - 1).ok()?;
        self.limits(kind)?.get(idx).copied()
    }

    /// Whether the item counts in a section's class under the national evaluation method.
    pub fn is_evaluated(self, kind: WaterBodyKind) -> bool {
        let info = self.info();
        if kind.uses_lake_limits() { info.evaluated_in_lakes } else { info.evaluated_in_rivers }
    }

    /// Single-factor class of one value: the first class, scanning I→V, whose limit the value meets.
    /// Limits are inclusive; DO is a lower bound; pH must lie in 6–9. `None` for water temperature.
    pub fn classify(self, value: f64, kind: WaterBodyKind) -> Option<WaterClass> {
        match self.info().direction {
            Direction::Unclassified => None,
            Direction::Range { low, high } => {
                Some(if (low..=high).contains(&value) { WaterClass::I } else { WaterClass::WorseThanV })
            }
            direction => {
                let limits = self.limits(kind)?;
                let meets = |limit: f64| match direction {
                    Direction::LowerBound => value >= limit,
                    _ => value <= limit,
                };
                Some(
                    WaterClass::LIMITED
                        .into_iter()
                        .zip(limits)
                        .find(|&(_, limit)| meets(limit))
                        .map_or(WaterClass::WorseThanV, |(class, _)| class),
                )
            }
        }
    }

    /// The unit a concentration is stored and judged in (mg/L; µg/L for chlorophyll-a); `None` for items that
    /// are not a mass concentration (pH, temperature, counts, transparency, conductivity, turbidity).
    pub fn mass_unit(self) -> Option<super::units::Unit> {
        let info = self.info();
        if info.is_concentration && self != Parameter::FecalColiform {
            super::units::Unit::parse(info.unit)
        } else {
            None
        }
    }

    /// Whether a Table 2 value meets its single limit; `None` for Table 1 items.
    pub fn meets_supplementary_limit(self, value: f64) -> Option<bool> {
        self.info().supplementary_limit.map(|limit| value <= limit)
    }

    /// Exceedance multiple against the class III limit, `(C − C_III) / C_III`, when the value is worse
    /// than class III. Not defined for temperature, pH or DO.
    pub fn exceedance_multiple(self, value: f64, kind: WaterBodyKind) -> Option<f64> {
        if self.info().direction != Direction::UpperBound {
            return None;
        }
        let limit = self.limit_for(WaterClass::III, kind)?;
        (value > limit).then(|| (value - limit) / limit)
    }
}

impl Serialize for Parameter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Parameter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Parameter::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown parameter '{text}'")))
    }
}

/// Several items, in the standard's order (stored as their keys, comma-separated).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ParameterList(pub Vec<Parameter>);

impl ParameterList {
    /// The keys joined by commas: `codmn,nh3n`.
    pub fn to_keys(&self) -> String {
        self.0.iter().map(|p| p.key()).collect::<Vec<_>>().join(",")
    }

    /// Reads [`ParameterList::to_keys`] back, strictly; `None` on a key that is not one.
    pub fn from_keys(keys: &str) -> Option<Self> {
        if keys.is_empty() {
            return Some(Self::default());
        }
        keys.split(',').map(Parameter::from_key).collect::<Option<Vec<_>>>().map(Self)
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = include_str!("../../data/gb3838_2002_limits.csv");

    #[test]
    fn table_order_matches_the_enum() {
        for (i, info) in TABLE.iter().enumerate() {
            assert_eq!(info.parameter as usize, i, "{}", info.key);
        }
    }

    /// One Table 1 row of the reference CSV.
    struct ReferenceRow {
        hj212_code: String,
        river: Option<[f64; 5]>,
        lake: Option<[f64; 5]>,
    }

    fn reference_rows() -> (Vec<ReferenceRow>, Vec<(String, f64)>) {
        let (mut rows, mut table2) = (Vec::new(), Vec::new());
        let five = |row: &std::collections::HashMap<String, String>, prefix: &str| -> Option<[f64; 5]> {
            let v: Vec<f64> = ["I", "II", "III", "IV", "V"]
                .iter()
                .filter_map(|c| row[&format!("{prefix}{c}")].parse().ok())
                .collect();
            <[f64; 5]>::try_from(v).ok()
        };
        for row in crate::domain::reference_csv::rows(CSV) {
            let code = row["hj212_code_total"].clone();
            if row["table"] != "1" {
                table2.push((code, row["class_I"].parse().expect("table 2 limit")));
                continue;
            }
            rows.push(ReferenceRow {
                hj212_code: code,
                river: five(&row, "class_"),
                lake: five(&row, "lake_reservoir_"),
            });
        }
        (rows, table2)
    }

    #[test]
    fn limits_match_the_reference_table() {
        let (rows, table2) = reference_rows();
        assert_eq!(rows.len(), 24);
        assert_eq!(table2.len(), 5);
        for (code, limit) in table2 {
            let p = Parameter::parse(&code).unwrap_or_else(|| panic!("{code} not known"));
            assert_eq!(p.info().supplementary_limit, Some(limit), "{code}");
            assert_eq!(p.info().table, 2);
            assert_eq!(p.classify(limit, WaterBodyKind::River), None, "Table 2 items have no classes");
            assert_eq!(p.meets_supplementary_limit(limit), Some(true));
            assert_eq!(p.meets_supplementary_limit(limit * 1.001), Some(false));
        }
        for ReferenceRow { hj212_code: code, river, lake } in rows {
            let p = Parameter::parse(&code).unwrap_or_else(|| panic!("{code} not known"));
            assert_eq!(p.info().limits, river, "{code} river limits");
            if lake.is_some() {
                assert_eq!(p.limits(WaterBodyKind::Lake), lake, "{code} lake limits");
            } else {
                assert_eq!(p.limits(WaterBodyKind::Lake), river, "{code} lake limits");
            }
        }
    }

    /// Every limit, on rivers and lakes: at the limit, just inside and just outside.
    #[test]
    fn every_limit_is_inclusive_and_the_better_class_wins() {
        for kind in [WaterBodyKind::River, WaterBodyKind::Lake] {
            for p in Parameter::all() {
                let Some(limits) = p.limits(kind) else {
                    continue;
                };
                let lower_bound = p.info().direction == Direction::LowerBound;
                for (i, &limit) in limits.iter().enumerate() {
                    // The best class sharing this limit wins.
                    let best = limits.iter().position(|&l| l == limit).expect("present");
                    let expected = WaterClass::LIMITED[best];
                    assert_eq!(p.classify(limit, kind), Some(expected), "{p} {kind:?} at class {} limit", i + 1);
                    let eps = limit * 1e-9;
                    let (inside, outside) =
                        if lower_bound { (limit + eps, limit - eps) } else { (limit - eps, limit + eps) };
                    assert!(p.classify(inside, kind).expect("class") <= expected, "{p} just inside");
                    // Just outside the last limit sharing this value lands in the next class.
                    let last = limits.iter().rposition(|&l| l == limit).expect("present");
                    let next = WaterClass::ALL[last + 1];
                    assert_eq!(p.classify(outside, kind), Some(next), "{p} {kind:?} just outside {limit}");
                }
            }
        }
    }

    #[test]
    fn ph_is_a_range_for_every_class() {
        let ph = Parameter::Ph;
        for (v, c) in [
            (6.0, WaterClass::I),
            (9.0, WaterClass::I),
            (7.4, WaterClass::I),
            (5.99, WaterClass::WorseThanV),
            (9.01, WaterClass::WorseThanV),
        ] {
            assert_eq!(ph.classify(v, WaterBodyKind::River), Some(c), "pH {v}");
        }
    }

    #[test]
    fn temperature_has_no_class_and_reference_items_are_not_evaluated() {
        assert_eq!(Parameter::Temp.classify(25.0, WaterBodyKind::River), None);
        assert!(!Parameter::Tn.is_evaluated(WaterBodyKind::River));
        // Corrected (STANDARDS.md §1, issue #8): TN is a reference item on lakes and reservoirs too.
        assert!(!Parameter::Tn.is_evaluated(WaterBodyKind::Lake));
        assert!(!Parameter::Tn.is_evaluated(WaterBodyKind::Reservoir));
        assert_eq!(Parameter::all().filter(|p| p.is_evaluated(WaterBodyKind::Lake)).count(), 21, "21 on lakes too");
        assert!(!Parameter::FecalColiform.is_evaluated(WaterBodyKind::Lake));
        assert!(Parameter::Nh3n.is_evaluated(WaterBodyKind::River));
        let evaluated = Parameter::all().filter(|p| p.is_evaluated(WaterBodyKind::River)).count();
        assert_eq!(evaluated, 21, "the 2011 method evaluates 21 items on rivers");
    }

    #[test]
    fn lake_tp_uses_the_lake_column() {
        assert_eq!(Parameter::Tp.classify(0.08, WaterBodyKind::River), Some(WaterClass::II));
        assert_eq!(Parameter::Tp.classify(0.08, WaterBodyKind::Lake), Some(WaterClass::IV));
        assert_eq!(Parameter::Tp.classify(0.08, WaterBodyKind::Reservoir), Some(WaterClass::IV));
    }

    #[test]
    fn parse_accepts_keys_and_both_hj212_code_families() {
        assert_eq!(Parameter::parse("nh3n"), Some(Parameter::Nh3n));
        assert_eq!(Parameter::parse("W21003"), Some(Parameter::Nh3n));
        assert_eq!(Parameter::parse("w20142"), Some(Parameter::Hg));
        assert_eq!(Parameter::parse("w20111"), Some(Parameter::Hg));
        assert_eq!(Parameter::parse("fecal_coliform"), Some(Parameter::FecalColiform));
        assert_eq!(Parameter::parse("nh4"), None);
        for p in Parameter::all() {
            assert_eq!(Parameter::parse(p.key()), Some(p));
        }
    }

    #[test]
    fn exceedance_multiple_is_against_class_iii() {
        let m = Parameter::Nh3n.exceedance_multiple(1.62, WaterBodyKind::River).expect("worse than III");
        assert!((m - 0.62).abs() < 1e-12);
        assert_eq!(Parameter::Nh3n.exceedance_multiple(1.0, WaterBodyKind::River), None);
        assert_eq!(Parameter::Do.exceedance_multiple(1.0, WaterBodyKind::River), None);
        let lake = Parameter::Tp.exceedance_multiple(0.1, WaterBodyKind::Lake).expect("lake III is 0.05");
        assert!((lake - 1.0).abs() < 1e-12);
    }

    #[test]
    fn parameters_serialise_as_their_keys() {
        for p in Parameter::all() {
            let json = serde_json::to_string(&p).expect("serialise");
            assert_eq!(json, format!("\"{}\"", p.key()));
            assert_eq!(serde_json::from_str::<Parameter>(&json).expect("read back"), p);
        }
        assert_eq!(serde_json::from_str::<Parameter>("\"w21003\"").expect("code"), Parameter::Nh3n);
    }

    #[test]
    fn class_round_trips_and_orders_worse_last() {
        for c in WaterClass::ALL {
            assert_eq!(WaterClass::from_rank(c.rank()), Some(c));
            assert_eq!(WaterClass::parse(c.label()), Some(c));
        }
        assert_eq!(WaterClass::from_rank(0), None);
        assert_eq!(WaterClass::from_rank(7), None);
        assert!(WaterClass::WorseThanV > WaterClass::V);
        assert_eq!(WaterClass::IV.status().zh(), "轻度污染");
        assert_eq!(WaterClass::II.status(), Status::Excellent);
    }

    #[test]
    fn micrograms_convert_exactly_at_limits() {
        // 50 µg/L of arsenic is exactly the class III limit, not a hair above it.
        use crate::domain::units::Unit;
        let v = Unit::UgPerL.convert(50.0, Unit::MgPerL);
        assert_eq!(Parameter::As.classify(v, WaterBodyKind::River), Some(WaterClass::I));
        assert_eq!(Unit::parse("µg/L"), Some(Unit::UgPerL));
    }
}
