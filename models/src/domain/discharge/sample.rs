//! A whole wastewater sample: every item against its standard and permit limits, and whether the sample
//! complied; with the reading of the choices a caller types (standard, receiving water, scope, permit limits).

use crate::domain::Code;
use crate::domain::evaluation::round_half_even;
use crate::domain::gb3838::WaterClass;

use super::conditions::{Conditions, Gb8978Scope};
use super::items::DischargeItem;
use super::judging::{Judgement, Verdict, VerdictKind, judge};
use super::limits::{Bound, Limit, standard_limit};
use super::standards::{GradeError, Standard, gb8978_grade_for_receiving};

/// What a sample is judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOptions {
    pub standard: Standard,
    pub conditions: Conditions,
    /// Permit limits by item: maxima, in the item's unit.
    pub permits: Vec<(DischargeItem, f64)>,
}

/// One item of a sample, in the item's unit ([`DischargeItem::unit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleItem {
    pub item: DischargeItem,
    /// The measured value; for a non-detect, the number reported (`<0.5` is 0.5).
    pub value: f64,
    pub below_detection: bool,
    /// A non-detect's detection limit; `value` when `None`.
    pub detection_limit: Option<f64>,
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
    let judgement = judge(measured.value, measured.below_detection, measured.detection_limit, &limits);
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

    fn options(standard: &str, permits: &[&str]) -> SampleOptions {
        SampleOptions {
            standard: Standard::parse(standard).expect("standard"),
            conditions: Conditions::default(),
            permits: permits.iter().map(|p| parse_permit(p).expect("permit")).collect(),
        }
    }

    fn measured(item: &str, value: f64) -> SampleItem {
        SampleItem {
            item: DischargeItem::parse(item).expect("item"),
            value,
            below_detection: false,
            detection_limit: None,
        }
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

    #[test]
    fn the_grade_follows_the_receiving_water() {
        assert_eq!(choose_standard(None, Some("III")).expect("grade"), Standard::parse("gb8978:1").expect("s"));
        assert_eq!(choose_standard(None, Some("IV")).expect("grade"), Standard::parse("gb8978:2").expect("s"));
        assert!(choose_standard(None, Some("II")).is_err(), "no new outfalls into class II waters");
        assert!(choose_standard(None, None).is_err());
    }
}
