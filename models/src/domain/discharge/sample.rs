//! A whole wastewater sample: every item against its standard and permit limits, and whether the sample
//! complied; with the reading of the choices a caller types (standard, receiving water, scope, permit limits).

use crate::domain::Code;
use crate::domain::evaluation::round_half_even;
use crate::domain::gb3838::WaterClass;

use super::conditions::{Conditions, Gb8978Scope};
use super::items::DischargeItem;
use super::judging::{Judgement, Verdict, VerdictKind, judge};
use super::limits::{Bound, Limit, standard_limit};
use super::measured::MeasuredUnit;
use super::standards::{GradeError, Standard, gb8978_grade_for_receiving};

/// What a sample is judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOptions {
    pub standard: Standard,
    pub conditions: Conditions,
    /// Permit limits by item: maxima, in the item's unit.
    pub permits: Vec<(DischargeItem, f64)>,
}

/// One item of a sample, as measured: `value` and `detection_limit` are in `unit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleItem {
    pub item: DischargeItem,
    /// The measured value; for a non-detect, the number reported (`<0.5` is 0.5).
    pub value: f64,
    pub below_detection: bool,
    /// A non-detect's detection limit; `value` when `None`.
    pub detection_limit: Option<f64>,
    /// What `value` is in: the item's unit ([`DischargeItem::unit`]), a concentration unit converted to it
    /// before judging, or colour degrees, which are never judged against the standards' dilution ratios.
    /// [`MeasuredUnit::of`] reads it from the name and unit a value was given with.
    pub unit: MeasuredUnit,
}

impl SampleItem {
    /// The value in the item's unit, the one its limits are in; `None` when there is none (colour in degrees).
    pub fn standard_value(&self) -> Option<f64> {
        self.unit.to_standard(self.item, self.value)
    }

    /// The value as given and its unit, when that is not the item's unit (`12`, `µg/L`).
    pub fn read_as(&self) -> Option<(f64, &'static str)> {
        (self.unit != MeasuredUnit::Standard).then(|| (self.value, self.unit.symbol(self.item)))
    }
}

/// The verdict on one item of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemJudgement {
    pub measured: SampleItem,
    /// The governing limit and the verdict; `None` when neither the standard nor the permit limits the item.
    pub judgement: Option<Judgement>,
    /// The exceedance multiple rounded half to even at 2 decimals; `None` unless the item exceeds by a
    /// finite multiple (a detected "not detectable" item exceeds infinitely).
    pub multiple: Option<f64>,
}

impl ItemJudgement {
    pub fn governing(&self) -> Option<Limit> {
        self.judgement.as_ref().map(|j| j.governing)
    }

    /// `None`: no limit applies.
    pub fn kind(&self) -> Option<VerdictKind> {
        self.judgement.as_ref().map(|j| j.verdict.kind())
    }
}

/// The verdicts on a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleJudgement {
    /// One per item, in the sample's order.
    pub items: Vec<ItemJudgement>,
    /// Items over their limit, in the sample's order.
    pub exceeded: Vec<DischargeItem>,
    /// Items whose compliance cannot be decided, in the sample's order.
    pub undecidable: Vec<DischargeItem>,
    /// Every item with a limit complies: none exceeds and none is undecidable.
    pub compliant: bool,
}

/// Judges each item against the standard's limit and the item's permit limits, the strictest governing
/// (see [`judge`]). An item given twice is judged twice: rejecting duplicates is the reader's job.
pub fn judge_sample(items: &[SampleItem], options: &SampleOptions) -> SampleJudgement {
    let items: Vec<ItemJudgement> = items.iter().map(|measured| judge_item(*measured, options)).collect();
    let of = |kind| items.iter().filter(|i| i.kind() == Some(kind)).map(|i| i.measured.item).collect::<Vec<_>>();
    let (exceeded, undecidable) = (of(VerdictKind::Exceeded), of(VerdictKind::Undecidable));
    SampleJudgement { compliant: exceeded.is_empty() && undecidable.is_empty(), exceeded, undecidable, items }
}

fn judge_item(measured: SampleItem, options: &SampleOptions) -> ItemJudgement {
    let item = measured.item;
    // The standard first: on a tie the earlier limit is the one reported.
    let mut limits: Vec<Limit> = standard_limit(options.standard, &item, &options.conditions).into_iter().collect();
    limits.extend(options.permits.iter().filter(|(i, _)| *i == item).map(|(_, l)| Limit::permit(Bound::Max(*l))));
    let judgement = match measured.unit.incomparable(item) {
        None => {
            let to_standard = |v| measured.unit.to_standard(item, v).unwrap_or(f64::NAN);
            let detection_limit = measured.detection_limit.map(to_standard);
            judge(to_standard(measured.value), measured.below_detection, detection_limit, &limits)
        }
        // Colour in degrees against a dilution-ratio limit: the limit that would govern is reported, and the
        // verdict says why the value cannot meet or exceed it. A bad limit is still reported as such.
        Some((reason_zh, reason_en)) => {
            judge(measured.value, measured.below_detection, measured.detection_limit, &limits).map(|j| {
                match j.verdict {
                    Verdict::Undecidable { .. } => j,
                    _ => Judgement { governing: j.governing, verdict: Verdict::Undecidable { reason_zh, reason_en } },
                }
            })
        }
    };
    let multiple = match judgement.as_ref().map(|j| &j.verdict) {
        Some(Verdict::Exceeded { multiple }) if multiple.is_finite() => Some(round_half_even(*multiple, 2)),
        _ => None,
    };
    ItemJudgement { measured, judgement, multiple }
}

/// A standard, scope or permit limit given as text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleOptionError {
    #[error("'{0}' is not ITEM=LIMIT, e.g. cod=80")]
    NotItemLimit(String),
    #[error("unknown discharge item '{0}'")]
    UnknownItem(String),
    #[error("permit limit '{0}' is not a number")]
    LimitNotANumber(String),
    #[error("permit limit for {0} must be a positive number")]
    LimitNotPositive(DischargeItem),
    #[error("unknown standard '{0}': use gb8978:1|2|3 or gb18918:1A|1B|2|3")]
    UnknownStandard(String),
    #[error("'{0}' is not a water class (I … V)")]
    UnknownWaterClass(String),
    #[error(transparent)]
    Grade(#[from] GradeError),
    #[error("give --standard (e.g. gb8978:1) or --receiving-class (e.g. III)")]
    NoStandard,
    #[error("unknown GB 8978 scope '{0}'; scopes are: {scopes}", scopes = Gb8978Scope::codes())]
    UnknownScope(String),
}

/// A permit limit written `item=limit` (`cod=80`): a positive maximum in the item's unit.
pub fn parse_permit(s: &str) -> Result<(DischargeItem, f64), SampleOptionError> {
    let (item, limit) = s.split_once('=').ok_or_else(|| SampleOptionError::NotItemLimit(s.to_string()))?;
    let item = DischargeItem::parse(item.trim()).ok_or_else(|| SampleOptionError::UnknownItem(item.trim().into()))?;
    let limit: f64 = limit.trim().parse().map_err(|_| SampleOptionError::LimitNotANumber(limit.trim().into()))?;
    if !(limit.is_finite() && limit > 0.0) {
        return Err(SampleOptionError::LimitNotPositive(item));
    }
    Ok((item, limit))
}

/// The standard given (`gb8978:1`), else the GB 8978 grade for the receiving water's class (`III`).
pub fn choose_standard(standard: Option<&str>, receiving: Option<&str>) -> Result<Standard, SampleOptionError> {
    match (standard, receiving) {
        (Some(s), _) => Standard::parse(s).ok_or_else(|| SampleOptionError::UnknownStandard(s.to_string())),
        (None, Some(c)) => {
            let class = WaterClass::parse(c).ok_or_else(|| SampleOptionError::UnknownWaterClass(c.to_string()))?;
            Ok(Standard::Gb8978(gb8978_grade_for_receiving(class)?))
        }
        (None, None) => Err(SampleOptionError::NoStandard),
    }
}

/// The unit's industry for GB 8978 rows (`dyestuff`).
pub fn parse_scope(s: &str) -> Result<Gb8978Scope, SampleOptionError> {
    Gb8978Scope::parse(s).ok_or_else(|| SampleOptionError::UnknownScope(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discharge::LimitSource;
    use crate::domain::units::Unit;

    fn options(standard: &str, permits: &[&str]) -> SampleOptions {
        SampleOptions {
            standard: Standard::parse(standard).expect("standard"),
            conditions: Conditions::default(),
            permits: permits.iter().map(|p| parse_permit(p).expect("permit")).collect(),
        }
    }

    /// Given under `item` (a key or a code) without a unit, as a CSV row `item,value` gives it.
    fn measured(item: &str, value: f64) -> SampleItem {
        let parsed = DischargeItem::parse(item).expect("item");
        SampleItem {
            item: parsed,
            value,
            below_detection: false,
            detection_limit: None,
            unit: MeasuredUnit::of(parsed, item, None).expect("unit"),
        }
    }

    /// Given with an explicit unit.
    fn measured_in(item: &str, value: f64, unit: &str) -> SampleItem {
        let parsed = DischargeItem::parse(item).expect("item");
        SampleItem { unit: MeasuredUnit::of(parsed, item, Some(unit)).expect("unit fits"), ..measured(item, value) }
    }

    fn verdict(sample: SampleItem, standard: &str) -> ItemJudgement {
        judge_sample(&[sample], &options(standard, &[])).items.remove(0)
    }

    /// Reported as `<value>`, the detection limit left to default to the value.
    fn not_detected(item: &str, value: f64) -> SampleItem {
        SampleItem { below_detection: true, ..measured(item, value) }
    }

    #[test]
    fn a_sample_over_gb8978_grade_1_cod_is_exceeded_by_half() {
        let sample = [measured("cod", 150.0), measured("ph", 7.2), not_detected("ss", 5.0)];
        let r = judge_sample(&sample, &options("gb8978:1", &[]));
        assert!(!r.compliant);
        assert_eq!(r.exceeded, vec![DischargeItem::Cod]);
        let cod = &r.items[0];
        assert_eq!(
            (cod.kind(), cod.governing().map(|l| l.bound), cod.multiple),
            (Some(VerdictKind::Exceeded), Some(Bound::Max(100.0)), Some(0.5))
        );
        assert_eq!(r.items[1].kind(), Some(VerdictKind::Compliant));
        assert_eq!(r.items[2].kind(), Some(VerdictKind::Compliant), "a non-detect under the limit complies");
    }

    #[test]
    fn a_stricter_permit_governs_and_a_high_detection_limit_is_undecidable() {
        let sample = [measured("w01018", 90.0), not_detected("nh3n", 20.0)];
        let r = judge_sample(&sample, &options("gb8978:1", &["cod=80"]));
        let cod = &r.items[0];
        assert_eq!(
            (cod.kind(), cod.governing().map(|l| l.source), cod.governing().map(|l| l.bound)),
            (Some(VerdictKind::Exceeded), Some(LimitSource::Permit), Some(Bound::Max(80.0)))
        );
        // GB 8978 grade 1 NH3-N is 15 mg/L; "<20" cannot say whether the sample met it.
        assert_eq!(r.items[1].kind(), Some(VerdictKind::Undecidable));
        assert_eq!(r.undecidable, vec![DischargeItem::Nh3n]);
    }

    /// GB 18918 Table 2 total mercury is 0.001 mg/L. A device reports w20111 in µg/L (HJ 212 Table B.1):
    /// 0.8 µg/L = 0.0008 mg/L complies; 1.2 µg/L = 0.0012 mg/L exceeds by (0.0012 − 0.001) / 0.001 = 0.2.
    #[test]
    fn mercury_under_its_code_is_read_in_micrograms_and_judged_in_milligrams() {
        let ok = verdict(measured("w20111", 0.8), "gb18918:1A");
        assert_eq!((ok.kind(), ok.measured.standard_value()), (Some(VerdictKind::Compliant), Some(0.0008)));
        assert_eq!(ok.measured.read_as(), Some((0.8, "µg/L")));
        let over = verdict(measured("w20111", 1.2), "gb18918:3");
        assert_eq!((over.kind(), over.multiple), (Some(VerdictKind::Exceeded), Some(0.2)));
        assert_eq!(over.governing().map(|l| l.bound), Some(Bound::Max(0.001)));
        // 1 µg/L is exactly the limit, and complies.
        assert_eq!(verdict(measured("w20111", 1.0), "gb18918:1B").kind(), Some(VerdictKind::Compliant));
        // GB 8978's 0.05 mg/L: 1.2 µg/L complies there.
        assert_eq!(verdict(measured("w20111", 1.2), "gb8978:1").kind(), Some(VerdictKind::Compliant));
        // Under the key the value is mg/L: 1.2 mg/L is 1199 times over GB 18918's 0.001.
        let key = verdict(measured("hg", 1.2), "gb18918:1A");
        assert_eq!((key.multiple, key.measured.read_as()), (Some(1199.0), None));
        // "<0.05" µg/L: a detection limit of 0.00005 mg/L, within 0.001, complies.
        let nd = SampleItem { below_detection: true, detection_limit: Some(0.05), ..measured("w20111", 0.05) };
        assert_eq!(verdict(nd, "gb18918:1A").kind(), Some(VerdictKind::Compliant));
    }

    /// Alkyl mercury is 不得检出 in GB 8978 Table 1 and GB 18918 Table 2; HJ 212 gives w20113 in ng/L.
    #[test]
    fn alkyl_mercury_detected_in_nanograms_exceeds_not_detectable() {
        for standard in ["gb8978:1", "gb18918:1A", "gb18918:3"] {
            let j = verdict(measured("w20113", 20.0), standard);
            assert_eq!(j.kind(), Some(VerdictKind::Exceeded), "{standard}");
            assert_eq!((j.measured.standard_value(), j.multiple), (Some(0.00002), None), "an infinite multiple");
            assert_eq!(j.governing().map(|l| l.bound), Some(Bound::NotDetectable));
            let nd = SampleItem { below_detection: true, ..measured("w20113", 10.0) };
            assert_eq!(verdict(nd, standard).kind(), Some(VerdictKind::Compliant), "{standard}");
        }
    }

    /// GB 8978 Table 1 benzo(a)pyrene is 0.00003 mg/L; w25043 arrives in µg/L, so 0.03 µg/L is at the limit
    /// and 0.05 µg/L = 0.00005 mg/L exceeds by (0.00005 − 0.00003) / 0.00003 = 0.67.
    #[test]
    fn benzo_a_pyrene_under_its_code_is_judged_in_milligrams() {
        assert_eq!(verdict(measured("w25043", 0.03), "gb8978:2").kind(), Some(VerdictKind::Compliant));
        let over = verdict(measured("w25043", 0.05), "gb8978:2");
        assert_eq!((over.kind(), over.multiple), (Some(VerdictKind::Exceeded), Some(0.67)));
        // Beryllium (w20127, µg/L) against 0.005 mg/L: 6 µg/L exceeds by 0.2; nickel (w20121) is mg/L.
        assert_eq!(verdict(measured("w20127", 6.0), "gb8978:1").multiple, Some(0.2));
        assert_eq!(verdict(measured("w20121", 1.5), "gb8978:1").multiple, Some(0.5));
        assert_eq!(verdict(measured("bap", 0.00003), "gb8978:3").kind(), Some(VerdictKind::Compliant));
        // Gross α and β are Bq/L, no conversion: 1.5 against 1 and 12 against 10.
        assert_eq!(verdict(measured("w03001", 1.5), "gb8978:1").multiple, Some(0.5));
        assert_eq!(verdict(measured("w03002", 12.0), "gb8978:1").multiple, Some(0.2));
    }

    /// A device's colour (w01002) is in degrees; both standards limit colour as a dilution ratio.
    #[test]
    fn colour_by_device_is_undecidable_and_colour_by_dilution_is_judged() {
        for sample in [measured("w01002", 20.0), measured_in("colour", 20.0, "度")] {
            let j = verdict(sample, "gb18918:1A");
            assert_eq!(j.kind(), Some(VerdictKind::Undecidable));
            // The limit that would govern is still named: 1A colour is 30.
            assert_eq!(j.governing().map(|l| l.bound), Some(Bound::Max(30.0)));
            match j.judgement.map(|j| j.verdict) {
                Some(Verdict::Undecidable { reason_zh, reason_en }) => {
                    assert!(reason_zh.contains("设备色度以度计，标准限值为稀释倍数，二者不可比"), "{reason_zh}");
                    assert!(reason_en.contains("degrees") && reason_en.contains("dilution ratio"), "{reason_en}");
                }
                other => panic!("expected Undecidable, got {other:?}"),
            }
            assert_eq!(j.measured.standard_value(), None);
            assert_eq!(j.measured.read_as(), Some((20.0, "度")));
        }
        let r = judge_sample(&[measured("w01002", 20.0)], &options("gb8978:1", &[]));
        assert_eq!((r.compliant, r.undecidable.clone()), (false, vec![DischargeItem::Colour]));
        // As a dilution ratio it is judged: GB 8978 grade 1 colour is 50, grade 2 is 80.
        assert_eq!(verdict(measured("colour", 40.0), "gb8978:1").kind(), Some(VerdictKind::Compliant));
        assert_eq!(verdict(measured("colour", 60.0), "gb8978:1").multiple, Some(0.2));
        assert_eq!(verdict(measured_in("w01002", 60.0, "倍"), "gb8978:1").multiple, Some(0.2));
        assert_eq!(verdict(measured_in("w01002", 60.0, "times"), "gb8978:2").kind(), Some(VerdictKind::Compliant));
        // GB 8978 grade 3 has no colour limit: nothing to be undecided about.
        assert_eq!(verdict(measured("w01002", 20.0), "gb8978:3").kind(), None);
    }

    #[test]
    fn a_unit_that_does_not_fit_is_never_judged() {
        // Built by hand past MeasuredUnit::of, which refuses it.
        let ph = SampleItem { unit: MeasuredUnit::Concentration(Unit::UgPerL), ..measured("ph", 7.0) };
        assert_eq!(verdict(ph, "gb8978:1").kind(), Some(VerdictKind::Undecidable));
        let alpha = SampleItem { unit: MeasuredUnit::ColourDegrees, ..measured("gross_alpha", 0.5) };
        assert_eq!(verdict(alpha, "gb8978:1").kind(), Some(VerdictKind::Undecidable));
    }

    #[test]
    fn the_grade_follows_the_receiving_water() {
        assert_eq!(choose_standard(None, Some("III")).expect("grade"), Standard::parse("gb8978:1").expect("s"));
        assert_eq!(choose_standard(None, Some("IV")).expect("grade"), Standard::parse("gb8978:2").expect("s"));
        assert!(choose_standard(None, Some("II")).is_err(), "no new outfalls into class II waters");
        assert!(choose_standard(None, None).is_err());
    }
}
