//! Helpers for the tests of more than one part.

use super::{Conditions, DischargeItem, Judgement, Limit, Standard, Verdict, standard_limit};

pub(super) fn assert_multiple(j: &Judgement, want: f64) {
    match j.verdict {
        Verdict::Exceeded { multiple } => {
            assert!((multiple - want).abs() < 1e-12, "multiple {multiple}, want {want}")
        }
        ref other => panic!("expected Exceeded({want}), got {other:?}"),
    }
}

pub(super) fn limit(standard: &str, item: DischargeItem, cond: &Conditions) -> Limit {
    let s = Standard::parse(standard).expect("standard");
    standard_limit(s, &item, cond).unwrap_or_else(|| panic!("{standard} {item} has a limit"))
}
