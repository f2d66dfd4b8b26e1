//! Discharge-limit compliance of enterprise wastewater: GB 8978-1996, GB 18918-2002 and permit limits.
//!
//! Numbers come from `shared/reference/gb8978_1996_limits.csv` and `gb18918_2002_limits.csv` (copied to
//! `models/data/`); the unit tests of `tables` read both files and walk every limit through [`standard_limit`].
//! Values are in the standard's unit ([`DischargeItem::unit`]): devices that report µg/L or ng/L (HJ 212
//! defaults for mercury, alkyl mercury, benzo(a)pyrene, …) must be converted on ingest, as for GB 3838.
//! Pure code: plain values in, plain values out.
//!
//! The parts, each with its tests: `items` (what is measured), `standards` (standard and grade),
//! `conditions` (what some limits depend on), `tables` (the standards' rows), `limits` (the limit that
//! applies), `judging` (one result against its limits), `sample` (a whole sample, and the options typed for it).

mod conditions;
mod items;
mod judging;
mod limits;
mod sample;
mod standards;
mod tables;
#[cfg(test)]
mod test_support;

pub use conditions::{Conditions, Gb8978Scope};
pub use items::{DischargeItem, ItemInfo};
pub use judging::{Judgement, Verdict, VerdictKind, judge};
pub use limits::{Bound, Limit, LimitSource, standard_limit};
pub use sample::{
    ItemJudgement, SampleItem, SampleJudgement, SampleOptionError, SampleOptions, choose_standard, judge_sample,
    parse_permit, parse_scope,
};
pub use standards::{
    Gb8978Grade, Gb18918Grade, GradeError, OutfallStandardError, Standard, gb8978_grade_for_receiving, outfall_standard,
};
