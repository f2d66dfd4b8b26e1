//! Units of concentration, and how a value given in one becomes a value in the standard's: mg/L for GB 3838,
//! GB 8978 and GB 18918. A value that arrives under an HJ 212-2017 code *without* a unit is in that code's
//! default unit (Table B.1, `hj212::codes`), which for several metals is µg/L and for alkyl mercury ng/L;
//! under a riverchief key (`hg`) it is in the standard's unit. `STANDARDS.md` §1.

use super::hj212::codes;

/// A unit of mass concentration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// mg/L (毫克/升); also mg/m³ of air, never seen here.
    MgPerL,
    /// µg/L (微克/升), which is mg/m³: the unit of chlorophyll-a.
    UgPerL,
    /// ng/L (纳克/升): HJ 212's unit for alkyl mercury.
    NgPerL,
}

impl Unit {
    /// The usual spellings: `mg/L`, `ug/L`, `µg/L`, `μg/L`, `ng/L`, `mg/m3`, `mg/m³` (µg/L), and the Chinese
    /// names, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Option<Unit> {
        let t = s.trim().to_lowercase().replace(' ', "");
        Some(match t.as_str() {
            "mg/l" | "毫克/升" => Self::MgPerL,
            "ug/l" | "µg/l" | "μg/l" | "微克/升" | "mg/m3" | "mg/m³" => Self::UgPerL,
            "ng/l" | "纳克/升" => Self::NgPerL,
            _ => return None,
        })
    }

    /// As reports print it.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::MgPerL => "mg/L",
            Self::UgPerL => "µg/L",
            Self::NgPerL => "ng/L",
        }
    }

    /// How many of this unit make one mg/L.
    fn per_mg_per_l(self) -> f64 {
        match self {
            Self::MgPerL => 1.0,
            Self::UgPerL => 1e3,
            Self::NgPerL => 1e6,
        }
    }

    /// `value` in this unit, expressed in `to`.
    pub fn convert(self, value: f64, to: Unit) -> f64 {
        if self == to { value } else { value / self.per_mg_per_l() * to.per_mg_per_l() }
    }
}

/// The unit a value given under `code` is in when no unit is given: the code's default from Table B.1 if
/// `code` is an HJ 212-2017 (or HJ/T 212-2005) code of a concentration, else `None` (a key, or a code whose
/// unit is not a concentration: pH, temperature, counts).
pub fn default_unit_of_code(code: &str) -> Option<Unit> {
    let info = codes::lookup(code)?;
    match info.unit {
        "mg/L" => Some(Unit::MgPerL),
        "ug/L" => Some(Unit::UgPerL),
        "ng/L" => Some(Unit::NgPerL),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_conversions() {
        for s in ["mg/L", " MG/l ", "毫克/升"] {
            assert_eq!(Unit::parse(s), Some(Unit::MgPerL), "{s}");
        }
        for s in ["ug/L", "µg/L", "μg/L", "微克/升", "mg/m3", "mg/m³"] {
            assert_eq!(Unit::parse(s), Some(Unit::UgPerL), "{s}");
        }
        assert_eq!(Unit::parse("ng/L"), Some(Unit::NgPerL));
        assert_eq!(Unit::parse("g/L"), None);
        // 12 µg/L is 0.012 mg/L; 30 ng/L is 0.00003 mg/L; 0.5 mg/L is 500 µg/L.
        assert!((Unit::UgPerL.convert(12.0, Unit::MgPerL) - 0.012).abs() < 1e-15);
        assert!((Unit::NgPerL.convert(30.0, Unit::MgPerL) - 0.000_03).abs() < 1e-15);
        assert!((Unit::MgPerL.convert(0.5, Unit::UgPerL) - 500.0).abs() < 1e-12);
    }

    #[test]
    fn codes_carry_the_default_unit_of_table_b1() {
        // STANDARDS.md §1: µg/L for these codes, ng/L for alkyl mercury, mg/L for the rest.
        for code in ["w20111", "w20115", "w20117", "w20119", "w20120", "w20127", "w20128", "w20142", "w20143", "w25043"]
        {
            assert_eq!(default_unit_of_code(code), Some(Unit::UgPerL), "{code}");
        }
        assert_eq!(default_unit_of_code("w20113"), Some(Unit::NgPerL));
        for code in ["w21003", "W21011", "w01018", "w20122", "w20138", "w20141", "w20144"] {
            assert_eq!(default_unit_of_code(code), Some(Unit::MgPerL), "{code}");
        }
        // Not concentrations, or not codes at all.
        for code in ["w01001", "w01010", "w02003", "nh3n", "hg"] {
            assert_eq!(default_unit_of_code(code), None, "{code}");
        }
    }
}
