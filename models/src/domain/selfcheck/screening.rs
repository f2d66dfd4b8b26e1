//! Screening of self-check series for numbers worth a look. It ranks; it never accuses.
//!
//! One [`Series`] is one outfall's values of one item. Five tests each compare the series with what an honest
//! continuous measurement would show and give a statistic, a p-value and a reason in Chinese and English:
//!
//! - [`Test::Repeats`]: the share of the most common value and the longest run of equal values, against the
//!   most a smooth distribution with this spread can give one reported value (binomial tail, union bound).
//!   At least 12 values.
//! - [`Test::NearLimit`]: the share within 90–100 % of the limit, against the share a log-normal fitted to the
//!   series puts there (one-sided binomial). At least 12 values and a limit.
//! - [`Test::LowVariance`]: the coefficient of variation (CV), against the item's reference CV (lower tail of
//!   chi-square with n − 1 degrees of freedom). At least 10 values.
//! - [`Test::LastDigit`]: the last reported digit against uniform (chi-square, 9 degrees of freedom). At least
//!   50 values with three or more significant digits, spread over at least ten last-digit steps.
//! - [`Test::Insensitive`]: the cold/warm half-year difference (Welch's t) and the correlation with flow
//!   (Fisher's z), against half of what peer outfalls show. At least 6 values in each half-year or 12 with
//!   varying flows, and 3 peers with a clear effect.
//!
//! Below its minimum a test says "insufficient data" and adds nothing. A p-value becomes a score from 0 (p ≥
//! 10⁻³) rising with −log₁₀ p to 1 (p ≤ 10⁻⁶); the series' score is the sum over tests (0–5). The thresholds
//! are set so that honest noise scores 0 nearly always: ranking inspections wastes no visit on chance.
//! A high score says the numbers are worth a look, and why; it is never a finding about anyone's conduct.
//! Several tests can fire on one cause (a near-constant series repeats values and has a low CV): the score
//! counts reasons worth a look, not independent evidence.
//!
//! Values below the detection limit repeat by nature and take no part. The reporting resolution is
//! [`Series::decimals`] or, when unset, the most decimals any value has; give it where values arrive as
//! floating-point numbers that lost trailing zeros (12.50 → 12.5), or the digit test looks at the wrong
//! digit. Where a method itself reports few significant figures (HJ 828-2017 reports COD below 100 mg/L as
//! an integer, as far as we know), the digit test stays silent for want of three significant digits.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

use super::super::discharge::DischargeItem;
use super::super::notice_text::format_number;

/// One self-check value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    pub sampled_on: NaiveDate,
    /// In the item's unit; for a non-detect, the detection limit.
    pub value: f64,
    pub below_detection: bool,
    /// Wastewater flow on the sampling day, m³/d, where reported.
    pub flow: Option<f64>,
}

impl Observation {
    pub fn new(sampled_on: NaiveDate, value: f64) -> Self {
        Self { sampled_on, value, below_detection: false, flow: None }
    }

    /// A result reported as below `detection_limit`.
    pub fn not_detected(sampled_on: NaiveDate, detection_limit: f64) -> Self {
        Self { below_detection: true, ..Self::new(sampled_on, detection_limit) }
    }

    pub fn with_flow(self, m3_per_day: f64) -> Self {
        Self { flow: Some(m3_per_day), ..self }
    }
}

/// One outfall's self-check values of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub item: DischargeItem,
    /// The upper limit the outfall is held to for the item, in the same unit.
    pub limit: Option<f64>,
    /// Decimals the values are reported with; `None`: the most decimals any value has.
    pub decimals: Option<u32>,
    pub observations: Vec<Observation>,
}

impl Series {
    pub fn new(item: DischargeItem, observations: Vec<Observation>) -> Self {
        Self { item, limit: None, decimals: None, observations }
    }

    pub fn with_limit(self, limit: f64) -> Self {
        Self { limit: Some(limit), ..self }
    }

    pub fn with_decimals(self, decimals: u32) -> Self {
        Self { decimals: Some(decimals), ..self }
    }
}

/// The tests, in the order a [`Screening`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// The same value again and again.
    Repeats,
    /// Values bunched just under the limit.
    NearLimit,
    /// A spread far below what such measurements show.
    LowVariance,
    /// Last digits far from uniform.
    LastDigit,
    /// No seasonal difference or response to flow where peer outfalls show one.
    Insensitive,
}

impl Test {
    pub const ALL: [Test; 5] = [Self::Repeats, Self::NearLimit, Self::LowVariance, Self::LastDigit, Self::Insensitive];

    pub fn key(self) -> &'static str {
        match self {
            Self::Repeats => "repeats",
            Self::NearLimit => "near_limit",
            Self::LowVariance => "low_variance",
            Self::LastDigit => "last_digit",
            Self::Insensitive => "insensitive",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Repeats => "数值重复",
            Self::NearLimit => "贴近限值",
            Self::LowVariance => "波动过小",
            Self::LastDigit => "末位数字不均",
            Self::Insensitive => "不随季节或水量变化",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Repeats => "repeated values",
            Self::NearLimit => "bunched just under the limit",
            Self::LowVariance => "implausibly low variance",
            Self::LastDigit => "uneven last digits",
            Self::Insensitive => "no response to season or flow",
        }
    }
}

/// Minimum values for [`Test::Repeats`] and [`Test::NearLimit`]: a year of monthly checks.
pub const MIN_REPEATS: usize = 12;
pub const MIN_NEAR_LIMIT: usize = 12;
/// Minimum values for [`Test::LowVariance`]: below ten a sample CV itself varies too much.
pub const MIN_LOW_VARIANCE: usize = 10;
/// Minimum eligible values for [`Test::LastDigit`]: five expected per digit, the usual rule for chi-square.
pub const MIN_LAST_DIGIT: usize = 50;
/// Minimum values in each half-year, and pairs with flow, for [`Test::Insensitive`].
pub const MIN_PER_SEASON: usize = 6;
pub const MIN_FLOW_PAIRS: usize = 12;
/// Peer outfalls with a figure needed before a peer reference exists.
pub const MIN_PEERS: usize = 3;
/// The largest score of a series: one point per test.
pub const MAX_SCORE: f64 = Test::ALL.len() as f64;

/// Tunable parameters; [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreeningConfig {
    /// The CV below which an honest series of an item is rare (0.10 by default). Measurement repeatability
    /// alone is a few percent for COD, NH3-N and TP at effluent levels, and day-to-day process variation
    /// adds to it; 10 % is a conservative floor, not a typical CV [practice: lower it per item for outfalls
    /// known to be very steady].
    pub default_reference_cv: f64,
    /// Per-item reference CVs overriding the default.
    pub reference_cv: BTreeMap<DischargeItem, f64>,
    /// The band under the limit, as a fraction of it: 0.9 means 90–100 %.
    pub band_fraction: f64,
    /// The least share of values the band is expected to hold (0.02), so that one honest value in a band a
    /// thin-tailed fit says is empty does not count as bunching.
    pub band_share_floor: f64,
    /// Allowance over the peak probability of one reported value that a smooth fit gives (2×), for real
    /// distributions that are lumpier than a fit.
    pub peak_allowance: f64,
    /// The insensitivity test asks whether the series shows at least this share of its peers' effect (½).
    pub peer_effect_share: f64,
    /// Peers' seasonal effect (|ln cold/warm|) below which they show no season worth comparing (0.15, ≈16 %).
    pub min_peer_seasonal_effect: f64,
    /// Peers' |correlation with flow| below which they show no response worth comparing (0.3).
    pub min_peer_flow_correlation: f64,
    /// The CV of the series' own flows below which its load does not vary enough to test (0.1).
    pub min_flow_cv: f64,
    /// p-value at which a test starts to score (10⁻³).
    pub score_from_p: f64,
    /// p-value at which a test scores its full point (10⁻⁶).
    pub full_score_p: f64,
}

impl Default for ScreeningConfig {
    fn default() -> Self {
        Self {
            default_reference_cv: 0.10,
            reference_cv: BTreeMap::new(),
            band_fraction: 0.9,
            band_share_floor: 0.02,
            peak_allowance: 2.0,
            peer_effect_share: 0.5,
            min_peer_seasonal_effect: 0.15,
            min_peer_flow_correlation: 0.3,
            min_flow_cv: 0.1,
            score_from_p: 1e-3,
            full_score_p: 1e-6,
        }
    }
}

impl ScreeningConfig {
    pub fn reference_cv(&self, item: DischargeItem) -> f64 {
        self.reference_cv.get(&item).copied().unwrap_or(self.default_reference_cv)
    }

    /// 0 for p ≥ `score_from_p`, 1 for p ≤ `full_score_p`, linear in −log₁₀ p between.
    pub fn score(&self, p: f64) -> f64 {
        let (from, full) = (-self.score_from_p.log10(), -self.full_score_p.log10());
        let x = -p.max(f64::MIN_POSITIVE).log10();
        if full <= from {
            return if x >= from { 1.0 } else { 0.0 };
        }
        ((x - from) / (full - from)).clamp(0.0, 1.0)
    }
}

/// What peer outfalls (same item, comparable plants, chosen by the caller) typically show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PeerReference {
    /// Median over peers of [`seasonal_log_ratio`].
    pub seasonal_log_ratio: Option<f64>,
    /// Median over peers of [`flow_correlation`].
    pub flow_correlation: Option<f64>,
}

impl PeerReference {
    /// No peers: the insensitivity test has nothing to compare with.
    pub const NONE: PeerReference = PeerReference { seasonal_log_ratio: None, flow_correlation: None };

    /// Medians of the peers' own figures, each where at least [`MIN_PEERS`] peers have one.
    pub fn from_peers(peers: &[&[Observation]], config: &ScreeningConfig) -> Self {
        let median_of = |figures: Vec<f64>| (figures.len() >= MIN_PEERS).then(|| median(figures));
        Self {
            seasonal_log_ratio: median_of(peers.iter().filter_map(|p| seasonal_log_ratio(p)).collect()),
            flow_correlation: median_of(peers.iter().filter_map(|p| flow_correlation(p, config)).collect()),
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

/// Whether a sampling month is in the cold half of the year (November–April).
fn is_cold(date: NaiveDate) -> bool {
    !(5..=10).contains(&date.month())
}

/// Detected, finite, positive values in sampling order.
fn usable(observations: &[Observation]) -> Vec<Observation> {
    let mut v: Vec<Observation> =
        observations.iter().filter(|o| !o.below_detection && o.value.is_finite() && o.value > 0.0).copied().collect();
    v.sort_by_key(|o| o.sampled_on);
    v
}

/// ln(geometric mean in the cold half ÷ geometric mean in the warm half), with at least [`MIN_PER_SEASON`]
/// usable values in each half; positive when the cold half runs higher.
pub fn seasonal_log_ratio(observations: &[Observation]) -> Option<f64> {
    let (cold, warm) = seasonal_logs(&usable(observations));
    (cold.len() >= MIN_PER_SEASON && warm.len() >= MIN_PER_SEASON).then(|| mean(&cold) - mean(&warm))
}

fn seasonal_logs(values: &[Observation]) -> (Vec<f64>, Vec<f64>) {
    let (cold, warm): (Vec<&Observation>, Vec<&Observation>) = values.iter().partition(|o| is_cold(o.sampled_on));
    (cold.iter().map(|o| o.value.ln()).collect(), warm.iter().map(|o| o.value.ln()).collect())
}

/// Pearson correlation of ln concentration with ln flow, over at least [`MIN_FLOW_PAIRS`] values with a
/// positive flow whose flows vary (CV at least `min_flow_cv`).
pub fn flow_correlation(observations: &[Observation], config: &ScreeningConfig) -> Option<f64> {
    let (logs, flows) = flow_pairs(&usable(observations));
    (logs.len() >= MIN_FLOW_PAIRS && cv(&flows) >= config.min_flow_cv).then(|| {
        let log_flows: Vec<f64> = flows.iter().map(|q| q.ln()).collect();
        pearson(&logs, &log_flows)
    })
}

fn flow_pairs(values: &[Observation]) -> (Vec<f64>, Vec<f64>) {
    values.iter().filter_map(|o| o.flow.filter(|q| q.is_finite() && *q > 0.0).map(|q| (o.value.ln(), q))).unzip()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
fn sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

fn cv(xs: &[f64]) -> f64 {
    let m = mean(xs);
    if m > 0.0 { sd(xs) / m } else { 0.0 }
}

/// 0 where either side does not vary: a constant shows no correlation.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    if sxx > 0.0 && syy > 0.0 { sxy / (sxx * syy).sqrt() } else { 0.0 }
}

/// The log-scale SD of a log-normal with coefficient of variation `cv`.
fn log_sd_of_cv(cv: f64) -> f64 {
    (1.0 + cv * cv).ln().sqrt()
}

/// P(X ≥ k) for X ~ Binomial(n, p).
fn binomial_at_least(n: usize, p: f64, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    match Binomial::new(p.clamp(0.0, 1.0), n as u64) {
        Ok(b) => b.sf(k as u64 - 1),
        Err(_) => 1.0,
    }
}

fn std_normal_cdf(z: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(0.5, |n| n.cdf(z))
}

/// Decimals of the shortest representation of `v`, at most 6.
fn decimals_of(v: f64) -> u32 {
    let s = v.to_string();
    s.split_once('.').map_or(0, |(_, fraction)| fraction.len() as u32).min(6)
}

fn percent(share: f64) -> String {
    format!("{}%", format_number((share * 1000.0).round() / 10.0))
}

fn p_text(p: f64) -> String {
    if p < 1e-3 { format!("{p:.1e}") } else { format!("{p:.3}") }
}

/// One test's outcome for one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub test: Test,
    /// Values the test looked at.
    pub n: usize,
    /// `None` when the data were insufficient.
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    /// 0–1; 0 when insufficient.
    pub score: f64,
    pub zh: String,
    pub en: String,
}

impl Finding {
    pub fn insufficient(&self) -> bool {
        self.p_value.is_none()
    }

    pub fn worth_a_look(&self) -> bool {
        self.score > 0.0
    }

    fn insufficient_data(test: Test, n: usize, zh: String, en: String) -> Self {
        Self { test, n, statistic: None, p_value: None, score: 0.0, zh, en }
    }

    fn too_few(test: Test, n: usize, min: usize) -> Self {
        Self::insufficient_data(
            test,
            n,
            format!("数据不足：需至少 {min} 个有效数值，现有 {n} 个，不作检验。"),
            format!("Insufficient data: needs at least {min} valid values, has {n}; not tested."),
        )
    }

    fn evaluated(
        test: Test,
        n: usize,
        statistic: f64,
        p: f64,
        config: &ScreeningConfig,
        text: (String, String),
    ) -> Self {
        let score = config.score(p);
        let (zh_verdict, en_verdict) =
            if score > 0.0 { ("值得关注。", "Worth a look.") } else { ("未见异常。", "Nothing unusual.") };
        Self {
            test,
            n,
            statistic: Some(statistic),
            p_value: Some(p),
            score,
            zh: format!("{}{zh_verdict}", text.0),
            en: format!("{} {en_verdict}", text.1),
        }
    }
}

/// The values of a series as the tests use them.
struct Prepared<'a> {
    observations: Vec<Observation>,
    values: Vec<f64>,
    decimals: u32,
    config: &'a ScreeningConfig,
    reference_cv: f64,
}

impl Prepared<'_> {
    fn n(&self) -> usize {
        self.values.len()
    }

    /// The reporting resolution: 10^−decimals.
    fn resolution(&self) -> f64 {
        10f64.powi(-(self.decimals as i32))
    }

    /// Values in units of the last reported digit.
    fn units(&self, v: f64) -> i64 {
        (v * 10f64.powi(self.decimals as i32)).round() as i64
    }

    /// Log-scale mean and SD, the SD no smaller than the reference CV's.
    fn log_fit(&self) -> (f64, f64) {
        let logs: Vec<f64> = self.values.iter().map(|v| v.ln()).collect();
        (mean(&logs), sd(&logs).max(log_sd_of_cv(self.reference_cv)))
    }
}

fn repeats(p: &Prepared) -> Finding {
    let n = p.n();
    if n < MIN_REPEATS {
        return Finding::too_few(Test::Repeats, n, MIN_REPEATS);
    }
    // The most probability one reported value can hold under a smooth distribution with this spread: the
    // peak density times the resolution, taking the larger peak of a normal and a log-normal fit (a skewed
    // series peaks higher than a normal of the same SD), no narrower than the reference CV, with allowance.
    let sd_floor = sd(&p.values).max(p.reference_cv * mean(&p.values));
    let normal_peak = 1.0 / (sd_floor * (2.0 * PI).sqrt());
    let (mu, s) = p.log_fit();
    let lognormal_peak = (-mu + s * s / 2.0).exp() / (s * (2.0 * PI).sqrt());
    let p_max = (p.config.peak_allowance * p.resolution() * normal_peak.max(lognormal_peak)).min(1.0);

    let units: Vec<i64> = p.values.iter().map(|v| p.units(*v)).collect();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for u in &units {
        *counts.entry(*u).or_default() += 1;
    }
    // The most common value; of equally common ones, the smallest.
    let (mode, k) = counts.iter().fold((0, 0), |best, (u, c)| if *c > best.1 { (*u, *c) } else { best });
    let (mut run, mut longest) = (1, 1);
    for pair in units.windows(2) {
        run = if pair[0] == pair[1] { run + 1 } else { 1 };
        longest = longest.max(run);
    }
    // Some value occurring k times: at most 1/p_max values can each hold p_max, so a union bound over them.
    let p_mode = ((1.0 / p_max).ceil() * binomial_at_least(n, p_max, k)).min(1.0);
    // Some run of `longest` equal values: n − L + 1 places to start, each next value equal with ≤ p_max.
    let p_run = if longest >= 2 { ((n - longest + 1) as f64 * p_max.powi(longest as i32 - 1)).min(1.0) } else { 1.0 };
    let pv = (2.0 * p_mode.min(p_run)).min(1.0);
    let mode_text = format!("{:.*}", p.decimals as usize, mode as f64 * p.resolution());
    let share = percent(k as f64 / n as f64);
    let text = (
        format!(
            "{n} 个数值中，最常见的 {mode_text} 出现 {k} 次（{share}），最长连续 {longest} 个相同；\
             按该序列的离散程度和报告精度，连续测量出现这样多重复的概率约为 {}。",
            p_text(pv)
        ),
        format!(
            "Of {n} values the most common, {mode_text}, occurs {k} times ({share}) and at most {longest} equal values \
             come in a row; for a continuous measurement with this spread and reporting resolution the chance of \
             that much repetition is about {}.",
            p_text(pv)
        ),
    );
    Finding::evaluated(Test::Repeats, n, k as f64 / n as f64, pv, p.config, text)
}

fn near_limit(p: &Prepared, limit: Option<f64>) -> Finding {
    let n = p.n();
    let Some(limit) = limit.filter(|l| l.is_finite() && *l > 0.0) else {
        return Finding::insufficient_data(
            Test::NearLimit,
            n,
            "未给出排放限值，不作检验。".into(),
            "No limit given; not tested.".into(),
        );
    };
    if n < MIN_NEAR_LIMIT {
        return Finding::too_few(Test::NearLimit, n, MIN_NEAR_LIMIT);
    }
    let low = p.config.band_fraction * limit;
    let k = p.values.iter().filter(|v| (low..=limit).contains(*v)).count();
    let above = p.values.iter().filter(|v| **v > limit).count();
    // The share a log-normal with the series' own centre and spread (no narrower than the reference CV) puts
    // in the band, widened by half a reporting step each side: a value reported as 45 was anything from
    // 44.5 to 45.5. Bunching pulls the fit towards the band, so this errs towards calling a series honest.
    let (mu, s) = p.log_fit();
    let half_step = p.resolution() / 2.0;
    let cdf = |x: f64| std_normal_cdf((x.ln() - mu) / s);
    let expected = cdf(limit + half_step) - cdf((low - half_step).max(f64::MIN_POSITIVE));
    let expected = expected.max(p.config.band_share_floor);
    let pv = binomial_at_least(n, expected, k);
    let band = format!("{}%–100%", format_number(p.config.band_fraction * 100.0));
    let (share, limit_text) = (percent(k as f64 / n as f64), format_number(limit));
    let text = (
        format!(
            "{n} 个数值中 {k} 个（{share}）落在限值 {limit_text} 的 {band} 之间，{above} 个超过限值；\
             按该序列自身的水平和离散程度，预计约占 {}，出现这样集中的概率约为 {}。",
            percent(expected),
            p_text(pv)
        ),
        format!(
            "{k} of {n} values ({share}) lie within {band} of the limit {limit_text} and {above} above it; the \
             series' own level and spread predict about {}, and the chance of bunching like this is about {}.",
            percent(expected),
            p_text(pv)
        ),
    );
    Finding::evaluated(Test::NearLimit, n, k as f64 / n as f64, pv, p.config, text)
}

fn low_variance(p: &Prepared) -> Finding {
    let n = p.n();
    if n < MIN_LOW_VARIANCE {
        return Finding::too_few(Test::LowVariance, n, MIN_LOW_VARIANCE);
    }
    let observed = cv(&p.values);
    // (n − 1) s² / σ² is chi-square with n − 1 degrees of freedom when the true CV is the reference; a small
    // value in its lower tail is a series steadier than the reference allows.
    let statistic = (n - 1) as f64 * (observed / p.reference_cv).powi(2);
    let pv = ChiSquared::new((n - 1) as f64).map_or(1.0, |c| c.cdf(statistic));
    let (cv_text, reference) = (percent(observed), percent(p.reference_cv));
    let text = (
        format!(
            "{n} 个数值的变异系数为 {cv_text}，此类测量的变异系数通常不低于 {reference}；如此平稳的概率约为 {}。",
            p_text(pv)
        ),
        format!(
            "The coefficient of variation of {n} values is {cv_text}, where such measurements usually show at least \
             {reference}; the chance of a series this steady is about {}.",
            p_text(pv)
        ),
    );
    Finding::evaluated(Test::LowVariance, n, observed, pv, p.config, text)
}

fn last_digit(p: &Prepared) -> Finding {
    // Only values with three or more significant digits at the resolution: the last of two digits is not
    // uniform (Benford), and an integer COD of 23 mg/L says nothing about anyone's rounding.
    let units: Vec<i64> = p.values.iter().map(|v| p.units(*v)).filter(|u| *u >= 100).collect();
    let n = units.len();
    if n < MIN_LAST_DIGIT {
        return Finding::insufficient_data(
            Test::LastDigit,
            n,
            format!("数据不足：需至少 {MIN_LAST_DIGIT} 个有三位以上有效数字的数值，现有 {n} 个，不作检验。"),
            format!(
                "Insufficient data: needs at least {MIN_LAST_DIGIT} values with three or more significant digits, \
                 has {n}; not tested."
            ),
        );
    }
    let spread = sd(&units.iter().map(|u| *u as f64).collect::<Vec<_>>());
    if spread < 10.0 {
        return Finding::insufficient_data(
            Test::LastDigit,
            n,
            "数值的变化不足末位的 10 个单位，末位数字本不必均匀，不作检验。".into(),
            "The values vary by fewer than ten steps of the last digit, so their last digits need not be uniform; \
             not tested."
                .into(),
        );
    }
    let mut counts = [0usize; 10];
    for u in &units {
        counts[(u % 10) as usize] += 1;
    }
    let expected = n as f64 / 10.0;
    let chi2: f64 = counts.iter().map(|c| (*c as f64 - expected).powi(2) / expected).sum();
    let pv = ChiSquared::new(9.0).map_or(1.0, |c| c.sf(chi2));
    let (digit, most) = counts.iter().enumerate().fold((0, 0), |best, (d, c)| if *c > best.1 { (d, *c) } else { best });
    let share = percent(most as f64 / n as f64);
    let chi2_text = format_number((chi2 * 10.0).round() / 10.0);
    let text = (
        format!(
            "{n} 个数值末位数字的卡方值为 {chi2_text}（自由度 9），最常见的末位 {digit} 占 {share}\
             （均匀时为 10%）；末位数字如此不均的概率约为 {}。",
            p_text(pv)
        ),
        format!(
            "The last digits of {n} values give chi-square {chi2_text} (9 degrees of freedom); the most common, \
             {digit}, makes {share} (10% if uniform), and the chance of digits this uneven is about {}.",
            p_text(pv)
        ),
    );
    Finding::evaluated(Test::LastDigit, n, chi2, pv, p.config, text)
}

/// One half of the insensitivity test.
struct SubCheck {
    n: usize,
    statistic: f64,
    p: f64,
    zh: String,
    en: String,
}

fn seasonal_check(p: &Prepared, peers: &PeerReference) -> Option<SubCheck> {
    let d0 = peers.seasonal_log_ratio.filter(|d| d.abs() >= p.config.min_peer_seasonal_effect)?;
    let (cold, warm) = seasonal_logs(&p.observations);
    let (nc, nw) = (cold.len(), warm.len());
    if nc < MIN_PER_SEASON || nw < MIN_PER_SEASON {
        return None;
    }
    let d = mean(&cold) - mean(&warm);
    // Welch's t of the series' effect, in the peers' direction, against a share of the peers' effect. The
    // spread in each half is no smaller than the reference CV's, so a constant series is not infinitely sure.
    let floor = log_sd_of_cv(p.reference_cv);
    let (a, b) = (sd(&cold).max(floor).powi(2) / nc as f64, sd(&warm).max(floor).powi(2) / nw as f64);
    let df = (a + b).powi(2) / (a * a / (nc - 1) as f64 + b * b / (nw - 1) as f64);
    let t = (d0.signum() * d - p.config.peer_effect_share * d0.abs()) / (a + b).sqrt();
    let pv = StudentsT::new(0.0, 1.0, df).map_or(1.0, |dist| dist.cdf(t));
    let change = |x: f64| percent(x.exp() - 1.0);
    let (peer_word_zh, peer_word_en) = if d0 > 0.0 { ("高", "higher") } else { ("低", "lower") };
    let (own_word_zh, own_word_en) = if d >= 0.0 { ("高", "higher") } else { ("低", "lower") };
    Some(SubCheck {
        n: nc + nw,
        statistic: d,
        p: pv,
        zh: format!(
            "同类排污口冷季（11—4月）比暖季（5—10月）{peer_word_zh}约 {}，\
             本排污口冷季比暖季{own_word_zh} {}（冷季 {nc} 个、暖季 {nw} 个数值）",
            change(d0.abs()),
            change(d.abs())
        ),
        en: format!(
            "peer outfalls run about {} {peer_word_en} in the cold half (Nov–Apr) than in the warm half (May–Oct), \
             this outfall runs {} {own_word_en} ({nc} cold, {nw} warm values)",
            change(d0.abs()),
            change(d.abs())
        ),
    })
}

fn flow_check(p: &Prepared, peers: &PeerReference) -> Option<SubCheck> {
    let r0 = peers.flow_correlation.filter(|r| r.abs() >= p.config.min_peer_flow_correlation)?;
    let r = flow_correlation(&p.observations, p.config)?;
    let n = flow_pairs(&p.observations).0.len();
    // Fisher's z of the correlation, in the peers' direction, against a share of the peers' correlation.
    let bound = 1.0 - 1e-9;
    let z = ((r0.signum() * r).clamp(-bound, bound).atanh() - (p.config.peer_effect_share * r0.abs()).atanh())
        * ((n - 3) as f64).sqrt();
    let pv = std_normal_cdf(z);
    let (r0_text, r_text) = (format_number((r0 * 100.0).round() / 100.0), format_number((r * 100.0).round() / 100.0));
    Some(SubCheck {
        n,
        statistic: r,
        p: pv,
        zh: format!("同类排污口浓度与水量的相关系数约为 {r0_text}，本排污口为 {r_text}（{n} 对数值）"),
        en: format!(
            "peer outfalls' concentration correlates with flow at about r = {r0_text}, this outfall's at \
             r = {r_text} ({n} pairs)"
        ),
    })
}

fn insensitive(p: &Prepared, peers: &PeerReference) -> Finding {
    let checks: Vec<SubCheck> = [seasonal_check(p, peers), flow_check(p, peers)].into_iter().flatten().collect();
    let Some(decisive) = checks.iter().min_by(|a, b| a.p.total_cmp(&b.p)) else {
        return Finding::insufficient_data(
            Test::Insensitive,
            p.n(),
            format!(
                "缺少可比较的参照：需至少 {MIN_PEERS} 个同类排污口有明显的季节或水量效应，\
                 且本序列每个半年至少 {MIN_PER_SEASON} 个数值或至少 {MIN_FLOW_PAIRS} 个带水量且水量有变化的数值，\
                 不作检验。"
            ),
            format!(
                "Nothing to compare with: needs at least {MIN_PEERS} peer outfalls with a clear seasonal or flow \
                 effect, and {MIN_PER_SEASON} values in each half-year or {MIN_FLOW_PAIRS} values with varying flow \
                 here; not tested."
            ),
        );
    };
    // Bonferroni over the sub-checks that ran.
    let pv = (checks.len() as f64 * decisive.p).min(1.0);
    let zh: Vec<&str> = checks.iter().map(|c| c.zh.as_str()).collect();
    let en: Vec<&str> = checks.iter().map(|c| c.en.as_str()).collect();
    let text = (
        format!("{}；如此不随季节或水量变化的概率约为 {}。", zh.join("；"), p_text(pv)),
        format!("{}; the chance of so little response is about {}.", capitalise(&en.join("; ")), p_text(pv)),
    );
    Finding::evaluated(Test::Insensitive, decisive.n, decisive.statistic, pv, p.config, text)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// All tests on one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    pub item: DischargeItem,
    /// Usable values (detected, finite, positive).
    pub n: usize,
    /// Sum of the findings' scores, 0–[`MAX_SCORE`].
    pub score: f64,
    /// One per test, in [`Test::ALL`] order.
    pub findings: Vec<Finding>,
}

impl Screening {
    pub fn finding(&self, test: Test) -> Option<&Finding> {
        self.findings.iter().find(|f| f.test == test)
    }

    pub fn worth_a_look(&self) -> bool {
        self.score > 0.0
    }

    /// One line for a ranking table.
    pub fn summary_zh(&self) -> String {
        let reasons: Vec<&str> = self.findings.iter().filter(|f| f.worth_a_look()).map(|f| f.test.name_zh()).collect();
        if reasons.is_empty() {
            "各项检验未见异常。".into()
        } else {
            format!("值得关注（得分 {:.1}/{MAX_SCORE}）：{}。", self.score, reasons.join("、"))
        }
    }

    pub fn summary_en(&self) -> String {
        let reasons: Vec<&str> = self.findings.iter().filter(|f| f.worth_a_look()).map(|f| f.test.name_en()).collect();
        if reasons.is_empty() {
            "Nothing unusual in any test.".into()
        } else {
            format!("Worth a look (score {:.1}/{MAX_SCORE}): {}.", self.score, reasons.join(", "))
        }
    }
}

/// Runs every test on `series`. `peers` feeds the insensitivity test; [`PeerReference::NONE`] leaves it
/// insufficient.
pub fn screen(series: &Series, peers: &PeerReference, config: &ScreeningConfig) -> Screening {
    let observations = usable(&series.observations);
    let values: Vec<f64> = observations.iter().map(|o| o.value).collect();
    let decimals = series.decimals.unwrap_or_else(|| values.iter().map(|v| decimals_of(*v)).max().unwrap_or(0));
    let prepared = Prepared { observations, values, decimals, config, reference_cv: config.reference_cv(series.item) };
    let findings = vec![
        repeats(&prepared),
        near_limit(&prepared, series.limit),
        low_variance(&prepared),
        last_digit(&prepared),
        insensitive(&prepared, peers),
    ];
    let score = findings.iter().map(|f| f.score).sum();
    Screening { item: series.item, n: prepared.n(), score, findings }
}

/// An enterprise's score for ranking inspections: that of its most questionable series. Many mild series do
/// not add up to one strong one.
pub fn enterprise_score(screenings: &[Screening]) -> f64 {
    screenings.iter().map(|s| s.score).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use chrono::Days;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// A small deterministic source of log-normal noise (Box–Muller over ChaCha8), so tests are reproducible
    /// whatever distribution crate is in use.
    struct Noise(ChaCha8Rng);

    impl Noise {
        fn new(seed: u64) -> Self {
            Self(ChaCha8Rng::seed_from_u64(seed))
        }

        fn uniform(&mut self) -> f64 {
            self.0.random::<f64>()
        }

        fn normal(&mut self) -> f64 {
            let u1 = 1.0 - self.uniform();
            let u2 = self.uniform();
            (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
        }

        fn lognormal(&mut self, median: f64, cv: f64) -> f64 {
            median * (log_sd_of_cv(cv) * self.normal()).exp()
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn day(offset: usize) -> NaiveDate {
        d("2025-01-01") + Days::new(offset as u64)
    }

    fn round_to(v: f64, decimals: i32) -> f64 {
        let f = 10f64.powi(decimals);
        (v * f).round() / f
    }

    fn series_of(values: &[f64]) -> Vec<Observation> {
        values.iter().enumerate().map(|(i, v)| Observation::new(day(i * 7), *v)).collect()
    }

    /// Honest values: log-normal around `median` with coefficient of variation `cv`, one every three days.
    fn honest(seed: u64, n: usize, median: f64, cv: f64, decimals: i32) -> Vec<f64> {
        let mut noise = Noise::new(seed);
        (0..n).map(|_| round_to(noise.lognormal(median, cv), decimals)).collect()
    }

    fn cod(values: &[f64]) -> Series {
        Series::new(DischargeItem::Cod, series_of(values)).with_limit(50.0)
    }

    fn run(series: &Series) -> Screening {
        screen(series, &PeerReference::NONE, &ScreeningConfig::default())
    }

    fn finding(s: &Screening, test: Test) -> &Finding {
        s.finding(test).expect("every test reports")
    }

    fn assert_close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a value");
        assert!(((actual - expected) / expected).abs() < 1e-6, "{actual} vs {expected}");
    }

    #[test]
    fn scores_start_at_one_in_a_thousand_and_are_full_at_one_in_a_million() {
        let c = ScreeningConfig::default();
        assert_eq!((c.score(0.5), c.score(1e-3)), (0.0, 0.0));
        assert!((c.score(1e-4) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!((c.score(1e-6), c.score(1e-30), c.score(0.0)), (1.0, 1.0, 1.0));
    }

    #[test]
    fn binomial_tails_match_scipy() {
        // scipy.stats.binom.sf(k - 1, n, p)
        assert_close(Some(binomial_at_least(36, 0.02, 12)), 3.2800835781899994e-12);
        assert_close(Some(binomial_at_least(48, 0.055, 20)), 2.3868751636938853e-13);
        assert_close(Some(binomial_at_least(12, 0.02, 3)), 0.0015370299834177002);
        assert_eq!(binomial_at_least(12, 0.02, 0), 1.0);
    }

    #[test]
    fn the_repeat_test_matches_an_independent_computation() {
        // 15.1 eight times in twenty, three in a row. numpy/scipy: peak probability of one value 0.043388,
        // ceil(1/p) * binom.sf(7, 20, p) = 2.3716e-05, run bound 18 p² = 0.0339, p = 2 × the smaller.
        let values = [
            12.3, 15.1, 15.1, 15.1, 14.2, 18.7, 15.1, 11.9, 13.4, 15.1, 16.8, 17.2, 15.1, 12.8, 14.9, 15.1, 19.3, 13.7,
            15.1, 16.0,
        ];
        let s = run(&cod(&values));
        let f = finding(&s, Test::Repeats);
        assert_eq!((f.n, f.statistic), (20, Some(0.4)));
        assert_close(f.p_value, 4.743172528879539e-05);
        assert!(f.worth_a_look() && f.score < 1.0, "{f:?}");
        assert!(f.zh.contains("15.1 出现 8 次（40%），最长连续 3 个相同"), "{}", f.zh);
    }

    #[test]
    fn the_near_limit_test_matches_scipy() {
        // Eleven of twenty within 45–50 of a limit of 50, reported to 0.1. numpy log-fit and scipy: expected
        // share norm.cdf((ln 50.05 − μ)/s) − norm.cdf((ln 44.95 − μ)/s) = 0.12798; binom.sf(10, 20, 0.12798).
        let values = [
            22.5, 48.1, 31.0, 49.2, 27.4, 47.7, 35.9, 49.8, 46.3, 29.9, 48.8, 41.2, 49.5, 24.6, 47.0, 38.3, 49.9, 45.6,
            33.1, 48.4,
        ];
        let f = finding(&run(&cod(&values)), Test::NearLimit).clone();
        assert_eq!(f.statistic, Some(0.55));
        assert_close(f.p_value, 8.279766556984831e-06);
        assert!(f.zh.contains("预计约占 12.8%"), "{}", f.zh);
    }

    #[test]
    fn the_low_variance_test_matches_scipy() {
        // CV 0.8379 % against 10 %: statistic 11 (CV/0.1)² = 0.077227, scipy chi2.cdf(0.077227, 11).
        let values = [20.1, 19.9, 20.0, 20.2, 19.8, 20.1, 20.0, 19.9, 20.3, 20.0, 19.7, 20.1];
        let f = finding(&run(&cod(&values)), Test::LowVariance).clone();
        assert_close(f.statistic, 0.008378939897047532);
        assert_close(f.p_value, 5.671148941181129e-11);
        assert_eq!(f.score, 1.0);
    }

    /// Sixty values 20.d, 21.d, … whose last digits come `counts[d]` times each.
    fn with_last_digits(counts: [usize; 10]) -> Vec<f64> {
        let digits: Vec<usize> = (0..10).flat_map(|d| std::iter::repeat_n(d, counts[d])).collect();
        digits.iter().enumerate().map(|(i, d)| (20 + i) as f64 + *d as f64 / 10.0).collect()
    }

    #[test]
    fn the_last_digit_test_matches_scipy() {
        // Expected 6 per digit: (16 + 4 + 0 + 1 + 1 + 4 + 9 + 0 + 1 + 0) / 6 = 6.0; scipy chi2.sf(6, 9) = 0.73992.
        let f = finding(&run(&cod(&with_last_digits([10, 4, 6, 5, 7, 8, 3, 6, 5, 6]))), Test::LastDigit).clone();
        assert_close(f.statistic, 6.0);
        assert_close(f.p_value, 0.7399182920946538);
        assert_eq!(f.score, 0.0);
        // All thirty-thirty on 0 and 5: 2 × 24²/6 + 8 × 6²/6 = 240; chi2.sf(240, 9) = 1.285e-46.
        let f = finding(&run(&cod(&with_last_digits([30, 0, 0, 0, 0, 30, 0, 0, 0, 0]))), Test::LastDigit).clone();
        assert_close(f.statistic, 240.0);
        assert_close(f.p_value, 1.284983490603797e-46);
    }

    #[test]
    fn the_seasonal_check_matches_scipy() {
        // Eight January–February and eight June–July values against peers 49 % higher in the cold half
        // (ln ratio 0.4). Both halves' log SDs are below the 10 % CV floor, so Welch's t uses the floor:
        // t = (0.012839 − 0.2) / SE = −3.7525 with 14 degrees of freedom, scipy t.cdf = 0.0010713.
        let cold = [20.5, 21.3, 19.8, 22.1, 20.9, 21.7, 19.5, 20.2];
        let warm = [20.1, 21.0, 20.6, 19.9, 21.4, 20.3, 20.8, 19.7];
        let mut observations: Vec<Observation> =
            cold.iter().enumerate().map(|(i, v)| Observation::new(day(i * 7), *v)).collect();
        observations.extend(warm.iter().enumerate().map(|(i, v)| Observation::new(day(160 + i * 7), *v)));
        let peers = PeerReference { seasonal_log_ratio: Some(0.4), flow_correlation: None };
        let s = screen(&Series::new(DischargeItem::Cod, observations), &peers, &ScreeningConfig::default());
        let f = finding(&s, Test::Insensitive);
        assert_close(f.statistic, 0.012839187967097931);
        assert_close(f.p_value, 0.0010712846658070439);
        assert!(f.zh.contains("冷季 8 个、暖季 8 个"), "{}", f.zh);
    }

    #[test]
    fn the_flow_check_matches_scipy() {
        // Peers' concentration falls with flow (r = −0.6); this outfall's rises (scipy pearsonr of the logs
        // 0.50183). Fisher z = (atanh(−0.50183) − atanh(0.3)) √11 = −2.8565, norm.cdf = 0.0021416.
        let conc = [20.0, 22.5, 18.3, 21.1, 19.6, 23.4, 20.8, 17.9, 22.0, 19.2, 21.7, 20.4, 18.8, 22.9];
        let flow = [1000., 1200., 850., 1500., 900., 1100., 1300., 950., 1400., 1000., 1250., 800., 1150., 1050.];
        let observations =
            conc.iter().zip(flow).enumerate().map(|(i, (c, q))| Observation::new(day(i), *c).with_flow(q));
        let peers = PeerReference { seasonal_log_ratio: None, flow_correlation: Some(-0.6) };
        let series = Series::new(DischargeItem::Cod, observations.collect());
        let f = finding(&screen(&series, &peers, &ScreeningConfig::default()), Test::Insensitive).clone();
        assert_close(f.statistic, 0.501832808993742);
        assert_close(f.p_value, 0.002141580706035544);
    }

    // ----- planted cases -----------------------------------------------------------------------------------

    #[test]
    fn a_value_repeated_a_dozen_times_is_worth_a_look() {
        let mut values = honest(7, 36, 20.0, 0.3, 1);
        for i in [2, 3, 4, 5, 9, 13, 17, 20, 24, 28, 31, 35] {
            values[i] = 18.0;
        }
        let s = run(&cod(&values));
        let f = finding(&s, Test::Repeats);
        assert_eq!(f.score, 1.0, "{}", f.en);
        assert!(f.en.contains("18.0") && f.en.contains("at most 4 equal values"), "{}", f.en);
        assert!(s.worth_a_look());
    }

    #[test]
    fn values_bunched_just_under_the_limit_are_worth_a_look() {
        // Two in five values sit at 45–49.9 with a limit of 50, none above; the rest are honest around 25.
        let mut noise = Noise::new(11);
        let values: Vec<f64> = (0..50)
            .map(|i| {
                let v = if i % 5 < 2 { 45.0 + 4.9 * noise.uniform() } else { noise.lognormal(25.0, 0.3) };
                round_to(v, 1)
            })
            .collect();
        let s = run(&cod(&values));
        let f = finding(&s, Test::NearLimit);
        assert_eq!(f.score, 1.0, "{}", f.en);
        assert!(f.statistic.expect("share") >= 0.4);
    }

    #[test]
    fn a_series_with_almost_no_variance_is_worth_a_look() {
        let mut noise = Noise::new(3);
        let values: Vec<f64> = (0..24).map(|_| round_to(20.0 + 0.2 * noise.normal(), 1)).collect();
        let s = run(&cod(&values));
        let f = finding(&s, Test::LowVariance);
        assert_eq!(f.score, 1.0, "{}", f.en);
        assert!(f.statistic.expect("cv") < 0.02);
    }

    #[test]
    fn values_rounded_to_halves_have_too_many_last_digits_zero_and_five() {
        let values: Vec<f64> = honest(5, 60, 25.0, 0.3, 1).iter().map(|v| (v * 2.0).round() / 2.0).collect();
        let f = finding(&run(&cod(&values)), Test::LastDigit).clone();
        assert_eq!(f.score, 1.0, "{}", f.en);
        // Two in five values made to end in 0 or 5 are still plain to see in 120.
        let mut noise = Noise::new(6);
        let values: Vec<f64> = honest(6, 120, 25.0, 0.3, 1)
            .iter()
            .map(|v| if noise.uniform() < 0.4 { (v * 2.0).round() / 2.0 } else { *v })
            .collect();
        let f = finding(&run(&cod(&values)), Test::LastDigit).clone();
        assert_eq!(f.score, 1.0, "{}", f.en);
    }

    /// A year of daily COD with flows. Peers and honest outfalls are 40 % higher in the cold half and dilute
    /// with flow (ln c falls 0.6 per unit of ln q); a flat series has neither.
    fn daily_with_flow(seed: u64, seasonal: bool) -> Vec<Observation> {
        let mut noise = Noise::new(seed);
        (0..365)
            .map(|i| {
                let date = day(i);
                let log_flow = 0.3 * noise.normal();
                let flow = round_to(1000.0 * log_flow.exp(), 0);
                let log_c = if seasonal {
                    let season = if is_cold(date) { 0.5 } else { -0.5 } * 1.4f64.ln();
                    20f64.ln() + season - 0.6 * log_flow + 0.2 * noise.normal()
                } else {
                    20f64.ln() + log_sd_of_cv(0.3) * noise.normal()
                };
                Observation::new(date, round_to(log_c.exp(), 1)).with_flow(flow)
            })
            .collect()
    }

    #[test]
    fn a_series_that_ignores_season_and_flow_where_peers_follow_both_is_worth_a_look() {
        let config = ScreeningConfig::default();
        let peer_series: Vec<Vec<Observation>> = (100..105).map(|seed| daily_with_flow(seed, true)).collect();
        let peer_slices: Vec<&[Observation]> = peer_series.iter().map(Vec::as_slice).collect();
        let peers = PeerReference::from_peers(&peer_slices, &config);
        let season = peers.seasonal_log_ratio.expect("peers show a season");
        let flow = peers.flow_correlation.expect("peers follow flow");
        assert!((season - 1.4f64.ln()).abs() < 0.05 && (-0.65..-0.45).contains(&flow), "{peers:?}");

        let flat = Series::new(DischargeItem::Cod, daily_with_flow(1, false)).with_limit(50.0);
        let f = finding(&screen(&flat, &peers, &config), Test::Insensitive).clone();
        assert_eq!(f.score, 1.0, "{}", f.en);
        assert!(f.en.contains("cold half") && f.en.contains("correlates with flow"), "{}", f.en);

        let honest = Series::new(DischargeItem::Cod, daily_with_flow(2, true)).with_limit(50.0);
        let s = screen(&honest, &peers, &config);
        assert_eq!(finding(&s, Test::Insensitive).p_value.map(|p| p > 0.5), Some(true), "{}", s.summary_en());
        assert_eq!(s.score, 0.0, "{:#?}", s.findings);
    }

    #[test]
    fn honest_noise_well_below_the_limit_scores_nothing_on_any_test() {
        // COD around 20 mg/L (CV 30 %, one decimal) against 50, NH3-N around 1.5 mg/L (CV 50 %, two decimals)
        // against 5: twenty seeds each, every test but the peer comparison has enough data.
        for seed in 1..=20 {
            for (item, median, cv, decimals, limit) in
                [(DischargeItem::Cod, 20.0, 0.3, 1, 50.0), (DischargeItem::Nh3n, 1.5, 0.5, 2, 5.0)]
            {
                let values = honest(seed, 120, median, cv, decimals);
                let s = run(&Series::new(item, series_of(&values)).with_limit(limit));
                for f in &s.findings {
                    let expect_data = f.test != Test::Insensitive;
                    assert_eq!(!f.insufficient(), expect_data, "seed {seed} {item}: {}", f.en);
                    assert_eq!(f.score, 0.0, "seed {seed} {item}: {}", f.en);
                }
                assert_eq!(s.summary_en(), "Nothing unusual in any test.");
            }
        }
    }

    #[test]
    fn too_few_values_are_insufficient_and_add_nothing() {
        let s = run(&cod(&[20.0; 9]));
        for f in &s.findings {
            assert!(f.insufficient() && f.score == 0.0 && f.statistic.is_none(), "{f:?}");
        }
        assert!(finding(&s, Test::Repeats).en.contains("needs at least 12 valid values, has 9"));
        assert_eq!(s.score, 0.0);
        // Eleven identical values: too few for the repeat test, enough for the variance test, which fires.
        let s = run(&cod(&[20.0; 11]));
        assert!(finding(&s, Test::Repeats).insufficient());
        assert_eq!(finding(&s, Test::LowVariance).score, 1.0);
        // Without a limit there is nothing to be near.
        let s = run(&Series::new(DischargeItem::Cod, series_of(&honest(1, 30, 20.0, 0.3, 1))));
        assert!(finding(&s, Test::NearLimit).en.starts_with("No limit given"));
    }

    #[test]
    fn integer_cod_has_too_few_significant_digits_for_the_digit_test() {
        let s = run(&cod(&honest(4, 120, 25.0, 0.3, 0)));
        let f = finding(&s, Test::LastDigit);
        assert!(f.insufficient(), "{}", f.en);
        assert!(f.en.contains("three or more significant digits"));
    }

    #[test]
    fn non_detects_take_no_part() {
        // Half the results below a detection limit of 0.5: the same "0.5" fifteen times is no repetition.
        let mut observations = series_of(&honest(9, 15, 2.0, 0.4, 2));
        observations.extend((0..15).map(|i| Observation::not_detected(day(200 + i), 0.5)));
        let s = run(&Series::new(DischargeItem::Nh3n, observations));
        assert_eq!(s.n, 15);
        assert_eq!(finding(&s, Test::Repeats).score, 0.0);
    }

    #[test]
    fn declared_decimals_put_the_digit_test_on_the_reported_last_digit() {
        // Reported with two decimals, but every second decimal is 0: read back as floats the values seem to
        // have one decimal, and only the declared resolution shows the excess.
        let values = honest(8, 80, 25.0, 0.3, 1);
        let inferred = finding(&run(&cod(&values)), Test::LastDigit).clone();
        assert_eq!(inferred.score, 0.0, "{}", inferred.en);
        let declared = finding(&run(&cod(&values).with_decimals(2)), Test::LastDigit).clone();
        assert_eq!(declared.score, 1.0, "{}", declared.en);
    }

    #[test]
    fn the_reference_cv_is_configurable_per_item() {
        let mut config = ScreeningConfig::default();
        config.reference_cv.insert(DischargeItem::Tp, 0.4);
        assert_eq!((config.reference_cv(DischargeItem::Tp), config.reference_cv(DischargeItem::Cod)), (0.4, 0.1));
        // A CV of 30 % is unremarkable against 10 % and steady against 40 % (120 values).
        let values = honest(12, 120, 0.3, 0.3, 3);
        let tp = Series::new(DischargeItem::Tp, series_of(&values));
        let cod = Series::new(DischargeItem::Cod, series_of(&values));
        assert_eq!(finding(&screen(&cod, &PeerReference::NONE, &config), Test::LowVariance).score, 0.0);
        assert!(finding(&screen(&tp, &PeerReference::NONE, &config), Test::LowVariance).worth_a_look());
    }

    #[test]
    fn the_wording_says_worth_a_look_and_never_accuses() {
        let mut cases: Vec<Screening> = Vec::new();
        let mut repeated = honest(7, 36, 20.0, 0.3, 1);
        repeated[3..15].fill(18.0);
        cases.push(run(&cod(&repeated)));
        cases.push(run(&cod(&[20.0; 30])));
        cases.push(run(&cod(&honest(1, 120, 20.0, 0.3, 1))));
        cases.push(run(&cod(&[20.0; 5])));
        let forbidden =
            ["fraud", "fake", "falsif", "cheat", "manipulat", "造假", "作假", "伪造", "篡改", "舞弊", "欺诈"];
        for s in &cases {
            let mut texts: Vec<String> = s.findings.iter().flat_map(|f| [f.zh.clone(), f.en.clone()]).collect();
            texts.extend([s.summary_zh(), s.summary_en()]);
            for text in texts.iter().map(|t| t.to_lowercase()) {
                assert!(!forbidden.iter().any(|w| text.contains(w)), "{text}");
            }
            for f in s.findings.iter().filter(|f| f.worth_a_look()) {
                assert!(f.zh.ends_with("值得关注。") && f.en.ends_with("Worth a look."), "{f:?}");
            }
        }
        assert!(cases[0].summary_en().starts_with("Worth a look (score"), "{}", cases[0].summary_en());
        assert!(cases[0].summary_zh().contains("数值重复"), "{}", cases[0].summary_zh());
    }

    #[test]
    fn an_enterprise_ranks_by_its_most_questionable_series() {
        let steady = run(&cod(&[20.0; 30]));
        let fine = run(&cod(&honest(1, 60, 20.0, 0.3, 1)));
        assert_eq!(enterprise_score(&[fine.clone(), steady.clone()]), steady.score);
        assert_eq!(enterprise_score(&[fine]), 0.0);
        assert_eq!(enterprise_score(&[]), 0.0);
    }
}
