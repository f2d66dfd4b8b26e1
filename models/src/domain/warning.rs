//! Early warnings as pure rules: the 2018 Yangtze-basin monitoring warning (level 1 and 2, evaluated
//! monthly, issued quarterly, lifted automatically) and the generic colour levels blue / yellow / orange /
//! red with configurable thresholds, confirmed on consecutive values so that one spike raises nothing.
//!
//! # The Yangtze rule (《长江流域水环境质量监测预警办法（试行）》, 2018; STANDARDS.md §5)
//! A section's month is judged from four classes: this month's, this year's to date (January to this
//! month), and the same two periods last year, with this year's target class:
//! - **level 2** when the monthly class and the year-to-date class are each at least one class worse than
//!   last year's same period, both are worse than III, and the year-to-date class misses the target;
//! - **level 1** when both are at least two classes worse (and worse than III), and the year-to-date class
//!   misses the target. Level 1 is the graver and wins.
//!
//! Choices where the text leaves room, each a reading of the sentence above:
//! - "now worse than III" applies to *both* the monthly and the year-to-date class.
//! - Classes are counted in steps I, II, III, IV, V, 劣V: V → 劣V is one class worse.
//! - A month without last year's classes, or a section without a target, is not assessable: no level
//!   (the rule compares; it cannot compare with nothing).
//! - **Issued quarterly**: the level issued for a quarter is that of the quarter's latest evaluated month
//!   ([`QuarterBasis::LatestMonth`], the default: its year-to-date class then covers the whole quarter);
//!   [`QuarterBasis::WorstMonth`] issues the gravest level of the quarter's months instead.
//! - **Lifted automatically**: at the next quarter's issue, when the criteria no longer hold (no level on
//!   the quarter's basis), the warning is lifted; nobody has to act. A quarter without any evaluated month
//!   leaves the issued warning as it was: missing data is not an improvement.
//! - Towns and the district take their worst section's level ([`worst_level`]), month by month; since the
//!   worst over sections and over months commute, issuing per unit gives the same as issuing per section
//!   and taking the worst.
//!
//! # Colour levels (STANDARDS.md §5, practice: every threshold configurable, [`WarningThresholds`])
//! From one item's recent values at a section, against the section's target class, by default as the
//! practice note has it:
//! - **yellow** — approaching the target limit: still within it, but at ≥ 80 % of it (for DO, a lower
//!   bound, the limit is ≥ 80 % of the value) — the practice note's "yellow ≥ 80–90 %";
//! - **orange** — worse than the target class (one class);
//! - **red** — 劣V, or two classes worse than the target;
//! - **blue** — a significant deteriorating trend or a forecast breach while the values are still well
//!   within the limit: risk ahead, nothing yet to see in the water.
//!
//! Each level is configurable: `approach_level`, `worse_than_target_level`, `orange_classes_below_target`,
//! `red_classes_below_target`, `red_at_worse_than_v`. (Until December 2026 the defaults were blue for
//! approaching, yellow for one class, orange for two and red for three or 劣V; setting those five keys
//! gives that grading back.)
//!
//! A value's level counts only when the last `confirm` values (default 2) all reach it: the confirmed
//! level is the lowest of the last `confirm` values' levels. The other inputs are judgements already made
//! over many values and are not confirmed again: a significant deteriorating trend (default blue), a
//! forecast breach of the target limit with at least the configured probability (default blue), an
//! anomaly (default yellow). The warning is the gravest of them. pH has no gradient within 6–9 (every
//! class limit is the same range), so it is never "approaching"; water temperature has no level.
//! Callers pass valid values only (HJ 212 flag `N`, not rejected), non-detects excluded or at their
//! limit as they see fit.

use serde::{Deserialize, Serialize};

use super::gb3838::{Direction, Parameter, WaterBodyKind, WaterClass};
use super::period::YearMonth;

// ---------------------------------------------------------------------------------------------------------
// The 2018 Yangtze-basin rule
// ---------------------------------------------------------------------------------------------------------

/// A Yangtze-rule warning level. `Level1` (一级) is graver than `Level2` (二级); the order says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YangtzeLevel {
    Level2,
    Level1,
}

impl YangtzeLevel {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Level2 => "二级预警",
            Self::Level1 => "一级预警",
        }
    }
}

/// The classes of one month and of the year to date through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodClasses {
    pub monthly: WaterClass,
    pub year_to_date: WaterClass,
}

/// What the rule needs for one section and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YangtzeMonth {
    pub month: YearMonth,
    pub this_year: PeriodClasses,
    /// The same month and year to date last year; `None` when not evaluated then.
    pub last_year: Option<PeriodClasses>,
    /// This year's target class; `None` when the section has none.
    pub target: Option<WaterClass>,
}

/// How many classes `now` is worse than `then` (negative when better).
fn classes_worse(now: WaterClass, then: WaterClass) -> i16 {
    now.rank() - then.rank()
}

/// The level of one section's month under the rule, or `None`.
pub fn yangtze_level(month: &YangtzeMonth) -> Option<YangtzeLevel> {
    let (now, then, target) = (month.this_year, month.last_year?, month.target?);
    let worse_than_iii = now.monthly > WaterClass::III && now.year_to_date > WaterClass::III;
    let misses_target = now.year_to_date > target;
    if !(worse_than_iii && misses_target) {
        return None;
    }
    let steps = classes_worse(now.monthly, then.monthly).min(classes_worse(now.year_to_date, then.year_to_date));
    match steps {
        2.. => Some(YangtzeLevel::Level1),
        1 => Some(YangtzeLevel::Level2),
        _ => None,
    }
}

/// The level of a town or district: its worst section's.
pub fn worst_level(levels: impl IntoIterator<Item = Option<YangtzeLevel>>) -> Option<YangtzeLevel> {
    levels.into_iter().flatten().max()
}

/// One month's evaluated level, of a section or of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthlyLevel {
    pub month: YearMonth,
    pub level: Option<YangtzeLevel>,
}

/// Which of a quarter's monthly evaluations its issued level comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarterBasis {
    /// The quarter's latest evaluated month.
    #[default]
    LatestMonth,
    /// The gravest level among the quarter's evaluated months.
    WorstMonth,
}

/// What a quarter's issue did to the warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueChange {
    /// A warning where there was none.
    Issued,
    /// Level 2 became level 1.
    Raised,
    /// Level 1 became level 2.
    Lowered,
    /// The same level again.
    Continued,
    /// The criteria no longer hold: lifted automatically.
    Lifted,
    /// No warning before or after.
    Quiet,
    /// No month of the quarter was evaluated: the warning stays as it was.
    NotEvaluated,
}

/// The issue for one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuarterlyIssue {
    pub year: i32,
    /// 1–4.
    pub quarter: u32,
    /// The warning in force after this issue.
    pub level: Option<YangtzeLevel>,
    pub change: IssueChange,
}

/// The quarterly issues over a sequence of monthly evaluations (any order; one per month, a later entry
/// for the same month replacing an earlier one), from the first evaluated month's quarter to the last's.
pub fn issue_quarterly(months: &[MonthlyLevel], basis: QuarterBasis) -> Vec<QuarterlyIssue> {
    let mut by_month: std::collections::BTreeMap<YearMonth, Option<YangtzeLevel>> = Default::default();
    for m in months {
        by_month.insert(m.month, m.level);
    }
    let quarter_of = |m: YearMonth| (m.year, (m.month - 1) / 3 + 1);
    let (Some((&first, _)), Some((&last, _))) = (by_month.first_key_value(), by_month.last_key_value()) else {
        return Vec::new();
    };
    let (mut quarter, end) = (quarter_of(first), quarter_of(last));
    let mut in_force: Option<YangtzeLevel> = None;
    let mut issues = Vec::new();
    loop {
        let (year, q) = quarter;
        let months_in = by_month
            .range(YearMonth { year, month: q * 3 - 2 }..=YearMonth { year, month: q * 3 })
            .map(|(_, &level)| level);
        let evaluated: Vec<Option<YangtzeLevel>> = months_in.collect();
        let (level, change) = if evaluated.is_empty() {
            (in_force, IssueChange::NotEvaluated)
        } else {
            let level = match basis {
                QuarterBasis::LatestMonth => evaluated.last().copied().flatten(),
                QuarterBasis::WorstMonth => worst_level(evaluated.iter().copied()),
            };
            let change = match (in_force, level) {
                (None, None) => IssueChange::Quiet,
                (None, Some(_)) => IssueChange::Issued,
                (Some(_), None) => IssueChange::Lifted,
                (Some(a), Some(b)) if b > a => IssueChange::Raised,
                (Some(a), Some(b)) if b < a => IssueChange::Lowered,
                (Some(_), Some(_)) => IssueChange::Continued,
            };
            (level, change)
        };
        issues.push(QuarterlyIssue { year, quarter: q, level, change });
        in_force = level;
        if quarter == end {
            return issues;
        }
        quarter = if q == 4 { (year + 1, 1) } else { (year, q + 1) };
    }
}

// ---------------------------------------------------------------------------------------------------------
// Colour levels
// ---------------------------------------------------------------------------------------------------------

/// A colour warning level, in order of gravity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl WarningLevel {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Blue => "蓝色预警",
            Self::Yellow => "黄色预警",
            Self::Orange => "橙色预警",
            Self::Red => "红色预警",
        }
    }
}

/// The thresholds of the colour levels, read from configuration; every field has a default.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarningThresholds {
    /// Approaching from this share of the target class's limit, within it (DO: limit ÷ value). 0 < share < 1.
    pub approach_share: f64,
    /// The level of a value approaching the limit.
    pub approach_level: WarningLevel,
    /// The level of a value worse than the target class (one class worse, unless graver below).
    pub worse_than_target_level: WarningLevel,
    /// Orange from this many classes worse than the target.
    pub orange_classes_below_target: u8,
    /// Red from this many classes worse than the target.
    pub red_classes_below_target: u8,
    /// Red at 劣V whatever the target.
    pub red_at_worse_than_v: bool,
    /// A value's level counts when this many consecutive values reach it (at least 1).
    pub confirm: usize,
    /// The level a significant deteriorating trend raises; `None`: none.
    pub deteriorating_trend: Option<WarningLevel>,
    /// The level a forecast breach of the target limit raises, from `forecast_probability` on.
    pub forecast_breach: Option<WarningLevel>,
    pub forecast_probability: f64,
    /// The level an anomaly (unlike the station's own history) raises.
    pub anomaly: Option<WarningLevel>,
    /// Warnings from this level on open an alert and tell the chief; milder ones are listed only (a blue
    /// trend on water well within its limit is for the bureau's review, not a chief's phone).
    pub notify_from: WarningLevel,
}

impl Default for WarningThresholds {
    fn default() -> Self {
        Self {
            approach_share: 0.8,
            approach_level: WarningLevel::Yellow,
            worse_than_target_level: WarningLevel::Orange,
            orange_classes_below_target: 2,
            red_classes_below_target: 2,
            red_at_worse_than_v: true,
            confirm: 2,
            deteriorating_trend: Some(WarningLevel::Blue),
            forecast_breach: Some(WarningLevel::Blue),
            forecast_probability: 0.5,
            anomaly: Some(WarningLevel::Yellow),
            notify_from: WarningLevel::Yellow,
        }
    }
}

/// A threshold that cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    #[error("approach_share must lie strictly between 0 and 1, not {0}")]
    ApproachShare(f64),
    #[error("forecast_probability must lie between 0 and 1, not {0}")]
    ForecastProbability(f64),
    #[error("confirm must be at least 1")]
    Confirm,
    #[error("classes below target must be at least 1, and orange's no more than red's")]
    Classes,
    #[error("approach_level must not be graver than worse_than_target_level")]
    Order,
}

impl WarningThresholds {
    /// Refuses thresholds that cannot work; configuration loading calls it.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        if !(self.approach_share > 0.0 && self.approach_share < 1.0) {
            return Err(ThresholdError::ApproachShare(self.approach_share));
        }
        if !(0.0..=1.0).contains(&self.forecast_probability) {
            return Err(ThresholdError::ForecastProbability(self.forecast_probability));
        }
        if self.confirm == 0 {
            return Err(ThresholdError::Confirm);
        }
        if self.orange_classes_below_target == 0 || self.orange_classes_below_target > self.red_classes_below_target {
            return Err(ThresholdError::Classes);
        }
        if self.approach_level > self.worse_than_target_level {
            return Err(ThresholdError::Order);
        }
        Ok(())
    }
}

/// Why a level was raised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WarningReason {
    /// Within the target, at `share` of its limit.
    ApproachingLimit {
        share: f64,
    },
    /// Worse than the target by `classes` classes (`class` is the value's).
    WorseThanTarget {
        class: WaterClass,
        classes: i16,
    },
    DeterioratingTrend,
    ForecastBreach {
        probability: f64,
    },
    Anomaly,
}

/// One value's level, unconfirmed, and why.
pub fn value_level(
    parameter: Parameter,
    kind: WaterBodyKind,
    target: WaterClass,
    value: f64,
    t: &WarningThresholds,
) -> Option<(WarningLevel, WarningReason)> {
    let class = parameter.classify(value, kind)?;
    let below = classes_worse(class, target);
    if below >= 1 {
        let level = if (t.red_at_worse_than_v && class == WaterClass::WorseThanV)
            || below >= i16::from(t.red_classes_below_target)
        {
            WarningLevel::Red
        } else if below >= i16::from(t.orange_classes_below_target) {
            WarningLevel::Orange.max(t.worse_than_target_level)
        } else {
            t.worse_than_target_level
        };
        return Some((level, WarningReason::WorseThanTarget { class, classes: below }));
    }
    let limit = parameter.limit_for(target, kind)?;
    let share = match parameter.info().direction {
        Direction::UpperBound if limit > 0.0 => value / limit,
        Direction::LowerBound if value > 0.0 => limit / value,
        _ => return None,
    };
    (share >= t.approach_share).then_some((t.approach_level, WarningReason::ApproachingLimit { share }))
}

/// Each value's confirmed level: the lowest level of it and the `confirm − 1` values before it (`None`
/// until there are that many).
pub fn confirmed_levels(levels: &[Option<WarningLevel>], confirm: usize) -> Vec<Option<WarningLevel>> {
    let confirm = confirm.max(1);
    (0..levels.len())
        .map(|i| if i + 1 < confirm { None } else { levels[i + 1 - confirm..=i].iter().copied().min().flatten() })
        .collect()
}

/// Whether a significant trend of `parameter` in the direction `rising` is a deterioration: a rising
/// concentration is, rising dissolved oxygen is not. pH and temperature have no worse direction.
pub fn deteriorates(parameter: Parameter, rising: bool) -> bool {
    match parameter.info().direction {
        Direction::UpperBound => rising,
        Direction::LowerBound => !rising,
        Direction::Range { .. } | Direction::Unclassified => false,
    }
}

/// Everything the colour warning of one item at one section looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningInputs<'a> {
    pub parameter: Parameter,
    pub kind: WaterBodyKind,
    pub target: WaterClass,
    /// Recent valid values in time order, the newest last.
    pub values: &'a [f64],
    /// A significant trend in the worse direction (see [`deteriorates`]).
    pub deteriorating_trend: bool,
    /// The probability that the forecast crosses the target limit within its horizon, if forecast.
    pub forecast_breach_probability: Option<f64>,
    pub anomaly: bool,
}

/// The warning of one item at one section: the gravest confirmed level and every reason at it or below.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub level: WarningLevel,
    /// Each input that raised a level, with that level, gravest first.
    pub reasons: Vec<(WarningLevel, WarningReason)>,
}

/// The colour warning now, or `None`.
pub fn assess(inputs: &WarningInputs<'_>, t: &WarningThresholds) -> Option<Warning> {
    let judged: Vec<Option<(WarningLevel, WarningReason)>> =
        inputs.values.iter().map(|&v| value_level(inputs.parameter, inputs.kind, inputs.target, v, t)).collect();
    let levels: Vec<Option<WarningLevel>> = judged.iter().map(|j| j.map(|(l, _)| l)).collect();
    let mut reasons = Vec::new();
    if let Some(Some(level)) = confirmed_levels(&levels, t.confirm).last() {
        // The newest value says why; the confirmed level is the lowest of the run, which it reaches.
        if let Some(Some((_, reason))) = judged.last() {
            reasons.push((*level, *reason));
        }
    }
    if inputs.deteriorating_trend
        && let Some(level) = t.deteriorating_trend
    {
        reasons.push((level, WarningReason::DeterioratingTrend));
    }
    if let (Some(p), Some(level)) = (inputs.forecast_breach_probability, t.forecast_breach)
        && p >= t.forecast_probability
    {
        reasons.push((level, WarningReason::ForecastBreach { probability: p }));
    }
    if inputs.anomaly
        && let Some(level) = t.anomaly
    {
        reasons.push((level, WarningReason::Anomaly));
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.0));
    Some(Warning { level: reasons.first()?.0, reasons })
}

// ---------------------------------------------------------------------------------------------------------
// Stored warnings
// ---------------------------------------------------------------------------------------------------------

/// Which rule raised a stored warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WarningKind {
    /// The colour warning of one item at one section ([`assess`]): values near or beyond the target, a
    /// deteriorating trend, a forecast breach, an anomaly.
    Quality,
    /// The 2018 Yangtze-basin rule, for a section, a town or the district ([`issue_quarterly`]).
    Yangtze,
    /// An automatic station or online monitor that stopped sending.
    SilentStation,
}

impl WarningKind {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Quality => "水质预警",
            Self::Yangtze => "长江流域水环境质量监测预警",
            Self::SilentStation => "站点数据中断",
        }
    }
}

/// A stored warning's level: a colour, or a Yangtze-rule level. Ordered by gravity within each family.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WarningGrade {
    Blue,
    Yellow,
    Orange,
    Red,
    Level2,
    Level1,
}

impl WarningGrade {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Blue => WarningLevel::Blue.zh(),
            Self::Yellow => WarningLevel::Yellow.zh(),
            Self::Orange => WarningLevel::Orange.zh(),
            Self::Red => WarningLevel::Red.zh(),
            Self::Level2 => YangtzeLevel::Level2.zh(),
            Self::Level1 => YangtzeLevel::Level1.zh(),
        }
    }
}

impl From<WarningLevel> for WarningGrade {
    fn from(level: WarningLevel) -> Self {
        match level {
            WarningLevel::Blue => Self::Blue,
            WarningLevel::Yellow => Self::Yellow,
            WarningLevel::Orange => Self::Orange,
            WarningLevel::Red => Self::Red,
        }
    }
}

impl From<YangtzeLevel> for WarningGrade {
    fn from(level: YangtzeLevel) -> Self {
        match level {
            YangtzeLevel::Level2 => Self::Level2,
            YangtzeLevel::Level1 => Self::Level1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grading the defaults had until December 2026: blue approaching, yellow one class worse, orange
    /// two, red three or 劣V. The tests written for it keep it.
    fn graded() -> WarningThresholds {
        WarningThresholds {
            approach_level: WarningLevel::Blue,
            worse_than_target_level: WarningLevel::Yellow,
            red_classes_below_target: 3,
            ..WarningThresholds::default()
        }
    }

    #[test]
    fn by_default_the_colours_are_the_practice_notes() {
        use Parameter::{Do, Nh3n};
        use WaterClass::III;
        let t = WarningThresholds::default();
        let level = |p, v| value_level(p, WaterBodyKind::River, III, v, &t).map(|(l, _)| l);
        assert_eq!(level(Nh3n, 0.79), None, "79 % of the class III limit 1.0");
        assert_eq!(level(Nh3n, 0.8), Some(WarningLevel::Yellow), "approaching: 80 %");
        assert_eq!(level(Nh3n, 1.2), Some(WarningLevel::Orange), "IV: worse than the target");
        assert_eq!(level(Nh3n, 1.8), Some(WarningLevel::Red), "V: two classes below the target");
        assert_eq!(level(Nh3n, 2.5), Some(WarningLevel::Red), "劣V");
        assert_eq!(level(Do, 6.0), Some(WarningLevel::Yellow), "DO 6.0 against ≥ 5: 83 %");
        let trend = WarningInputs {
            parameter: Nh3n,
            kind: WaterBodyKind::River,
            target: III,
            values: &[0.3, 0.3],
            deteriorating_trend: true,
            forecast_breach_probability: None,
            anomaly: false,
        };
        assert_eq!(assess(&trend, &t).map(|w| w.level), Some(WarningLevel::Blue), "risk ahead");
        assert!(t.validate().is_ok());
        let backwards = WarningThresholds { approach_level: WarningLevel::Red, ..t };
        assert_eq!(backwards.validate(), Err(ThresholdError::Order));
    }
    use WaterClass::{I, II, III, IV, V, WorseThanV};

    fn month(m: u32) -> YearMonth {
        YearMonth { year: 2024, month: m }
    }

    fn section(now: (WaterClass, WaterClass), then: (WaterClass, WaterClass), target: WaterClass) -> YangtzeMonth {
        YangtzeMonth {
            month: month(6),
            this_year: PeriodClasses { monthly: now.0, year_to_date: now.1 },
            last_year: Some(PeriodClasses { monthly: then.0, year_to_date: then.1 }),
            target: Some(target),
        }
    }

    // Cases written from the rule's text: (monthly, YTD) now, (monthly, YTD) the same periods last year,
    // this year's target.

    #[test]
    fn one_class_worse_in_both_periods_worse_than_iii_and_missing_the_target_is_level_2() {
        // IV now against III last year, in the month and year to date; target III missed by the YTD IV.
        assert_eq!(yangtze_level(&section((IV, IV), (III, III), III)), Some(YangtzeLevel::Level2));
        // V against IV; 劣V against V is one class worse too.
        assert_eq!(yangtze_level(&section((V, WorseThanV), (IV, V), III)), Some(YangtzeLevel::Level2));
    }

    #[test]
    fn two_classes_worse_in_both_periods_is_level_1() {
        assert_eq!(yangtze_level(&section((V, V), (III, III), III)), Some(YangtzeLevel::Level1));
        assert_eq!(yangtze_level(&section((WorseThanV, V), (III, II), IV)), Some(YangtzeLevel::Level1));
        // Two classes in the month but one in the year to date: level 2 only.
        assert_eq!(yangtze_level(&section((V, IV), (III, III), III)), Some(YangtzeLevel::Level2));
    }

    #[test]
    fn no_level_when_any_condition_fails() {
        // Worse in the month only.
        assert_eq!(yangtze_level(&section((IV, III), (III, III), II)), None);
        // Worse in the year to date only.
        assert_eq!(yangtze_level(&section((IV, IV), (IV, III), III)), None);
        // Two classes worse but still III: not worse than III.
        assert_eq!(yangtze_level(&section((III, III), (I, I), II)), None);
        // Worse than III and worse than last year, but the YTD class IV meets a target of IV.
        assert_eq!(yangtze_level(&section((V, IV), (III, II), IV)), None);
        // The month is worse than III, the year to date is not (III): "both worse than III" fails.
        assert_eq!(yangtze_level(&section((V, III), (III, I), II)), None);
        // Better than last year.
        assert_eq!(yangtze_level(&section((IV, IV), (V, V), III)), None);
        // Nothing to compare with, or no target.
        let mut m = section((V, V), (III, III), III);
        m.last_year = None;
        assert_eq!(yangtze_level(&m), None);
        let mut m = section((V, V), (III, III), III);
        m.target = None;
        assert_eq!(yangtze_level(&m), None);
    }

    #[test]
    fn a_town_and_the_district_take_their_worst_sections_level() {
        let sections = [
            section((II, II), (II, II), III),   // none
            section((IV, IV), (III, III), III), // level 2
            section((V, V), (III, III), III),   // level 1
        ];
        let town_a = worst_level(sections[..2].iter().map(yangtze_level));
        let town_b = worst_level(sections[2..].iter().map(yangtze_level));
        assert_eq!((town_a, town_b), (Some(YangtzeLevel::Level2), Some(YangtzeLevel::Level1)));
        assert_eq!(worst_level([town_a, town_b]), Some(YangtzeLevel::Level1));
        assert_eq!(worst_level(sections[..1].iter().map(yangtze_level)), None);
        assert_eq!(worst_level([]), None);
    }

    fn levels(months: &[(u32, Option<YangtzeLevel>)]) -> Vec<MonthlyLevel> {
        months.iter().map(|&(m, level)| MonthlyLevel { month: month(m), level }).collect()
    }

    use YangtzeLevel::{Level1, Level2};

    #[test]
    fn evaluated_monthly_issued_quarterly_on_the_quarters_latest_month() {
        // Q1: Feb level 2, Mar level 2 → issued level 2. Q2: April none, May level 1, June level 1 →
        // raised. Q3: July level 1, August level 2, September level 2 → lowered. Q4: October level 2,
        // November and December nothing → the criteria no longer hold: lifted without anyone acting.
        let months = levels(&[
            (1, None),
            (2, Some(Level2)),
            (3, Some(Level2)),
            (4, None),
            (5, Some(Level1)),
            (6, Some(Level1)),
            (7, Some(Level1)),
            (8, Some(Level2)),
            (9, Some(Level2)),
            (10, Some(Level2)),
            (11, None),
            (12, None),
        ]);
        let issued = issue_quarterly(&months, QuarterBasis::LatestMonth);
        let got: Vec<_> = issued.iter().map(|i| (i.quarter, i.level, i.change)).collect();
        assert_eq!(
            got,
            [
                (1, Some(Level2), IssueChange::Issued),
                (2, Some(Level1), IssueChange::Raised),
                (3, Some(Level2), IssueChange::Lowered),
                (4, None, IssueChange::Lifted),
            ]
        );
        // Only quarter ends change what is in force: a monthly level 1 in July does not raise the
        // warning before the third quarter's issue.
        assert!(issued.iter().all(|i| i.year == 2024));
    }

    #[test]
    fn a_warning_stays_while_the_criteria_hold_and_lifts_when_they_stop() {
        let months = levels(&[(3, Some(Level2)), (6, Some(Level2)), (9, None), (12, None)]);
        let changes: Vec<_> =
            issue_quarterly(&months, QuarterBasis::LatestMonth).iter().map(|i| (i.level, i.change)).collect();
        assert_eq!(
            changes,
            [
                (Some(Level2), IssueChange::Issued),
                (Some(Level2), IssueChange::Continued),
                (None, IssueChange::Lifted),
                (None, IssueChange::Quiet),
            ]
        );
    }

    #[test]
    fn the_worst_month_basis_issues_a_quarters_gravest_month() {
        let months = levels(&[(1, Some(Level1)), (2, None), (3, None), (4, None)]);
        let latest = issue_quarterly(&months, QuarterBasis::LatestMonth);
        let worst = issue_quarterly(&months, QuarterBasis::WorstMonth);
        assert_eq!((latest[0].level, latest[0].change), (None, IssueChange::Quiet));
        assert_eq!((worst[0].level, worst[0].change), (Some(Level1), IssueChange::Issued));
        assert_eq!((worst[1].level, worst[1].change), (None, IssueChange::Lifted));
    }

    #[test]
    fn a_quarter_without_evaluations_keeps_the_warning_and_years_roll_over() {
        let mut months = levels(&[(11, Some(Level1))]);
        months.push(MonthlyLevel { month: YearMonth { year: 2025, month: 5 }, level: None });
        let issued = issue_quarterly(&months, QuarterBasis::LatestMonth);
        let got: Vec<_> = issued.iter().map(|i| (i.year, i.quarter, i.level, i.change)).collect();
        assert_eq!(
            got,
            [
                (2024, 4, Some(Level1), IssueChange::Issued),
                (2025, 1, Some(Level1), IssueChange::NotEvaluated),
                (2025, 2, None, IssueChange::Lifted),
            ]
        );
        assert!(issue_quarterly(&[], QuarterBasis::LatestMonth).is_empty());
    }

    // Colour levels. NH3-N limits (mg/L): I 0.15, II 0.5, III 1.0, IV 1.5, V 2.0. DO: III 5, II 6.

    fn level(parameter: Parameter, target: WaterClass, value: f64) -> Option<WarningLevel> {
        value_level(parameter, WaterBodyKind::River, target, value, &graded()).map(|(l, _)| l)
    }

    #[test]
    fn each_colour_from_a_value_against_its_target() {
        use Parameter::{Do, Nh3n};
        assert_eq!(level(Nh3n, III, 0.79), None);
        // 0.8 of the III limit 1.0 and within it: approaching.
        assert_eq!(level(Nh3n, III, 0.8), Some(WarningLevel::Blue));
        assert_eq!(level(Nh3n, III, 1.0), Some(WarningLevel::Blue));
        assert_eq!(level(Nh3n, III, 1.2), Some(WarningLevel::Yellow)); // IV: one class worse
        assert_eq!(level(Nh3n, III, 1.8), Some(WarningLevel::Orange)); // V: two classes
        assert_eq!(level(Nh3n, III, 2.5), Some(WarningLevel::Red)); // 劣V
        assert_eq!(level(Nh3n, I, 0.9), Some(WarningLevel::Orange)); // III against I
        assert_eq!(level(Nh3n, I, 1.2), Some(WarningLevel::Red)); // IV: three classes worse
        // Target IV: 劣V is two classes worse, red by being 劣V.
        assert_eq!(level(Nh3n, IV, 2.5), Some(WarningLevel::Red));
        // DO is a lower bound: III needs ≥ 5; 5/6 = 0.83 of the way down to it.
        assert_eq!(level(Do, III, 6.0), Some(WarningLevel::Blue));
        assert_eq!(level(Do, III, 6.3), None); // 5/6.3 = 0.79
        assert_eq!(level(Do, III, 4.0), Some(WarningLevel::Yellow)); // IV (≥ 3)
        assert_eq!(level(Parameter::Ph, III, 8.9), None);
        assert_eq!(level(Parameter::Ph, III, 9.5), Some(WarningLevel::Red));
        assert_eq!(level(Parameter::Temp, III, 35.0), None);
    }

    #[test]
    fn thresholds_come_from_configuration_with_defaults_for_the_rest() {
        let t: WarningThresholds =
            serde_json::from_str(r#"{"approach_share":0.9,"red_classes_below_target":2,"confirm":3}"#).expect("valid");
        assert_eq!((t.approach_share, t.red_classes_below_target, t.confirm), (0.9, 2, 3));
        assert_eq!(t.orange_classes_below_target, WarningThresholds::default().orange_classes_below_target);
        let strict = |v| value_level(Parameter::Nh3n, WaterBodyKind::River, III, v, &t).map(|(l, _)| l);
        assert_eq!(strict(0.85), None);
        assert_eq!(strict(1.8), Some(WarningLevel::Red)); // two classes worse is red now
        assert!(t.validate().is_ok());
        assert!(serde_json::from_str::<WarningThresholds>(r#"{"aproach_share":0.9}"#).is_err());
        let bad = |t: WarningThresholds| t.validate().expect_err("refused");
        assert_eq!(bad(WarningThresholds { approach_share: 1.0, ..t }), ThresholdError::ApproachShare(1.0));
        assert_eq!(bad(WarningThresholds { confirm: 0, ..t }), ThresholdError::Confirm);
        assert_eq!(bad(WarningThresholds { orange_classes_below_target: 4, ..t }), ThresholdError::Classes);
        assert!(WarningThresholds::default().validate().is_ok());
    }

    fn inputs(values: &[f64]) -> WarningInputs<'_> {
        WarningInputs {
            parameter: Parameter::Nh3n,
            kind: WaterBodyKind::River,
            target: III,
            values,
            deteriorating_trend: false,
            forecast_breach_probability: None,
            anomaly: false,
        }
    }

    #[test]
    fn a_single_spike_raises_no_warning_and_two_values_confirm_one() {
        let t = graded();
        assert_eq!(assess(&inputs(&[0.4, 0.5, 2.5]), &t), None);
        let two = assess(&inputs(&[0.4, 2.5, 2.6]), &t).expect("confirmed");
        assert_eq!(two.level, WarningLevel::Red);
        assert_eq!(
            two.reasons,
            [(WarningLevel::Red, WarningReason::WorseThanTarget { class: WorseThanV, classes: 3 })]
        );
        // 劣V then IV: both reach yellow, the confirmed level is yellow.
        assert_eq!(assess(&inputs(&[2.5, 1.2]), &t).map(|w| w.level), Some(WarningLevel::Yellow));
        // Back within the target after the run: nothing.
        assert_eq!(assess(&inputs(&[2.5, 2.5, 0.3]), &t), None);
        // One value is never enough with confirm = 2, and confirm = 1 takes it.
        assert_eq!(assess(&inputs(&[2.5]), &t), None);
        let one = WarningThresholds { confirm: 1, ..t };
        assert_eq!(assess(&inputs(&[2.5]), &one).map(|w| w.level), Some(WarningLevel::Red));
        assert_eq!(
            confirmed_levels(&[Some(WarningLevel::Red), None, Some(WarningLevel::Blue), Some(WarningLevel::Orange)], 2),
            [None, None, None, Some(WarningLevel::Blue)]
        );
    }

    #[test]
    fn trend_forecast_and_anomaly_raise_their_configured_levels_and_the_gravest_wins() {
        let t = graded();
        let trend = WarningInputs { deteriorating_trend: true, ..inputs(&[0.3, 0.4]) };
        assert_eq!(assess(&trend, &t).map(|w| w.level), Some(WarningLevel::Blue));
        let unlikely = WarningInputs { forecast_breach_probability: Some(0.3), ..inputs(&[0.3, 0.4]) };
        assert_eq!(assess(&unlikely, &t), None);
        let likely = WarningInputs { forecast_breach_probability: Some(0.7), ..inputs(&[0.3, 0.4]) };
        assert_eq!(
            assess(&likely, &t).map(|w| w.reasons),
            Some(vec![(WarningLevel::Blue, WarningReason::ForecastBreach { probability: 0.7 })])
        );
        let all = WarningInputs {
            deteriorating_trend: true,
            anomaly: true,
            forecast_breach_probability: Some(0.9),
            ..inputs(&[1.8, 1.9])
        };
        let w = assess(&all, &t).expect("a warning");
        assert_eq!(w.level, WarningLevel::Orange);
        let order: Vec<WarningLevel> = w.reasons.iter().map(|r| r.0).collect();
        assert_eq!(order, [WarningLevel::Orange, WarningLevel::Yellow, WarningLevel::Blue, WarningLevel::Blue]);
        let quiet = WarningThresholds { anomaly: None, ..t };
        assert_eq!(assess(&WarningInputs { anomaly: true, ..inputs(&[0.3]) }, &quiet), None);
        assert!(deteriorates(Parameter::Nh3n, true) && deteriorates(Parameter::Do, false));
        assert!(!deteriorates(Parameter::Do, true) && !deteriorates(Parameter::Ph, true));
    }
}
