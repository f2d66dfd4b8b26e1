//! Discharge-limit compliance of enterprise wastewater: GB 8978-1996, GB 18918-2002 and permit limits.
//!
//! Numbers come from `shared/reference/gb8978_1996_limits.csv` and `gb18918_2002_limits.csv` (copied to
//! `models/data/`); the unit tests of `tables` read both files and walk every limit through [`standard_limit`].
//! Limits are in the standard's unit ([`DischargeItem::unit`]). A sample value carries the unit it was
//! measured in ([`MeasuredUnit`]): a value under an HJ 212 code without a unit is in the code's default unit
//! (µg/L for mercury, cadmium, benzo(a)pyrene, …; ng/L for alkyl mercury), converted to mg/L before judging;
//! colour from a device is in degrees and is never judged against the standards' dilution ratios.
//! Pure code: plain values in, plain values out.
//!
//! The parts, each with its tests: `items` (what is measured), `measured` (the unit a value is in),
//! `standards` (standard and grade), `conditions` (what some limits depend on), `tables` (the standards'
//! rows), `limits` (the limit that applies), `judging` (one result against its limits), `sample` (a whole
//! sample, and the options typed for it).

mod conditions;
mod items;
mod judging;
mod limits;
mod measured;
mod sample;
mod standards;
mod tables;
#[cfg(test)]
mod test_support;

pub use conditions::{Conditions, Gb8978Scope};
pub use items::{DischargeItem, ItemInfo};
pub use judging::{Judgement, Verdict, VerdictKind, judge};
pub use limits::{Bound, Limit, LimitSource, standard_limit};
pub use measured::{MeasuredUnit, UnitError};
pub use sample::{
    ItemJudgement, SampleItem, SampleJudgement, SampleOptionError, SampleOptions, choose_standard, judge_sample,
    parse_permit, parse_scope,
};
pub use standards::{
    Gb8978Grade, Gb18918Grade, GradeError, OutfallStandardError, Standard, gb8978_grade_for_receiving, outfall_standard,
};
