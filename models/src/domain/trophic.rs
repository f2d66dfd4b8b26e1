//! The trophic state of lakes and reservoirs: the comprehensive trophic level index TLI(Σ) of 中国环境监测总站
//! 《湖泊（水库）富营养化评价方法及分级技术规定》(2001), used by the 2011 evaluation method (STANDARDS.md §2a).
//!
//! TLI(Σ) = Σ Wj · TLI(j) over chlorophyll-a, TP, TN, transparency (SD) and CODMn, with Wj = rij² / Σ rij² and
//! rij the correlation of item j with chlorophyll-a. Computed from the items present, the weights
//! renormalised over them (the method's m), with at least chlorophyll-a and two others.
//! Pure code: plain values in, plain values out.

use serde::Serialize;

use super::gb3838::Parameter;

/// The items of the index with their correlation with chlorophyll-a, rij, and TLI(j) = 10 (a + b ln x).
/// Units: chl-a mg/m³ (= µg/L), TP, TN, CODMn mg/L, SD m.
const ITEMS: [(Parameter, f64, f64, f64); 5] = [
    (Parameter::Chla, 1.0, 2.5, 1.086),
    (Parameter::Tp, 0.84, 9.436, 1.624),
    (Parameter::Tn, 0.82, 5.453, 1.694),
    (Parameter::Sd, -0.83, 5.118, -1.94),
    (Parameter::Codmn, 0.83, 0.109, 2.661),
];

/// The least an index is computed from: chlorophyll-a and this many other items.
pub const MIN_OTHER_ITEMS: usize = 2;

/// 营养状态分级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Grade {
    /// TLI < 30
    Oligotrophic,
    /// 30 ≤ TLI ≤ 50
    Mesotrophic,
    /// 50 < TLI ≤ 60
    LightEutrophic,
    /// 60 < TLI ≤ 70
    MiddleEutrophic,
    /// TLI > 70
    HyperEutrophic,
}

impl Grade {
    pub fn of(tli: f64) -> Grade {
        if tli < 30.0 {
            Self::Oligotrophic
        } else if tli <= 50.0 {
            Self::Mesotrophic
        } else if tli <= 60.0 {
            Self::LightEutrophic
        } else if tli <= 70.0 {
            Self::MiddleEutrophic
        } else {
            Self::HyperEutrophic
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Oligotrophic => "贫营养",
            Self::Mesotrophic => "中营养",
            Self::LightEutrophic => "轻度富营养",
            Self::MiddleEutrophic => "中度富营养",
            Self::HyperEutrophic => "重度富营养",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Oligotrophic => "oligotrophic",
            Self::Mesotrophic => "mesotrophic",
            Self::LightEutrophic => "light eutrophic",
            Self::MiddleEutrophic => "middle eutrophic",
            Self::HyperEutrophic => "hypereutrophic",
        }
    }

    /// Eutrophic (富营养) at any degree.
    pub fn is_eutrophic(self) -> bool {
        self >= Self::LightEutrophic
    }
}

/// One item's part in the index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemIndex {
    pub parameter: Parameter,
    pub value: f64,
    pub tli: f64,
    /// Wj, renormalised over the items used.
    pub weight: f64,
}

/// The trophic state of a sample or a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrophicState {
    pub tli: f64,
    pub grade: Grade,
    /// The items used, in the method's order.
    pub items: Vec<ItemIndex>,
    /// The index's items that were not given.
    pub missing: Vec<Parameter>,
}

/// Why there is no index.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum TrophicError {
    /// Too few items: chlorophyll-a and at least two others are needed.
    #[error("insufficient data for the trophic index: missing {}", names(missing))]
    Insufficient { missing: Vec<Parameter> },
    /// A value the logarithm cannot take (zero, negative, not a number).
    #[error("{parameter} {value} cannot enter the trophic index: it must be a positive number")]
    NotPositive { parameter: Parameter, value: f64 },
}

fn names(ps: &[Parameter]) -> String {
    ps.iter().map(|p| p.key()).collect::<Vec<_>>().join(", ")
}

/// Whether `parameter` enters the index.
pub fn is_index_item(parameter: Parameter) -> bool {
    ITEMS.iter().any(|(p, ..)| *p == parameter)
}

/// TLI(Σ) of the values given (any items; those outside the index are ignored), in the units above.
pub fn trophic_state(values: &[(Parameter, f64)]) -> Result<TrophicState, TrophicError> {
    let mut used = Vec::new();
    let mut missing = Vec::new();
    for (parameter, r, a, b) in ITEMS {
        match values.iter().find(|(p, _)| *p == parameter) {
            Some(&(_, value)) => {
                if !(value > 0.0 && value.is_finite()) {
                    return Err(TrophicError::NotPositive { parameter, value });
                }
                used.push((parameter, value, r, 10.0 * (a + b * value.ln())));
            }
            None => missing.push(parameter),
        }
    }
    let has_chla = used.iter().any(|(p, ..)| *p == Parameter::Chla);
    if !has_chla || used.len() < 1 + MIN_OTHER_ITEMS {
        return Err(TrophicError::Insufficient { missing });
    }
    let sum_r2: f64 = used.iter().map(|(_, _, r, _)| r * r).sum();
    let items: Vec<ItemIndex> = used
        .iter()
        .map(|&(parameter, value, r, tli)| ItemIndex { parameter, value, tli, weight: r * r / sum_r2 })
        .collect();
    let tli = items.iter().map(|i| i.weight * i.tli).sum();
    Ok(TrophicState { tli, grade: Grade::of(tli), items, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// Worked by hand (and checked with a few lines of Python): chl-a 10 µg/L, TP 0.05, TN 1.0, SD 1.0 m,
    /// CODMn 4.0 mg/L.
    /// TLI(chla) = 10(2.5 + 1.086 ln 10) = 50.006074; TLI(TP) = 10(9.436 + 1.624 ln 0.05) = 45.709308;
    /// TLI(TN) = 54.53; TLI(SD) = 51.18; TLI(CODMn) = 10(0.109 + 2.661 ln 4) = 37.979293.
    /// Σ r² = 1 + 0.7056 + 0.6724 + 0.6889 + 0.6889 = 3.7558, so W(chla) = 0.266255, W(TP) = 0.187869, …
    /// TLI(Σ) = 48.018098: 中营养.
    #[test]
    fn a_hand_computed_sample_to_one_millionth() {
        let s = trophic_state(&[
            (Parameter::Chla, 10.0),
            (Parameter::Tp, 0.05),
            (Parameter::Tn, 1.0),
            (Parameter::Sd, 1.0),
            (Parameter::Codmn, 4.0),
        ])
        .expect("all five items");
        assert!(close(s.tli, 48.018_098), "{}", s.tli);
        assert_eq!(s.grade, Grade::Mesotrophic);
        assert!(s.missing.is_empty());
        let tli: Vec<f64> = s.items.iter().map(|i| i.tli).collect();
        for (got, want) in tli.iter().zip([50.006_074, 45.709_308, 54.53, 51.18, 37.979_293]) {
            assert!(close(*got, want), "{got} vs {want}");
        }
        assert!(close(s.items[0].weight, 0.266_255) && close(s.items[1].weight, 0.187_869));
        assert!(close(s.items.iter().map(|i| i.weight).sum(), 1.0));
    }

    /// Without transparency the weights are renormalised over four items: Σ r² = 3.0669, W(chla) = 0.326062,
    /// and TLI(Σ) = 47.307858.
    #[test]
    fn missing_items_renormalise_the_weights_and_are_named() {
        let s = trophic_state(&[
            (Parameter::Chla, 10.0),
            (Parameter::Tp, 0.05),
            (Parameter::Tn, 1.0),
            (Parameter::Codmn, 4.0),
            (Parameter::Nh3n, 0.3),
        ])
        .expect("four items");
        assert!(close(s.tli, 47.307_858), "{}", s.tli);
        assert!(close(s.items[0].weight, 0.326_062));
        assert_eq!(s.missing, vec![Parameter::Sd]);
        assert_eq!(s.items.len(), 4, "NH3-N is no index item");
    }

    #[test]
    fn chlorophyll_and_two_others_are_the_least_an_index_needs() {
        let err = trophic_state(&[(Parameter::Chla, 10.0), (Parameter::Tp, 0.05)]).expect_err("two items");
        assert_eq!(err, TrophicError::Insufficient { missing: vec![Parameter::Tn, Parameter::Sd, Parameter::Codmn] });
        let no_chla = [(Parameter::Tp, 0.05), (Parameter::Tn, 1.0), (Parameter::Sd, 1.0), (Parameter::Codmn, 4.0)];
        assert!(matches!(trophic_state(&no_chla), Err(TrophicError::Insufficient { .. })));
        let zero = [(Parameter::Chla, 0.0), (Parameter::Tp, 0.05), (Parameter::Tn, 1.0)];
        assert!(matches!(trophic_state(&zero), Err(TrophicError::NotPositive { parameter: Parameter::Chla, .. })));
    }

    #[test]
    fn grades_at_their_boundaries() {
        assert_eq!(Grade::of(29.999), Grade::Oligotrophic);
        assert_eq!(Grade::of(30.0), Grade::Mesotrophic);
        assert_eq!(Grade::of(50.0), Grade::Mesotrophic);
        assert_eq!(Grade::of(50.001), Grade::LightEutrophic);
        assert_eq!(Grade::of(60.0), Grade::LightEutrophic);
        assert_eq!(Grade::of(60.001), Grade::MiddleEutrophic);
        assert_eq!(Grade::of(70.0), Grade::MiddleEutrophic);
        assert_eq!(Grade::of(70.001), Grade::HyperEutrophic);
        assert_eq!(Grade::LightEutrophic.zh(), "轻度富营养");
        assert!(Grade::LightEutrophic.is_eutrophic() && !Grade::Mesotrophic.is_eutrophic());
    }

    /// A summer bloom: chl-a 40, TP 0.12, TN 1.8, SD 0.4, CODMn 7: TLI(Σ) = 62.472234, 中度富营养.
    #[test]
    fn a_summer_bloom_is_middle_eutrophic() {
        let s = trophic_state(&[
            (Parameter::Chla, 40.0),
            (Parameter::Tp, 0.12),
            (Parameter::Tn, 1.8),
            (Parameter::Sd, 0.4),
            (Parameter::Codmn, 7.0),
        ])
        .expect("five items");
        assert!(close(s.tli, 62.472_234), "{}", s.tli);
        assert_eq!(s.grade, Grade::MiddleEutrophic);
    }
}
