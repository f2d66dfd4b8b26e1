//! Quality rules that flag, never delete: a reading that breaks one is stored and shown with the reason,
//! and left out of evaluation, trends and alerts. An administrator can clear or set a flag (audited).
//!
//! Here are the rules a single value can be judged by on arrival: sentinels and plausible ranges. Rules
//! that need a series (spikes, flat lines) are in [`series`].

use super::gb3838::{Direction, Parameter, WaterBodyKind};
use super::reading::QcFlag;

/// Numbers devices and spreadsheets write for "no value".
pub const SENTINELS: [f64; 6] = [-999.0, -9999.0, -99999.0, 9999.0, 99999.0, 999999.0];

/// Whether a value as given (before any unit conversion) is a placeholder rather than a measurement.
pub fn is_sentinel(raw: f64) -> bool {
    SENTINELS.contains(&raw)
}

/// How far past class V a concentration may go before it is taken for an instrument or typing error
/// rather than very bad water: a hundred times the limit (untreated sewage carries ammonia at about 15 to
/// 25 times class V).
pub const PLAUSIBLE_MULTIPLE_OF_CLASS_V: f64 = 100.0;

/// The plausible range of an item in the standard's unit, where there is a bound tighter than the physical
/// one a value is refused outside.
pub fn plausible_range(parameter: Parameter) -> Option<(f64, f64)> {
    match parameter {
        Parameter::Ph => Some((2.0, 12.0)),
        // Supersaturation in an algal bloom reaches about 20 mg/L.
        Parameter::Do => Some((0.0, 20.0)),
        // Raw sewage carries 10⁷–10⁹ per litre: no bound tighter than the physical one.
        Parameter::FecalColiform => None,
        p => match p.info().direction {
            Direction::UpperBound => {
                let class_v = p.limits(WaterBodyKind::River)?[4];
                Some((0.0, class_v * PLAUSIBLE_MULTIPLE_OF_CLASS_V))
            }
            _ => None,
        },
    }
}

/// The flag a single value earns on arrival, if any (sentinels are caught earlier, on the value as given).
pub fn screen(parameter: Parameter, value: f64) -> Option<QcFlag> {
    let (low, high) = plausible_range(parameter)?;
    (value < low || value > high).then_some(QcFlag::Range)
}

/// How fast an item may change, per hour, before a jump between two automatic values is taken for a spike:
/// twice its class III limit an hour (NH3-N 2 mg/L, TP 0.4 mg/L, DO 10 mg/L), 1.5 pH units, 5 ℃.
/// `None`: no rule (items without limits, such as conductivity or turbidity, move too freely).
pub fn max_rate_per_hour(parameter: Parameter) -> Option<f64> {
    match parameter {
        Parameter::Ph => Some(1.5),
        Parameter::Temp => Some(5.0),
        Parameter::FecalColiform => None,
        p => p.limit_for(super::gb3838::WaterClass::III, WaterBodyKind::River).map(|l| 2.0 * l),
    }
}

/// Identical automatic values in a row that make a flat line (a stuck sensor): twelve.
pub const FLAT_RUN: usize = 12;

pub mod series {
    //! Rules over a series of one section's item in time order.

    /// Whether `value` jumps from `previous` faster than `max_per_hour` (in the item's unit per hour).
    pub fn is_spike(previous: (i64, f64), value: (i64, f64), max_per_hour: f64) -> bool {
        let hours = (value.0 - previous.0) as f64 / 3600.0;
        hours > 0.0 && (value.1 - previous.1).abs() / hours > max_per_hour
    }

    /// Whether the last `run` values are all equal: a stuck sensor.
    pub fn is_flat(values: &[f64], run: usize) -> bool {
        run > 1 && values.len() >= run && values[values.len() - run..].windows(2).all(|w| w[0] == w[1])
    }

    /// One point of a series: seconds since the epoch, value, and whether it may be judged (a value below
    /// detection, or one already flagged, is neither a spike's end nor part of a flat line).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Point {
        pub at: i64,
        pub value: f64,
        pub judged: bool,
    }

    /// Walks `history` (stored, oldest first) then `new` (oldest first) and says for each new point whether
    /// it is a spike (a jump from the previous judged point faster than `max_per_hour`) or the end of a
    /// flat line (`run` equal judged values).
    pub fn screen(
        history: &[Point],
        new: &[Point],
        max_per_hour: Option<f64>,
        run: usize,
    ) -> Vec<Option<super::QcFlag>> {
        let mut last: Option<Point> = history.iter().rev().find(|p| p.judged).copied();
        let mut window: Vec<f64> = history.iter().filter(|p| p.judged).map(|p| p.value).collect();
        let mut out = Vec::with_capacity(new.len());
        for p in new {
            if !p.judged {
                out.push(None);
                continue;
            }
            let spike = match (last, max_per_hour) {
                (Some(prev), Some(rate)) => is_spike((prev.at, prev.value), (p.at, p.value), rate),
                _ => false,
            };
            window.push(p.value);
            let flat = is_flat(&window, run);
            out.push(if spike {
                Some(super::QcFlag::Spike)
            } else if flat {
                Some(super::QcFlag::Flat)
            } else {
                None
            });
            // A spike is not what the next value is compared with.
            if !spike {
                last = Some(*p);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_are_the_placeholders_and_nothing_near_them() {
        assert!(is_sentinel(-999.0));
        assert!(is_sentinel(9999.0));
        assert!(!is_sentinel(-998.0));
        assert!(!is_sentinel(999.0));
    }

    #[test]
    fn plausible_ranges_follow_class_v() {
        // NH3-N class V is 2.0 mg/L on rivers: 200 is the bound.
        assert_eq!(plausible_range(Parameter::Nh3n), Some((0.0, 200.0)));
        assert_eq!(screen(Parameter::Nh3n, 30.0), None);
        assert_eq!(screen(Parameter::Nh3n, 200.5), Some(QcFlag::Range));
        assert_eq!(screen(Parameter::Ph, 13.0), Some(QcFlag::Range));
        assert_eq!(screen(Parameter::Ph, 7.0), None);
        assert_eq!(screen(Parameter::Do, 25.0), Some(QcFlag::Range));
        assert_eq!(screen(Parameter::Temp, 30.0), None);
    }

    #[test]
    fn a_series_is_screened_against_its_stored_past() {
        use series::{Point, screen};
        let at = |h: i64, v: f64| Point { at: h * 3600, value: v, judged: true };
        // NH3-N may move 2 mg/L an hour: 0.5 → 4.0 in one hour is a spike; the next value is compared with
        // 0.5, not with the spike.
        let history = [at(0, 0.4), at(1, 0.5)];
        let new = [at(2, 4.0), at(3, 0.6), at(5, 4.0)];
        let flags = screen(&history, &new, max_rate_per_hour(Parameter::Nh3n), FLAT_RUN);
        assert_eq!(flags, vec![Some(QcFlag::Spike), None, None]);
        // Twelve equal values: the twelfth ends a flat line; values below detection never do.
        let stuck: Vec<Point> = (0..12).map(|h| at(h, 0.31)).collect();
        let flags = screen(&[], &stuck, max_rate_per_hour(Parameter::Nh3n), FLAT_RUN);
        assert_eq!(flags.iter().filter(|f| f.is_some()).count(), 1);
        assert_eq!(flags[11], Some(QcFlag::Flat));
        let below: Vec<Point> = (0..12).map(|h| Point { judged: false, ..at(h, 0.01) }).collect();
        assert!(screen(&[], &below, None, FLAT_RUN).iter().all(Option::is_none));
    }

    #[test]
    fn spikes_and_flat_lines() {
        assert!(series::is_spike((0, 1.0), (3600, 9.0), 5.0));
        assert!(!series::is_spike((0, 1.0), (7200, 9.0), 5.0));
        assert!(series::is_flat(&[1.0, 2.0, 2.0, 2.0], 3));
        assert!(!series::is_flat(&[1.0, 2.0, 2.0, 3.0], 3));
    }
}
