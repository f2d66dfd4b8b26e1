//! Two years of monthly readings per section: seasonal, noisy, some sections worsening. Deterministic for
//! a given seed and end month.

use std::f64::consts::PI;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use models::domain::gb3838::{Parameter, WaterBodyKind, WaterClass};

use crate::dataset::Section;

/// The items a district laboratory measures every month.
pub const ITEMS: [Parameter; 12] = [
    Parameter::Temp,
    Parameter::Ph,
    Parameter::Do,
    Parameter::Codmn,
    Parameter::Cod,
    Parameter::Bod5,
    Parameter::Nh3n,
    Parameter::Tp,
    Parameter::Tn,
    Parameter::F,
    Parameter::Oil,
    Parameter::Las,
];

/// Measured on lakes and reservoirs besides [`ITEMS`], for their trophic state.
pub const LAKE_ITEMS: [Parameter; 2] = [Parameter::Chla, Parameter::Sd];

/// The first day of the month `k` months before `end`.
pub fn month_start(end: NaiveDate, k: u32) -> NaiveDate {
    end.checked_sub_months(Months::new(k)).unwrap_or(end)
}

/// Samples are taken on the 10th of each month at 09:30 China Standard Time.
fn sampling_time(month: NaiveDate) -> Option<DateTime<Utc>> {
    let day = month.with_day(10)?.and_time(NaiveTime::from_hms_opt(9, 30, 0)?);
    Shanghai.from_local_datetime(&day).single().map(|t| t.with_timezone(&Utc))
}

/// Dissolved-oxygen saturation in fresh water at sea level and `t` °C, mg/L (Benson & Krause, as given in
/// APHA Standard Methods 4500-O).
fn do_saturation(t: f64) -> f64 {
    let k = t + 273.15;
    (-139.344_11 + 1.575_701e5 / k - 6.642_308e7 / k.powi(2) + 1.243_800e10 / k.powi(3) - 8.621_949e11 / k.powi(4))
        .exp()
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Multiplicative noise with the given relative spread, never below 30 % of the value.
fn jitter(rng: &mut ChaCha8Rng, spread: f64) -> f64 {
    let n = Normal::new(0.0, spread).map(|d| d.sample(rng)).unwrap_or(0.0);
    n.exp().max(0.3)
}

/// One generated reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub section: &'static str,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    pub value: f64,
}

pub fn generate(sections: &[(&Section, WaterBodyKind)], end: NaiveDate, months: u32, seed: u64) -> Vec<Generated> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Lake items draw from a stream of their own, so that adding them changed no other value of the demo.
    let mut lake_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
    let mut rows = Vec::new();
    for &(spec, kind) in sections {
        for k in (1..=months).rev() {
            let month = month_start(end, k);
            let Some(at) = sampling_time(month) else { continue };
            // 0 for the oldest month, 1 for the newest.
            let progress = f64::from(months - k) / f64::from(months.saturating_sub(1).max(1));
            let trend = 1.0 + spec.worsening * progress;
            // +1 in July, −1 in January.
            let summer = (2.0 * PI * (f64::from(month.month()) - 4.0) / 12.0).sin();
            let load = spec.load;
            let iii = |p: Parameter| p.limit_for(WaterClass::III, kind).unwrap_or(1.0);

            let temp = 18.0 + 11.0 * summer + Normal::new(0.0, 0.8).map(|d| d.sample(&mut rng)).unwrap_or(0.0);
            // Algae bloom in the warm months: chlorophyll-a rises steeply from June to September, and the
            // water's transparency falls with it.
            let bloom = 1.0 + 4.0 * summer.max(0.0).powi(2);
            let lake_items: &[Parameter] = if kind.uses_lake_limits() { &LAKE_ITEMS } else { &[] };
            let chla = if lake_items.is_empty() {
                0.0
            } else {
                round(8.0 * load * trend * bloom * jitter(&mut lake_rng, 0.2), 1)
            };
            for &item in ITEMS.iter().chain(lake_items) {
                let value = match item {
                    Parameter::Temp => round(temp, 1),
                    Parameter::Ph => {
                        let noise = Normal::new(0.0, 0.12).map(|d| d.sample(&mut rng)).unwrap_or(0.0);
                        round((7.25 + 0.2 * summer + 0.25 * (load - 0.8) + noise).clamp(6.3, 8.8), 2)
                    }
                    Parameter::Do => {
                        let deficit = (1.0 - 0.32 * (load * trend - 0.6)).clamp(0.3, 1.05);
                        round(do_saturation(temp) * deficit * jitter(&mut rng, 0.05), 1)
                    }
                    Parameter::Codmn => {
                        round(iii(item) * 0.85 * load * (1.0 + 0.1 * summer) * jitter(&mut rng, 0.1), 1)
                    }
                    Parameter::Cod => round(iii(item) * 0.85 * load * (1.0 + 0.1 * summer) * jitter(&mut rng, 0.1), 1),
                    Parameter::Bod5 => round(iii(item) * 0.8 * load * jitter(&mut rng, 0.12), 1),
                    // Ammonia peaks in winter, when nitrification slows.
                    Parameter::Nh3n => {
                        round(iii(item) * load * (1.0 - 0.25 * summer) * trend * jitter(&mut rng, 0.15), 3)
                    }
                    // Phosphorus peaks in summer (runoff, release from sediment).
                    Parameter::Tp => round(iii(item) * load * (1.0 + 0.2 * summer) * trend * jitter(&mut rng, 0.15), 3),
                    Parameter::Tn => {
                        let base = if kind == WaterBodyKind::River { 1.6 } else { 0.9 };
                        round(base * load * trend * jitter(&mut rng, 0.15), 2)
                    }
                    Parameter::F => round(0.45 * jitter(&mut rng, 0.15), 2),
                    Parameter::Oil => round(0.02 * load * jitter(&mut rng, 0.3), 3),
                    Parameter::Las => round(0.06 * load * jitter(&mut rng, 0.3), 3),
                    Parameter::Chla => chla,
                    Parameter::Sd => round((1.6 / (1.0 + chla / 15.0) * jitter(&mut lake_rng, 0.1)).max(0.2), 2),
                    _ => continue,
                };
                rows.push(Generated { section: spec.code, parameter: item, sampled_at: at, value });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_is_on_the_tenth_at_half_past_nine_local() {
        let t = sampling_time(NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")).expect("time");
        assert_eq!(t, "2026-10-10T01:30:00Z".parse::<DateTime<Utc>>().expect("t"));
    }

    #[test]
    fn saturation_matches_the_published_table() {
        // APHA Standard Methods table 4500-O:I, zero chlorinity: 0 °C 14.621, 20 °C 9.092, 30 °C 7.559 mg/L.
        for (t, expected) in [(0.0, 14.621), (20.0, 9.092), (30.0, 7.559)] {
            assert!((do_saturation(t) - expected).abs() < 0.005, "{t} °C: {}", do_saturation(t));
        }
    }
}
