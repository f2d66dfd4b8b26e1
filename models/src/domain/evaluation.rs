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
use super::trophic::{TrophicError, TrophicState, is_index_item, trophic_state};

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
    /// The period value (½ × detection limit for non-detects), rounded per [`Decimals`] unless evaluation is
    /// exact: the value that is classified.
    pub value: f64,
    /// The same before rounding.
    pub mean: f64,
    /// `Some(limit)` when every sample was below detection: report "not detected" (`{limit}L`).
    pub not_detected: Option<f64>,
    /// How many normal samples went into it.
    pub samples: usize,
}

/// Decimal places each item's period value is rounded to, half to even, before it is classified.
///
/// Practice, not settled national text (STANDARDS.md §2): the 2020 statistics rule (环办监测函〔2020〕82号)
/// rounds assessment values per item; its official table was not found. These defaults follow the one
/// independent implementation that cites it: TP 3 decimals on rivers as on lakes, fluoride 3, Cd 5, the
/// rest at the precision reports print. Fewer decimals move values across class limits (TP 0.2049 is IV,
/// not the III of 0.20), so err toward more. `[decimals]` in `riverchief.toml` overrides any item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimals([u8; Parameter::COUNT]);

impl Default for Decimals {
    fn default() -> Self {
        use Parameter::*;
        let mut table = [2u8; Parameter::COUNT];
        for p in Parameter::all() {
            table[p as usize] = match p {
                FecalColiform | Conductivity => 0,
                Temp | Do | Codmn | Cod | Bod5 | Chla | Turbidity => 1,
                Ph | Nh3n | Tn | Oil | Las | Sd => 2,
                Tp | F => 3,
                Cu | Zn | Cr6 | Pb | Cn | Sulfide => 3,
                Se | As | Phenol => 4,
                Cd | Hg => 5,
                Sulfate | Chloride | Nitrate | Fe | Mn => 2,
            };
        }
        Self(table)
    }
}

impl Decimals {
    pub fn of(&self, parameter: Parameter) -> u32 {
        u32::from(self.0[parameter as usize])
    }

    /// The same table with `parameter` rounded to `decimals` places (at most 12).
    pub fn with(mut self, parameter: Parameter, decimals: u32) -> Self {
        self.0[parameter as usize] = decimals.min(12) as u8;
        self
    }

    /// `value` rounded half to even at the item's decimals; a positive mean that would round to 0 keeps one
    /// significant figure instead (0.000004 mg/L of mercury is not 0).
    pub fn round(&self, parameter: Parameter, value: f64) -> f64 {
        let rounded = round_half_even(value, self.of(parameter));
        if rounded == 0.0 && value > 0.0 && value.is_finite() {
            let places = (-value.log10().floor()).max(0.0) as u32;
            round_half_even(value, places)
        } else {
            rounded
        }
    }
}

/// Whether period values are rounded before classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Per item decimals, half to even (practice of the 2020 statistics rule), once, on the period value.
    PerItem(Decimals),
    /// Classify the exact means.
    Exact,
}

impl Rounding {
    /// Per item, at the default decimals.
    pub fn per_item() -> Self {
        Self::PerItem(Decimals::default())
    }

    fn apply(self, parameter: Parameter, value: f64) -> f64 {
        match self {
            Self::PerItem(decimals) => decimals.round(parameter, value),
            Self::Exact => value,
        }
    }
}

/// What a month's normal samples of one item add up to: enough to take the month's mean (non-detects at
/// half their limit, pH through H⁺) and to know whether every sample was below detection. Stored per
/// section, item and month (`reading_months`), so that a period's value costs months, not samples.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MonthTotals {
    pub n: u32,
    /// Samples below detection.
    pub n_nd: u32,
    /// Σ values, non-detects at ½ × their detection limit.
    pub sum: f64,
    /// Σ 10^−pH, for pH (0 for other items).
    pub sum_h: f64,
    /// The largest detection limit among the non-detects.
    pub max_dl: Option<f64>,
}

impl MonthTotals {
    /// Counts one normal sample (for a non-detect, `value` is its detection limit).
    pub fn add(&mut self, parameter: Parameter, value: f64, below_detection: bool) {
        self.n += 1;
        if below_detection {
            self.n_nd += 1;
            self.max_dl = Some(self.max_dl.map_or(value, |m| m.max(value)));
            self.sum += value / 2.0;
        } else {
            self.sum += value;
        }
        if parameter == Parameter::Ph {
            self.sum_h += 10f64.powf(-value);
        }
    }

    /// The month's mean in the item's terms: for pH, the mean [H⁺] (turned back into pH by the caller).
    pub fn mean(&self, parameter: Parameter) -> Option<f64> {
        (self.n > 0).then(|| if parameter == Parameter::Ph { self.sum_h } else { self.sum } / f64::from(self.n))
    }
}

/// A period's months of one item, reduced: the mean of the monthly means (for pH, of the monthly mean
/// [H⁺]), the samples, and the non-detects. The database computes it from stored [`MonthTotals`] with one
/// `GROUP BY`; [`period_value`] computes the same from samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodTotals {
    pub months: u32,
    pub samples: u64,
    pub nds: u64,
    pub max_dl: Option<f64>,
    /// Mean over the months of each month's mean ([H⁺] for pH).
    pub mean_of_means: f64,
}

impl PeriodTotals {
    /// Reduces months of totals (any order).
    pub fn of_months(parameter: Parameter, months: &[MonthTotals]) -> Option<PeriodTotals> {
        let means: Vec<f64> = months.iter().filter_map(|m| m.mean(parameter)).collect();
        if means.is_empty() {
            return None;
        }
        Some(PeriodTotals {
            months: means.len() as u32,
            samples: months.iter().map(|m| u64::from(m.n)).sum(),
            nds: months.iter().map(|m| u64::from(m.n_nd)).sum(),
            max_dl: months.iter().filter_map(|m| m.max_dl).reduce(f64::max),
            mean_of_means: means.iter().sum::<f64>() / means.len() as f64,
        })
    }

    /// The period value: the mean of monthly means, pH back from [H⁺], rounded per `rounding`; "not
    /// detected" at the largest limit when every sample was below detection.
    pub fn item_value(&self, parameter: Parameter, rounding: Rounding) -> Option<ItemValue> {
        if self.months == 0 || !self.mean_of_means.is_finite() {
            return None;
        }
        let mean = if parameter == Parameter::Ph { -self.mean_of_means.log10() } else { self.mean_of_means };
        let all_nd = self.samples > 0 && self.nds == self.samples;
        Some(ItemValue {
            parameter,
            value: rounding.apply(parameter, mean),
            mean,
            not_detected: all_nd.then(|| self.max_dl.unwrap_or(0.0)),
            samples: usize::try_from(self.samples).unwrap_or(usize::MAX),
        })
    }
}

/// The period value of `parameter` from `samples` (any order, other items ignored). A single month is the
/// mean of its samples; a longer period is the mean of its monthly means. Non-detects count as half their
/// detection limit; samples not flagged normal are left out.
pub fn period_value(parameter: Parameter, samples: &[Sample], rounding: Rounding) -> Option<ItemValue> {
    let mut by_month: BTreeMap<YearMonth, MonthTotals> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.parameter == parameter && s.normal && s.value.is_finite()) {
        by_month.entry(YearMonth::of_instant(s.sampled_at)).or_default().add(parameter, s.value, s.below_detection);
    }
    let months: Vec<MonthTotals> = by_month.into_values().collect();
    PeriodTotals::of_months(parameter, &months)?.item_value(parameter, rounding)
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

/// One item judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemEvaluation {
    pub parameter: Parameter,
    /// The value classified (rounded, for a period).
    pub value: f64,
    /// The value before rounding.
    pub mean: f64,
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
    /// On a lake or reservoir with any of the index's items: the trophic state, or why there is none.
    pub trophic: Option<Result<TrophicState, TrophicError>>,
    /// On a lake or reservoir where TN was measured: its own class, reported beside the section's and never
    /// in it ("总氮单独评价时为 … 类").
    pub tn_separately: Option<WaterClass>,
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
            mean: v.mean,
            not_detected: v.not_detected,
            class: v.parameter.classify(v.value, kind),
            multiple: v.parameter.exceedance_multiple(v.value, kind),
            evaluated: v.parameter.is_evaluated(kind),
        })
        .collect();
    items.sort_by_key(|i| i.parameter);
    let class = items.iter().filter(|i| i.evaluated).filter_map(|i| i.class).max();
    let main_pollutants = main_pollutants(&items);
    let trophic = lake_trophic_state(kind, values.iter().map(|v| (v.parameter, v.value)));
    let tn_separately = kind
        .uses_lake_limits()
        .then(|| items.iter().find(|i| i.parameter == Parameter::Tn).and_then(|i| i.class))
        .flatten();
    SectionEvaluation { class, items, main_pollutants, trophic, tn_separately }
}

/// The trophic state of values taken on a lake or reservoir that include any of the index's items.
fn lake_trophic_state(
    kind: WaterBodyKind,
    values: impl Iterator<Item = (Parameter, f64)>,
) -> Option<Result<TrophicState, TrophicError>> {
    let values: Vec<(Parameter, f64)> = values.filter(|(p, _)| is_index_item(*p)).collect();
    (kind.uses_lake_limits() && !values.is_empty()).then(|| trophic_state(&values))
}

/// Items that, worse than class III, are main pollutants before any other ("当氰化物或铅、铬等重金属超标时，
/// 优先作为主要污染指标"): cyanide and the heavy metals Hg, Cd, Cr(VI), Pb, As.
pub const PRIORITY_POLLUTANTS: [Parameter; 6] =
    [Parameter::Cn, Parameter::Hg, Parameter::Cd, Parameter::Cr6, Parameter::Pb, Parameter::As];

/// Up to three evaluated items worse than class III, by the method's rule: cyanide and the heavy metals
/// first; then the worst class first, ties by the larger exceedance multiple (DO and pH, which have none,
/// after those with one, shown without a multiple), then the standard's order.
pub fn main_pollutants(items: &[ItemEvaluation]) -> Vec<MainPollutant> {
    let mut worse: Vec<MainPollutant> = items
        .iter()
        .filter(|i| i.evaluated)
        .filter_map(|i| {
            let class = i.class.filter(|c| *c > WaterClass::III)?;
            Some(MainPollutant { parameter: i.parameter, class, multiple: i.multiple })
        })
        .collect();
    let priority = |m: &MainPollutant| PRIORITY_POLLUTANTS.contains(&m.parameter);
    worse.sort_by(|a, b| {
        priority(b)
            .cmp(&priority(a))
            .then_with(|| b.class.cmp(&a.class))
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
    let values: Vec<ItemValue> = parameters.into_iter().filter_map(|p| period_value(p, samples, rounding)).collect();
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
    /// For a group of lake and reservoir sections (one lake): the trophic state of the index's items
    /// averaged over its sections.
    pub trophic: Option<Result<TrophicState, TrophicError>>,
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// The status word of a river or basin by the shares of classes (five or more sections), as the 2011
/// method writes it (STANDARDS.md §2): I–III ≥ 90 % 优; 75–90 % 良好; I–III < 75 % and 劣V < 20 % 轻度污染;
/// I–III < 75 % and 20 % ≤ 劣V < 40 % 中度污染; I–III < 60 % and 劣V ≥ 40 % 重度污染.
///
/// One pair of shares fits no row: I–III exactly 60 % with 劣V exactly 40 % (any larger I–III leaves less
/// than 40 % for 劣V). Our choice, stated in the README: the 劣V share decides, 重度污染.
pub fn status_by_proportion(excellent_rate: f64, worse_than_v_share: f64) -> Status {
    // Shares come from counts; compare rounded so that 60.000000001 from float noise is 60.
    let (g, d) = (round_half_even(excellent_rate, 6), round_half_even(worse_than_v_share, 6));
    if g >= 90.0 {
        Status::Excellent
    } else if g >= 75.0 {
        Status::Good
    } else if d < 20.0 {
        Status::SlightlyPolluted
    } else if d < 40.0 {
        Status::ModeratelyPolluted
    } else {
        // 劣V ≥ 40 % leaves at most 60 % for I–III: below 60 % the method's 重度污染, and at exactly 60/40,
        // which fits no row, our choice.
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
        trophic: group_trophic_state(members),
    }
}

/// A lake's trophic state over its sections: each index item averaged over the sections measuring it.
fn group_trophic_state(members: &[GroupMember]) -> Option<Result<TrophicState, TrophicError>> {
    if members.is_empty() || !members.iter().all(|m| m.kind.uses_lake_limits()) {
        return None;
    }
    let mut per_item: BTreeMap<Parameter, Vec<f64>> = BTreeMap::new();
    for m in members {
        for item in m.evaluation.items.iter().filter(|i| is_index_item(i.parameter)) {
            per_item.entry(item.parameter).or_default().push(item.value);
        }
    }
    let means = per_item.into_iter().map(|(p, vs)| (p, vs.iter().sum::<f64>() / vs.len() as f64));
    lake_trophic_state(WaterBodyKind::Lake, means)
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
            let mean = mean(parameter, &values)?;
            Some(ItemValue {
                parameter,
                value: rounding.apply(parameter, mean),
                mean,
                not_detected: None,
                samples: values.len(),
            })
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

    #[test]
    fn the_2020_decimals_round_once_on_the_period_value_and_keep_the_mean() {
        let r = Rounding::per_item();
        // TP 0.2049 on a river: 3 decimals give 0.205, class IV (0.2 < x ≤ 0.3); 2 decimals gave 0.20, III.
        let tp = period_value(Parameter::Tp, &[s(Parameter::Tp, "2026-03-10", 0.2049)], r).expect("tp");
        assert_eq!((tp.value, tp.mean), (0.205, 0.2049));
        assert_eq!(evaluate(&[tp], RIVER).class, Some(IV));
        // Fluoride 1.004: 3 decimals keep 1.004, class IV (1.0 < x ≤ 1.5).
        let f = period_value(Parameter::F, &[s(Parameter::F, "2026-03-10", 1.004)], r).expect("f");
        assert_eq!(f.value, 1.004);
        assert_eq!(evaluate(&[f], RIVER).class, Some(IV));
        // Cadmium at 5 decimals: 0.0010051 is 0.00101, class II (0.001 < x ≤ 0.005); at 4 it would be I.
        let cd = period_value(Parameter::Cd, &[s(Parameter::Cd, "2026-03-10", 0.001_005_1)], r).expect("cd");
        assert_eq!(cd.value, 0.00101);
        assert_eq!(evaluate(&[cd], RIVER).class, Some(II));
        // A mean that would round to 0 keeps one significant figure: mercury 0.0000024 is 0.000002, not 0.
        let hg = period_value(Parameter::Hg, &[s(Parameter::Hg, "2026-03-10", 0.000_002_4)], r).expect("hg");
        assert_eq!(hg.value, 0.000_002);
        // The table can be configured.
        let two = Rounding::PerItem(Decimals::default().with(Parameter::Tp, 2));
        assert_eq!(period_value(Parameter::Tp, &[s(Parameter::Tp, "2026-03-10", 0.2049)], two).expect("tp").value, 0.2);
    }

    #[test]
    fn river_status_follows_the_method_as_written_with_the_60_40_pair_a_choice() {
        use Status::*;
        assert_eq!(status_by_proportion(90.0, 0.0), Excellent);
        assert_eq!(status_by_proportion(75.0, 0.0), Good);
        assert_eq!(status_by_proportion(74.9, 19.9), SlightlyPolluted);
        assert_eq!(status_by_proportion(74.9, 20.0), ModeratelyPolluted);
        assert_eq!(status_by_proportion(60.0, 39.9), ModeratelyPolluted);
        assert_eq!(status_by_proportion(59.9, 40.0), HeavilyPolluted);
        // Exactly 60 % and 40 % fits no row of the method: 重度污染 by our stated choice.
        assert_eq!(status_by_proportion(60.0, 40.0), HeavilyPolluted);
        // Shares computed from counts (3 of 5, 2 of 5).
        assert_eq!(status_by_proportion(300.0 / 5.0, 200.0 / 5.0), HeavilyPolluted);
    }

    fn value(parameter: Parameter, v: f64) -> ItemValue {
        ItemValue { parameter, value: v, mean: v, not_detected: None, samples: 1 }
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
        let v = period_value(Parameter::Nh3n, &samples, Rounding::per_item()).expect("value");
        assert_eq!(v.value, 0.9);
        assert_eq!(v.samples, 3);
        assert_eq!(evaluate(&[v], RIVER).class, Some(III));
    }

    #[test]
    fn non_detects_count_as_half_their_limit_and_all_non_detects_report_not_detected() {
        let all_nd = [nd(Parameter::Tp, "2026-03-10", 0.02), nd(Parameter::Tp, "2026-03-20", 0.02)];
        let v = period_value(Parameter::Tp, &all_nd, Rounding::per_item()).expect("value");
        assert_eq!((v.value, v.not_detected), (0.01, Some(0.02)));
        // (0.01 + 0.1) / 2 = 0.055, rounded half to even at 2 places: 0.06.
        let mixed = [nd(Parameter::Tp, "2026-03-10", 0.02), s(Parameter::Tp, "2026-03-20", 0.1)];
        let two_places = Rounding::PerItem(Decimals::default().with(Parameter::Tp, 2));
        let v = period_value(Parameter::Tp, &mixed, two_places).expect("value");
        assert_eq!((v.value, v.not_detected), (0.06, None));
        let exact = period_value(Parameter::Tp, &mixed, Rounding::Exact).expect("value");
        assert!((exact.value - 0.055).abs() < 1e-12);
    }

    #[test]
    fn ph_is_averaged_through_hydrogen_ions() {
        // pH 6 and 8: [H+] = (1e-6 + 1e-8) / 2 = 5.05e-7, pH 6.2967… → 6.30, not the arithmetic 7.0.
        let samples = [s(Parameter::Ph, "2026-04-01", 6.0), s(Parameter::Ph, "2026-04-15", 8.0)];
        let v = period_value(Parameter::Ph, &samples, Rounding::per_item()).expect("value");
        assert_eq!(v.value, 6.3);
    }

    #[test]
    fn values_not_flagged_normal_are_left_out() {
        let mut faulty = s(Parameter::Nh3n, "2026-05-01", 5.0);
        faulty.normal = false;
        let samples = [s(Parameter::Nh3n, "2026-05-02", 0.5), faulty];
        let v = period_value(Parameter::Nh3n, &samples, Rounding::per_item()).expect("value");
        assert_eq!((v.value, v.samples), (0.5, 1));
        let only_faulty = [Sample { normal: false, ..s(Parameter::Nh3n, "2026-05-02", 0.5) }];
        assert_eq!(period_value(Parameter::Nh3n, &only_faulty, Rounding::per_item()), None);
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
        // TN is a reference item on lakes too (corrected in STANDARDS.md §1, issue #8): still II.
        let on_a_lake = evaluate(&values, WaterBodyKind::Lake);
        assert_eq!(on_a_lake.class, Some(II), "TN does not count on lakes either");
        let tn = on_a_lake.item(Parameter::Tn).expect("reported beside the class");
        assert_eq!((tn.evaluated, tn.class), (false, Some(WorseThanV)), "with its own class, 总氮单独评价");
        assert_eq!((on_a_lake.tn_separately, e.tn_separately), (Some(WorseThanV), None), "reported on lakes only");
    }

    /// The case, worked from Table 1 by hand: a lake sample with NH3-N 0.4 (II: 0.15 < 0.4 ≤ 0.5),
    /// TN 2.5 (劣V: above the lake limit 2.0, but a reference item) and TP 0.02 (II on the lake column:
    /// 0.01 < 0.02 ≤ 0.025) is class II, not 劣V.
    #[test]
    fn a_lake_sample_with_high_total_nitrogen_is_judged_without_it() {
        let values = [value(Parameter::Nh3n, 0.4), value(Parameter::Tn, 2.5), value(Parameter::Tp, 0.02)];
        let lake = evaluate(&values, WaterBodyKind::Lake);
        assert_eq!(lake.class, Some(II));
        assert!(lake.main_pollutants.is_empty(), "nothing worse than III counts");
        assert_eq!(lake.item(Parameter::Tn).and_then(|i| i.class), Some(WorseThanV));
        assert_eq!(evaluate(&values, WaterBodyKind::Reservoir).class, Some(II));
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

    /// Worked from Table 1: Pb 0.06 is V (classes III and IV share the limit 0.05, V is 0.1), multiple
    /// (0.06 − 0.05) / 0.05 = 0.2; NH3-N 2.6 is 劣V, multiple 1.6; COD 45 is 劣V, 1.25; CODMn 12 is V, 1.0. Lead,
    /// a heavy metal worse than III, comes first although its class is better than 劣V.
    #[test]
    fn heavy_metals_and_cyanide_worse_than_class_iii_are_main_pollutants_first() {
        let values = [
            value(Parameter::Cod, 45.0),
            value(Parameter::Nh3n, 2.6),
            value(Parameter::Codmn, 12.0),
            value(Parameter::Pb, 0.06),
        ];
        let e = evaluate(&values, RIVER);
        let order: Vec<Parameter> = e.main_pollutants.iter().map(|m| m.parameter).collect();
        assert_eq!(order, vec![Parameter::Pb, Parameter::Nh3n, Parameter::Cod]);
        assert_eq!(e.main_pollutants[0].class, V);
        assert_eq!(e.main_pollutants[0].label(), "Pb(0.2)");
        // Cyanide 0.25 (劣V: above 0.2) and mercury 0.0005 (IV: 0.0001 < x ≤ 0.001) both lead, worst class
        // first among them; lead within class III is no pollutant at all.
        let values = [
            value(Parameter::Nh3n, 2.6),
            value(Parameter::Hg, 0.0005),
            value(Parameter::Cn, 0.25),
            value(Parameter::Pb, 0.05),
        ];
        let order: Vec<Parameter> = evaluate(&values, RIVER).main_pollutants.iter().map(|m| m.parameter).collect();
        assert_eq!(order, vec![Parameter::Cn, Parameter::Hg, Parameter::Nh3n]);
    }

    #[test]
    fn dissolved_oxygen_and_ph_can_be_main_pollutants_without_a_multiple() {
        // DO 1.5 is 劣V (below 2), pH 9.5 is 劣V (outside 6–9); NH3-N 1.8 is V.
        let values = [value(Parameter::Do, 1.5), value(Parameter::Ph, 9.5), value(Parameter::Nh3n, 1.8)];
        let e = evaluate(&values, RIVER);
        let shown: Vec<String> = e.main_pollutants.iter().map(MainPollutant::label).collect();
        assert_eq!(shown, vec!["pH", "DO", "NH3-N(0.8)"]);
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
        let f = group_figures(&members, Rounding::per_item());
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
        let f = group_figures(&members, Rounding::per_item());
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
        let f = group_figures(&[member("R", 0.8, III), lake], Rounding::per_item());
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
        let f = group_figures(&members, Rounding::per_item());
        let ranked: Vec<(Parameter, f64)> =
            f.main_pollutants.iter().map(|p| (p.parameter, p.exceedance_rate)).collect();
        assert_eq!(ranked, vec![(Parameter::Nh3n, 75.0), (Parameter::Cod, 50.0), (Parameter::Tp, 25.0)]);
    }

    #[test]
    fn an_empty_group_has_no_figures_to_divide_by() {
        let f = group_figures(&[], Rounding::per_item());
        assert_eq!((f.evaluated, f.excellent_rate, f.status), (0, 0.0, None));
    }

    fn figures(excellent_rate: f64, worse_than_v_share: f64) -> GroupFigures {
        GroupFigures { evaluated: 10, excellent_rate, worse_than_v_share, ..group_figures(&[], Rounding::per_item()) }
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
        assert_eq!(compare(&group_figures(&[], Rounding::per_item()), &figures(60.0, 0.0)), None);
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
