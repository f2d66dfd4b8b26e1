//! Discharge-limit compliance of enterprise wastewater: GB 8978-1996, GB 18918-2002 and permit limits.
//!
//! Numbers come from `shared/reference/gb8978_1996_limits.csv` and `gb18918_2002_limits.csv` (copied to
//! `models/data/`); the unit tests read both files and walk every limit through [`standard_limit`].
//! Values are in the standard's unit ([`DischargeItem::unit`]): devices that report µg/L or ng/L (HJ 212
//! defaults for mercury, alkyl mercury, benzo(a)pyrene, …) must be converted on ingest, as for GB 3838.
//! Pure code: plain values in, plain values out.

use std::fmt;

use serde::{Serialize, Serializer};

use super::gb3838::{Parameter, WaterClass};

// Short name for the industry lists of the GB 8978 Table 4 rows below.
use Gb8978Scope as S;

// ---------------------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------------------

/// A discharge item (排放控制项目). Where the item is also a GB 3838 item its key is the GB 3838 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DischargeItem {
    Ph,
    Colour,
    Ss,
    Bod5,
    Cod,
    Toc,
    Oil,
    AnimalOil,
    Phenol,
    Cn,
    Sulfide,
    Nh3n,
    Tn,
    Tp,
    Phosphate,
    F,
    Formaldehyde,
    Anilines,
    Nitrobenzenes,
    Las,
    Cu,
    Zn,
    Mn,
    Se,
    FecalColiform,
    Hg,
    AlkylHg,
    Cd,
    TotalCr,
    Cr6,
    As,
    Pb,
    Ni,
    Bap,
    Be,
    Ag,
    GrossAlpha,
    GrossBeta,
}

/// What is known about one discharge item.
#[derive(Debug)]
pub struct ItemInfo {
    pub item: DischargeItem,
    /// Stable key used in the API, the database and reports.
    pub key: &'static str,
    /// HJ 212-2017 codes: the first is the one the discharge tables give; metals shared with GB 3838 also
    /// accept the alternative family (w20138…w20144), as GB 3838 does. Empty where HJ 212 has no code.
    pub hj212_codes: &'static [&'static str],
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Unit of the standards (and of values given to [`judge`]).
    pub unit: &'static str,
    /// The same item in GB 3838, if it is one.
    pub gb3838: Option<Parameter>,
}

const MG_L: &str = "mg/L";

const fn item(
    item: DischargeItem,
    key: &'static str,
    hj212_codes: &'static [&'static str],
    names: (&'static str, &'static str),
    unit: &'static str,
    gb3838: Option<Parameter>,
) -> ItemInfo {
    ItemInfo { item, key, hj212_codes, name_zh: names.0, name_en: names.1, unit, gb3838 }
}

/// Every item either discharge table limits, in the order of [`DischargeItem`].
static ITEMS: [ItemInfo; 38] = [
    item(DischargeItem::Ph, "ph", &["w01001"], ("pH值", "pH"), "无量纲", Some(Parameter::Ph)),
    // Both discharge standards measure colour as a dilution ratio (稀释倍数), not in platinum-cobalt degrees.
    item(DischargeItem::Colour, "colour", &["w01002"], ("色度", "colour (dilution ratio)"), "倍", None),
    item(DischargeItem::Ss, "ss", &["w01012"], ("悬浮物", "suspended solids"), MG_L, None),
    item(
        DischargeItem::Bod5,
        "bod5",
        &["w01017"],
        ("五日生化需氧量", "five-day biochemical oxygen demand"),
        MG_L,
        Some(Parameter::Bod5),
    ),
    item(DischargeItem::Cod, "cod", &["w01018"], ("化学需氧量", "chemical oxygen demand"), MG_L, Some(Parameter::Cod)),
    item(DischargeItem::Toc, "toc", &["w01020"], ("总有机碳", "total organic carbon"), MG_L, None),
    item(DischargeItem::Oil, "oil", &["w22001"], ("石油类", "petroleum"), MG_L, Some(Parameter::Oil)),
    item(DischargeItem::AnimalOil, "animal_oil", &[], ("动植物油", "animal and vegetable oil"), MG_L, None),
    item(DischargeItem::Phenol, "phenol", &["w23002"], ("挥发酚", "volatile phenol"), MG_L, Some(Parameter::Phenol)),
    item(DischargeItem::Cn, "cn", &["w21016"], ("总氰化合物", "total cyanide"), MG_L, Some(Parameter::Cn)),
    item(DischargeItem::Sulfide, "sulfide", &["w21019"], ("硫化物", "sulfide"), MG_L, Some(Parameter::Sulfide)),
    item(DischargeItem::Nh3n, "nh3n", &["w21003"], ("氨氮", "ammonia nitrogen"), MG_L, Some(Parameter::Nh3n)),
    item(DischargeItem::Tn, "tn", &["w21001"], ("总氮", "total nitrogen"), MG_L, Some(Parameter::Tn)),
    item(DischargeItem::Tp, "tp", &["w21011"], ("总磷", "total phosphorus"), MG_L, Some(Parameter::Tp)),
    // Phosphate (as P) is not total phosphorus: it is a separate GB 8978 item without an HJ 212 code.
    item(DischargeItem::Phosphate, "phosphate", &[], ("磷酸盐", "phosphate (as P)"), MG_L, None),
    item(DischargeItem::F, "f", &["w21017"], ("氟化物", "fluoride"), MG_L, Some(Parameter::F)),
    item(DischargeItem::Formaldehyde, "formaldehyde", &[], ("甲醛", "formaldehyde"), MG_L, None),
    item(DischargeItem::Anilines, "anilines", &[], ("苯胺类", "anilines"), MG_L, None),
    item(DischargeItem::Nitrobenzenes, "nitrobenzenes", &[], ("硝基苯类", "nitrobenzenes"), MG_L, None),
    item(
        DischargeItem::Las,
        "las",
        &["w19002"],
        ("阴离子表面活性剂", "anionic surfactant (LAS)"),
        MG_L,
        Some(Parameter::Las),
    ),
    item(DischargeItem::Cu, "cu", &["w20122", "w20138"], ("总铜", "total copper"), MG_L, Some(Parameter::Cu)),
    item(DischargeItem::Zn, "zn", &["w20123", "w20139"], ("总锌", "total zinc"), MG_L, Some(Parameter::Zn)),
    item(DischargeItem::Mn, "mn", &["w20124"], ("总锰", "total manganese"), MG_L, Some(Parameter::Mn)),
    item(DischargeItem::Se, "se", &["w20128", "w20140"], ("总硒", "total selenium"), MG_L, Some(Parameter::Se)),
    item(
        DischargeItem::FecalColiform,
        "fecal_coliform",
        &["w02003"],
        ("粪大肠菌群数", "fecal coliform"),
        "个/L",
        Some(Parameter::FecalColiform),
    ),
    item(DischargeItem::Hg, "hg", &["w20111", "w20142"], ("总汞", "total mercury"), MG_L, Some(Parameter::Hg)),
    item(DischargeItem::AlkylHg, "alkyl_hg", &["w20113"], ("烷基汞", "alkyl mercury"), MG_L, None),
    item(DischargeItem::Cd, "cd", &["w20115", "w20143"], ("总镉", "total cadmium"), MG_L, Some(Parameter::Cd)),
    item(DischargeItem::TotalCr, "total_cr", &["w20116"], ("总铬", "total chromium"), MG_L, None),
    item(DischargeItem::Cr6, "cr6", &["w20117"], ("六价铬", "hexavalent chromium"), MG_L, Some(Parameter::Cr6)),
    item(DischargeItem::As, "as", &["w20119", "w20141"], ("总砷", "total arsenic"), MG_L, Some(Parameter::As)),
    item(DischargeItem::Pb, "pb", &["w20120", "w20144"], ("总铅", "total lead"), MG_L, Some(Parameter::Pb)),
    item(DischargeItem::Ni, "ni", &["w20121"], ("总镍", "total nickel"), MG_L, None),
    item(DischargeItem::Bap, "bap", &["w25043"], ("苯并(a)芘", "benzo(a)pyrene"), MG_L, None),
    item(DischargeItem::Be, "be", &["w20127"], ("总铍", "total beryllium"), MG_L, None),
    item(DischargeItem::Ag, "ag", &["w20126"], ("总银", "total silver"), MG_L, None),
    item(DischargeItem::GrossAlpha, "gross_alpha", &["w03001"], ("总α放射性", "gross alpha activity"), "Bq/L", None),
    item(DischargeItem::GrossBeta, "gross_beta", &["w03002"], ("总β放射性", "gross beta activity"), "Bq/L", None),
];

impl DischargeItem {
    pub fn info(self) -> &'static ItemInfo {
        // ITEMS is in declaration order of the enum; the unit tests hold that invariant.
        &ITEMS[self as usize]
    }

    /// Every item, in table order.
    pub fn all() -> impl Iterator<Item = DischargeItem> {
        ITEMS.iter().map(|info| info.item)
    }

    /// An item key (`animal_oil`) or an HJ 212-2017 code (`w21003`), case-insensitive.
    pub fn parse(s: &str) -> Option<DischargeItem> {
        let s = s.trim();
        ITEMS
            .iter()
            .find(|info| info.key.eq_ignore_ascii_case(s) || info.hj212_codes.iter().any(|c| c.eq_ignore_ascii_case(s)))
            .map(|info| info.item)
    }

    pub fn key(self) -> &'static str {
        self.info().key
    }

    pub fn name_zh(self) -> &'static str {
        self.info().name_zh
    }

    pub fn name_en(self) -> &'static str {
        self.info().name_en
    }

    pub fn unit(self) -> &'static str {
        self.info().unit
    }

    /// The HJ 212-2017 code, where there is one.
    pub fn hj212_code(self) -> Option<&'static str> {
        self.info().hj212_codes.first().copied()
    }

    /// The same item in GB 3838, if it is one.
    pub fn gb3838_parameter(self) -> Option<Parameter> {
        self.info().gb3838
    }
}

impl fmt::Display for DischargeItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

// ---------------------------------------------------------------------------------------------------------
// Standards and grades
// ---------------------------------------------------------------------------------------------------------

/// GB 8978-1996 grade (级): 1 into class III waters, 2 into IV/V, 3 into sewers to a secondary WWTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Gb8978Grade {
    #[serde(rename = "1")]
    One,
    #[serde(rename = "2")]
    Two,
    #[serde(rename = "3")]
    Three,
}

impl Gb8978Grade {
    pub const ALL: [Gb8978Grade; 3] = [Self::One, Self::Two, Self::Three];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::One => "1",
            Self::Two => "2",
            Self::Three => "3",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::One => "一级",
            Self::Two => "二级",
            Self::Three => "三级",
        }
    }

    /// Column of the grade in the limit tables.
    fn index(self) -> usize {
        self as usize
    }
}

/// GB 18918-2002 grade (级): 1A, 1B, 2, 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Gb18918Grade {
    #[serde(rename = "1A")]
    OneA,
    #[serde(rename = "1B")]
    OneB,
    #[serde(rename = "2")]
    Two,
    #[serde(rename = "3")]
    Three,
}

impl Gb18918Grade {
    pub const ALL: [Gb18918Grade; 4] = [Self::OneA, Self::OneB, Self::Two, Self::Three];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneA => "1A",
            Self::OneB => "1B",
            Self::Two => "2",
            Self::Three => "3",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::OneA => "一级A",
            Self::OneB => "一级B",
            Self::Two => "二级",
            Self::Three => "三级",
        }
    }

    /// Column of the grade in the limit table.
    fn index(self) -> usize {
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
        let grade = grade.to_ascii_uppercase();
        if standard.eq_ignore_ascii_case("gb8978") {
            Gb8978Grade::ALL.into_iter().find(|g| g.as_str() == grade).map(Self::Gb8978)
        } else if standard.eq_ignore_ascii_case("gb18918") {
            Gb18918Grade::ALL.into_iter().find(|g| g.as_str() == grade).map(Self::Gb18918)
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

// ---------------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------------

/// The kind of discharging unit, which selects the GB 8978 Table 4 row for items with per-industry rows.
///
/// Table 4 rows name groups of industries ("甜菜制糖、酒精、味精、皮革、化纤浆粕工业") and the groups differ
/// from item to item (a dyestuff works is in the 60 mg/L BOD5 group, the 200 mg/L COD group and the
/// 50 mg/L NH3-N group), so a unit chooses its industry once and each item finds the row naming it; items
/// whose rows do not name it use the "other units" (其他排污单位) row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gb8978Scope {
    /// 其他排污单位
    #[default]
    OtherUnits,
    /// 采矿、选矿、选煤工业 (SS)
    MiningOreDressingCoalWashing,
    /// 脉金选矿 (SS)
    VeinGoldDressing,
    /// 边远地区砂金选矿 (SS)
    RemotePlacerGoldDressing,
    /// 城镇二级污水处理厂 (SS, BOD5, COD). Municipal plants are held to GB 18918 since it took effect
    /// (2003-07-01); this row is for outfalls still registered under GB 8978.
    UrbanSecondaryWwtp,
    /// 甘蔗制糖 (BOD5)
    CaneSugar,
    /// 甜菜制糖 (BOD5, COD)
    BeetSugar,
    /// 苎麻脱胶 (BOD5, COD, TOC)
    RamieDegumming,
    /// 湿法纤维板 (BOD5, COD)
    WetFibreboard,
    /// 染料 (BOD5, COD, NH3-N)
    Dyestuff,
    /// 洗毛 (BOD5, COD)
    WoolScouring,
    /// 酒精 (BOD5, COD)
    Alcohol,
    /// 味精 (BOD5, COD)
    Msg,
    /// 皮革 (BOD5, COD)
    Leather,
    /// 化纤浆粕 (BOD5, COD)
    ChemicalFibrePulp,
    /// 合成脂肪酸 (COD, Mn, TOC)
    SyntheticFattyAcid,
    /// 有机磷农药 (COD)
    OrganophosphorusPesticide,
    /// 医药原料药 (COD, NH3-N)
    PharmaceuticalRawMaterials,
    /// 生物制药 (COD); the reference CSV calls it "biological products".
    Biopharmaceutical,
    /// 石油化工（含石油炼制） (COD, NH3-N)
    Petrochemical,
    /// 黄磷工业 (fluoride)
    YellowPhosphorus,
    /// 低氟地区（水体含氟量 < 0.5 mg/L） (fluoride). A place, not an industry, but the standard lists it as a
    /// row beside the industries, so it is chosen the same way.
    LowFluorideArea,
    /// 医院（50 床位以上）、兽医院及医疗机构含病原体污水 (fecal coliform)
    Medical,
    /// 传染病、结核病医院 (fecal coliform)
    InfectiousDiseaseHospital,
}

impl Gb8978Scope {
    pub const ALL: [Gb8978Scope; 24] = [
        Self::OtherUnits,
        Self::MiningOreDressingCoalWashing,
        Self::VeinGoldDressing,
        Self::RemotePlacerGoldDressing,
        Self::UrbanSecondaryWwtp,
        Self::CaneSugar,
        Self::BeetSugar,
        Self::RamieDegumming,
        Self::WetFibreboard,
        Self::Dyestuff,
        Self::WoolScouring,
        Self::Alcohol,
        Self::Msg,
        Self::Leather,
        Self::ChemicalFibrePulp,
        Self::SyntheticFattyAcid,
        Self::OrganophosphorusPesticide,
        Self::PharmaceuticalRawMaterials,
        Self::Biopharmaceutical,
        Self::Petrochemical,
        Self::YellowPhosphorus,
        Self::LowFluorideArea,
        Self::Medical,
        Self::InfectiousDiseaseHospital,
    ];

    /// Stable snake_case key (the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OtherUnits => "other_units",
            Self::MiningOreDressingCoalWashing => "mining_ore_dressing_coal_washing",
            Self::VeinGoldDressing => "vein_gold_dressing",
            Self::RemotePlacerGoldDressing => "remote_placer_gold_dressing",
            Self::UrbanSecondaryWwtp => "urban_secondary_wwtp",
            Self::CaneSugar => "cane_sugar",
            Self::BeetSugar => "beet_sugar",
            Self::RamieDegumming => "ramie_degumming",
            Self::WetFibreboard => "wet_fibreboard",
            Self::Dyestuff => "dyestuff",
            Self::WoolScouring => "wool_scouring",
            Self::Alcohol => "alcohol",
            Self::Msg => "msg",
            Self::Leather => "leather",
            Self::ChemicalFibrePulp => "chemical_fibre_pulp",
            Self::SyntheticFattyAcid => "synthetic_fatty_acid",
            Self::OrganophosphorusPesticide => "organophosphorus_pesticide",
            Self::PharmaceuticalRawMaterials => "pharmaceutical_raw_materials",
            Self::Biopharmaceutical => "biopharmaceutical",
            Self::Petrochemical => "petrochemical",
            Self::YellowPhosphorus => "yellow_phosphorus",
            Self::LowFluorideArea => "low_fluoride_area",
            Self::Medical => "medical",
            Self::InfectiousDiseaseHospital => "infectious_disease_hospital",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|scope| scope.as_str().eq_ignore_ascii_case(s))
    }

    /// The standard's wording.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::OtherUnits => "其他排污单位",
            Self::MiningOreDressingCoalWashing => "采矿、选矿、选煤工业",
            Self::VeinGoldDressing => "脉金选矿",
            Self::RemotePlacerGoldDressing => "边远地区砂金选矿",
            Self::UrbanSecondaryWwtp => "城镇二级污水处理厂",
            Self::CaneSugar => "甘蔗制糖工业",
            Self::BeetSugar => "甜菜制糖工业",
            Self::RamieDegumming => "苎麻脱胶工业",
            Self::WetFibreboard => "湿法纤维板工业",
            Self::Dyestuff => "染料工业",
            Self::WoolScouring => "洗毛工业",
            Self::Alcohol => "酒精工业",
            Self::Msg => "味精工业",
            Self::Leather => "皮革工业",
            Self::ChemicalFibrePulp => "化纤浆粕工业",
            Self::SyntheticFattyAcid => "合成脂肪酸工业",
            Self::OrganophosphorusPesticide => "有机磷农药工业",
            Self::PharmaceuticalRawMaterials => "医药原料药工业",
            Self::Biopharmaceutical => "生物制药工业",
            Self::Petrochemical => "石油化工工业（包括石油炼制）",
            Self::YellowPhosphorus => "黄磷工业",
            Self::LowFluorideArea => "低氟地区（水体含氟量<0.5 mg/L）",
            Self::Medical => "医院（50床位以上）、兽医院及医疗机构含病原体污水",
            Self::InfectiousDiseaseHospital => "传染病、结核病医院污水",
        }
    }
}

/// Conditions some limits depend on. `Conditions::default()` is the strict reading: temperature unknown,
/// plant built from 2006, "other units".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Conditions {
    /// Effluent water temperature, for GB 18918 NH3-N: the bracketed (looser) value applies at or below
    /// 12 °C. When unknown (or not a number) the stricter above-12 °C value applies, because a looser limit
    /// must be earned by a measured temperature, not assumed.
    pub water_temp_c: Option<f64>,
    /// For GB 18918 TP: plants built by 2005-12-31 have looser 1A/1B limits than those built from
    /// 2006-01-01. `false` (the default) applies the stricter newer-plant row.
    pub plant_built_before_2006: bool,
    /// The unit's industry, selecting the GB 8978 Table 4 row for items with per-industry rows.
    pub gb8978_scope: Gb8978Scope,
}

// ---------------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------------

/// How a limit bounds a value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// `value <= max` complies.
    Max(f64),
    /// `low <= value <= high` complies (pH 6–9).
    Range { low: f64, high: f64 },
    /// 不得检出: only a result below the detection limit complies (alkyl mercury).
    NotDetectable,
}

impl Bound {
    /// Every limit in both standards is a positive finite number; anything else is a data error (a permit
    /// limit typed as 0 or with its range reversed) and must not decide a verdict.
    fn is_valid(self) -> bool {
        match self {
            Self::Max(m) => m.is_finite() && m > 0.0,
            Self::Range { low, high } => low.is_finite() && high.is_finite() && low > 0.0 && low <= high,
            Self::NotDetectable => true,
        }
    }

    /// Upper end as an interval (a `Max` is the range (−∞, max]). `NotDetectable` never reaches here:
    /// [`judge`] settles it first.
    fn upper(self) -> f64 {
        match self {
            Self::Max(m) => m,
            Self::Range { high, .. } => high,
            Self::NotDetectable => 0.0,
        }
    }

    fn lower(self) -> Option<f64> {
        match self {
            Self::Range { low, .. } => Some(low),
            _ => None,
        }
    }
}

/// Where a limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    Standard(Standard),
    /// An outfall-specific limit of the discharge permit (排污许可证).
    Permit,
}

/// A limit that applies to one item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limit {
    pub source: LimitSource,
    pub bound: Bound,
}

impl Limit {
    /// A permit limit.
    pub fn permit(bound: Bound) -> Self {
        Self { source: LimitSource::Permit, bound }
    }
}

const NONE: Option<Bound> = None;
const PH: Option<Bound> = Some(Bound::Range { low: 6.0, high: 9.0 });

const fn max(v: f64) -> Option<Bound> {
    Some(Bound::Max(v))
}

/// Which units a GB 8978 row applies to.
#[derive(Debug)]
enum RowScope {
    /// 一切排污单位: the item has one row for everybody.
    AllUnits,
    /// 其他排污单位: everybody not named in another row of the same item.
    OtherUnits,
    /// The named industries.
    Only(&'static [Gb8978Scope]),
}

/// One row of GB 8978 Table 1 or Table 4: grade 1, 2, 3 limits; `None` is "-" (no limit at that grade).
#[derive(Debug)]
struct Gb8978Row {
    item: DischargeItem,
    scope: RowScope,
    grades: [Option<Bound>; 3],
}

const fn row(item: DischargeItem, scope: RowScope, grades: [Option<Bound>; 3]) -> Gb8978Row {
    Gb8978Row { item, scope, grades }
}

/// Category I pollutants: one limit whatever the grade, sampled at the workshop outlet.
const fn cat1(item: DischargeItem, bound: Bound) -> Gb8978Row {
    Gb8978Row { item, scope: RowScope::AllUnits, grades: [Some(bound); 3] }
}

/// GB 8978-1996 Table 1, Category I pollutants (第一类污染物).
static GB8978_TABLE_1: [Gb8978Row; 13] = [
    cat1(DischargeItem::Hg, Bound::Max(0.05)),
    cat1(DischargeItem::AlkylHg, Bound::NotDetectable),
    cat1(DischargeItem::Cd, Bound::Max(0.1)),
    cat1(DischargeItem::TotalCr, Bound::Max(1.5)),
    cat1(DischargeItem::Cr6, Bound::Max(0.5)),
    cat1(DischargeItem::As, Bound::Max(0.5)),
    cat1(DischargeItem::Pb, Bound::Max(1.0)),
    cat1(DischargeItem::Ni, Bound::Max(1.0)),
    cat1(DischargeItem::Bap, Bound::Max(0.00003)),
    cat1(DischargeItem::Be, Bound::Max(0.005)),
    cat1(DischargeItem::Ag, Bound::Max(0.5)),
    cat1(DischargeItem::GrossAlpha, Bound::Max(1.0)),
    cat1(DischargeItem::GrossBeta, Bound::Max(10.0)),
];

/// GB 8978-1996 Table 4, Category II pollutants for units built from 1998-01-01: the rows the reference
/// CSV carries (items 1–20, 53, 54, 56).
static GB8978_TABLE_4: [Gb8978Row; 41] = [
    row(DischargeItem::Ph, RowScope::AllUnits, [PH, PH, PH]),
    row(DischargeItem::Colour, RowScope::AllUnits, [max(50.0), max(80.0), NONE]),
    row(DischargeItem::Ss, RowScope::Only(&[S::MiningOreDressingCoalWashing]), [max(70.0), max(300.0), NONE]),
    row(DischargeItem::Ss, RowScope::Only(&[S::VeinGoldDressing]), [max(70.0), max(400.0), NONE]),
    row(DischargeItem::Ss, RowScope::Only(&[S::RemotePlacerGoldDressing]), [max(70.0), max(800.0), NONE]),
    row(DischargeItem::Ss, RowScope::Only(&[S::UrbanSecondaryWwtp]), [max(20.0), max(30.0), NONE]),
    row(DischargeItem::Ss, RowScope::OtherUnits, [max(70.0), max(150.0), max(400.0)]),
    row(
        DischargeItem::Bod5,
        RowScope::Only(&[S::CaneSugar, S::RamieDegumming, S::WetFibreboard, S::Dyestuff, S::WoolScouring]),
        [max(20.0), max(60.0), max(600.0)],
    ),
    row(
        DischargeItem::Bod5,
        RowScope::Only(&[S::BeetSugar, S::Alcohol, S::Msg, S::Leather, S::ChemicalFibrePulp]),
        [max(20.0), max(100.0), max(600.0)],
    ),
    row(DischargeItem::Bod5, RowScope::Only(&[S::UrbanSecondaryWwtp]), [max(20.0), max(30.0), NONE]),
    row(DischargeItem::Bod5, RowScope::OtherUnits, [max(20.0), max(30.0), max(300.0)]),
    row(
        DischargeItem::Cod,
        RowScope::Only(&[
            S::BeetSugar,
            S::SyntheticFattyAcid,
            S::WetFibreboard,
            S::Dyestuff,
            S::WoolScouring,
            S::OrganophosphorusPesticide,
        ]),
        [max(100.0), max(200.0), max(1000.0)],
    ),
    row(
        DischargeItem::Cod,
        RowScope::Only(&[
            S::Msg,
            S::Alcohol,
            S::PharmaceuticalRawMaterials,
            S::Biopharmaceutical,
            S::RamieDegumming,
            S::Leather,
            S::ChemicalFibrePulp,
        ]),
        [max(100.0), max(300.0), max(1000.0)],
    ),
    row(DischargeItem::Cod, RowScope::Only(&[S::Petrochemical]), [max(60.0), max(120.0), max(500.0)]),
    row(DischargeItem::Cod, RowScope::Only(&[S::UrbanSecondaryWwtp]), [max(60.0), max(120.0), NONE]),
    row(DischargeItem::Cod, RowScope::OtherUnits, [max(100.0), max(150.0), max(500.0)]),
    row(DischargeItem::Oil, RowScope::AllUnits, [max(5.0), max(10.0), max(20.0)]),
    row(DischargeItem::AnimalOil, RowScope::AllUnits, [max(10.0), max(15.0), max(100.0)]),
    row(DischargeItem::Phenol, RowScope::AllUnits, [max(0.5), max(0.5), max(2.0)]),
    row(DischargeItem::Cn, RowScope::AllUnits, [max(0.5), max(0.5), max(1.0)]),
    row(DischargeItem::Sulfide, RowScope::AllUnits, [max(1.0), max(1.0), max(1.0)]),
    row(
        DischargeItem::Nh3n,
        RowScope::Only(&[S::PharmaceuticalRawMaterials, S::Dyestuff, S::Petrochemical]),
        [max(15.0), max(50.0), NONE],
    ),
    row(DischargeItem::Nh3n, RowScope::OtherUnits, [max(15.0), max(25.0), NONE]),
    row(DischargeItem::F, RowScope::Only(&[S::YellowPhosphorus]), [max(10.0), max(15.0), max(20.0)]),
    row(DischargeItem::F, RowScope::Only(&[S::LowFluorideArea]), [max(10.0), max(20.0), max(30.0)]),
    row(DischargeItem::F, RowScope::OtherUnits, [max(10.0), max(10.0), max(20.0)]),
    row(DischargeItem::Phosphate, RowScope::AllUnits, [max(0.5), max(1.0), NONE]),
    row(DischargeItem::Formaldehyde, RowScope::AllUnits, [max(1.0), max(2.0), max(5.0)]),
    row(DischargeItem::Anilines, RowScope::AllUnits, [max(1.0), max(2.0), max(5.0)]),
    row(DischargeItem::Nitrobenzenes, RowScope::AllUnits, [max(2.0), max(3.0), max(5.0)]),
    row(DischargeItem::Las, RowScope::AllUnits, [max(5.0), max(10.0), max(20.0)]),
    row(DischargeItem::Cu, RowScope::AllUnits, [max(0.5), max(1.0), max(2.0)]),
    row(DischargeItem::Zn, RowScope::AllUnits, [max(2.0), max(5.0), max(5.0)]),
    row(DischargeItem::Mn, RowScope::Only(&[S::SyntheticFattyAcid]), [max(2.0), max(5.0), max(5.0)]),
    row(DischargeItem::Mn, RowScope::OtherUnits, [max(2.0), max(2.0), max(5.0)]),
    row(DischargeItem::Se, RowScope::AllUnits, [max(0.1), max(0.2), max(0.5)]),
    // Fecal coliform has rows for medical units only: other units have no GB 8978 limit for it.
    row(DischargeItem::FecalColiform, RowScope::Only(&[S::Medical]), [max(500.0), max(1000.0), max(5000.0)]),
    row(
        DischargeItem::FecalColiform,
        RowScope::Only(&[S::InfectiousDiseaseHospital]),
        [max(100.0), max(500.0), max(1000.0)],
    ),
    row(DischargeItem::Toc, RowScope::Only(&[S::SyntheticFattyAcid]), [max(20.0), max(40.0), NONE]),
    row(DischargeItem::Toc, RowScope::Only(&[S::RamieDegumming]), [max(20.0), max(60.0), NONE]),
    row(DischargeItem::Toc, RowScope::OtherUnits, [max(20.0), max(30.0), NONE]),
];

/// The GB 8978 row for an item and a unit: the row naming the unit's industry, else "other units", else
/// the single row for all units.
fn gb8978_row(item: DischargeItem, scope: Gb8978Scope) -> Option<&'static Gb8978Row> {
    let rows = || GB8978_TABLE_1.iter().chain(GB8978_TABLE_4.iter()).filter(move |r| r.item == item);
    rows()
        .find(|r| matches!(r.scope, RowScope::Only(named) if named.contains(&scope)))
        .or_else(|| rows().find(|r| matches!(r.scope, RowScope::OtherUnits)))
        .or_else(|| rows().find(|r| matches!(r.scope, RowScope::AllUnits)))
}

/// GB 18918 limits for grades 1A, 1B, 2, 3; `None` is "-".
type Grades4 = [Option<Bound>; 4];

#[derive(Debug)]
enum Gb18918Values {
    Plain(Grades4),
    /// NH3-N: `warm` above 12 °C, `cold` (the bracketed values) at or below 12 °C.
    ByTemperature {
        warm: Grades4,
        cold: Grades4,
    },
    /// TP: plants built from 2006-01-01, and plants built by 2005-12-31.
    ByBuildDate {
        from_2006: Grades4,
        before_2006: Grades4,
    },
}

#[derive(Debug)]
struct Gb18918Row {
    item: DischargeItem,
    values: Gb18918Values,
}

const fn plain(item: DischargeItem, grades: Grades4) -> Gb18918Row {
    Gb18918Row { item, values: Gb18918Values::Plain(grades) }
}

/// GB 18918-2002 Table 1, basic control items (基本控制项目). The grade 3 COD and BOD5 limits have an
/// alternative removal-rate test when influent is strong (footnote 1); it needs influent data and is not
/// modelled: the concentration limit is returned.
static GB18918_TABLE_1: [Gb18918Row; 12] = [
    plain(DischargeItem::Cod, [max(50.0), max(60.0), max(100.0), max(120.0)]),
    plain(DischargeItem::Bod5, [max(10.0), max(20.0), max(30.0), max(60.0)]),
    plain(DischargeItem::Ss, [max(10.0), max(20.0), max(30.0), max(50.0)]),
    plain(DischargeItem::AnimalOil, [max(1.0), max(3.0), max(5.0), max(20.0)]),
    plain(DischargeItem::Oil, [max(1.0), max(3.0), max(5.0), max(15.0)]),
    plain(DischargeItem::Las, [max(0.5), max(1.0), max(2.0), max(5.0)]),
    plain(DischargeItem::Tn, [max(15.0), max(20.0), NONE, NONE]),
    Gb18918Row {
        item: DischargeItem::Nh3n,
        values: Gb18918Values::ByTemperature {
            warm: [max(5.0), max(8.0), max(25.0), NONE],
            cold: [max(8.0), max(15.0), max(30.0), NONE],
        },
    },
    Gb18918Row {
        item: DischargeItem::Tp,
        values: Gb18918Values::ByBuildDate {
            from_2006: [max(0.5), max(1.0), max(3.0), max(5.0)],
            before_2006: [max(1.0), max(1.5), max(3.0), max(5.0)],
        },
    },
    plain(DischargeItem::Colour, [max(30.0), max(30.0), max(40.0), max(50.0)]),
    plain(DischargeItem::Ph, [PH, PH, PH, PH]),
    plain(DischargeItem::FecalColiform, [max(1000.0), max(10000.0), max(10000.0), NONE]),
];

/// The standard's limit for an item under given conditions; `None` when the standard sets none ("-" in
/// the table, or the item is not in it).
///
/// GB 18918 NH3-N: the bracketed value when `cond.water_temp_c` is at or below 12 °C, otherwise — including
/// when the temperature is unknown — the stricter value outside the brackets. GB 18918 TP: by
/// `cond.plant_built_before_2006`. GB 8978: the Table 4 row for `cond.gb8978_scope`. GB 8978 Category II
/// limits are those of Table 4 (units built from 1998-01-01); Table 2, for older units, is not in the
/// reference tables and not modelled. GB 18918 Tables 2 and 3 (its Category I and optional items) are not
/// either, so `None` for, say, mercury under GB 18918 means "no limit here", not "no limit in law".
pub fn standard_limit(standard: Standard, item: &DischargeItem, cond: &Conditions) -> Option<Limit> {
    let bound = match standard {
        Standard::Gb8978(grade) => gb8978_row(*item, cond.gb8978_scope)?.grades[grade.index()],
        Standard::Gb18918(grade) => {
            let row = GB18918_TABLE_1.iter().find(|r| r.item == *item)?;
            let grades = match &row.values {
                Gb18918Values::Plain(grades) => grades,
                Gb18918Values::ByTemperature { warm, cold } => {
                    let cold_water = cond.water_temp_c.is_some_and(|t| t.is_finite() && t <= 12.0);
                    if cold_water { cold } else { warm }
                }
                Gb18918Values::ByBuildDate { from_2006, before_2006 } => {
                    if cond.plant_built_before_2006 {
                        before_2006
                    } else {
                        from_2006
                    }
                }
            };
            grades[grade.index()]
        }
    }?;
    Some(Limit { source: LimitSource::Standard(standard), bound })
}

// ---------------------------------------------------------------------------------------------------------
// Judging
// ---------------------------------------------------------------------------------------------------------

/// The outcome of judging one result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Compliant,
    /// `multiple` is the exceedance multiple (超标倍数):
    /// - `Max(L)`: `(C − L) / L`, so 150 against 100 is 0.5;
    /// - `Range`: the distance outside the range over the bound crossed, so pH 9.5 against 6–9 is
    ///   (9.5 − 9) / 9 ≈ 0.056 and pH 5 is (6 − 5) / 6 ≈ 0.167;
    /// - `NotDetectable`: there is no finite limit to measure against, so the multiple is `f64::INFINITY`
    ///   (JSON renders it as `null`); it sorts above every finite multiple, as a detected alkyl mercury
    ///   should.
    Exceeded {
        multiple: f64,
    },
    /// Compliance cannot be decided from this result (for example a non-detect whose detection limit is above
    /// the limit); it must be flagged for review, never counted as compliant.
    Undecidable {
        reason_zh: String,
        reason_en: String,
    },
}

impl Verdict {
    /// Stored form: `compliant`, `exceeded`, `undecidable`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::Exceeded { .. } => "exceeded",
            Self::Undecidable { .. } => "undecidable",
        }
    }
}

/// A verdict and the limit that decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub governing: Limit,
    pub verdict: Verdict,
}

fn undecidable(governing: Limit, reason_zh: String, reason_en: String) -> Judgement {
    Judgement { governing, verdict: Verdict::Undecidable { reason_zh, reason_en } }
}

/// Judges one result against every applicable limit (standard and permit); `None` when no limit applies.
///
/// The strictest limit governs: any `NotDetectable`; otherwise the smallest maximum, and where ranges are
/// involved the intersection of all of them (a `Max` counts as the range (−∞, max]). When the intersection
/// takes its two ends from different limits, the one reported is the source of the end nearer the value
/// (the end that decided). On a tie the earlier limit in `limits` is reported.
///
/// `below_detection`: the result is "not detected" (`DL` + `L`). Its detection limit is `detection_limit`,
/// or `value` when that is `None` (the platform stores a non-detect's detection limit as its value). A
/// non-detect complies when its detection limit is at or below the governing maximum, and is undecidable
/// otherwise, or against a range. Against `NotDetectable` a non-detect complies and any detected value
/// exceeds.
///
/// Invalid input (a value that is not a number, a limit that is not a positive finite number, ranges with
/// nothing in common) gives `Undecidable`, never a verdict.
pub fn judge(value: f64, below_detection: bool, detection_limit: Option<f64>, limits: &[Limit]) -> Option<Judgement> {
    let first = *limits.first()?;
    if let Some(bad) = limits.iter().find(|l| !l.bound.is_valid()) {
        return Some(undecidable(
            *bad,
            format!("限值无效（{:?}），请核对标准或排污许可限值", bad.bound),
            format!("invalid limit ({:?}): check the standard or permit limits", bad.bound),
        ));
    }

    // 不得检出 is stricter than any number. A non-detect meets it whatever its detection limit: the
    // standard's "not detectable" means not detected by the prescribed method.
    let not_detectable = limits.iter().find(|l| l.bound == Bound::NotDetectable).copied();
    if let Some(nd) = not_detectable
        && below_detection
    {
        return Some(Judgement { governing: nd, verdict: Verdict::Compliant });
    }

    // The measured value, or for a non-detect its detection limit.
    let measured = if below_detection { detection_limit.unwrap_or(value) } else { value };
    let measured_ok = if below_detection { measured.is_finite() && measured > 0.0 } else { measured.is_finite() };
    if !measured_ok {
        let (zh, en) = if below_detection {
            ("未检出结果缺少有效的检出限", "a below-detection result needs a positive detection limit")
        } else {
            ("监测值不是有效数字", "the value is not a finite number")
        };
        return Some(undecidable(not_detectable.unwrap_or(first), zh.to_string(), en.to_string()));
    }

    if let Some(nd) = not_detectable {
        return Some(Judgement { governing: nd, verdict: Verdict::Exceeded { multiple: f64::INFINITY } });
    }

    // Tightest upper end, and (if any range is present) tightest lower end; first on ties.
    let mut upper = first;
    let mut lower: Option<Limit> = None;
    for limit in limits {
        if limit.bound.upper() < upper.bound.upper() {
            upper = *limit;
        }
        if let Some(low) = limit.bound.lower()
            && lower.and_then(|l| l.bound.lower()).is_none_or(|current| low > current)
        {
            lower = Some(*limit);
        }
    }

    let Some(lower) = lower else {
        // Maxima only: the smallest governs.
        return Some(judge_max(value, below_detection, measured, upper));
    };
    let (low, high) = (lower.bound.lower().unwrap_or(f64::NEG_INFINITY), upper.bound.upper());
    let bound = Bound::Range { low, high };
    if low > high {
        return Some(undecidable(
            Limit { source: lower.source, bound },
            format!("各项限值没有共同范围（下限 {low} 高于上限 {high}），请核对排污许可限值"),
            format!(
                "the limits have no common range (lower bound {low} is above upper bound {high}): check the permit"
            ),
        ));
    }
    // The source is that of the end nearer the value: a non-detect sits at the bottom of the scale.
    let nearer_low = below_detection || value < (low + high) / 2.0;
    let governing = Limit { source: if nearer_low { lower.source } else { upper.source }, bound };
    if below_detection {
        return Some(undecidable(
            governing,
            format!("未检出结果（检出限 {measured}）无法按范围限值 {low}–{high} 判定"),
            format!(
                "a below-detection result (detection limit {measured}) cannot be judged against the range {low}–{high}"
            ),
        ));
    }
    let verdict = if value < low {
        Verdict::Exceeded { multiple: (low - value) / low }
    } else if value > high {
        Verdict::Exceeded { multiple: (value - high) / high }
    } else {
        Verdict::Compliant
    };
    Some(Judgement { governing, verdict })
}

/// One result against the governing maximum.
fn judge_max(value: f64, below_detection: bool, measured: f64, governing: Limit) -> Judgement {
    let limit = governing.bound.upper();
    if below_detection {
        if measured <= limit {
            return Judgement { governing, verdict: Verdict::Compliant };
        }
        return undecidable(
            governing,
            format!("未检出，但检出限 {measured} 高于限值 {limit}，无法判定是否达标（应采用检出限更低的方法）"),
            format!(
                "not detected, but the detection limit {measured} is above the limit {limit}: compliance cannot be \
                 decided (use a method with a lower detection limit)"
            ),
        );
    }
    let verdict =
        if value <= limit { Verdict::Compliant } else { Verdict::Exceeded { multiple: (value - limit) / limit } };
    Judgement { governing, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB8978_CSV: &str = include_str!("../../data/gb8978_1996_limits.csv");
    const GB18918_CSV: &str = include_str!("../../data/gb18918_2002_limits.csv");

    /// Rows of a CSV as column-name lookups.
    fn csv_rows(csv: &'static str) -> Vec<std::collections::HashMap<String, String>> {
        crate::domain::reference_csv::rows(csv)
    }

    /// A CSV limit cell: a number, `6-9`, `not detectable`, or `-`.
    fn csv_bound(cell: &str) -> Option<Bound> {
        let cell = cell.trim();
        match cell {
            "-" => None,
            "not detectable" => Some(Bound::NotDetectable),
            _ => Some(match cell.split_once('-') {
                Some((low, high)) => {
                    Bound::Range { low: low.parse().expect("range low"), high: high.parse().expect("range high") }
                }
                None => Bound::Max(cell.parse().unwrap_or_else(|_| panic!("limit cell '{cell}'"))),
            }),
        }
    }

    /// The item a CSV row is about: by HJ 212 code where it has one, else by its English name.
    fn csv_item(code: &str, name_en: &str) -> DischargeItem {
        if !code.is_empty() {
            let item = DischargeItem::parse(code).unwrap_or_else(|| panic!("code {code} not known"));
            assert_eq!(item.hj212_code(), Some(code), "{item}: primary code");
            return item;
        }
        let key = match name_en {
            "animal & vegetable oil" => "animal_oil",
            "phosphate (as P)" => "phosphate",
            "formaldehyde" => "formaldehyde",
            "anilines" => "anilines",
            "nitrobenzenes" => "nitrobenzenes",
            other => panic!("no item for code-less row '{other}'"),
        };
        let item = DischargeItem::parse(key).expect("key");
        assert_eq!(item.hj212_code(), None, "{item} has no code in the CSV");
        item
    }

    /// The CSV unit in the form the module uses.
    fn csv_unit(unit: &str) -> &'static str {
        match unit {
            "mg/L" => "mg/L",
            "dimensionless" => "无量纲",
            "times" => "倍",
            "count/L" => "个/L",
            "Bq/L" => "Bq/L",
            other => panic!("unit '{other}'"),
        }
    }

    /// The Chinese name in the CSV, without its parenthesised gloss, matches the item's name.
    fn assert_name(item: DischargeItem, csv_zh: &str) {
        let core = csv_zh.split(['(', ' ']).next().unwrap_or(csv_zh);
        assert!(
            item.name_zh().contains(core) || core.contains(item.name_zh()),
            "{item}: name {} vs CSV {csv_zh}",
            item.name_zh()
        );
    }

    /// Which units a CSV scope names. Panics on wording it does not know, so a new row cannot slip past.
    #[derive(Debug, PartialEq)]
    enum CsvScope {
        All,
        Other,
        Only(Vec<Gb8978Scope>),
    }

    fn csv_scope(scope: &str) -> CsvScope {
        if scope.starts_with("all units") {
            return CsvScope::All;
        }
        if scope == "other units" {
            return CsvScope::Other;
        }
        let mut named: Vec<Gb8978Scope> = scope
            .split(',')
            .map(|phrase| match phrase.trim() {
                "mining" | "ore dressing" | "coal washing" => S::MiningOreDressingCoalWashing,
                "vein gold dressing" => S::VeinGoldDressing,
                "remote-area placer gold dressing" => S::RemotePlacerGoldDressing,
                "urban secondary WWTP" => S::UrbanSecondaryWwtp,
                "cane sugar" => S::CaneSugar,
                "beet sugar" => S::BeetSugar,
                "ramie degumming" => S::RamieDegumming,
                "wet-process fibreboard" | "wet fibreboard" => S::WetFibreboard,
                "dyestuff" => S::Dyestuff,
                "wool scouring" => S::WoolScouring,
                "alcohol" => S::Alcohol,
                "MSG" => S::Msg,
                "leather" => S::Leather,
                "chemical-fibre pulp" => S::ChemicalFibrePulp,
                "synthetic fatty acid" | "synthetic fatty acid industry" => S::SyntheticFattyAcid,
                "organophosphorus pesticide" => S::OrganophosphorusPesticide,
                "pharmaceutical raw materials" => S::PharmaceuticalRawMaterials,
                "biological products" => S::Biopharmaceutical,
                "petrochemical" | "petrochemical (incl. refining)" => S::Petrochemical,
                "yellow-phosphorus industry" => S::YellowPhosphorus,
                "low-fluoride areas (water F < 0.5 mg/L)" => S::LowFluorideArea,
                "hospitals (>50 beds)" | "veterinary & medical units with pathogen-bearing wastewater" => S::Medical,
                "infectious-disease / tuberculosis hospitals" => S::InfectiousDiseaseHospital,
                other => panic!("unknown scope phrase '{other}'"),
            })
            .collect();
        named.dedup();
        CsvScope::Only(named)
    }

    struct Gb8978CsvRow {
        category: String,
        item: DischargeItem,
        scope: CsvScope,
        grades: [Option<Bound>; 3],
    }

    fn gb8978_csv() -> Vec<Gb8978CsvRow> {
        csv_rows(GB8978_CSV)
            .into_iter()
            .map(|r| {
                let item = csv_item(&r["hj212_code"], &r["pollutant_en"]);
                assert_name(item, &r["pollutant_zh"]);
                assert_eq!(item.unit(), csv_unit(&r["unit"]), "{item} unit");
                Gb8978CsvRow {
                    category: r["category"].to_string(),
                    item,
                    scope: csv_scope(&r["scope"]),
                    grades: [csv_bound(&r["grade_1"]), csv_bound(&r["grade_2"]), csv_bound(&r["grade_3"])],
                }
            })
            .collect()
    }

    /// What the CSV says an item's limit is for a unit, read straight from its rows.
    fn csv_gb8978_expected(rows: &[Gb8978CsvRow], item: DischargeItem, scope: Gb8978Scope) -> Option<&Gb8978CsvRow> {
        let rows: Vec<&Gb8978CsvRow> = rows.iter().filter(|r| r.item == item).collect();
        let named: Vec<&&Gb8978CsvRow> =
            rows.iter().filter(|r| matches!(&r.scope, CsvScope::Only(s) if s.contains(&scope))).collect();
        assert!(named.len() <= 1, "{item}: {scope:?} named in {} rows", named.len());
        named
            .first()
            .copied()
            .or_else(|| rows.iter().find(|r| r.scope == CsvScope::Other))
            .or_else(|| rows.iter().find(|r| r.scope == CsvScope::All))
            .copied()
    }

    /// Every item, unit kind and grade: the module's GB 8978 limit is exactly the CSV's (and none where the
    /// CSV has none). Temperature and build date must not matter.
    #[test]
    fn gb8978_limits_match_the_reference_table() {
        let rows = gb8978_csv();
        assert_eq!(rows.iter().filter(|r| r.category == "I").count(), 13);
        assert_eq!(rows.iter().filter(|r| r.category == "II").count(), GB8978_TABLE_4.len());
        assert_eq!(GB8978_TABLE_1.len(), 13);
        for r in &rows {
            if r.category == "I" {
                assert_eq!(r.scope, CsvScope::All, "{}: category I applies to all units", r.item);
                assert!(r.grades.iter().all(|g| *g == r.grades[0]), "{}: category I has one limit", r.item);
            }
        }
        let mut checked = 0;
        for item in DischargeItem::all() {
            for scope in Gb8978Scope::ALL {
                let expected = csv_gb8978_expected(&rows, item, scope);
                for grade in Gb8978Grade::ALL {
                    let want = expected.and_then(|r| r.grades[grade.index()]);
                    for cond in [
                        Conditions { gb8978_scope: scope, ..Conditions::default() },
                        Conditions { gb8978_scope: scope, water_temp_c: Some(5.0), plant_built_before_2006: true },
                    ] {
                        let standard = Standard::Gb8978(grade);
                        let got = standard_limit(standard, &item, &cond);
                        assert_eq!(got.map(|l| l.bound), want, "{item} {scope:?} grade {}", grade.as_str());
                        if let Some(l) = got {
                            assert_eq!(l.source, LimitSource::Standard(standard));
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "checked {checked} limits");
    }

    /// A scope may be named by at most one row of an item, or the row chosen would depend on table order.
    #[test]
    fn no_scope_is_named_twice_for_one_item() {
        for item in DischargeItem::all() {
            for scope in Gb8978Scope::ALL {
                let n = GB8978_TABLE_4
                    .iter()
                    .filter(|r| r.item == item && matches!(r.scope, RowScope::Only(s) if s.contains(&scope)))
                    .count();
                assert!(n <= 1, "{item} {scope:?} in {n} rows");
            }
        }
    }

    #[test]
    fn gb18918_limits_match_the_reference_table() {
        let rows = csv_rows(GB18918_CSV);
        assert_eq!(rows.len(), 13);
        /// What the CSV says for one item, grade, temperature and build date.
        struct Expected {
            item: DischargeItem,
            grade: usize,
            temp: Option<f64>,
            before_2006: bool,
            bound: Option<Bound>,
        }
        let mut expected: Vec<Expected> = Vec::new();
        let temperatures = [None, Some(f64::NAN), Some(-2.0), Some(10.0), Some(12.0), Some(12.01), Some(20.0)];
        for r in &rows {
            let item = csv_item(&r["hj212_code"], &r["item_en"]);
            assert_name(item, &r["item_zh"]);
            assert_eq!(item.unit(), csv_unit(&r["unit"]), "{item} unit");
            let en = &r["item_en"];
            let build_dates: &[bool] = if en.contains(">= 2006-01-01") {
                &[false]
            } else if en.contains("<= 2005-12-31") {
                &[true]
            } else {
                &[false, true]
            };
            for (i, col) in ["grade_1A", "grade_1B", "grade_2", "grade_3"].into_iter().enumerate() {
                let cell = r[col].as_str();
                for t in temperatures {
                    // "5 (8)": outside the brackets above 12 °C (and when unknown), inside at or below.
                    let want = match cell.split_once('(') {
                        Some((warm, cold)) => {
                            let cold_water = t.is_some_and(|t| t <= 12.0);
                            csv_bound(if cold_water { cold.trim_end_matches(')') } else { warm })
                        }
                        None => csv_bound(cell),
                    };
                    for &before in build_dates {
                        expected.push(Expected { item, grade: i, temp: t, before_2006: before, bound: want });
                    }
                }
            }
        }
        let mut checked = 0;
        for item in DischargeItem::all() {
            for grade in Gb18918Grade::ALL {
                for t in temperatures {
                    for before in [false, true] {
                        let want = expected
                            .iter()
                            .filter(|e| e.item == item && e.grade == grade.index() && e.before_2006 == before)
                            .find(|e| e.temp.map(f64::to_bits) == t.map(f64::to_bits))
                            .and_then(|e| e.bound);
                        let cond = Conditions {
                            water_temp_c: t,
                            plant_built_before_2006: before,
                            gb8978_scope: Gb8978Scope::UrbanSecondaryWwtp,
                        };
                        let standard = Standard::Gb18918(grade);
                        let got = standard_limit(standard, &item, &cond);
                        assert_eq!(
                            got.map(|l| l.bound),
                            want,
                            "{item} {} t={t:?} before_2006={before}",
                            grade.as_str()
                        );
                        if let Some(l) = got {
                            assert_eq!(l.source, LimitSource::Standard(standard));
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 500, "checked {checked} limits");
    }

    #[test]
    fn item_table_order_matches_the_enum_and_keys_are_serde_names() {
        for (i, info) in ITEMS.iter().enumerate() {
            assert_eq!(info.item as usize, i, "{}", info.key);
            let json = serde_json::to_string(&info.item).expect("serialise");
            assert_eq!(json, format!("\"{}\"", info.key));
        }
    }

    /// Items that are GB 3838 items share its key and accept every code GB 3838 accepts for them.
    #[test]
    fn shared_items_use_gb3838_keys_and_codes() {
        for item in DischargeItem::all() {
            if let Some(p) = item.gb3838_parameter() {
                assert_eq!(item.key(), p.key(), "{item}");
                for code in p.info().hj212_codes {
                    assert_eq!(DischargeItem::parse(code), Some(item), "{item} {code}");
                }
            } else {
                assert_eq!(Parameter::parse(item.key()), None, "{item} is a GB 3838 key: link it");
            }
        }
    }

    #[test]
    fn item_parse_accepts_keys_and_codes_case_insensitively() {
        assert_eq!(DischargeItem::parse("cod"), Some(DischargeItem::Cod));
        assert_eq!(DischargeItem::parse(" W01018 "), Some(DischargeItem::Cod));
        assert_eq!(DischargeItem::parse("ANIMAL_OIL"), Some(DischargeItem::AnimalOil));
        assert_eq!(DischargeItem::parse("w20116"), Some(DischargeItem::TotalCr));
        assert_eq!(DischargeItem::parse("w20142"), Some(DischargeItem::Hg));
        assert_eq!(DischargeItem::parse("w25043"), Some(DischargeItem::Bap));
        assert_eq!(DischargeItem::parse("codmn"), None);
        assert_eq!(DischargeItem::parse(""), None);
        for item in DischargeItem::all() {
            assert_eq!(DischargeItem::parse(item.key()), Some(item));
            assert!(!item.name_zh().is_empty() && !item.name_en().is_empty());
        }
        assert_eq!(DischargeItem::Colour.unit(), "倍");
        assert_eq!(DischargeItem::GrossBeta.unit(), "Bq/L");
    }

    fn assert_multiple(j: &Judgement, want: f64) {
        match j.verdict {
            Verdict::Exceeded { multiple } => {
                assert!((multiple - want).abs() < 1e-12, "multiple {multiple}, want {want}")
            }
            ref other => panic!("expected Exceeded({want}), got {other:?}"),
        }
    }

    fn limit(standard: &str, item: DischargeItem, cond: &Conditions) -> Limit {
        let s = Standard::parse(standard).expect("standard");
        standard_limit(s, &item, cond).unwrap_or_else(|| panic!("{standard} {item} has a limit"))
    }

    /// At the limit complies, above it exceeds by (C − L) / L, and the stricter of standard and permit governs.
    fn check_limit_edges(standard: &str, item: DischargeItem, cond: &Conditions, l: f64, above: f64, multiple: f64) {
        let std_limit = limit(standard, item, cond);
        assert_eq!(std_limit.bound, Bound::Max(l), "{standard} {item}");
        let at = judge(l, false, None, &[std_limit]).expect("limit applies");
        assert_eq!(at.verdict, Verdict::Compliant, "{standard} {item} at the limit");
        assert_eq!(at.governing, std_limit);
        assert_multiple(&judge(above, false, None, &[std_limit]).expect("limit applies"), multiple);

        // A stricter permit governs: the value at the standard's limit exceeds it.
        let strict = Limit::permit(Bound::Max(l / 2.0));
        let j = judge(l, false, None, &[std_limit, strict]).expect("limits apply");
        assert_eq!(j.governing, strict, "{standard} {item}: stricter permit governs");
        assert_multiple(&j, 1.0);
        // A looser permit does not relax the standard, whatever the order.
        let loose = Limit::permit(Bound::Max(l * 2.0));
        for limits in [[std_limit, loose], [loose, std_limit]] {
            let j = judge(above, false, None, &limits).expect("limits apply");
            assert_eq!(j.governing, std_limit, "{standard} {item}: standard stricter than permit");
            assert_multiple(&j, multiple);
        }
    }

    #[test]
    fn gb8978_limit_edges_and_permits() {
        let other = Conditions::default();
        check_limit_edges("gb8978:1", DischargeItem::Cod, &other, 100.0, 150.0, 0.5);
        check_limit_edges("gb8978:2", DischargeItem::Cod, &other, 150.0, 165.0, 0.1);
        check_limit_edges("gb8978:3", DischargeItem::Cod, &other, 500.0, 1000.0, 1.0);
        let dyestuff = Conditions { gb8978_scope: Gb8978Scope::Dyestuff, ..Conditions::default() };
        check_limit_edges("gb8978:2", DischargeItem::Cod, &dyestuff, 200.0, 300.0, 0.5);
        check_limit_edges("gb8978:2", DischargeItem::Bod5, &dyestuff, 60.0, 90.0, 0.5);
        check_limit_edges("gb8978:2", DischargeItem::Nh3n, &dyestuff, 50.0, 75.0, 0.5);
        // A dyestuff works' other items use the "other units" rows.
        check_limit_edges("gb8978:2", DischargeItem::Ss, &dyestuff, 150.0, 225.0, 0.5);
        // Category I: the same limit at every grade.
        for grade in ["gb8978:1", "gb8978:2", "gb8978:3"] {
            check_limit_edges(grade, DischargeItem::Hg, &other, 0.05, 0.06, 0.2);
        }
        // Grade 3 has no NH3-N limit, and other units have no fecal coliform limit.
        let s3 = Standard::Gb8978(Gb8978Grade::Three);
        assert_eq!(standard_limit(s3, &DischargeItem::Nh3n, &other), None);
        assert_eq!(standard_limit(Standard::Gb8978(Gb8978Grade::One), &DischargeItem::FecalColiform, &other), None);
        assert_eq!(standard_limit(Standard::Gb8978(Gb8978Grade::One), &DischargeItem::Tn, &other), None);
    }

    #[test]
    fn gb18918_limit_edges_and_permits() {
        let warm = Conditions { water_temp_c: Some(20.0), ..Conditions::default() };
        check_limit_edges("gb18918:1A", DischargeItem::Cod, &warm, 50.0, 75.0, 0.5);
        check_limit_edges("gb18918:1B", DischargeItem::Tn, &warm, 20.0, 30.0, 0.5);
        check_limit_edges("gb18918:2", DischargeItem::Ss, &warm, 30.0, 36.0, 0.2);
        check_limit_edges("gb18918:3", DischargeItem::Tp, &warm, 5.0, 7.5, 0.5);
        check_limit_edges("gb18918:1A", DischargeItem::Nh3n, &warm, 5.0, 8.0, 0.6);
        // GB 18918 has no Category I table in the reference CSV.
        assert_eq!(standard_limit(Standard::Gb18918(Gb18918Grade::OneA), &DischargeItem::Hg, &warm), None);
    }

    #[test]
    fn gb18918_ammonia_follows_water_temperature() {
        let at = |grade: &str, t: Option<f64>| {
            limit(grade, DischargeItem::Nh3n, &Conditions { water_temp_c: t, ..Conditions::default() }).bound
        };
        assert_eq!(at("gb18918:1A", Some(10.0)), Bound::Max(8.0));
        assert_eq!(at("gb18918:1A", Some(20.0)), Bound::Max(5.0));
        assert_eq!(at("gb18918:1B", Some(12.0)), Bound::Max(15.0));
        assert_eq!(at("gb18918:1B", Some(12.1)), Bound::Max(8.0));
        assert_eq!(at("gb18918:2", Some(0.0)), Bound::Max(30.0));
        // Unknown temperature: the stricter warm-water value.
        assert_eq!(at("gb18918:1A", None), Bound::Max(5.0));
        assert_eq!(at("gb18918:1B", Some(f64::NAN)), Bound::Max(8.0));
        // The same 7 mg/L complies in cold water and exceeds in warm water.
        let cold =
            limit("gb18918:1A", DischargeItem::Nh3n, &Conditions { water_temp_c: Some(10.0), ..Default::default() });
        assert_eq!(judge(7.0, false, None, &[cold]).expect("applies").verdict, Verdict::Compliant);
        let warm =
            limit("gb18918:1A", DischargeItem::Nh3n, &Conditions { water_temp_c: Some(20.0), ..Default::default() });
        assert_multiple(&judge(7.0, false, None, &[warm]).expect("applies"), 0.4);
    }

    #[test]
    fn gb18918_phosphorus_follows_build_date() {
        let tp = |grade: &str, before: bool| {
            let cond = Conditions { plant_built_before_2006: before, ..Conditions::default() };
            limit(grade, DischargeItem::Tp, &cond).bound
        };
        assert_eq!(tp("gb18918:1A", false), Bound::Max(0.5));
        assert_eq!(tp("gb18918:1A", true), Bound::Max(1.0));
        assert_eq!(tp("gb18918:1B", false), Bound::Max(1.0));
        assert_eq!(tp("gb18918:1B", true), Bound::Max(1.5));
        assert_eq!(tp("gb18918:2", true), Bound::Max(3.0));
    }

    #[test]
    fn below_detection_complies_only_when_the_detection_limit_is_within_the_limit() {
        let l = [Limit::permit(Bound::Max(1.0))];
        assert_eq!(judge(0.5, true, Some(0.5), &l).expect("applies").verdict, Verdict::Compliant);
        // The detection limit may come as the value (the platform stores "<0.5" as 0.5).
        assert_eq!(judge(0.5, true, None, &l).expect("applies").verdict, Verdict::Compliant);
        assert_eq!(judge(1.0, true, None, &l).expect("applies").verdict, Verdict::Compliant);
        let j = judge(2.0, true, Some(2.0), &l).expect("applies");
        match &j.verdict {
            Verdict::Undecidable { reason_zh, reason_en } => {
                assert!(reason_zh.contains("检出限 2"), "{reason_zh}");
                assert!(reason_en.contains("detection limit 2"), "{reason_en}");
            }
            other => panic!("expected Undecidable, got {other:?}"),
        }
        assert_eq!(j.verdict.as_str(), "undecidable");
        // The governing limit is the strictest: DL 0.8 is fine against 1.0 but not against a permit's 0.5.
        let both = [Limit::permit(Bound::Max(0.5)), limit("gb8978:1", DischargeItem::Pb, &Conditions::default())];
        assert!(matches!(judge(0.8, true, None, &both).expect("applies").verdict, Verdict::Undecidable { .. }));
        // Without a usable detection limit nothing is decided.
        assert!(matches!(judge(f64::NAN, true, None, &l).expect("applies").verdict, Verdict::Undecidable { .. }));
        assert!(matches!(judge(0.0, true, Some(0.0), &l).expect("applies").verdict, Verdict::Undecidable { .. }));
    }

    #[test]
    fn not_detectable_fails_on_any_detected_value() {
        let alkyl = limit("gb8978:2", DischargeItem::AlkylHg, &Conditions::default());
        assert_eq!(alkyl.bound, Bound::NotDetectable);
        assert_eq!(judge(0.00001, true, Some(0.00001), &[alkyl]).expect("applies").verdict, Verdict::Compliant);
        assert_eq!(judge(0.0, true, None, &[alkyl]).expect("applies").verdict, Verdict::Compliant);
        assert!(matches!(
            judge(f64::NAN, false, None, &[alkyl]).expect("applies").verdict,
            Verdict::Undecidable { .. }
        ));
        let j = judge(0.00002, false, None, &[alkyl]).expect("applies");
        assert_eq!(j.verdict, Verdict::Exceeded { multiple: f64::INFINITY });
        assert_eq!(j.verdict.as_str(), "exceeded");
        // It is stricter than any permit maximum.
        let with_permit = [Limit::permit(Bound::Max(0.001)), alkyl];
        assert_eq!(judge(0.0005, false, None, &with_permit).expect("applies").governing, alkyl);
    }

    #[test]
    fn ph_is_a_range_and_ranges_intersect() {
        let ph = limit("gb8978:1", DischargeItem::Ph, &Conditions::default());
        assert_eq!(ph.bound, Bound::Range { low: 6.0, high: 9.0 });
        for v in [6.0, 7.5, 9.0] {
            assert_eq!(judge(v, false, None, &[ph]).expect("applies").verdict, Verdict::Compliant, "pH {v}");
        }
        assert_multiple(&judge(9.9, false, None, &[ph]).expect("applies"), 0.1);
        assert_multiple(&judge(4.5, false, None, &[ph]).expect("applies"), 0.25);

        // A permit of 6.5–8.5 narrows both ends.
        let permit = Limit::permit(Bound::Range { low: 6.5, high: 8.5 });
        let j = judge(8.6, false, None, &[ph, permit]).expect("applies");
        assert_eq!(j.governing, permit);
        assert_multiple(&j, 0.1 / 8.5);
        // A permit of 7–10 narrows only the low end: the intersection is 7–9, reported from the end that decides.
        let low_only = Limit::permit(Bound::Range { low: 7.0, high: 10.0 });
        let j = judge(6.8, false, None, &[ph, low_only]).expect("applies");
        assert_eq!(j.governing, Limit { source: LimitSource::Permit, bound: Bound::Range { low: 7.0, high: 9.0 } });
        let j = judge(9.5, false, None, &[ph, low_only]).expect("applies");
        assert_eq!(j.governing.source, ph.source);
        assert_multiple(&j, 0.5 / 9.0);
        // Ranges with nothing in common are a data error, not a verdict.
        let apart = Limit::permit(Bound::Range { low: 9.5, high: 10.0 });
        assert!(matches!(judge(7.0, false, None, &[ph, apart]).expect("applies").verdict, Verdict::Undecidable { .. }));
        // A non-detect cannot be judged against a range.
        assert!(matches!(judge(0.1, true, None, &[ph]).expect("applies").verdict, Verdict::Undecidable { .. }));
    }

    #[test]
    fn judge_needs_a_limit_and_valid_input() {
        assert_eq!(judge(1.0, false, None, &[]), None);
        let l = [Limit::permit(Bound::Max(1.0))];
        assert!(matches!(judge(f64::NAN, false, None, &l).expect("applies").verdict, Verdict::Undecidable { .. }));
        for bad in [Bound::Max(0.0), Bound::Max(-1.0), Bound::Max(f64::NAN), Bound::Range { low: 9.0, high: 6.0 }] {
            let limits = [l[0], Limit::permit(bad)];
            let j = judge(0.5, false, None, &limits).expect("applies");
            assert!(matches!(j.verdict, Verdict::Undecidable { .. }), "{bad:?}");
            // Debug form, because NaN is not equal to itself.
            assert_eq!(format!("{:?}", j.governing.bound), format!("{bad:?}"));
        }
    }

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

    #[test]
    fn scopes_round_trip() {
        for scope in Gb8978Scope::ALL {
            assert_eq!(Gb8978Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(serde_json::to_string(&scope).expect("serialise"), format!("\"{}\"", scope.as_str()));
            assert!(!scope.name_zh().is_empty());
        }
        assert_eq!(Gb8978Scope::default(), Gb8978Scope::OtherUnits);
        assert_eq!(Gb8978Scope::parse("steel"), None);
    }

    #[test]
    fn verdicts_serialise_with_a_tag() {
        let v = serde_json::to_value(Verdict::Exceeded { multiple: 0.5 }).expect("serialise");
        assert_eq!(v, serde_json::json!({"verdict": "exceeded", "multiple": 0.5}));
        assert_eq!(Verdict::Compliant.as_str(), "compliant");
    }
}
