//! The limit that applies: how a limit bounds a value, where it comes from, and the standard's limit for an
//! item under given conditions.

use serde::Serialize;

use super::conditions::Conditions;
use super::items::DischargeItem;
use super::standards::Standard;
use super::tables::{GB18918_TABLE_1, GB18918_TABLE_2, Gb18918Values, gb8978_row};

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
    pub(super) fn is_valid(self) -> bool {
        match self {
            Self::Max(m) => m.is_finite() && m > 0.0,
            Self::Range { low, high } => low.is_finite() && high.is_finite() && low > 0.0 && low <= high,
            Self::NotDetectable => true,
        }
    }

    /// Upper end as an interval (a `Max` is the range (−∞, max]). `NotDetectable` never reaches here:
    /// [`judge`](super::judge) settles it first.
    pub(super) fn upper(self) -> f64 {
        match self {
            Self::Max(m) => m,
            Self::Range { high, .. } => high,
            Self::NotDetectable => 0.0,
        }
    }

    pub(super) fn lower(self) -> Option<f64> {
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

/// The standard's limit for an item under given conditions; `None` when the standard sets none ("-" in
/// the table, or the item is not in it).
///
/// GB 18918 NH3-N: the bracketed value when `cond.water_temp_c` is at or below 12 °C, otherwise — including
/// when the temperature is unknown — the stricter value outside the brackets. GB 18918 TP: by
/// `cond.plant_built_before_2006`. GB 8978: the Table 4 row for `cond.gb8978_scope`. GB 8978 Category II
/// limits are those of Table 4 (units built from 1998-01-01); Table 2, for older units, is not in the
/// reference tables and not modelled. GB 18918: Table 1 (basic items) and Table 2 (Category I pollutants,
/// one limit for every grade) both apply to every plant (§4.1.1.2, §4.1.3.1); Table 3 (items chosen locally)
/// is not modelled, so `None` for, say, nickel under GB 18918 means "no limit here", not "no limit in law".
pub fn standard_limit(standard: Standard, item: &DischargeItem, cond: &Conditions) -> Option<Limit> {
    let bound = match standard {
        Standard::Gb8978(grade) => gb8978_row(*item, cond.gb8978_scope)?.grades[grade.index()],
        Standard::Gb18918(grade) => {
            let row = GB18918_TABLE_1.iter().chain(GB18918_TABLE_2.iter()).find(|r| r.item == *item)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discharge::test_support::{assert_multiple, limit};
    use crate::domain::discharge::{Gb8978Grade, Gb8978Scope, Gb18918Grade, Verdict, judge};

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
        // Table 2 applies beside Table 1: mercury has a GB 18918 limit, 0.001 mg/L.
        check_limit_edges("gb18918:1A", DischargeItem::Hg, &warm, 0.001, 0.0012, 0.2);
        // Nickel is a Table 3 item (chosen locally), not modelled.
        assert_eq!(standard_limit(Standard::Gb18918(Gb18918Grade::OneA), &DischargeItem::Ni, &warm), None);
    }

    /// GB 18918-2002 Table 2, as printed: 总汞 0.001, 烷基汞 不得检出, 总镉 0.01, 总铬 0.1, 六价铬 0.05,
    /// 总砷 0.1, 总铅 0.1 mg/L, the same for grades 1A, 1B, 2 and 3, whatever the temperature or build date.
    #[test]
    fn gb18918_table_2_holds_every_grade_to_the_same_category_i_limits() {
        let printed = [
            (DischargeItem::Hg, Bound::Max(0.001)),
            (DischargeItem::AlkylHg, Bound::NotDetectable),
            (DischargeItem::Cd, Bound::Max(0.01)),
            (DischargeItem::TotalCr, Bound::Max(0.1)),
            (DischargeItem::Cr6, Bound::Max(0.05)),
            (DischargeItem::As, Bound::Max(0.1)),
            (DischargeItem::Pb, Bound::Max(0.1)),
        ];
        let conditions = [
            Conditions::default(),
            Conditions { water_temp_c: Some(8.0), plant_built_before_2006: true, ..Conditions::default() },
        ];
        for grade in ["gb18918:1A", "gb18918:1B", "gb18918:2", "gb18918:3"] {
            for cond in &conditions {
                for (item, bound) in printed {
                    assert_eq!(limit(grade, item, cond).bound, bound, "{grade} {item}");
                }
            }
        }
        // 0.15 mg/L lead exceeds 0.1 by (0.15 − 0.1) / 0.1 = 0.5 at grade 3 as at grade 1A; GB 8978's 1.0
        // would have let it pass.
        let pb = limit("gb18918:3", DischargeItem::Pb, &Conditions::default());
        assert_multiple(&judge(0.15, false, None, &[pb]).expect("applies"), 0.5);
        let alkyl = limit("gb18918:2", DischargeItem::AlkylHg, &Conditions::default());
        assert_eq!(
            judge(0.00002, false, None, &[alkyl]).expect("applies").verdict,
            Verdict::Exceeded { multiple: f64::INFINITY }
        );
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
}
