//! Discharge loads (排放量) of an outfall over a period, and year-on-year reduction rates (削减率) of the main
//! pollutants per enterprise and over a group (a town, a district).
//!
//! A load is concentration × volume: 1 mg/L × 1 m³ = 1 g, so kg = mg/L × m³ ÷ 1000 and t = kg ÷ 1000.
//!
//! A period's load from several samples follows the permit accounting of actual emissions by the monitoring
//! method (实测法), as the industry technical specifications for discharge permits write it (for instance
//! HJ 856-2017, flat glass): with manual monitoring, E = (Σ cᵢ·qᵢ ÷ n) × h, the mean over the n samples of
//! concentration × that day's flow, times the h days of discharge in the period; with automatic monitoring,
//! E = Σ Cᵢ·Qᵢ over the days, which is the same formula when every discharge day has its sample. So:
//!
//! - [`Flow::PerSample`]: each sample carries its day's flow; load = mean daily load × discharge days. This
//!   keeps the covariance of concentration and flow (a strong sample on a small-flow day weighs less).
//! - [`Flow::PerDay`] or [`Flow::PerPeriod`]: one flow for the period; load = mean concentration × volume,
//!   which is the formula above with every qᵢ equal.
//!
//! A result below the detection limit counts as half the limit, as in the statistics of surface-water
//! values (practice; some local rules leave non-detects out of totals: then leave the sample out).
//!
//! Reduction rate = (L_last − L_this) ÷ L_last × 100 %: positive is a reduction, negative an increase. A group
//! sums its members' loads first and takes the rate of the sums, so a large discharger weighs as much as it
//! discharges (the mean of members' rates would let a small plant's 50 % cancel a large plant's −50 %). A load
//! that is missing is unknown, not zero: a member missing either year is left out of both sums and named.
//! A plant that closed is entered with a load of 0 this year, a new one with 0 last year. No rate exists when
//! last year's load is missing (nothing to compare with) or zero (any load this year is new, not a change of
//! some percent).

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::discharge::DischargeItem;

/// The main pollutants whose reduction is assessed (COD, NH3-N, TP, TN).
pub const MAIN_POLLUTANTS: [DischargeItem; 4] =
    [DischargeItem::Cod, DischargeItem::Nh3n, DischargeItem::Tp, DischargeItem::Tn];

/// Load in kg of `volume_m3` of water at `concentration_mg_l`.
pub fn load_kg(concentration_mg_l: f64, volume_m3: f64) -> f64 {
    concentration_mg_l * volume_m3 / 1000.0
}

/// One self-check result of the item whose load is computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadSample {
    /// mg/L.
    pub concentration: f64,
    /// Wastewater discharged on the sampling day, m³/d.
    pub daily_flow: Option<f64>,
}

impl LoadSample {
    pub fn new(concentration_mg_l: f64) -> Self {
        Self { concentration: concentration_mg_l, daily_flow: None }
    }

    /// A result below `detection_limit` (mg/L): counts as half of it.
    pub fn not_detected(detection_limit: f64) -> Self {
        Self::new(detection_limit / 2.0)
    }

    pub fn with_daily_flow(self, m3_per_day: f64) -> Self {
        Self { daily_flow: Some(m3_per_day), ..self }
    }
}

/// How the period's wastewater flow is known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flow {
    /// Mean flow over the days of discharge, m³/d.
    PerDay { m3_per_day: f64, discharge_days: u32 },
    /// Volume discharged over the period, m³ (a flow meter's total).
    PerPeriod { m3: f64 },
    /// Each sample carries its day's flow ([`LoadSample::daily_flow`]); days of discharge in the period.
    PerSample { discharge_days: u32 },
}

/// Which formula gave a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadMethod {
    /// Mean concentration × the period's volume.
    MeanConcentrationTimesVolume,
    /// Mean over the samples of concentration × that day's flow, × days of discharge.
    MeanDailyLoadTimesDays,
}

/// The load of one item at one outfall over one period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeriodLoad {
    pub kg: f64,
    pub method: LoadMethod,
    pub samples: usize,
    /// Arithmetic mean of the samples, mg/L.
    pub mean_concentration: f64,
    /// Volume discharged over the period, m³ (for per-sample flows: mean daily flow × days).
    pub volume_m3: f64,
}

impl PeriodLoad {
    pub fn tonnes(&self) -> f64 {
        self.kg / 1000.0
    }
}

/// A load cannot be computed from what was given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("no samples in the period")]
    NoSamples,
    #[error("concentration {0} mg/L is not a non-negative number")]
    InvalidConcentration(f64),
    #[error("flow {0} is not a non-negative number")]
    InvalidFlow(f64),
    #[error("sample {0} has no daily flow, and per-sample flows were asked for")]
    MissingSampleFlow(usize),
}

impl LoadError {
    pub fn zh(&self) -> String {
        match self {
            Self::NoSamples => "核算时段内没有监测数据".into(),
            Self::InvalidConcentration(c) => format!("浓度 {c} mg/L 不是非负数"),
            Self::InvalidFlow(q) => format!("流量 {q} 不是非负数"),
            Self::MissingSampleFlow(i) => format!("按逐次流量核算，但第 {} 个样品缺少当日排水量", i + 1),
        }
    }
}

fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// The load of a period from its samples (see the module documentation for the formulas).
pub fn period_load(samples: &[LoadSample], flow: Flow) -> Result<PeriodLoad, LoadError> {
    if samples.is_empty() {
        return Err(LoadError::NoSamples);
    }
    if let Some(bad) = samples.iter().find(|s| !non_negative(s.concentration)) {
        return Err(LoadError::InvalidConcentration(bad.concentration));
    }
    let n = samples.len() as f64;
    let mean_concentration = samples.iter().map(|s| s.concentration).sum::<f64>() / n;
    let by_volume = |volume_m3: f64| {
        if !non_negative(volume_m3) {
            return Err(LoadError::InvalidFlow(volume_m3));
        }
        Ok(PeriodLoad {
            kg: load_kg(mean_concentration, volume_m3),
            method: LoadMethod::MeanConcentrationTimesVolume,
            samples: samples.len(),
            mean_concentration,
            volume_m3,
        })
    };
    match flow {
        Flow::PerPeriod { m3 } => by_volume(m3),
        Flow::PerDay { m3_per_day, discharge_days } => {
            if !non_negative(m3_per_day) {
                return Err(LoadError::InvalidFlow(m3_per_day));
            }
            by_volume(m3_per_day * f64::from(discharge_days))
        }
        Flow::PerSample { discharge_days } => {
            let mut flows = Vec::with_capacity(samples.len());
            for (i, s) in samples.iter().enumerate() {
                let q = s.daily_flow.ok_or(LoadError::MissingSampleFlow(i))?;
                if !non_negative(q) {
                    return Err(LoadError::InvalidFlow(q));
                }
                flows.push(q);
            }
            let days = f64::from(discharge_days);
            let mean_daily_kg = samples.iter().zip(&flows).map(|(s, q)| load_kg(s.concentration, *q)).sum::<f64>() / n;
            Ok(PeriodLoad {
                kg: mean_daily_kg * days,
                method: LoadMethod::MeanDailyLoadTimesDays,
                samples: samples.len(),
                mean_concentration,
                volume_m3: flows.iter().sum::<f64>() / n * days,
            })
        }
    }
}

/// The load of consecutive periods together (a year of months), kg.
pub fn total_kg(loads: &[PeriodLoad]) -> f64 {
    loads.iter().map(|l| l.kg).sum()
}

/// Why a reduction rate is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NoRate {
    #[error("last year's load is missing: there is nothing to compare with (a missing load is not zero)")]
    LastYearMissing,
    #[error("last year's load was zero: any load this year is new, not a change by some percent")]
    LastYearZero,
    #[error("this year's load is missing")]
    ThisYearMissing,
    #[error("a load is negative or not a number")]
    InvalidLoad,
}

impl NoRate {
    pub fn zh(self) -> &'static str {
        match self {
            Self::LastYearMissing => "缺少上年排放量，无可比较（缺失不等于零）",
            Self::LastYearZero => "上年排放量为零，今年的排放均为新增，不能以百分比表示削减",
            Self::ThisYearMissing => "缺少本年排放量",
            Self::InvalidLoad => "排放量为负数或无效",
        }
    }
}

/// (last − this) ÷ last × 100: positive is a reduction, negative an increase.
pub fn reduction_rate(last_kg: Option<f64>, this_kg: Option<f64>) -> Result<f64, NoRate> {
    let last = last_kg.ok_or(NoRate::LastYearMissing)?;
    let this = this_kg.ok_or(NoRate::ThisYearMissing)?;
    if !non_negative(last) || !non_negative(this) {
        return Err(NoRate::InvalidLoad);
    }
    if last == 0.0 {
        return Err(NoRate::LastYearZero);
    }
    Ok((last - this) / last * 100.0)
}

/// One enterprise's (or any member's) yearly loads, kg, by item; an item not in a map is missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct YearLoads {
    /// Who: an enterprise's name or code, as the caller reports it.
    pub member: String,
    pub last_year_kg: BTreeMap<DischargeItem, f64>,
    pub this_year_kg: BTreeMap<DischargeItem, f64>,
}

/// The year-on-year change of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reduction {
    pub item: DischargeItem,
    pub last_year_kg: Option<f64>,
    pub this_year_kg: Option<f64>,
    pub rate_percent: Option<f64>,
    pub no_rate: Option<NoRate>,
}

/// Reductions of the [`MAIN_POLLUTANTS`] of one member, in that order.
pub fn reductions(loads: &YearLoads) -> Vec<Reduction> {
    MAIN_POLLUTANTS
        .iter()
        .map(|item| {
            let (last, this) = (loads.last_year_kg.get(item).copied(), loads.this_year_kg.get(item).copied());
            let rate = reduction_rate(last, this);
            Reduction {
                item: *item,
                last_year_kg: last,
                this_year_kg: this,
                rate_percent: rate.ok(),
                no_rate: rate.err(),
            }
        })
        .collect()
}

/// The year-on-year change of one item over a group, from the sums of its members' loads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReduction {
    pub item: DischargeItem,
    /// Members with both years' loads, whose loads are summed.
    pub members_counted: usize,
    /// Members missing either year's load, left out of both sums.
    pub left_out: Vec<String>,
    pub last_year_kg: f64,
    pub this_year_kg: f64,
    pub rate_percent: Option<f64>,
    pub no_rate: Option<NoRate>,
}

/// Reductions of the [`MAIN_POLLUTANTS`] over a group, in that order.
pub fn group_reductions(members: &[YearLoads]) -> Vec<GroupReduction> {
    MAIN_POLLUTANTS
        .iter()
        .map(|item| {
            let (mut last, mut this, mut counted, mut left_out) = (0.0, 0.0, 0, Vec::new());
            for m in members {
                match (m.last_year_kg.get(item), m.this_year_kg.get(item)) {
                    (Some(l), Some(t)) => {
                        last += l;
                        this += t;
                        counted += 1;
                    }
                    _ => left_out.push(m.member.clone()),
                }
            }
            let rate = if counted == 0 { Err(NoRate::LastYearMissing) } else { reduction_rate(Some(last), Some(this)) };
            GroupReduction {
                item: *item,
                members_counted: counted,
                left_out,
                last_year_kg: last,
                this_year_kg: this,
                rate_percent: rate.ok(),
                no_rate: rate.err(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    fn cod_samples() -> Vec<LoadSample> {
        [20.0, 30.0, 25.0].into_iter().map(LoadSample::new).collect()
    }

    #[test]
    fn a_milligram_per_litre_in_a_cubic_metre_is_a_gram() {
        // 30 mg/L = 30 g/m³; × 1000 m³ = 30 000 g = 30 kg.
        assert_eq!(load_kg(30.0, 1000.0), 30.0);
        assert_eq!(load_kg(0.5, 24_000.0), 12.0);
    }

    #[test]
    fn mean_concentration_times_the_volume_of_the_period() {
        // Mean of 20, 30, 25 = 25 mg/L; 800 m³/d × 30 d = 24 000 m³; 25 × 24 000 / 1000 = 600 kg = 0.6 t.
        let load = period_load(&cod_samples(), Flow::PerDay { m3_per_day: 800.0, discharge_days: 30 }).expect("load");
        assert_eq!((load.kg, load.tonnes(), load.volume_m3), (600.0, 0.6, 24_000.0));
        assert_eq!(
            (load.method, load.samples, load.mean_concentration),
            (LoadMethod::MeanConcentrationTimesVolume, 3, 25.0)
        );
        // The same volume given as the period's total gives the same load.
        let total = period_load(&cod_samples(), Flow::PerPeriod { m3: 24_000.0 }).expect("load");
        assert_eq!(total.kg, 600.0);
    }

    #[test]
    fn per_sample_flows_give_the_mean_daily_load_times_the_days() {
        // 20 mg/L × 1000 m³ = 20 kg, 30 × 600 = 18 kg, 25 × 800 = 20 kg: mean 58/3 kg/d, × 30 d = 580 kg.
        // Mean concentration × mean flow would say 25 × 800 × 30 / 1000 = 600 kg: the strongest sample was
        // taken on the smallest-flow day.
        let samples: Vec<LoadSample> =
            cod_samples().into_iter().zip([1000.0, 600.0, 800.0]).map(|(s, q)| s.with_daily_flow(q)).collect();
        let load = period_load(&samples, Flow::PerSample { discharge_days: 30 }).expect("load");
        assert!(close(load.kg, 580.0), "{}", load.kg);
        assert_eq!((load.method, load.volume_m3), (LoadMethod::MeanDailyLoadTimesDays, 24_000.0));
        // Daily records for each of three discharge days: the sum of the daily loads, 20 + 18 + 20 = 58 kg.
        let load = period_load(&samples, Flow::PerSample { discharge_days: 3 }).expect("load");
        assert!(close(load.kg, 58.0), "{}", load.kg);
    }

    #[test]
    fn a_non_detect_counts_as_half_its_detection_limit() {
        // NH3-N: 0.8, 0.4 and < 0.05 (as 0.025) mg/L average 0.408333…; × 10 000 m³ = 4.08333 kg.
        let samples = [LoadSample::new(0.8), LoadSample::new(0.4), LoadSample::not_detected(0.05)];
        let load = period_load(&samples, Flow::PerPeriod { m3: 10_000.0 }).expect("load");
        assert!(close(load.kg, 1.225 / 3.0 * 10.0), "{}", load.kg);
    }

    #[test]
    fn a_year_is_the_sum_of_its_months_in_kilograms_and_tonnes() {
        // Twelve months at 25 mg/L and 24 000 m³: 12 × 600 kg = 7200 kg = 7.2 t.
        let months: Vec<PeriodLoad> =
            (0..12).map(|_| period_load(&cod_samples(), Flow::PerPeriod { m3: 24_000.0 }).expect("load")).collect();
        assert_eq!(total_kg(&months), 7200.0);
        assert_eq!(total_kg(&months) / 1000.0, 7.2);
    }

    #[test]
    fn loads_that_cannot_be_computed_say_why() {
        assert_eq!(period_load(&[], Flow::PerPeriod { m3: 1.0 }), Err(LoadError::NoSamples));
        let bad = [LoadSample::new(-1.0)];
        assert_eq!(period_load(&bad, Flow::PerPeriod { m3: 1.0 }), Err(LoadError::InvalidConcentration(-1.0)));
        assert_eq!(
            period_load(&cod_samples(), Flow::PerDay { m3_per_day: f64::NAN, discharge_days: 1 })
                .map_err(|e| e.to_string()),
            Err("flow NaN is not a non-negative number".into())
        );
        let partly = [LoadSample::new(20.0).with_daily_flow(900.0), LoadSample::new(22.0)];
        let err = period_load(&partly, Flow::PerSample { discharge_days: 30 }).expect_err("a flow is missing");
        assert_eq!(err, LoadError::MissingSampleFlow(1));
        assert_eq!(err.zh(), "按逐次流量核算，但第 2 个样品缺少当日排水量");
    }

    #[test]
    fn the_reduction_rate_is_last_minus_this_over_last() {
        // (1000 − 850) / 1000 = 15 %; (1000 − 1100) / 1000 = −10 %, an increase; to zero is 100 %.
        assert_eq!(reduction_rate(Some(1000.0), Some(850.0)), Ok(15.0));
        assert_eq!(reduction_rate(Some(1000.0), Some(1100.0)), Ok(-10.0));
        assert_eq!(reduction_rate(Some(1000.0), Some(0.0)), Ok(100.0));
    }

    #[test]
    fn no_rate_without_a_load_last_year() {
        assert_eq!(reduction_rate(None, Some(10.0)), Err(NoRate::LastYearMissing));
        assert_eq!(reduction_rate(Some(0.0), Some(10.0)), Err(NoRate::LastYearZero));
        assert_eq!(reduction_rate(Some(0.0), Some(0.0)), Err(NoRate::LastYearZero));
        assert_eq!(reduction_rate(Some(10.0), None), Err(NoRate::ThisYearMissing));
        assert_eq!(reduction_rate(Some(-5.0), Some(1.0)), Err(NoRate::InvalidLoad));
        assert!(NoRate::LastYearZero.zh().contains("新增"));
        assert!(NoRate::LastYearMissing.to_string().contains("not zero"));
    }

    fn member(name: &str, last: &[(DischargeItem, f64)], this: &[(DischargeItem, f64)]) -> YearLoads {
        YearLoads {
            member: name.into(),
            last_year_kg: last.iter().copied().collect(),
            this_year_kg: this.iter().copied().collect(),
        }
    }

    #[test]
    fn an_enterprise_gets_one_rate_per_main_pollutant() {
        use DischargeItem::{Cod, Nh3n, Tn, Tp};
        let e = member("A", &[(Cod, 1000.0), (Nh3n, 80.0), (Tp, 0.0)], &[(Cod, 800.0), (Nh3n, 100.0), (Tp, 2.0)]);
        let r = reductions(&e);
        let items: Vec<DischargeItem> = r.iter().map(|x| x.item).collect();
        assert_eq!(items, [Cod, Nh3n, Tp, Tn]);
        // COD (1000 − 800) / 1000 = 20 %; NH3-N (80 − 100) / 80 = −25 %; TP from zero; TN not reported.
        assert_eq!((r[0].rate_percent, r[1].rate_percent), (Some(20.0), Some(-25.0)));
        assert_eq!((r[2].rate_percent, r[2].no_rate), (None, Some(NoRate::LastYearZero)));
        assert_eq!((r[3].rate_percent, r[3].no_rate), (None, Some(NoRate::LastYearMissing)));
    }

    #[test]
    fn a_town_sums_its_loads_before_taking_the_rate() {
        use DischargeItem::{Cod, Nh3n};
        let members = [
            member("A", &[(Cod, 1000.0), (Nh3n, 50.0)], &[(Cod, 800.0), (Nh3n, 40.0)]),
            member("B", &[(Cod, 500.0), (Nh3n, 30.0)], &[(Cod, 600.0), (Nh3n, 30.0)]),
            // Registered this year without a figure for last year: unknown, left out.
            member("C", &[], &[(Cod, 300.0)]),
        ];
        let g = group_reductions(&members);
        let cod = &g[0];
        // A −20 % and B +20 % average to 0 %, but the town discharged 1500 then 1400 kg: 100 / 1500 = 6.67 %.
        assert_eq!((cod.last_year_kg, cod.this_year_kg, cod.members_counted), (1500.0, 1400.0, 2));
        assert!(close(cod.rate_percent.expect("a rate"), 100.0 / 15.0));
        assert_eq!(cod.left_out, ["C"]);
        // NH3-N: (80 − 70) / 80 = 12.5 %; C has no NH3-N either year and is left out too.
        assert_eq!((g[1].rate_percent, g[1].left_out.len()), (Some(12.5), 1));
        // A plant that closed is a real reduction, entered as zero this year: (1700 − 1400) / 1700.
        let mut with_closed = members.to_vec();
        with_closed.push(member("D", &[(Cod, 200.0)], &[(Cod, 0.0)]));
        let cod = &group_reductions(&with_closed)[0];
        assert!(close(cod.rate_percent.expect("a rate"), 300.0 / 17.0));
        assert_eq!(cod.members_counted, 3);
    }

    #[test]
    fn a_group_without_last_year_figures_has_no_rate() {
        use DischargeItem::Tp;
        let members = [member("A", &[(Tp, 0.0)], &[(Tp, 5.0)]), member("B", &[(Tp, 0.0)], &[(Tp, 1.0)])];
        let tp = &group_reductions(&members)[2];
        assert_eq!((tp.last_year_kg, tp.this_year_kg, tp.no_rate), (0.0, 6.0, Some(NoRate::LastYearZero)));
        let none = group_reductions(&[]);
        assert!(none.iter().all(|g| g.no_rate == Some(NoRate::LastYearMissing) && g.members_counted == 0));
    }
}
