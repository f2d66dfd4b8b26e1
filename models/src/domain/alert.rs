//! Alerts as the domain sees them: their states, kinds and events, and (below) the decision a judged
//! reading makes about them. Pure code; `models::alerts` carries the decisions out.

use serde::Serialize;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AlertStatus {
    /// Opened; nobody has acknowledged it yet.
    Open,
    /// A chief has seen it.
    Acknowledged,
    /// Closed by bureau staff; a new breach opens a new alert.
    Closed,
}

impl AlertStatus {
    /// Open and acknowledged alerts are live: later readings update them instead of opening new ones.
    pub fn is_live(self) -> bool {
        self != Self::Closed
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AlertKind {
    /// A reading worse than the section's target class.
    Exceedance,
    /// A colour warning of one item (blue to red): near the limit, a deteriorating trend, a forecast
    /// breach, an anomaly, or values beyond the target confirmed.
    Warning,
    /// A section's level under the 2018 Yangtze-basin rule, filed under its first main pollutant.
    YangtzeWarning,
}

/// Something that happened to an alert, in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AlertEventKind {
    Opened,
    Updated,
    NoticeQueued,
    /// Nobody in the chain could be told (no chief with an address).
    NoRecipient,
    Acknowledged,
    Escalated,
    Closed,
    /// The warning behind it grew graver.
    Graver,
    /// The warning behind it was lifted (the alert stays until staff close it).
    WarningLifted,
}

// ---------------------------------------------------------------------------------------------------------
// What a judged reading does to the alerts
// ---------------------------------------------------------------------------------------------------------

use chrono::{DateTime, Utc};

use super::ChiefLevel;
use super::gb3838::{Direction, Parameter, WaterClass};

/// A reading after it was judged, as the alert decision needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedReading {
    pub parameter: Parameter,
    pub value: f64,
    pub below_detection: bool,
    pub sampled_at: DateTime<Utc>,
    /// Its single-factor class, when the item has classes.
    pub class: Option<WaterClass>,
    /// Whether it counts: the item is evaluated on this kind of water body and the data flag is `N`.
    pub evaluated: bool,
    /// The section's target class.
    pub target: WaterClass,
}

impl JudgedReading {
    /// Whether it meets the target; `None` when it is not evaluated or has no class.
    pub fn meets_target(&self) -> Option<bool> {
        self.class.filter(|_| self.evaluated).map(|c| c <= self.target)
    }

    /// The class it breaches the target with, if it does. A non-detect never does: its true value is
    /// unknown, and its detection limit alone is no evidence of an exceedance.
    pub fn breach(&self) -> Option<WaterClass> {
        match (self.meets_target(), self.below_detection) {
            (Some(false), false) => self.class,
            _ => None,
        }
    }
}

/// The live (not closed) alert of the same section, parameter and kind, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveAlert {
    pub last_sampled_at: DateTime<Utc>,
    pub worst_value: f64,
    pub worst_class: WaterClass,
}

/// What to do with a judged reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// It breaches nothing: no alert is opened or changed.
    Leave,
    /// Open an alert in `class` and tell the lowest chief of the chain who can be told ([`recipient`]).
    Open { class: WaterClass },
    /// Count it in the live alert; it becomes the alert's last reading when `newer` (sampled no earlier than
    /// the alert's last one), and its worst when `worse`. Nobody is told again.
    Update { class: WaterClass, newer: bool, worse: bool },
}

/// Decides, from the live alert (if any) and a judged reading, whether to open, update or leave it.
pub fn decide(live: Option<&LiveAlert>, reading: &JudgedReading) -> Decision {
    let Some(class) = reading.breach() else { return Decision::Leave };
    match live {
        None => Decision::Open { class },
        Some(alert) => Decision::Update {
            class,
            newer: reading.sampled_at >= alert.last_sampled_at,
            worse: (class, badness(reading.parameter, reading.value))
                > (alert.worst_class, badness(reading.parameter, alert.worst_value)),
        },
    }
}

/// How bad a value is within its class, larger is worse: orders two readings of the same class.
fn badness(parameter: Parameter, value: f64) -> f64 {
    match parameter.info().direction {
        Direction::LowerBound => -value,
        Direction::Range { low, high } => (low - value).max(value - high),
        _ => value,
    }
}

/// A member of a section's chain of chiefs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainMember {
    pub chief_id: i32,
    pub level: ChiefLevel,
    pub email: Option<String>,
}

/// Who is told of a new alert: the lowest-level chief of the chain with an email address.
pub fn recipient(chain: &[ChainMember]) -> Option<&ChainMember> {
    chain
        .iter()
        .filter(|c| c.email.as_deref().is_some_and(|e| !e.trim().is_empty()))
        .min_by_key(|c| (c.level, c.chief_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gb3838::WaterBodyKind;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn reading(parameter: Parameter, value: f64, sampled_at: &str) -> JudgedReading {
        JudgedReading {
            parameter,
            value,
            below_detection: false,
            sampled_at: at(sampled_at),
            class: parameter.classify(value, WaterBodyKind::River),
            evaluated: true,
            target: WaterClass::III,
        }
    }

    fn live(worst_value: f64, worst_class: WaterClass, last: &str) -> LiveAlert {
        LiveAlert { last_sampled_at: at(last), worst_value, worst_class }
    }

    #[test]
    fn a_reading_worse_than_target_opens_an_alert_and_one_within_it_leaves_things_alone() {
        // NH3-N 1.62 mg/L is class V (1.5 < 1.62 <= 2.0), worse than the class III target.
        assert_eq!(
            decide(None, &reading(Parameter::Nh3n, 1.62, "2026-11-20T00:00:00Z")),
            Decision::Open { class: WaterClass::V }
        );
        // 0.9 is class III (0.5 < 0.9 <= 1.0): meets the target.
        assert_eq!(decide(None, &reading(Parameter::Nh3n, 0.9, "2026-11-20T00:00:00Z")), Decision::Leave);
    }

    #[test]
    fn non_detects_unevaluated_items_and_flagged_values_never_alert() {
        let mut nd = reading(Parameter::Nh3n, 1.62, "2026-11-20T00:00:00Z");
        nd.below_detection = true;
        assert_eq!(decide(None, &nd), Decision::Leave);
        // Total nitrogen on a river is reported, not evaluated.
        let mut tn = reading(Parameter::Tn, 5.0, "2026-11-20T00:00:00Z");
        tn.evaluated = false;
        assert_eq!(tn.meets_target(), None);
        assert_eq!(decide(None, &tn), Decision::Leave);
        let temp = reading(Parameter::Temp, 30.0, "2026-11-20T00:00:00Z");
        assert_eq!(decide(None, &temp), Decision::Leave, "temperature has no classes");
    }

    #[test]
    fn a_live_alert_is_updated_and_tracks_its_latest_and_worst_reading() {
        let alert = live(1.62, WaterClass::V, "2026-11-20T00:00:00Z");
        // Later and worse (2.5 is 劣V).
        assert_eq!(
            decide(Some(&alert), &reading(Parameter::Nh3n, 2.5, "2026-11-21T00:00:00Z")),
            Decision::Update { class: WaterClass::WorseThanV, newer: true, worse: true }
        );
        // An earlier sample (a late upload) in the same class with a larger value: worse, but not the latest.
        assert_eq!(
            decide(Some(&alert), &reading(Parameter::Nh3n, 1.8, "2026-11-19T00:00:00Z")),
            Decision::Update { class: WaterClass::V, newer: false, worse: true }
        );
        // Same class, smaller value: not worse.
        assert_eq!(
            decide(Some(&alert), &reading(Parameter::Nh3n, 1.55, "2026-11-22T00:00:00Z")),
            Decision::Update { class: WaterClass::V, newer: true, worse: false }
        );
    }

    #[test]
    fn for_dissolved_oxygen_lower_is_worse() {
        // DO 2.5 mg/L is class V (2 <= 2.5 < 3); 2.2 is also V and worse.
        let alert = live(2.5, WaterClass::V, "2026-11-20T00:00:00Z");
        assert_eq!(
            decide(Some(&alert), &reading(Parameter::Do, 2.2, "2026-11-21T00:00:00Z")),
            Decision::Update { class: WaterClass::V, newer: true, worse: true }
        );
    }

    #[test]
    fn the_lowest_chief_with_an_email_is_told() {
        let member =
            |chief_id, level, email: Option<&str>| ChainMember { chief_id, level, email: email.map(Into::into) };
        let chain = [
            member(1, ChiefLevel::District, Some("d@x.invalid")),
            member(2, ChiefLevel::Village, Some("  ")),
            member(3, ChiefLevel::Town, Some("t@x.invalid")),
        ];
        assert_eq!(recipient(&chain).map(|c| c.chief_id), Some(3), "the village chief has no address");
        assert_eq!(recipient(&chain[1..2]), None);
    }
}
