//! Evaluating surface water by the national method (地表水环境质量评价办法, 2011): period values of a
//! section's items, the section's class and main pollutants, and the figures of a group of sections.
//!
//! Pure code. The rules and their sources are in `shared/reference/STANDARDS.md` §1–2; choices marked
//! *practice* there are noted where they are made.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::gb3838::{Parameter, Status, WaterBodyKind, WaterClass};
use super::period::YearMonth;

/// One measured value, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    /// For a value below detection: the detection limit.
    pub value: f64,
    pub below_detection: bool,
    /// HJ 212 flag `N`: only normal values are evaluated.
    pub normal: bool,
}

/// Round half to even ("四舍六入五成双", GB/T 8170) at `decimals` places.
pub fn round_half_even(value: f64, decimals: u32) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    let scaled = value * factor;
    // Decide ties on the decimal text, not on binary noise: 0.125 is a tie, 0.1250000001 is not.
    let text = format!("{:.*}", decimals as usize + 6, value);
    let digits_after = text.split_once('.').map_or("", |(_, f)| f);
    let tail = digits_after.get(decimals as usize..).unwrap_or("");
    let is_tie = tail.starts_with('5') && tail[1..].chars().all(|c| c == '0');
    let rounded = if is_tie {
        let floor = scaled.floor();
        if floor % 2.0 == 0.0 { floor } else { floor + 1.0 }
    } else {
        scaled.round()
    };
    rounded / factor
}

/// The value of one item over a period, in the standard's unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemValue {
    pub parameter: Parameter,
    /// The period value (½ × detection limit for non-detects), rounded per [`Parameter::decimals`] unless
    /// evaluation is exact.
    pub value: f64,
    /// `Some(limit)` when every sample was below detection: report "not detected" (`{limit}L`).
    pub not_detected: Option<f64>,
    /// How many normal samples went into it.
    pub samples: usize,
}

/// Whether period values are rounded before classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Per item decimals, half to even (practice of the 2020 statistics rule).
    #[default]
    PerItem,
    /// Classify the exact means.
    Exact,
}

/// Arithmetic mean of values, or for pH the mean taken through the hydrogen-ion concentration.
fn mean(parameter: Parameter, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    Some(if parameter == Parameter::Ph {
        let h: f64 = values.iter().map(|ph| 10f64.powf(-ph)).sum::<f64>() / n;
        -h.log10()
    } else {
        values.iter().sum::<f64>() / n
    })
}

/// The period value of `parameter` from `samples` (any order, other items ignored). A single month is the
/// mean of its samples; a longer period is the mean of its monthly means. Non-detects count as half their
/// detection limit; samples not flagged normal are left out.
pub fn period_value(
    parameter: Parameter,
    samples: &[Sample],
    kind: WaterBodyKind,
    rounding: Rounding,
) -> Option<ItemValue> {
    let mut by_month: BTreeMap<YearMonth, Vec<f64>> = BTreeMap::new();
    let (mut count, mut detected, mut max_limit) = (0usize, false, 0f64);
    for s in samples.iter().filter(|s| s.parameter == parameter && s.normal && s.value.is_finite()) {
        let v = if s.below_detection {
            max_limit = max_limit.max(s.value);
            s.value / 2.0
        } else {
            detected = true;
            s.value
        };
        by_month.entry(YearMonth::of_instant(s.sampled_at)).or_default().push(v);
        count += 1;
    }
    let monthly: Vec<f64> = by_month.values().filter_map(|vs| mean(parameter, vs)).collect();
    let value = mean(parameter, &monthly)?;
    let value = match rounding {
        Rounding::PerItem => round_half_even(value, parameter.decimals(kind)),
        Rounding::Exact => value,
    };
    Some(ItemValue { parameter, value, not_detected: (!detected).then_some(max_limit), samples: count })
}

/// One item judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemEvaluation {
    pub parameter: Parameter,
    pub value: f64,
    pub not_detected: Option<f64>,
    pub class: Option<WaterClass>,
    /// (C − C_III) / C_III when worse than class III (not for pH, DO, temperature).
    pub multiple: Option<f64>,
    /// Counts in the section's class under the national method.
    pub evaluated: bool,
}

/// A main pollutant (主要污染指标) of a section: an item worse than class III.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MainPollutant {
    pub parameter: Parameter,
    pub class: WaterClass,
    pub multiple: Option<f64>,
}

impl MainPollutant {
    /// As reports print it: `NH3-N(1.3)`, or `DO` where no multiple is defined.
    pub fn label(&self) -> String {
        let symbol = self.parameter.info().symbol;
        match self.multiple {
            Some(m) => format!("{symbol}({})", super::notice_text::format_number(round_half_even(m, 2))),
            None => symbol.to_string(),
        }
    }
}

/// A sample's or a period's judgement of one section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionEvaluation {
    /// The worst class among evaluated items; `None` when no evaluated item has a value.
    pub class: Option<WaterClass>,
    pub items: Vec<ItemEvaluation>,
    pub main_pollutants: Vec<MainPollutant>,
}

impl SectionEvaluation {
    pub fn status(&self) -> Option<Status> {
        self.class.map(WaterClass::status)
    }

    pub fn item(&self, parameter: Parameter) -> Option<&ItemEvaluation> {
        self.items.iter().find(|i| i.parameter == parameter)
    }
}

/// Judges item values (one per item) taken on a water body of `kind`.
pub fn evaluate(values: &[ItemValue], kind: WaterBodyKind) -> SectionEvaluation {
    let mut items: Vec<ItemEvaluation> = values
        .iter()
        .map(|v| ItemEvaluation {
            parameter: v.parameter,
            value: v.value,
            not_detected: v.not_detected,
            class: v.parameter.classify(v.value, kind),
            multiple: v.parameter.exceedance_multiple(v.value, kind),
            evaluated: v.parameter.is_evaluated(kind),
        })
        .collect();
    items.sort_by_key(|i| i.parameter);
    let class = items.iter().filter(|i| i.evaluated).filter_map(|i| i.class).max();
    let main_pollutants = main_pollutants(&items);
    SectionEvaluation { class, items, main_pollutants }
}

/// Up to three evaluated items worse than class III: worst class first, ties by the larger exceedance
/// multiple (items without a multiple, pH and DO, after those with one), then the standard's order.
pub fn main_pollutants(items: &[ItemEvaluation]) -> Vec<MainPollutant> {
    let mut worse: Vec<MainPollutant> = items
        .iter()
        .filter(|i| i.evaluated)
        .filter_map(|i| {
            let class = i.class.filter(|c| *c > WaterClass::III)?;
            Some(MainPollutant { parameter: i.parameter, class, multiple: i.multiple })
        })
        .collect();
    worse.sort_by(|a, b| {
        b.class
            .cmp(&a.class)
            .then_with(|| b.multiple.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.multiple.unwrap_or(f64::NEG_INFINITY)))
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    worse.truncate(3);
    worse
}

/// Evaluates a section over a period from its samples.
pub fn evaluate_samples(samples: &[Sample], kind: WaterBodyKind, rounding: Rounding) -> SectionEvaluation {
    let mut parameters: Vec<Parameter> = samples.iter().map(|s| s.parameter).collect();
    parameters.sort();
    parameters.dedup();
    let values: Vec<ItemValue> =
        parameters.into_iter().filter_map(|p| period_value(p, samples, kind, rounding)).collect();
    evaluate(&values, kind)
}

// ---------------------------------------------------------------------------------------------------
// Groups of sections
// ---------------------------------------------------------------------------------------------------

/// One section of a group, judged over the period.
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub code: String,
    pub kind: WaterBodyKind,
    pub target: WaterClass,
    pub evaluation: SectionEvaluation,
}

/// How a group's status word was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusMethod {
    /// Five or more sections: by the shares of classes.
    Proportion,
    /// Fewer than five: each item averaged over the sections, then classified.
    Averaging,
}

impl StatusMethod {
    pub fn code(self) -> &'static str {
        match self {
            Self::Proportion => "proportion",
            Self::Averaging => "averaging",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Proportion => "断面类别比例法",
            Self::Averaging => "断面平均值法",
        }
    }
}

/// An item's share of sections worse than class III (断面超标率).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPollutant {
    pub parameter: Parameter,
    /// Percent of the sections measuring the item whose value is worse than class III.
    pub exceedance_rate: f64,
    pub sections_exceeding: usize,
}

/// The figures by which a town, river or district is assessed. Shares are percentages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFigures {
    /// Sections with a class in the period.
    pub evaluated: usize,
    /// Sections in classes I, II, III, IV, V, 劣V.
    pub distribution: [usize; 6],
    pub shares: [f64; 6],
    /// 优良水质比例: share of classes I–III.
    pub excellent_rate: f64,
    /// 劣V类比例.
    pub worse_than_v_share: f64,
    pub meeting_target: usize,
    pub target_attainment_rate: f64,
    pub status: Option<Status>,
    pub status_method: Option<StatusMethod>,
    /// With fewer than five sections: the class of the averaged items.
    pub averaged_class: Option<WaterClass>,
    /// Up to three items with the highest section exceedance rate (only those exceeded anywhere).
    pub main_pollutants: Vec<GroupPollutant>,
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// The status word of a river or basin by the shares of classes (five or more sections).
pub fn status_by_proportion(excellent_rate: f64, worse_than_v_share: f64) -> Status {
    // STANDARDS.md §2. (The 2011 text also asks I–III < 60 % for 重度污染; with both conditions a 60/40
    // split would fall in no category, so the 劣V share alone decides once I–III is under 75 %.)
    if excellent_rate >= 90.0 {
        Status::Excellent
    } else if excellent_rate >= 75.0 {
        Status::Good
    } else if worse_than_v_share < 20.0 {
        Status::SlightlyPolluted
    } else if worse_than_v_share < 40.0 {
        Status::ModeratelyPolluted
    } else {
        Status::HeavilyPolluted
    }
}

/// Figures of a group of sections for one period.
pub fn group_figures(members: &[GroupMember], rounding: Rounding) -> GroupFigures {
    let classed: Vec<(&GroupMember, WaterClass)> =
        members.iter().filter_map(|m| m.evaluation.class.map(|c| (m, c))).collect();
    let evaluated = classed.len();
    let mut distribution = [0usize; 6];
    for (_, class) in &classed {
        distribution[(class.rank() - 1) as usize] += 1;
    }
    let shares = distribution.map(|n| percent(n, evaluated));
    let excellent = distribution[..3].iter().sum();
    let excellent_rate = percent(excellent, evaluated);
    let worse_than_v_share = percent(distribution[5], evaluated);
    let meeting_target = classed.iter().filter(|(m, c)| *c <= m.target).count();

    let (status, status_method, averaged_class) = if evaluated == 0 {
        (None, None, None)
    } else if evaluated >= 5 {
        (Some(status_by_proportion(excellent_rate, worse_than_v_share)), Some(StatusMethod::Proportion), None)
    } else {
        match averaged(&classed, rounding) {
            Some(class) => (Some(class.status()), Some(StatusMethod::Averaging), Some(class)),
            None => (None, None, None),
        }
    };

    GroupFigures {
        evaluated,
        distribution,
        shares,
        excellent_rate,
        worse_than_v_share,
        meeting_target,
        target_attainment_rate: percent(meeting_target, evaluated),
        status,
        status_method,
        averaged_class,
        main_pollutants: group_pollutants(&classed),
    }
}

/// Fewer than five sections: average each evaluated item over the sections, then classify. Rivers and
/// lakes/reservoirs are averaged apart (their TP limits differ) and the worse class stands for the group;
/// the method itself speaks of one river, so a mixed town is practice, not national text.
fn averaged(classed: &[(&GroupMember, WaterClass)], rounding: Rounding) -> Option<WaterClass> {
    [false, true]
        .into_iter()
        .filter_map(|lake| {
            let members: Vec<&GroupMember> =
                classed.iter().map(|(m, _)| *m).filter(|m| m.kind.uses_lake_limits() == lake).collect();
            averaged_one_kind(&members, rounding)
        })
        .max()
}

fn averaged_one_kind(members: &[&GroupMember], rounding: Rounding) -> Option<WaterClass> {
    let kind = members.first()?.kind;
    let mut per_item: BTreeMap<Parameter, Vec<f64>> = BTreeMap::new();
    for m in members {
        for item in m.evaluation.items.iter().filter(|i| i.evaluated) {
            per_item.entry(item.parameter).or_default().push(item.value);
        }
    }
    let values: Vec<ItemValue> = per_item
        .into_iter()
        .filter_map(|(parameter, values)| {
            let v = mean(parameter, &values)?;
            let value = match rounding {
                Rounding::PerItem => round_half_even(v, parameter.decimals(kind)),
                Rounding::Exact => v,
            };
            Some(ItemValue { parameter, value, not_detected: None, samples: values.len() })
        })
        .collect();
    evaluate(&values, kind).class
}

fn group_pollutants(classed: &[(&GroupMember, WaterClass)]) -> Vec<GroupPollutant> {
    let mut measured: BTreeMap<Parameter, (usize, usize)> = BTreeMap::new();
    for (m, _) in classed {
        for item in m.evaluation.items.iter().filter(|i| i.evaluated) {
            let entry = measured.entry(item.parameter).or_default();
            entry.0 += 1;
            if item.class.is_some_and(|c| c > WaterClass::III) {
                entry.1 += 1;
            }
        }
    }
    let mut rates: Vec<GroupPollutant> = measured
        .into_iter()
        .filter(|(_, (_, exceeding))| *exceeding > 0)
        .map(|(parameter, (n, exceeding))| GroupPollutant {
            parameter,
            exceedance_rate: percent(exceeding, n),
            sections_exceeding: exceeding,
        })
        .collect();
    rates.sort_by(|a, b| b.exceedance_rate.total_cmp(&a.exceedance_rate).then_with(|| a.parameter.cmp(&b.parameter)));
    rates.truncate(3);
    rates
}

/// How much a group's water changed between two periods (ΔG − ΔD, in percentage points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    MarkedlyImproved,
    SomewhatImproved,
    NoObviousChange,
    SomewhatWorse,
    MarkedlyWorse,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Self::MarkedlyImproved => "markedly_improved",
            Self::SomewhatImproved => "somewhat_improved",
            Self::NoObviousChange => "no_obvious_change",
            Self::SomewhatWorse => "somewhat_worse",
            Self::MarkedlyWorse => "markedly_worse",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::MarkedlyImproved => "明显好转",
            Self::SomewhatImproved => "有所好转",
            Self::NoObviousChange => "无明显变化",
            Self::SomewhatWorse => "有所变差",
            Self::MarkedlyWorse => "明显变差",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Change of the I–III share, points.
    pub delta_excellent: f64,
    /// Change of the 劣V share, points.
    pub delta_worse_than_v: f64,
    /// ΔG − ΔD.
    pub score: f64,
    pub change: Change,
}

/// Compares a period's figures with an earlier period's (practice: |ΔG − ΔD| ≤ 10 no obvious change,
/// ≤ 20 somewhat, beyond markedly). `None` when either period has no evaluated section.
pub fn compare(earlier: &GroupFigures, later: &GroupFigures) -> Option<Comparison> {
    if earlier.evaluated == 0 || later.evaluated == 0 {
        return None;
    }
    let delta_excellent = later.excellent_rate - earlier.excellent_rate;
    let delta_worse_than_v = later.worse_than_v_share - earlier.worse_than_v_share;
    let score = delta_excellent - delta_worse_than_v;
    // Compare on rounded points so that 10.000000001 from float noise is still "10".
    let s = round_half_even(score, 6);
    let change = if s.abs() <= 10.0 {
        Change::NoObviousChange
    } else if s > 20.0 {
        Change::MarkedlyImproved
    } else if s > 0.0 {
        Change::SomewhatImproved
    } else if s < -20.0 {
        Change::MarkedlyWorse
    } else {
        Change::SomewhatWorse
    };
    Some(Comparison { delta_excellent, delta_worse_than_v, score, change })
}

#[cfg(test)]
mod tests {
    use super::*;
    use WaterClass::*;

    const RIVER: WaterBodyKind = WaterBodyKind::River;

    fn at(day: &str) -> DateTime<Utc> {
        format!("{day}T01:30:00Z").parse().expect("time")
    }

    fn s(parameter: Parameter, day: &str, value: f64) -> Sample {
        Sample { parameter, sampled_at: at(day), value, below_detection: false, normal: true }
    }

    fn nd(parameter: Parameter, day: &str, limit: f64) -> Sample {
        Sample { below_detection: true, ..s(parameter, day, limit) }
    }

    fn value(parameter: Parameter, v: f64) -> ItemValue {
        ItemValue { parameter, value: v, not_detected: None, samples: 1 }
    }

    #[test]
    fn rounding_is_half_to_even_on_the_decimal_digits() {
        assert_eq!(round_half_even(0.125, 2), 0.12);
        assert_eq!(round_half_even(0.135, 2), 0.14);
        assert_eq!(round_half_even(0.055, 2), 0.06);
        assert_eq!(round_half_even(2.5, 0), 2.0);
        assert_eq!(round_half_even(3.5, 0), 4.0);
        assert_eq!(round_half_even(1.0051, 2), 1.01);
        assert_eq!(round_half_even(1.004, 2), 1.0);
    }

    #[test]
    fn a_year_is_the_mean_of_monthly_means_not_of_all_samples() {
        // January 1.0 and 2.0 (mean 1.5), February 0.3: the year is (1.5 + 0.3) / 2 = 0.9, class III.
        // The mean of all three samples would be 1.1, class IV.
        let samples = [
            s(Parameter::Nh3n, "2026-01-05", 1.0),
            s(Parameter::Nh3n, "2026-01-20", 2.0),
            s(Parameter::Nh3n, "2026-02-10", 0.3),
        ];
        let v = period_value(Parameter::Nh3n, &samples, RIVER, Rounding::PerItem).expect("value");
        assert_eq!(v.value, 0.9);
        assert_eq!(v.samples, 3);
        assert_eq!(evaluate(&[v], RIVER).class, Some(III));
    }

    #[test]
    fn non_detects_count_as_half_their_limit_and_all_non_detects_report_not_detected() {
        let all_nd = [nd(Parameter::Tp, "2026-03-10", 0.02), nd(Parameter::Tp, "2026-03-20", 0.02)];
        let v = period_value(Parameter::Tp, &all_nd, RIVER, Rounding::PerItem).expect("value");
        assert_eq!((v.value, v.not_detected), (0.01, Some(0.02)));
        // (0.01 + 0.1) / 2 = 0.055, rounded half to even at 2 places: 0.06.
        let mixed = [nd(Parameter::Tp, "2026-03-10", 0.02), s(Parameter::Tp, "2026-03-20", 0.1)];
        let v = period_value(Parameter::Tp, &mixed, RIVER, Rounding::PerItem).expect("value");
        assert_eq!((v.value, v.not_detected), (0.06, None));
        let exact = period_value(Parameter::Tp, &mixed, RIVER, Rounding::Exact).expect("value");
        assert!((exact.value - 0.055).abs() < 1e-12);
    }

    #[test]
    fn ph_is_averaged_through_hydrogen_ions() {
        // pH 6 and 8: [H+] = (1e-6 + 1e-8) / 2 = 5.05e-7, pH 6.2967… → 6.30, not the arithmetic 7.0.
        let samples = [s(Parameter::Ph, "2026-04-01", 6.0), s(Parameter::Ph, "2026-04-15", 8.0)];
        let v = period_value(Parameter::Ph, &samples, RIVER, Rounding::PerItem).expect("value");
        assert_eq!(v.value, 6.3);
    }

    #[test]
    fn values_not_flagged_normal_are_left_out() {
        let mut faulty = s(Parameter::Nh3n, "2026-05-01", 5.0);
        faulty.normal = false;
        let samples = [s(Parameter::Nh3n, "2026-05-02", 0.5), faulty];
        let v = period_value(Parameter::Nh3n, &samples, RIVER, Rounding::PerItem).expect("value");
        assert_eq!((v.value, v.samples), (0.5, 1));
        let only_faulty = [Sample { normal: false, ..s(Parameter::Nh3n, "2026-05-02", 0.5) }];
        assert_eq!(period_value(Parameter::Nh3n, &only_faulty, RIVER, Rounding::PerItem), None);
    }

    #[test]
    fn the_section_class_is_the_worst_evaluated_item_and_reference_items_do_not_count() {
        let values = [
            value(Parameter::Nh3n, 0.4),               // II
            value(Parameter::Do, 6.5),                 // II
            value(Parameter::Tn, 5.0),                 // 劣V, but TN is not evaluated on rivers
            value(Parameter::FecalColiform, 90_000.0), // 劣V, reference only
            value(Parameter::Temp, 31.0),              // no class
        ];
        let e = evaluate(&values, RIVER);
        assert_eq!(e.class, Some(II));
        assert!(e.main_pollutants.is_empty());
        let on_a_lake = evaluate(&values, WaterBodyKind::Lake);
        assert_eq!(on_a_lake.class, Some(WorseThanV), "TN counts on lakes");
    }

    #[test]
    fn main_pollutants_are_the_worst_classes_first_then_the_larger_multiple() {
        let values = [
            value(Parameter::Cod, 45.0),   // 劣V, (45-20)/20 = 1.25
            value(Parameter::Nh3n, 2.6),   // 劣V, 1.6
            value(Parameter::Tp, 0.35),    // V, 0.75
            value(Parameter::Codmn, 12.0), // V, 1.0
            value(Parameter::Do, 2.5),     // V, no multiple
            value(Parameter::Bod5, 3.5),   // III
        ];
        let e = evaluate(&values, RIVER);
        assert_eq!(e.class, Some(WorseThanV));
        let order: Vec<Parameter> = e.main_pollutants.iter().map(|m| m.parameter).collect();
        assert_eq!(order, vec![Parameter::Nh3n, Parameter::Cod, Parameter::Codmn]);
        let labels: Vec<String> = e.main_pollutants.iter().map(MainPollutant::label).collect();
        assert_eq!(labels, vec!["NH3-N(1.6)", "COD(1.25)", "CODMn(1)"]);
    }

    #[test]
    fn a_section_no_worse_than_class_iii_has_no_main_pollutants() {
        let e = evaluate(&[value(Parameter::Nh3n, 1.0), value(Parameter::Tp, 0.2)], RIVER);
        assert_eq!(e.class, Some(III));
        assert!(e.main_pollutants.is_empty());
    }

    fn member(code: &str, class_value: f64, target: WaterClass) -> GroupMember {
        // NH3-N alone decides the class: 0.4 II, 0.8 III, 1.2 IV, 1.8 V, 2.5 劣V.
        GroupMember {
            code: code.into(),
            kind: RIVER,
            target,
            evaluation: evaluate(&[value(Parameter::Nh3n, class_value)], RIVER),
        }
    }

    #[test]
    fn five_sections_are_assessed_by_class_shares() {
        let members = [
            member("A", 0.4, III), // II, meets
            member("B", 0.8, III), // III, meets
            member("C", 0.8, II),  // III, misses
            member("D", 1.2, IV),  // IV, meets
            member("E", 2.5, IV),  // 劣V, misses
        ];
        let f = group_figures(&members, Rounding::PerItem);
        assert_eq!(f.evaluated, 5);
        assert_eq!(f.distribution, [0, 1, 2, 1, 0, 1]);
        assert_eq!(f.excellent_rate, 60.0);
        assert_eq!(f.worse_than_v_share, 20.0);
        assert_eq!((f.meeting_target, f.target_attainment_rate), (3, 60.0));
        // I–III < 75 % and 20 % <= 劣V < 40 %: moderately polluted.
        assert_eq!(f.status, Some(Status::ModeratelyPolluted));
        assert_eq!(f.status_method, Some(StatusMethod::Proportion));
        assert_eq!(f.main_pollutants.len(), 1);
        assert_eq!((f.main_pollutants[0].parameter, f.main_pollutants[0].exceedance_rate), (Parameter::Nh3n, 40.0));
    }

    #[test]
    fn proportion_boundaries_are_inclusive_where_the_method_says() {
        assert_eq!(status_by_proportion(90.0, 0.0), Status::Excellent);
        assert_eq!(status_by_proportion(89.9, 0.0), Status::Good);
        assert_eq!(status_by_proportion(75.0, 25.0), Status::Good);
        assert_eq!(status_by_proportion(74.9, 19.9), Status::SlightlyPolluted);
        assert_eq!(status_by_proportion(60.0, 20.0), Status::ModeratelyPolluted);
        assert_eq!(status_by_proportion(50.0, 40.0), Status::HeavilyPolluted);
    }

    #[test]
    fn fewer_than_five_sections_average_each_item_then_classify() {
        // 0.8 (III) and 1.6 (V) average to 1.2: class IV, slightly polluted; one III among two is 50 %.
        let members = [member("A", 0.8, III), member("B", 1.6, III)];
        let f = group_figures(&members, Rounding::PerItem);
        assert_eq!(f.status_method, Some(StatusMethod::Averaging));
        assert_eq!(f.averaged_class, Some(IV));
        assert_eq!(f.status, Some(Status::SlightlyPolluted));
        assert_eq!(f.excellent_rate, 50.0);
    }

    #[test]
    fn a_small_town_with_a_river_and_a_lake_averages_each_kind_apart_and_takes_the_worse() {
        let lake = GroupMember {
            code: "L".into(),
            kind: WaterBodyKind::Lake,
            target: III,
            // TP 0.08 is class II on a river but class IV on a lake.
            evaluation: evaluate(&[value(Parameter::Tp, 0.08)], WaterBodyKind::Lake),
        };
        let f = group_figures(&[member("R", 0.8, III), lake], Rounding::PerItem);
        assert_eq!(f.averaged_class, Some(IV));
        assert_eq!(f.status, Some(Status::SlightlyPolluted));
    }

    #[test]
    fn group_main_pollutants_rank_by_section_exceedance_rate() {
        let section = |code: &str, nh3n: f64, cod: f64, tp: f64| GroupMember {
            code: code.into(),
            kind: RIVER,
            target: III,
            evaluation: evaluate(
                &[value(Parameter::Nh3n, nh3n), value(Parameter::Cod, cod), value(Parameter::Tp, tp)],
                RIVER,
            ),
        };
        // NH3-N exceeds III in 3 of 4 sections, COD in 2, TP in 1.
        let members = [
            section("A", 1.2, 25.0, 0.1),
            section("B", 1.6, 25.0, 0.1),
            section("C", 2.1, 18.0, 0.25),
            section("D", 0.5, 18.0, 0.1),
        ];
        let f = group_figures(&members, Rounding::PerItem);
        let ranked: Vec<(Parameter, f64)> =
            f.main_pollutants.iter().map(|p| (p.parameter, p.exceedance_rate)).collect();
        assert_eq!(ranked, vec![(Parameter::Nh3n, 75.0), (Parameter::Cod, 50.0), (Parameter::Tp, 25.0)]);
    }

    #[test]
    fn an_empty_group_has_no_figures_to_divide_by() {
        let f = group_figures(&[], Rounding::PerItem);
        assert_eq!((f.evaluated, f.excellent_rate, f.status), (0, 0.0, None));
    }

    fn figures(excellent_rate: f64, worse_than_v_share: f64) -> GroupFigures {
        GroupFigures { evaluated: 10, excellent_rate, worse_than_v_share, ..group_figures(&[], Rounding::PerItem) }
    }

    #[test]
    fn two_periods_compare_by_delta_g_minus_delta_d() {
        let c = compare(&figures(60.0, 20.0), &figures(80.0, 10.0)).expect("comparable");
        assert_eq!((c.delta_excellent, c.delta_worse_than_v, c.score), (20.0, -10.0, 30.0));
        assert_eq!(c.change, Change::MarkedlyImproved);
        assert_eq!(compare(&figures(50.0, 10.0), &figures(58.0, 8.0)).expect("c").change, Change::NoObviousChange);
        assert_eq!(compare(&figures(50.0, 10.0), &figures(62.0, 10.0)).expect("c").change, Change::SomewhatImproved);
        assert_eq!(compare(&figures(50.0, 10.0), &figures(50.0, 30.0)).expect("c").change, Change::SomewhatWorse);
        assert_eq!(compare(&figures(80.0, 0.0), &figures(60.0, 10.0)).expect("c").change, Change::MarkedlyWorse);
        assert_eq!(compare(&group_figures(&[], Rounding::PerItem), &figures(60.0, 0.0)), None);
    }

    mod properties {
        use super::*;
        use crate::domain::gb3838::Direction;
        use proptest::prelude::*;

        fn upper_bound_items() -> Vec<Parameter> {
            Parameter::all()
                .filter(|p| p.info().direction == Direction::UpperBound && p.info().limits.is_some())
                .collect()
        }

        fn kind() -> impl Strategy<Value = WaterBodyKind> {
            prop_oneof![Just(WaterBodyKind::River), Just(WaterBodyKind::Lake), Just(WaterBodyKind::Reservoir)]
        }

        proptest! {
            #[test]
            fn raising_a_pollutant_never_improves_its_class(
                index in 0usize..64, a in 0.0f64..100_000.0, b in 0.0f64..100_000.0, scale in 0usize..5, kind in kind()
            ) {
                let items = upper_bound_items();
                let p = items[index % items.len()];
                // Spread values over the ranges where the limits of small and large items lie.
                let f = [1e-5, 1e-3, 1e-1, 1.0, 10.0][scale];
                let (low, high) = if a <= b { (a * f, b * f) } else { (b * f, a * f) };
                prop_assert!(p.classify(low, kind) <= p.classify(high, kind), "{p} {low} vs {high}");
            }

            #[test]
            fn lowering_dissolved_oxygen_never_improves_its_class(a in 0.0f64..20.0, b in 0.0f64..20.0, kind in kind()) {
                let (low, high) = if a <= b { (a, b) } else { (b, a) };
                prop_assert!(Parameter::Do.classify(high, kind) <= Parameter::Do.classify(low, kind));
            }

            #[test]
            fn raising_one_item_never_improves_the_section(
                nh3n in 0.0f64..3.0, tp in 0.0f64..0.6, cod in 0.0f64..50.0, do_ in 0.5f64..12.0,
                which in 0usize..4, factor in 1.0f64..5.0, kind in kind()
            ) {
                let mut values = vec![value(Parameter::Nh3n, nh3n), value(Parameter::Tp, tp), value(Parameter::Cod, cod), value(Parameter::Do, do_)];
                let before = evaluate(&values, kind).class;
                // Worse means higher for the three pollutants and lower for dissolved oxygen.
                if values[which].parameter == Parameter::Do { values[which].value /= factor } else { values[which].value *= factor }
                let after = evaluate(&values, kind).class;
                prop_assert!(before <= after, "{before:?} -> {after:?}");
            }
        }
    }
}
