//! Anomaly detection on a station's multivariate readings (DO, pH, conductivity, turbidity, NH3-N, CODMn):
//! a reading unlike the station's own history, as an illegal discharge or a failing sensor makes one, with
//! its score and the items that made it unusual. Pure code: arrays in, numbers out.
//!
//! - **Robust standardisation.** Each item is centred on its training median and scaled by 1.4826 × its
//!   median absolute deviation (the normal σ when the data are normal), so that the anomalies already in
//!   the history do not widen the yardstick they are measured with. An item that never varied (MAD 0) is
//!   scaled by its mean absolute deviation, and failing that by a floor of 10⁻⁶ × max(|median|, 1):
//!   any change from a value that never moved is news.
//! - **Multivariate score.** The squared Mahalanobis distance d² = zᵀ Σ⁻¹ z of the standardised vector
//!   from the median, with Σ the items' second moments about the median estimated on standardised values
//!   clipped at ±[`TRAINING_CLIP`] (again so that past anomalies weigh little), each pair over the rows
//!   where both are present, and shrunk towards its diagonal, Σ = (1 − λ) S + λ diag(S) with λ =
//!   [`DEFAULT_SHRINKAGE`] (raised until Σ is positive definite, which pairwise estimates need not be).
//!   The distance sees what no single item shows: NH3-N up *and* DO down together is more unusual than
//!   either alone, a reading whose items disagree with their usual correlation stands out.
//! - **Missing items.** A reading is scored on the items it has, with the sub-matrix of Σ for them (the
//!   marginal of the same model), so d² is comparable through its χ² tail with k = items present.
//! - **Threshold.** A reading is anomalous when its χ²ₖ tail probability p is below the α-quantile
//!   (α = [`DEFAULT_ALPHA`]) of the training readings' p: the false alarm rate on data like the history is
//!   α even where the data are not normal. Training readings with p < [`GROSS_P`] are past anomalies and
//!   are left out of that quantile, or a history with more than α of them would set the bar at their
//!   level. With fewer than 10/α ordinary training readings the quantile is too noisy and p < α itself
//!   is the rule.
//! - **Contributions.** d² = Σᵢ zᵢ (Σ⁻¹ z)ᵢ: each item's term, largest first, names the items that made
//!   the reading unusual (the "contribution plot" of multivariate process monitoring). A term can be
//!   negative: an item that moved as the others make expected, e.g. DO falling with a rise in NH3-N on a
//!   station where the two usually go together; its own `z` still shows how far it moved.
//!
//! linfa is not used here: its Gaussian mixture needs complete vectors and gives no per-item
//! contribution, and DBSCAN labels noise without a score or a calibrated false alarm rate. One robust
//! Gaussian per station is enough for "unlike its own history"; a mixture would help a station with
//! distinct regimes (wet and dry season), and is the next step if one needs it.

use chrono::{DateTime, Utc};
use models::domain::gb3838::Parameter;
use serde::{Deserialize, Serialize};

/// Stored with every fitted model; a change to the method changes it.
pub const ANOMALY_MODEL_VERSION: &str = "anomaly/robust_mahalanobis/1";
/// The automatic stations' items the detector is meant for.
pub const STATION_ITEMS: [Parameter; 6] =
    [Parameter::Do, Parameter::Ph, Parameter::Conductivity, Parameter::Turbidity, Parameter::Nh3n, Parameter::Codmn];
/// Fewest values of an item to include it in the model.
pub const MIN_TRAINING: usize = 100;
pub const DEFAULT_ALPHA: f64 = 0.01;
pub const DEFAULT_SHRINKAGE: f64 = 0.1;
/// Standardised values are clipped here when the covariance is estimated.
pub const TRAINING_CLIP: f64 = 4.0;
/// Training readings with a χ² tail below this are past anomalies, left out of the threshold's quantile.
pub const GROSS_P: f64 = 1e-6;
const MAD_TO_SD: f64 = 1.482_602_218_505_602;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnomalyError {
    #[error("too little history: {have} items with at least {need} values, at least 2 needed")]
    InsufficientData { have: usize, need: usize },
    #[error("a training reading has {found} values for {expected} items")]
    Shape { expected: usize, found: usize },
    #[error("false alarm rate {0} is not strictly between 0 and 1")]
    Alpha(f64),
}

/// How the threshold was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdFrom {
    /// The α-quantile of the training readings' p.
    TrainingQuantile,
    /// p < α, on a short history.
    ChiSquare,
}

/// What to fit with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnomalyOptions {
    /// The false alarm rate on readings like the history.
    pub alpha: f64,
    pub shrinkage: f64,
    pub trained_at: DateTime<Utc>,
}

impl AnomalyOptions {
    pub fn new(trained_at: DateTime<Utc>) -> Self {
        Self { alpha: DEFAULT_ALPHA, shrinkage: DEFAULT_SHRINKAGE, trained_at }
    }
}

/// A station's fitted detector: stored as JSON and used to score new readings without refitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyModel {
    pub version: String,
    pub trained_at: DateTime<Utc>,
    /// Training readings.
    pub n: usize,
    /// The items modelled, in the order of the vectors below.
    pub items: Vec<Parameter>,
    /// Items asked for with fewer than [`MIN_TRAINING`] values, left out.
    pub left_out: Vec<Parameter>,
    pub median: Vec<f64>,
    pub scale: Vec<f64>,
    /// Of the standardised items, shrunk.
    pub covariance: Vec<Vec<f64>>,
    /// λ actually used.
    pub shrinkage: f64,
    pub alpha: f64,
    /// Readings whose χ² tail p is below this are anomalous.
    pub p_threshold: f64,
    pub threshold_from: ThresholdFrom,
    /// Share of the training readings flagged (about α by construction).
    pub training_flag_rate: f64,
}

/// One item's part in a reading's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub parameter: Parameter,
    pub value: f64,
    /// (value − median) / scale.
    pub z: f64,
    /// zᵢ (Σ⁻¹ z)ᵢ: the terms add up to the score.
    pub contribution: f64,
    /// contribution / score.
    pub share: f64,
}

/// A scored reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyScore {
    /// The squared Mahalanobis distance d².
    pub score: f64,
    /// P(χ²ₖ ≥ d²).
    pub p: f64,
    /// k: the modelled items the reading has.
    pub items_scored: usize,
    pub anomalous: bool,
    /// Largest first.
    pub contributions: Vec<Contribution>,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Median and robust scale of one item's values.
fn location_scale(values: &mut [f64]) -> (f64, f64) {
    values.sort_unstable_by(f64::total_cmp);
    let m = median(values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    deviations.sort_unstable_by(f64::total_cmp);
    let mad = MAD_TO_SD * median(&deviations);
    let scale = if mad > 0.0 {
        mad
    } else {
        // Mean absolute deviation × √(π/2) is σ for normal data too.
        let mean_abs = deviations.iter().sum::<f64>() / deviations.len() as f64 * (std::f64::consts::PI / 2.0).sqrt();
        if mean_abs > 0.0 { mean_abs } else { 1e-6 * m.abs().max(1.0) }
    };
    (m, scale)
}

/// The lower Cholesky factor of a symmetric matrix; `None` unless positive definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Σ⁻¹ z for Σ = L Lᵀ.
fn solve(l: &[Vec<f64>], z: &[f64]) -> Vec<f64> {
    let n = z.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (z[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// P(χ²ₖ ≥ x) for whole k ≥ 1, in closed form: a Poisson sum for even k, with the normal tail for odd k.
pub fn chi_square_tail(x: f64, k: usize) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let half = x / 2.0;
    let (mut sum, mut term, offset) = if k.is_multiple_of(2) {
        (0.0, 1.0, 0.0)
    } else {
        // Γ(3/2) = √π / 2.
        (libm::erfc(half.sqrt()), half.sqrt() / (std::f64::consts::PI.sqrt() / 2.0), 0.5)
    };
    // k/2 terms for even k, (k − 1)/2 for odd k.
    let terms = k / 2;
    let mut i = 0;
    let mut tail = 0.0;
    while i < terms {
        tail += term;
        // (x/2)^(j+1) / Γ(j + 2) from (x/2)^j / Γ(j + 1), with j = i, or i + 1/2 for odd k.
        term *= half / (i as f64 + 1.0 + offset);
        i += 1;
    }
    sum += (-half).exp() * tail;
    sum.clamp(0.0, 1.0)
}

impl AnomalyModel {
    /// Fits the detector on a station's history: `training[r][i]` is reading r's value of `items[i]`.
    pub fn fit(
        items: &[Parameter],
        training: &[Vec<Option<f64>>],
        options: AnomalyOptions,
    ) -> Result<Self, AnomalyError> {
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(AnomalyError::Alpha(options.alpha));
        }
        if let Some(row) = training.iter().find(|r| r.len() != items.len()) {
            return Err(AnomalyError::Shape { expected: items.len(), found: row.len() });
        }
        let mut kept = Vec::new();
        let mut left_out = Vec::new();
        let (mut medians, mut scales) = (Vec::new(), Vec::new());
        for (i, &item) in items.iter().enumerate() {
            let mut values: Vec<f64> = training.iter().filter_map(|r| r[i]).filter(|v| v.is_finite()).collect();
            if values.len() < MIN_TRAINING {
                left_out.push(item);
                continue;
            }
            let (m, s) = location_scale(&mut values);
            kept.push(i);
            medians.push(m);
            scales.push(s);
        }
        if kept.len() < 2 {
            return Err(AnomalyError::InsufficientData { have: kept.len(), need: MIN_TRAINING });
        }
        let p = kept.len();
        let standardised: Vec<Vec<Option<f64>>> = training
            .iter()
            .map(|r| {
                (0..p).map(|j| r[kept[j]].filter(|v| v.is_finite()).map(|v| (v - medians[j]) / scales[j])).collect()
            })
            .collect();
        let mut second = vec![vec![0.0; p]; p];
        for a in 0..p {
            for b in 0..=a {
                let (mut sum, mut n) = (0.0, 0usize);
                for row in &standardised {
                    if let (Some(x), Some(y)) = (row[a], row[b]) {
                        sum += x.clamp(-TRAINING_CLIP, TRAINING_CLIP) * y.clamp(-TRAINING_CLIP, TRAINING_CLIP);
                        n += 1;
                    }
                }
                // A pair never seen together is taken as uncorrelated.
                let v = if n > 0 {
                    sum / n as f64
                } else if a == b {
                    1.0
                } else {
                    0.0
                };
                second[a][b] = v;
                second[b][a] = v;
            }
        }
        for (a, row) in second.iter_mut().enumerate() {
            if row[a] <= 0.0 {
                row[a] = 1.0;
            }
        }
        let mut shrinkage = options.shrinkage.clamp(0.0, 1.0);
        let covariance = loop {
            let shrunk: Vec<Vec<f64>> = (0..p)
                .map(|a| (0..p).map(|b| if a == b { second[a][a] } else { (1.0 - shrinkage) * second[a][b] }).collect())
                .collect();
            if cholesky(&shrunk).is_some() || shrinkage >= 1.0 {
                break shrunk;
            }
            shrinkage = (shrinkage + 0.1).min(1.0);
        };
        let mut model = Self {
            version: ANOMALY_MODEL_VERSION.to_string(),
            trained_at: options.trained_at,
            n: training.len(),
            items: kept.iter().map(|&i| items[i]).collect(),
            left_out,
            median: medians,
            scale: scales,
            covariance,
            shrinkage,
            alpha: options.alpha,
            p_threshold: options.alpha,
            threshold_from: ThresholdFrom::ChiSquare,
            training_flag_rate: 0.0,
        };
        let aligned = |r: &Vec<Option<f64>>| kept.iter().map(|&i| r[i]).collect::<Vec<_>>();
        let mut ps: Vec<f64> =
            training.iter().filter_map(|r| model.score_aligned(&aligned(r)).map(|(_, p, _, _)| p)).collect();
        ps.sort_unstable_by(f64::total_cmp);
        // Past anomalies in the history (a discharge last spring) would otherwise fill the lowest α of the
        // p-values and set the bar at their level: gross ones are left out of the quantile.
        let ordinary = &ps[ps.partition_point(|&p| p < GROSS_P)..];
        if !ordinary.is_empty() && ordinary.len() as f64 >= 10.0 / options.alpha {
            // The α-quantile by the nearest rank: flagging p below it flags a share α of ordinary readings.
            let rank = ((options.alpha * ordinary.len() as f64).ceil() as usize).clamp(1, ordinary.len());
            model.p_threshold = ordinary[rank - 1];
            model.threshold_from = ThresholdFrom::TrainingQuantile;
        }
        let flagged = ps.iter().filter(|&&p| model.flags(p)).count();
        model.training_flag_rate = if ps.is_empty() { 0.0 } else { flagged as f64 / ps.len() as f64 };
        Ok(model)
    }

    fn flags(&self, p: f64) -> bool {
        match self.threshold_from {
            // Below the quantile; the quantile reading itself is the last one not flagged.
            ThresholdFrom::TrainingQuantile => p < self.p_threshold,
            ThresholdFrom::ChiSquare => p < self.alpha,
        }
    }

    /// (d², p, k, per-present-item (index, z, contribution)) of a reading aligned to `self.items`.
    #[allow(clippy::type_complexity)]
    fn score_aligned(&self, values: &[Option<f64>]) -> Option<(f64, f64, usize, Vec<(usize, f64, f64)>)> {
        let present: Vec<usize> = (0..self.items.len()).filter(|&i| values[i].is_some_and(f64::is_finite)).collect();
        if present.is_empty() {
            return None;
        }
        let z: Vec<f64> =
            present.iter().map(|&i| (values[i].unwrap_or_default() - self.median[i]) / self.scale[i]).collect();
        let sub: Vec<Vec<f64>> =
            present.iter().map(|&a| present.iter().map(|&b| self.covariance[a][b]).collect()).collect();
        let l = cholesky(&sub)?;
        let w = solve(&l, &z);
        let terms: Vec<(usize, f64, f64)> = present.iter().enumerate().map(|(j, &i)| (i, z[j], z[j] * w[j])).collect();
        let d2: f64 = terms.iter().map(|t| t.2).sum::<f64>().max(0.0);
        Some((d2, chi_square_tail(d2, present.len()), present.len(), terms))
    }

    /// Scores one reading, given as (item, value) pairs in any order; items the model does not have are
    /// ignored, items it has but the reading lacks are left out of the score. `None` when the reading has
    /// none of the model's items.
    pub fn score(&self, reading: &[(Parameter, f64)]) -> Option<AnomalyScore> {
        let values: Vec<Option<f64>> =
            self.items.iter().map(|item| reading.iter().find(|(p, _)| p == item).map(|&(_, v)| v)).collect();
        let (score, p, k, terms) = self.score_aligned(&values)?;
        let mut contributions: Vec<Contribution> = terms
            .into_iter()
            .map(|(i, z, c)| Contribution {
                parameter: self.items[i],
                value: values[i].unwrap_or_default(),
                z,
                contribution: c,
                share: if score > 0.0 { c / score } else { 0.0 },
            })
            .collect();
        contributions.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        Some(AnomalyScore { score, p, items_scored: k, anomalous: self.flags(p), contributions })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    /// Readings of DO, pH, conductivity, turbidity, NH3-N, CODMn around 8 mg/L, 7.5, 400 µS/cm, 20 NTU,
    /// 0.4 mg/L and 4 mg/L, tied by one pollution factor: NH3-N, CODMn, turbidity and conductivity rise
    /// with it, DO falls.
    fn readings(n: usize, seed: u64) -> Vec<Vec<Option<f64>>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut e = || -> f64 { StandardNormal.sample(&mut rng) };
        (0..n)
            .map(|_| {
                let f = e();
                vec![
                    Some(8.0 - 0.8 * (0.6 * f + 0.8 * e())),
                    Some(7.5 + 0.15 * e()),
                    Some(400.0 + 40.0 * (0.4 * f + 0.92 * e())),
                    Some(20.0 + 6.0 * (0.4 * f + 0.92 * e())),
                    Some(0.4 + 0.08 * (0.7 * f + 0.71 * e())),
                    Some(4.0 + 0.6 * (0.6 * f + 0.8 * e())),
                ]
            })
            .collect()
    }

    fn model() -> AnomalyModel {
        let options = AnomalyOptions::new(Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap());
        AnomalyModel::fit(&STATION_ITEMS, &readings(2000, 1), options).unwrap()
    }

    fn pairs(row: &[Option<f64>]) -> Vec<(Parameter, f64)> {
        STATION_ITEMS.iter().zip(row).filter_map(|(&p, v)| v.map(|v| (p, v))).collect()
    }

    const TYPICAL: [f64; 6] = [8.0, 7.5, 400.0, 20.0, 0.4, 4.0];

    fn reading(changes: &[(Parameter, f64)]) -> Vec<(Parameter, f64)> {
        STATION_ITEMS
            .iter()
            .zip(TYPICAL)
            .map(|(&p, v)| (p, changes.iter().find(|(q, _)| *q == p).map_or(v, |c| c.1)))
            .collect()
    }

    #[test]
    fn clean_readings_like_the_history_stay_quiet_at_the_chosen_rate() {
        let model = model();
        assert_eq!(model.threshold_from, ThresholdFrom::TrainingQuantile);
        assert!((model.training_flag_rate - DEFAULT_ALPHA).abs() < 0.002, "{}", model.training_flag_rate);
        let fresh = readings(4000, 2);
        let flagged = fresh.iter().filter(|r| model.score(&pairs(r)).unwrap().anomalous).count();
        let rate = flagged as f64 / fresh.len() as f64;
        // α = 1 %: 40 expected in 4000, Poisson σ ≈ 6.3.
        assert!((0.005..=0.018).contains(&rate), "false positive rate {rate}");
        assert!(!model.score(&reading(&[])).unwrap().anomalous, "the typical reading");
    }

    #[test]
    fn a_discharge_is_found_and_blamed_on_ammonia_and_oxygen() {
        let model = model();
        // NH3-N five times its usual level and DO down to 5.5 mg/L.
        let score = model.score(&reading(&[(Parameter::Nh3n, 2.0), (Parameter::Do, 5.5)])).unwrap();
        assert!(score.anomalous, "{score:?}");
        assert_eq!(score.items_scored, 6);
        let top: Vec<Parameter> = score.contributions.iter().map(|c| c.parameter).collect();
        assert_eq!(top[0], Parameter::Nh3n);
        assert!(score.contributions[0].share > 0.9 && score.contributions[0].z > 10.0, "{score:?}");
        // The oxygen drop is in the report (z about −3), but its term is negative: given that much
        // ammonia, the history expects DO lower still, so the drop fits the discharge rather than adding
        // to its strangeness.
        let oxygen = score.contributions.iter().find(|c| c.parameter == Parameter::Do).unwrap();
        assert!(oxygen.z < -2.5 && oxygen.contribution < 0.0, "{oxygen:?}");
        let total: f64 = score.contributions.iter().map(|c| c.contribution).sum();
        assert!((total - score.score).abs() < 1e-9 * score.score);
        assert!((score.contributions.iter().map(|c| c.share).sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn oxygen_collapsing_on_its_own_is_found_and_named() {
        // DO at 3 mg/L with everything else as usual (a night-time algal crash, an aerator stopped).
        let score = model().score(&reading(&[(Parameter::Do, 3.0)])).unwrap();
        assert!(score.anomalous);
        assert_eq!(score.contributions[0].parameter, Parameter::Do);
        assert!(score.contributions[0].share > 0.8, "{score:?}");
    }

    #[test]
    fn a_ph_sensor_stuck_at_fourteen_is_found_and_named() {
        let model = model();
        let score = model.score(&reading(&[(Parameter::Ph, 14.0)])).unwrap();
        assert!(score.anomalous);
        assert_eq!(score.contributions[0].parameter, Parameter::Ph);
        assert!(score.contributions[0].share > 0.95, "{score:?}");
        assert_eq!(score.contributions[0].value, 14.0);
    }

    #[test]
    fn a_reading_missing_items_is_scored_on_the_items_it_has() {
        let model = model();
        let partial: Vec<(Parameter, f64)> = reading(&[(Parameter::Nh3n, 2.0), (Parameter::Do, 5.5)])
            .into_iter()
            .filter(|(p, _)| !matches!(p, Parameter::Conductivity | Parameter::Turbidity))
            .collect();
        let score = model.score(&partial).unwrap();
        assert_eq!(score.items_scored, 4);
        assert!(score.anomalous);
        assert!(score.contributions.iter().all(|c| c.parameter != Parameter::Turbidity));
        // A clean reading with two items is quiet; one with none of the model's items is not scored.
        assert!(!model.score(&[(Parameter::Do, 8.1), (Parameter::Ph, 7.4)]).unwrap().anomalous);
        assert_eq!(model.score(&[(Parameter::Tp, 0.1)]), None);
    }

    #[test]
    fn the_oxygen_and_ammonia_together_are_more_unusual_than_either_alone() {
        // Usually DO falls as NH3-N rises: NH3-N high with DO high is against the grain.
        let model = model();
        let with = model.score(&reading(&[(Parameter::Nh3n, 0.56), (Parameter::Do, 6.9)])).unwrap();
        let against = model.score(&reading(&[(Parameter::Nh3n, 0.56), (Parameter::Do, 9.1)])).unwrap();
        assert!(against.score > with.score, "{} vs {}", against.score, with.score);
    }

    #[test]
    fn past_anomalies_in_the_history_do_not_hide_the_next_one() {
        let mut history = readings(2000, 3);
        for row in history.iter_mut().step_by(50) {
            row[4] = Some(3.0); // 2 % of the history are discharges
        }
        let options = AnomalyOptions::new(Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap());
        let model = AnomalyModel::fit(&STATION_ITEMS, &history, options).unwrap();
        assert!((model.median[4] - 0.4).abs() < 0.02, "the median stands: {}", model.median[4]);
        assert!(model.score(&reading(&[(Parameter::Nh3n, 2.0), (Parameter::Do, 5.5)])).unwrap().anomalous);
    }

    #[test]
    fn a_stored_model_scores_the_same() {
        let model = model();
        let json = serde_json::to_string(&model).unwrap();
        let back: AnomalyModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back.version, ANOMALY_MODEL_VERSION);
        assert_eq!(back.items, STATION_ITEMS);
        let r = reading(&[(Parameter::Ph, 8.2)]);
        let (a, b) = (model.score(&r).unwrap(), back.score(&r).unwrap());
        assert_eq!(a.anomalous, b.anomalous);
        assert!((a.score - b.score).abs() < 1e-9 * a.score.max(1.0));
        assert!(serde_json::to_value(&a).unwrap()["contributions"][0]["parameter"].is_string());
    }

    #[test]
    fn items_with_too_little_history_are_left_out_and_two_are_needed() {
        let mut history = readings(300, 4);
        for row in history.iter_mut().skip(50) {
            row[5] = None; // CODMn analyser installed late: 50 values
        }
        let options = AnomalyOptions::new(Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap());
        let model = AnomalyModel::fit(&STATION_ITEMS, &history, options).unwrap();
        assert_eq!(model.left_out, [Parameter::Codmn]);
        assert_eq!(model.items.len(), 5);
        // 300 readings are fewer than 10/α: the χ² tail itself is the rule.
        assert_eq!(model.threshold_from, ThresholdFrom::ChiSquare);
        let short = readings(MIN_TRAINING - 1, 5);
        assert!(matches!(
            AnomalyModel::fit(&STATION_ITEMS, &short, options),
            Err(AnomalyError::InsufficientData { have: 0, .. })
        ));
        assert!(matches!(
            AnomalyModel::fit(&STATION_ITEMS, &[vec![Some(1.0)]], options),
            Err(AnomalyError::Shape { expected: 6, found: 1 })
        ));
        let bad = AnomalyOptions { alpha: 0.0, ..options };
        assert!(matches!(AnomalyModel::fit(&STATION_ITEMS, &history, bad), Err(AnomalyError::Alpha(_))));
    }

    #[test]
    fn the_chi_square_tail_matches_the_tables() {
        // Upper 5 % and 1 % points of χ²ₖ (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
        for (k, x, p) in [
            (1, 3.841, 0.05),
            (2, 5.991, 0.05),
            (3, 11.345, 0.01),
            (4, 13.277, 0.01),
            (5, 15.086, 0.01),
            (6, 16.812, 0.01),
            (6, 12.592, 0.05),
        ] {
            let q = chi_square_tail(x, k);
            assert!((q - p).abs() < 2e-4, "χ²_{k}({x}) = {q}, table {p}");
        }
        assert_eq!(chi_square_tail(0.0, 3), 1.0);
        // k = 2 is exactly exp(−x/2).
        assert!((chi_square_tail(3.0, 2) - (-1.5f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn an_item_that_never_varied_still_has_a_scale() {
        let mut values = vec![7.0; 200];
        let (m, s) = location_scale(&mut values);
        assert_eq!(m, 7.0);
        assert!(s > 0.0 && s < 1e-4);
        let mut mostly = vec![7.0; 150];
        mostly.extend([7.1; 50]);
        let (_, s) = location_scale(&mut mostly);
        assert!((s - 0.025 * (std::f64::consts::PI / 2.0).sqrt()).abs() < 1e-12, "{s}");
    }
}
