//! Validating one submitted reading: parameter, time, value, unit and flag, before any database work.
//!
//! Every edge (JSON API, CSV import, HJ 212) turns its input into a [`ReadingInput`] and calls
//! [`ReadingInput::validate`], so the rules and their messages are the same everywhere.

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use super::Problem;
use super::gb3838::{ConcentrationUnit, Parameter};

/// How far in the future a sampling time may lie (clock skew between stations and server).
pub const MAX_FUTURE: TimeDelta = TimeDelta::minutes(10);

/// A submitted value: a number, or text such as `"1.62"` or `"<0.01"` (below a detection limit of 0.01).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueInput {
    Number(f64),
    Text(String),
}

/// A reading as submitted, fields still unchecked. `None` means the field was absent.
#[derive(Debug, Clone, Default)]
pub struct ReadingInput {
    pub section: Option<String>,
    pub parameter: Option<String>,
    pub sampled_at: Option<String>,
    pub value: Option<ValueInput>,
    pub unit: Option<String>,
    pub below_detection: Option<bool>,
    pub detection_limit: Option<f64>,
    pub flag: Option<String>,
}

/// A reading that passed every check; the section code is still to be resolved against the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReading {
    pub section: String,
    pub parameter: Parameter,
    pub sampled_at: DateTime<Utc>,
    /// In the standard's unit; for a value below detection, the detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub quality_flag: QualityFlag,
}

/// HJ 212-2017 data flags. Only `N` values are valid for evaluation; others are kept but not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityFlag {
    /// N: normal
    Normal,
    /// F: stopped
    Stopped,
    /// M: maintenance
    Maintenance,
    /// S: manually set value
    ManualSet,
    /// D: fault
    Fault,
    /// C: calibrating
    Calibrating,
    /// T: over range
    OverRange,
    /// B: communication failure
    CommunicationFailure,
}

impl QualityFlag {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "N" | "n" => Self::Normal,
            "F" | "f" => Self::Stopped,
            "M" | "m" => Self::Maintenance,
            "S" | "s" => Self::ManualSet,
            "D" | "d" => Self::Fault,
            "C" | "c" => Self::Calibrating,
            "T" | "t" => Self::OverRange,
            "B" | "b" => Self::CommunicationFailure,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "N",
            Self::Stopped => "F",
            Self::Maintenance => "M",
            Self::ManualSet => "S",
            Self::Fault => "D",
            Self::Calibrating => "C",
            Self::OverRange => "T",
            Self::CommunicationFailure => "B",
        }
    }

    pub fn is_valid_for_evaluation(self) -> bool {
        self == Self::Normal
    }
}

impl ReadingInput {
    /// Checks every field and reports every problem, not just the first.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidReading, Vec<Problem>> {
        let mut problems = Vec::new();

        let section = match self.section.as_deref().map(str::trim) {
            None => {
                problems.push(Problem::missing("section"));
                None
            }
            Some("") => {
                problems.push(Problem::new("section", "empty", "断面编码为空", "section code is empty"));
                None
            }
            Some(code) => Some(code.to_string()),
        };

        let parameter = match self.parameter.as_deref() {
            None => {
                problems.push(Problem::missing("parameter"));
                None
            }
            Some(p) => {
                let parsed = Parameter::parse(p);
                if parsed.is_none() {
                    problems.push(Problem::new(
                        "parameter",
                        "unknown_parameter",
                        format!("未知监测项目“{p}”，请使用项目代码（如 nh3n）或 HJ 212 编码（如 w21003）"),
                        format!("unknown parameter '{p}': use a key such as nh3n or an HJ 212 code such as w21003"),
                    ));
                }
                parsed
            }
        };

        let sampled_at = match self.sampled_at.as_deref() {
            None => {
                problems.push(Problem::missing("sampled_at"));
                None
            }
            Some(text) => {
                match parse_time(text) {
                    None => {
                        problems.push(Problem::new(
                        "sampled_at",
                        "invalid_time",
                        format!("采样时间“{text}”无法识别，请使用 RFC 3339 格式，如 2026-11-20T08:00:00+08:00"),
                        format!("sampling time '{text}' is not a valid time; use RFC 3339, e.g. 2026-11-20T08:00:00+08:00"),
                    ));
                        None
                    }
                    Some(t) if t > now + MAX_FUTURE => {
                        problems.push(Problem::new(
                            "sampled_at",
                            "time_in_future",
                            format!("采样时间“{text}”晚于当前时间超过 10 分钟"),
                            format!("sampling time '{text}' is more than 10 minutes in the future"),
                        ));
                        None
                    }
                    Some(t) => Some(t),
                }
            }
        };

        let flag = match self.flag.as_deref() {
            None => Some(QualityFlag::Normal),
            Some(f) => {
                let parsed = QualityFlag::parse(f);
                if parsed.is_none() {
                    problems.push(Problem::new(
                        "flag",
                        "invalid_flag",
                        format!("数据标记“{f}”无效，应为 HJ 212 标记 N/F/M/S/D/C/T/B 之一"),
                        format!("data flag '{f}' is not one of the HJ 212 flags N, F, M, S, D, C, T, B"),
                    ));
                }
                parsed
            }
        };

        let value = self.checked_value(parameter, &mut problems);

        match (section, parameter, sampled_at, value, flag) {
            (
                Some(section),
                Some(parameter),
                Some(sampled_at),
                Some((value, below_detection, detection_limit)),
                Some(quality_flag),
            ) if problems.is_empty() => {
                Ok(ValidReading {
                    section,
                    parameter,
                    // Sampling times are kept to the second: the same sample sent twice is one row.
                    sampled_at: sampled_at.with_nanosecond_zeroed(),
                    value,
                    below_detection,
                    detection_limit,
                    quality_flag,
                })
            }
            _ => Err(problems),
        }
    }

    /// The value in the standard's unit, with its below-detection flag and detection limit.
    fn checked_value(
        &self,
        parameter: Option<Parameter>,
        problems: &mut Vec<Problem>,
    ) -> Option<(f64, bool, Option<f64>)> {
        let (raw, mut below, mut limit) = match &self.value {
            None if self.below_detection == Some(true) && self.detection_limit.is_some() => {
                (self.detection_limit?, true, self.detection_limit)
            }
            None => {
                problems.push(Problem::missing("value"));
                return None;
            }
            Some(ValueInput::Number(v)) => (*v, false, None),
            Some(ValueInput::Text(text)) => match parse_value_text(text) {
                Some((v, true)) => (v, true, Some(v)),
                Some((v, false)) => (v, false, None),
                None => {
                    problems.push(Problem::new(
                        "value",
                        "not_a_number",
                        format!("数值“{text}”不是数字（低于检出限请写作 <0.01）"),
                        format!("value '{text}' is not a number (write a value below the detection limit as <0.01)"),
                    ));
                    return None;
                }
            },
        };
        if self.below_detection == Some(true) {
            below = true;
            limit = limit.or(self.detection_limit).or(Some(raw));
        }
        let parameter = parameter?;
        let info = parameter.info();

        let unit = match self.unit.as_deref() {
            None => None,
            Some(u) if info.is_concentration => match ConcentrationUnit::parse(u) {
                Some(unit) => Some(unit),
                None => {
                    problems.push(bad_unit(u, info.unit));
                    return None;
                }
            },
            Some(u) if u.trim() == info.unit => None,
            Some(u) => {
                problems.push(bad_unit(u, info.unit));
                return None;
            }
        };
        let convert = |v: f64| unit.map_or(v, |unit| unit.to_mg_per_l(v));
        let (value, limit) = (convert(raw), limit.map(convert));

        if !value.is_finite() {
            problems.push(Problem::new("value", "not_a_number", "数值无效", "value is not a finite number"));
            return None;
        }
        if let Some(problem) = range_problem(parameter, value) {
            problems.push(problem);
            return None;
        }
        if let Some(dl) = limit
            && !(dl > 0.0 && dl.is_finite())
        {
            problems.push(Problem::new(
                "detection_limit",
                "invalid_detection_limit",
                format!("检出限必须为正数：{dl}"),
                format!("detection limit must be positive: {dl}"),
            ));
            return None;
        }
        // A value below detection is stored as its detection limit; statistics later use half of it.
        let value = if below { limit.unwrap_or(value) } else { value };
        Some((value, below, limit))
    }
}

/// Why `value` cannot be a reading of `parameter` (pH outside 0–14, implausible temperature, a negative
/// concentration), or `None` when it can.
pub fn range_problem(parameter: Parameter, value: f64) -> Option<Problem> {
    let info = parameter.info();
    match parameter {
        Parameter::Ph if !(0.0..=14.0).contains(&value) => Some(Problem::new(
            "value",
            "out_of_range",
            format!("pH 值 {value} 超出 0–14 范围"),
            format!("pH {value} is outside 0–14"),
        )),
        Parameter::Temp if !(-5.0..=50.0).contains(&value) => Some(Problem::new(
            "value",
            "out_of_range",
            format!("水温 {value} ℃ 超出 −5–50 ℃ 的合理范围"),
            format!("water temperature {value} °C is outside the plausible −5–50 °C"),
        )),
        _ if info.is_concentration && value < 0.0 => Some(Problem::new(
            "value",
            "negative_value",
            format!("{}浓度不能为负数：{value}", info.name_zh),
            format!("{} concentration cannot be negative: {value}", info.name_en),
        )),
        _ => None,
    }
}

/// A value written as text — `1.62`, or `<0.01` below a detection limit of 0.01 — checked for `parameter`.
/// Returns the number and whether it is a detection limit.
pub fn value_from_text(parameter: Parameter, text: &str) -> Result<(f64, bool), Problem> {
    let Some((value, below)) = parse_value_text(text) else {
        return Err(Problem::new(
            "value",
            "not_a_number",
            format!("数值“{text}”不是数字（低于检出限请写作 <0.01）"),
            format!("value '{text}' is not a number (write a value below the detection limit as <0.01)"),
        ));
    };
    match range_problem(parameter, value) {
        Some(problem) => Err(problem),
        None if below && value <= 0.0 => Err(Problem::new(
            "value",
            "invalid_detection_limit",
            format!("检出限必须为正数：{value}"),
            format!("detection limit must be positive: {value}"),
        )),
        None => Ok((value, below)),
    }
}

fn bad_unit(given: &str, expected: &str) -> Problem {
    Problem::new(
        "unit",
        "unsupported_unit",
        format!("不支持的单位“{given}”，该项目应使用 {expected}"),
        format!("unsupported unit '{given}'; this parameter is reported in {expected}"),
    )
}

/// `"1.62"` → (1.62, false); `"<0.01"` → (0.01, true).
fn parse_value_text(text: &str) -> Option<(f64, bool)> {
    let t = text.trim();
    let (number, below) = match t.strip_prefix('<') {
        Some(rest) => (rest.trim(), true),
        None => (t, false),
    };
    let v: f64 = number.parse().ok()?;
    v.is_finite().then_some((v, below))
}

/// RFC 3339 with an offset, or a local time without one (read as China Standard Time).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Shanghai.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc));
        }
    }
    None
}

trait TruncateToSecond {
    fn with_nanosecond_zeroed(self) -> Self;
}

impl TruncateToSecond for DateTime<Utc> {
    fn with_nanosecond_zeroed(self) -> Self {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_time("2026-11-20T12:00:00+08:00").expect("time")
    }

    fn input(parameter: &str, value: ValueInput) -> ReadingInput {
        ReadingInput {
            section: Some("QYP-01".into()),
            parameter: Some(parameter.into()),
            sampled_at: Some("2026-11-20T08:00:00+08:00".into()),
            value: Some(value),
            ..Default::default()
        }
    }

    fn codes(r: Result<ValidReading, Vec<Problem>>) -> Vec<(&'static str, &'static str)> {
        r.expect_err("should be rejected").iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn a_good_reading_passes_and_hj212_codes_become_keys() {
        let r = input("w21003", ValueInput::Number(1.62)).validate(now()).expect("valid");
        assert_eq!(r.parameter, Parameter::Nh3n);
        assert_eq!(r.value, 1.62);
        assert_eq!(r.sampled_at, parse_time("2026-11-20T00:00:00Z").expect("t"));
        assert_eq!(r.quality_flag, QualityFlag::Normal);
    }

    #[test]
    fn below_detection_text_keeps_the_limit() {
        let r = input("hg", ValueInput::Text("<0.00004".into())).validate(now()).expect("valid");
        assert!(r.below_detection);
        assert_eq!(r.detection_limit, Some(0.00004));
        assert_eq!(r.value, 0.00004);
    }

    #[test]
    fn micrograms_are_converted_to_milligrams() {
        let mut i = input("pb", ValueInput::Number(12.0));
        i.unit = Some("ug/L".into());
        let r = i.validate(now()).expect("valid");
        assert!((r.value - 0.012).abs() < 1e-15);
    }

    #[test]
    fn every_kind_of_bad_value_is_named() {
        assert_eq!(codes(input("nh3n", ValueInput::Number(-0.1)).validate(now())), vec![("value", "negative_value")]);
        assert_eq!(
            codes(input("nh3n", ValueInput::Text("abc".into())).validate(now())),
            vec![("value", "not_a_number")]
        );
        assert_eq!(codes(input("ph", ValueInput::Number(14.5)).validate(now())), vec![("value", "out_of_range")]);
        assert_eq!(
            codes(input("nh4", ValueInput::Number(1.0)).validate(now())),
            vec![("parameter", "unknown_parameter")]
        );
        let mut no_unit = input("ph", ValueInput::Number(7.0));
        no_unit.unit = Some("mg/L".into());
        assert_eq!(codes(no_unit.validate(now())), vec![("unit", "unsupported_unit")]);
    }

    #[test]
    fn negative_temperature_is_not_a_negative_concentration() {
        assert!(input("temp", ValueInput::Number(-1.5)).validate(now()).is_ok());
    }

    #[test]
    fn future_times_beyond_ten_minutes_are_refused() {
        let mut i = input("do", ValueInput::Number(6.0));
        i.sampled_at = Some("2026-11-20T12:09:59+08:00".into());
        assert!(i.validate(now()).is_ok());
        i.sampled_at = Some("2026-11-20T12:10:01+08:00".into());
        assert_eq!(codes(i.validate(now())), vec![("sampled_at", "time_in_future")]);
    }

    #[test]
    fn missing_fields_are_all_reported() {
        let problems = ReadingInput::default().validate(now()).expect_err("empty");
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["section", "parameter", "sampled_at", "value"]);
        assert!(problems.iter().all(|p| p.code == "missing_field"));
    }

    #[test]
    fn local_times_without_offset_are_china_standard_time() {
        assert_eq!(parse_time("2026-11-20 08:00:00"), parse_time("2026-11-20T00:00:00Z"));
        assert_eq!(parse_time("yesterday"), None);
    }
}
