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

    /// The size of this unit as a power of ten of mg/L.
    fn exponent(self) -> i32 {
        match self {
            Self::MgPerL => 0,
            Self::UgPerL => -3,
            Self::NgPerL => -6,
        }
    }

    /// `value` in this unit, expressed in `to`.
    ///
    /// The units differ by powers of ten, so the decimal point of the value's shortest decimal form is moved
    /// rather than the binary value divided: 0.07 µg/L becomes exactly the `0.00007` a limit table writes,
    /// where 0.07 / 1000 is one unit in the last place above it and would exceed a limit it only meets.
    pub fn convert(self, value: f64, to: Unit) -> f64 {
        let shift = self.exponent() - to.exponent();
        if shift == 0 || !value.is_finite() || value == 0.0 {
            return value;
        }
        // `{:e}` prints the shortest digits that read back as `value` (`7e-2`).
        let shortest = format!("{value:e}");
        let scaled = shortest
            .split_once('e')
            .and_then(|(digits, exp)| Some((digits, exp.parse::<i32>().ok()?)))
            .and_then(|(digits, exp)| format!("{digits}e{}", exp + shift).parse::<f64>().ok());
        scaled.unwrap_or_else(|| value * 10f64.powi(shift))
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

    /// A converted value is the number the limit tables write, to the last bit: a value exactly at a limit
    /// must stay at it (0.07 / 1000 and 0.8 / 1e6 are each one unit in the last place off).
    #[test]
    fn conversion_moves_the_decimal_point_exactly() {
        let cases: [(Unit, f64, Unit, f64); 11] = [
            (Unit::UgPerL, 0.07, Unit::MgPerL, 0.000_07),
            (Unit::UgPerL, 0.03, Unit::MgPerL, 0.000_03),
            (Unit::UgPerL, 0.13, Unit::MgPerL, 0.000_13),
            (Unit::UgPerL, 1.0, Unit::MgPerL, 0.001),
            (Unit::UgPerL, 0.8, Unit::MgPerL, 0.000_8),
            (Unit::NgPerL, 0.8, Unit::MgPerL, 0.000_000_8),
            (Unit::NgPerL, 20.0, Unit::MgPerL, 0.000_02),
            (Unit::MgPerL, 0.0012, Unit::UgPerL, 1.2),
            (Unit::NgPerL, 50.0, Unit::UgPerL, 0.05),
            (Unit::UgPerL, -2.5, Unit::MgPerL, -0.0025),
            (Unit::UgPerL, 1.5e300, Unit::NgPerL, 1.5e303),
        ];
        for (from, value, to, want) in cases {
            assert_eq!(
                from.convert(value, to).to_bits(),
                want.to_bits(),
                "{value} {} in {}",
                from.symbol(),
                to.symbol()
            );
        }
        assert_eq!(Unit::UgPerL.convert(0.0, Unit::MgPerL), 0.0);
        assert!(Unit::UgPerL.convert(f64::NAN, Unit::MgPerL).is_nan());
        assert_eq!(Unit::NgPerL.convert(f64::INFINITY, Unit::MgPerL), f64::INFINITY);
        assert_eq!(Unit::MgPerL.convert(1e308, Unit::NgPerL), f64::INFINITY);
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
