//! What a sample value is measured in, and how it becomes a value in the standard's unit: a concentration in
//! µg/L or ng/L is converted to mg/L; colour in degrees (度) cannot be converted to the dilution ratio (倍)
//! the standards limit, so it is never judged against them. `STANDARDS.md` §1 and §4.

use crate::domain::hj212::codes;
use crate::domain::quote;
use crate::domain::units::{Unit, default_unit_of_code};

use super::items::DischargeItem;

/// The unit a sample value is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MeasuredUnit {
    /// The item's unit ([`DischargeItem::unit`]), the one its limits are written in.
    #[default]
    Standard,
    /// A concentration unit, converted to the item's mg/L before judging. Fits only items limited in mg/L.
    Concentration(Unit),
    /// Colour in degrees (度, the platinum–cobalt scale HJ 212 devices report under w01002). GB 8978 and
    /// GB 18918 limit colour as a dilution ratio (稀释倍数, 倍); one scale does not convert to the other.
    ColourDegrees,
}

/// A unit given for an item that cannot be in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unit '{}' does not fit {item} ({}): give it in {}", quote(unit), item.name_en(), accepted_units(*item))]
pub struct UnitError {
    pub item: DischargeItem,
    pub unit: String,
}

impl UnitError {
    pub fn zh(&self) -> String {
        format!("单位“{}”不适用于{}，应为 {}", quote(&self.unit), self.item.name_zh(), accepted_units(self.item))
    }
}

/// The units an item may be given in, for messages.
fn accepted_units(item: DischargeItem) -> &'static str {
    match item {
        _ if item.is_concentration() => "mg/L, µg/L or ng/L",
        DischargeItem::Colour => "倍 (times, dilution ratio) or 度 (degree)",
        DischargeItem::Ph => "无量纲 (dimensionless), or no unit",
        _ => item.unit(),
    }
}

/// `s` lower-cased without spaces, for matching unit spellings.
fn folded(s: &str) -> String {
    s.trim().to_lowercase().replace(' ', "")
}

impl MeasuredUnit {
    /// The unit `text` names for `item`, if it fits the item: mg/L, µg/L or ng/L (any spelling
    /// [`Unit::parse`] reads) for items limited in mg/L; `倍`/`times`/`稀释倍数` or `度`/`degree` for colour;
    /// otherwise the item's own unit (`无量纲`/`dimensionless` for pH, `个/L`/`count/L`, `Bq/L`).
    pub fn parse(item: DischargeItem, text: &str) -> Option<MeasuredUnit> {
        if item.is_concentration() {
            return Unit::parse(text).map(Self::from_concentration);
        }
        let t = folded(text);
        let standard = match item {
            DischargeItem::Colour => {
                if matches!(t.as_str(), "度" | "degree" | "degrees") {
                    return Some(Self::ColourDegrees);
                }
                matches!(t.as_str(), "倍" | "times" | "稀释倍数" | "dilution")
            }
            DischargeItem::Ph => matches!(t.as_str(), "无量纲" | "dimensionless"),
            DischargeItem::FecalColiform => matches!(t.as_str(), "个/l" | "count/l"),
            _ => t == folded(item.unit()),
        };
        standard.then_some(Self::Standard)
    }

    /// mg/L is the standard's unit; anything else is converted.
    fn from_concentration(unit: Unit) -> MeasuredUnit {
        if unit == Unit::MgPerL { Self::Standard } else { Self::Concentration(unit) }
    }

    /// The unit of a value given for `item` under `name` (the key or HJ 212-2017 code it was given by), with
    /// the unit text `unit` (`None` or blank: no unit given).
    ///
    /// An explicit unit must fit the item ([`MeasuredUnit::parse`]). Without one, a value under an HJ 212 code
    /// is in the code's default unit (Table B.1): µg/L for w20111 mercury, ng/L for w20113 alkyl mercury,
    /// degrees for w01002 colour, and so on. Under a key (`hg`, `colour`) it is in the item's unit.
    pub fn of(item: DischargeItem, name: &str, unit: Option<&str>) -> Result<MeasuredUnit, UnitError> {
        if let Some(text) = unit.map(str::trim).filter(|t| !t.is_empty()) {
            return Self::parse(item, text).ok_or_else(|| UnitError { item, unit: text.to_string() });
        }
        let name = name.trim();
        if !item.info().hj212_codes.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            return Ok(Self::Standard);
        }
        // Every code's default unit fits its item: the unit tests walk them all.
        Ok(if item.is_concentration() {
            default_unit_of_code(name).map_or(Self::Standard, Self::from_concentration)
        } else {
            codes::lookup(name).and_then(|info| Self::parse(item, info.unit)).unwrap_or(Self::Standard)
        })
    }

    /// As reports print it: `µg/L`, `度`, or the item's own unit.
    pub fn symbol(self, item: DischargeItem) -> &'static str {
        match self {
            Self::Standard => item.unit(),
            Self::Concentration(unit) => unit.symbol(),
            Self::ColourDegrees => "度",
        }
    }

    /// `value`, measured in this unit, in the item's unit; `None` when it has no value there: colour in
    /// degrees, or a unit that does not fit the item (which [`MeasuredUnit::of`] never gives).
    pub fn to_standard(self, item: DischargeItem, value: f64) -> Option<f64> {
        match self {
            Self::Standard => Some(value),
            Self::Concentration(unit) if item.is_concentration() => Some(unit.convert(value, Unit::MgPerL)),
            Self::Concentration(_) | Self::ColourDegrees => None,
        }
    }

    /// Why a value in this unit cannot be judged against the item's limits (Chinese, English); `None` when
    /// it can.
    pub(super) fn incomparable(self, item: DischargeItem) -> Option<(String, String)> {
        if self.to_standard(item, 0.0).is_some() {
            return None;
        }
        Some(if self == Self::ColourDegrees && item == DischargeItem::Colour {
            (
                "设备色度以度计，标准限值为稀释倍数，二者不可比：请以稀释倍数法测定色度（参数 colour 或单位 倍）后判定"
                    .to_string(),
                "colour from a device is in degrees (度), but the standard limits colour as a dilution ratio (倍): \
                 the two are not comparable; judge colour measured by the dilution method (key colour, or unit 倍)"
                    .to_string(),
            )
        } else {
            (
                format!("单位 {} 不适用于{}，无法判定", self.symbol(item), item.name_zh()),
                format!("the unit {} does not fit {}: not judged", self.symbol(item), item.name_en()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_under_a_code_without_a_unit_is_in_the_codes_default_unit() {
        fn of(item: DischargeItem, name: &str) -> MeasuredUnit {
            MeasuredUnit::of(item, name, None).expect("fits")
        }
        // HJ 212-2017 Table B.1 (STANDARDS.md §1): µg/L for these metals and benzo(a)pyrene, ng/L for alkyl
        // mercury, degrees for colour.
        for (item, code) in [
            (DischargeItem::Hg, "w20111"),
            (DischargeItem::Hg, "w20142"),
            (DischargeItem::Cd, "w20115"),
            (DischargeItem::Cr6, "w20117"),
            (DischargeItem::As, "w20119"),
            (DischargeItem::Pb, "w20120"),
            (DischargeItem::Be, "w20127"),
            (DischargeItem::Se, "w20128"),
            (DischargeItem::Bap, "w25043"),
        ] {
            assert_eq!(of(item, code), MeasuredUnit::Concentration(Unit::UgPerL), "{code}");
            assert_eq!(of(item, &code.to_uppercase()), MeasuredUnit::Concentration(Unit::UgPerL), "{code}");
        }
        assert_eq!(of(DischargeItem::AlkylHg, "w20113"), MeasuredUnit::Concentration(Unit::NgPerL));
        assert_eq!(of(DischargeItem::Colour, "w01002"), MeasuredUnit::ColourDegrees);
        // mg/L codes, and the codes whose unit is not a concentration, are in the item's unit.
        for (item, code) in [
            (DischargeItem::Cod, "w01018"),
            (DischargeItem::Ni, "w20121"),
            (DischargeItem::Ag, "w20126"),
            (DischargeItem::TotalCr, "w20116"),
            (DischargeItem::Pb, "w20144"),
            (DischargeItem::Ph, "w01001"),
            (DischargeItem::FecalColiform, "w02003"),
            (DischargeItem::GrossAlpha, "w03001"),
            (DischargeItem::GrossBeta, "w03002"),
        ] {
            assert_eq!(of(item, code), MeasuredUnit::Standard, "{code}");
        }
        // Under a key a value is in the item's unit, whatever the code's default.
        for (item, key) in [(DischargeItem::Hg, "hg"), (DischargeItem::Bap, "BAP"), (DischargeItem::Colour, "colour")] {
            assert_eq!(of(item, key), MeasuredUnit::Standard, "{key}");
        }
    }

    /// Every code of every item has a default unit that fits the item, so no value under a code is read in
    /// a unit it is not in.
    #[test]
    fn every_items_codes_are_in_the_code_table_with_a_unit_that_fits() {
        for item in DischargeItem::all() {
            for code in item.info().hj212_codes {
                let info = codes::lookup(code).unwrap_or_else(|| panic!("{item}: {code} is not in the code table"));
                let from_table = MeasuredUnit::parse(item, info.unit)
                    .unwrap_or_else(|| panic!("{item}: {code}'s unit {} does not fit", info.unit));
                assert_eq!(MeasuredUnit::of(item, code, None), Ok(from_table), "{item} {code}");
            }
        }
    }

    #[test]
    fn an_explicit_unit_wins_and_must_fit_the_item() {
        let of = |item, name, unit| MeasuredUnit::of(item, name, Some(unit));
        assert_eq!(of(DischargeItem::Hg, "w20111", "mg/L"), Ok(MeasuredUnit::Standard));
        assert_eq!(of(DischargeItem::Hg, "hg", "µg/L"), Ok(MeasuredUnit::Concentration(Unit::UgPerL)));
        assert_eq!(of(DischargeItem::AlkylHg, "alkyl_hg", "ng/L"), Ok(MeasuredUnit::Concentration(Unit::NgPerL)));
        assert_eq!(of(DischargeItem::Colour, "w01002", "倍"), Ok(MeasuredUnit::Standard));
        assert_eq!(of(DischargeItem::Colour, "w01002", " Times "), Ok(MeasuredUnit::Standard));
        assert_eq!(of(DischargeItem::Colour, "colour", "度"), Ok(MeasuredUnit::ColourDegrees));
        assert_eq!(of(DischargeItem::Colour, "colour", "degree"), Ok(MeasuredUnit::ColourDegrees));
        assert_eq!(of(DischargeItem::Ph, "ph", "无量纲"), Ok(MeasuredUnit::Standard));
        assert_eq!(of(DischargeItem::FecalColiform, "w02003", "个/L"), Ok(MeasuredUnit::Standard));
        assert_eq!(of(DischargeItem::GrossBeta, "w03002", "bq/l"), Ok(MeasuredUnit::Standard));
        // A blank unit is no unit.
        assert_eq!(of(DischargeItem::Hg, "w20111", " "), Ok(MeasuredUnit::Concentration(Unit::UgPerL)));

        for (item, unit) in [
            (DischargeItem::Ph, "mg/L"),
            (DischargeItem::GrossAlpha, "µg/L"),
            (DischargeItem::GrossBeta, "mg/L"),
            (DischargeItem::Colour, "mg/L"),
            (DischargeItem::FecalColiform, "mg/L"),
            (DischargeItem::Cod, "Bq/L"),
            (DischargeItem::Cod, "倍"),
            (DischargeItem::Hg, "g/L"),
            (DischargeItem::Hg, "ppm"),
        ] {
            let err = of(item, item.key(), unit).expect_err("does not fit");
            assert_eq!(err, UnitError { item, unit: unit.to_string() });
        }
        let err = of(DischargeItem::Ph, "ph", "mg/L").expect_err("pH has no concentration");
        assert_eq!(err.to_string(), "unit 'mg/L' does not fit ph (pH): give it in 无量纲 (dimensionless), or no unit");
        assert!(err.zh().contains("不适用于pH值"), "{}", err.zh());
    }

    #[test]
    fn values_convert_to_the_items_unit_and_degrees_do_not() {
        let ug = MeasuredUnit::Concentration(Unit::UgPerL);
        assert_eq!(ug.to_standard(DischargeItem::Hg, 0.8), Some(0.0008));
        assert_eq!(MeasuredUnit::Concentration(Unit::NgPerL).to_standard(DischargeItem::AlkylHg, 20.0), Some(0.00002));
        assert_eq!(MeasuredUnit::Standard.to_standard(DischargeItem::Colour, 40.0), Some(40.0));
        assert_eq!(MeasuredUnit::ColourDegrees.to_standard(DischargeItem::Colour, 40.0), None);
        // Built by hand, a concentration unit on pH has no value in pH's unit.
        assert_eq!(ug.to_standard(DischargeItem::Ph, 7.0), None);
        assert!(MeasuredUnit::Standard.incomparable(DischargeItem::Colour).is_none());
        let (zh, en) = MeasuredUnit::ColourDegrees.incomparable(DischargeItem::Colour).expect("not comparable");
        assert!(zh.starts_with("设备色度以度计，标准限值为稀释倍数，二者不可比"), "{zh}");
        assert!(en.contains("not comparable"), "{en}");
        assert_eq!((ug.symbol(DischargeItem::Hg), MeasuredUnit::Standard.symbol(DischargeItem::Hg)), ("µg/L", "mg/L"));
        assert_eq!(MeasuredUnit::ColourDegrees.symbol(DischargeItem::Colour), "度");
    }
}
