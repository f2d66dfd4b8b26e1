//! Validating one submitted reading: parameter, time, value, unit and flag, before any database work.
//!
//! Every edge (JSON API, CSV import, HJ 212) turns its input into a [`ReadingInput`] and calls
//! [`ReadingInput::validate`], so the rules and their messages are the same everywhere.

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

use super::gb3838::Parameter;
use super::units::{Unit, default_unit_of_code};
use super::{Code, Problem, quote};

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
    /// `sample` (the default), `realtime`, `minute`, `hour` or `day`.
    pub kind: Option<String>,
    /// Who produced the value: a programme, a station, a contractor (free text, at most 64 characters).
    pub origin: Option<String>,
    /// The analysis method (e.g. `HJ 535-2009`).
    pub method: Option<String>,
    /// The laboratory.
    pub lab: Option<String>,
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
    /// The value as it was given, when that was in another unit than the standard's.
    pub read_as: Option<ReadAs>,
    pub kind: DataKind,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
    /// Set when the value is a placeholder (-999 and the like): kept, flagged, never evaluated.
    pub qc: Option<QcFlag>,
}

/// What a value stands for: one sample (a lab result, a manual reading), or an automatic station's
/// real-time value (HJ 212 CN 2011) or its minute (2051), hour (2061) or day (2031) statistics. The same
/// section, item and time may hold one value of each kind.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DataKind {
    Sample,
    Realtime,
    Minute,
    Hour,
    Day,
}

impl DataKind {
    /// Whether evaluation counts values of this kind: samples and an automatic station's hourly values
    /// (the unit automatic monitoring is evaluated in). Real-time and minute values would count the same
    /// water many times over, and day values repeat the hours they are made of; they serve alerts and
    /// charts.
    pub fn is_evaluated(self) -> bool {
        matches!(self, Self::Sample | Self::Hour)
    }

    /// The kind of an HJ 212 upload command: 2011, 2051, 2061, 2031.
    pub fn of_command(cn: &str) -> Option<DataKind> {
        match cn {
            "2011" => Some(Self::Realtime),
            "2051" => Some(Self::Minute),
            "2061" => Some(Self::Hour),
            "2031" => Some(Self::Day),
            _ => None,
        }
    }
}

/// Why a quality rule set a reading aside. A flagged reading stays stored and visible with its reason, and
/// is left out of evaluation, trends and alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum QcFlag {
    /// Outside the plausible range for the item.
    Range,
    /// A sentinel a device writes for "no value" (-999, 9999, …).
    Sentinel,
    /// Changed faster than water does.
    Spike,
    /// The same value for too long: a stuck sensor.
    Flat,
    /// Set by an administrator.
    Manual,
}

/// The earliest sampling time taken: the founding of the People's Republic, as for the registry's dates.
/// Anything before is a typing mistake (a year 0001, a 1900 from an empty spreadsheet date).
pub fn earliest_sampling_time() -> DateTime<Utc> {
    DateTime::from_timestamp(-638_352_000, 0).unwrap_or(DateTime::<Utc>::MIN_UTC) // 1949-10-01T00:00:00Z
}

/// A value as it was read, in the unit it came in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadAs {
    pub value: f64,
    pub unit: Unit,
}

/// HJ 212-2017 data flags. Only `N` values are valid for evaluation; others are kept but not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
pub enum QualityFlag {
    /// N: normal
    #[strum(serialize = "N")]
    Normal,
    /// F: stopped
    #[strum(serialize = "F")]
    Stopped,
    /// M: maintenance
    #[strum(serialize = "M")]
    Maintenance,
    /// S: manually set value
    #[strum(serialize = "S")]
    ManualSet,
    /// D: fault
    #[strum(serialize = "D")]
    Fault,
    /// C: calibrating
    #[strum(serialize = "C")]
    Calibrating,
    /// T: over range
    #[strum(serialize = "T")]
    OverRange,
    /// B: communication failure
    #[strum(serialize = "B")]
    CommunicationFailure,
}

impl QualityFlag {
    /// The one-letter HJ 212 code.
    pub fn code(self) -> &'static str {
        self.as_str()
    }

    pub fn is_valid_for_evaluation(self) -> bool {
        self == Self::Normal
    }
}

/// Where readings came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReadingSource {
    /// A JSON batch to `POST /api/v1/readings`.
    Api,
    /// A CSV or spreadsheet import.
    Csv,
    /// An automatic station over HJ 212.
    Hj212,
    /// A laboratory result entered by bureau staff.
    Lab,
    /// Generated demo data.
    Seed,
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
                    problems.push(unknown_parameter(p));
                }
                parsed
            }
        };

        let sampled_at = match self.sampled_at.as_deref() {
            None => {
                problems.push(Problem::missing("sampled_at"));
                None
            }
            Some(text) => match parse_time(text) {
                None => {
                    problems.push(Problem::new(
                        "sampled_at",
                        "invalid_time",
                        format!(
                            "采样时间“{}”无法识别，请使用 RFC 3339 格式，如 2026-11-20T08:00:00+08:00",
                            quote(text)
                        ),
                        format!(
                            "sampling time '{}' is not a valid time; use RFC 3339, e.g. 2026-11-20T08:00:00+08:00",
                            quote(text)
                        ),
                    ));
                    None
                }
                Some(t) if t > now + MAX_FUTURE => {
                    problems.push(Problem::new(
                        "sampled_at",
                        "time_in_future",
                        format!("采样时间“{}”晚于当前时间超过 10 分钟", quote(text)),
                        format!("sampling time '{}' is more than 10 minutes in the future", quote(text)),
                    ));
                    None
                }
                Some(t) if t < earliest_sampling_time() => {
                    problems.push(Problem::new(
                        "sampled_at",
                        "time_too_early",
                        format!("采样时间“{}”早于 1949 年 10 月 1 日，请检查年份", quote(text)),
                        format!("sampling time '{}' is before 1949-10-01; check the year", quote(text)),
                    ));
                    None
                }
                Some(t) => Some(t),
            },
        };

        let kind = match self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => Some(DataKind::Sample),
            Some(k) => {
                let parsed = DataKind::parse(k);
                if parsed.is_none() {
                    problems.push(Problem::new(
                        "kind",
                        "invalid_kind",
                        format!("数据类型“{}”无效，应为 sample、realtime、minute、hour、day 之一", quote(k)),
                        format!("data kind '{}' is not one of sample, realtime, minute, hour, day", quote(k)),
                    ));
                }
                parsed
            }
        };
        let origin = short_text("origin", self.origin.as_deref(), &mut problems);
        let method = short_text("method", self.method.as_deref(), &mut problems);
        let lab = short_text("lab", self.lab.as_deref(), &mut problems);

        let flag = match self.flag.as_deref() {
            None => Some(QualityFlag::Normal),
            Some(f) => {
                let parsed = QualityFlag::parse(f);
                if parsed.is_none() {
                    problems.push(Problem::new(
                        "flag",
                        "invalid_flag",
                        format!("数据标记“{}”无效，应为 HJ 212 标记 N/F/M/S/D/C/T/B 之一", quote(f)),
                        format!("data flag '{}' is not one of the HJ 212 flags N, F, M, S, D, C, T, B", quote(f)),
                    ));
                }
                parsed
            }
        };

        let value = self.checked_value(parameter, &mut problems);

        match (section, parameter, sampled_at, value, flag, kind) {
            (Some(section), Some(parameter), Some(sampled_at), Some(checked), Some(quality_flag), Some(kind))
                if problems.is_empty() =>
            {
                Ok(ValidReading {
                    section,
                    parameter,
                    // Sampling times are kept to the second: the same sample sent twice is one row.
                    sampled_at: sampled_at.with_nanosecond_zeroed(),
                    value: checked.value,
                    below_detection: checked.below,
                    detection_limit: checked.limit,
                    quality_flag,
                    read_as: checked.read_as,
                    kind,
                    origin,
                    method,
                    lab,
                    qc: checked.sentinel.then_some(QcFlag::Sentinel),
                })
            }
            _ => Err(problems),
        }
    }

    /// The value in the standard's unit, with its below-detection flag and detection limit.
    fn checked_value(&self, parameter: Option<Parameter>, problems: &mut Vec<Problem>) -> Option<Checked> {
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
                        format!("数值“{}”不是数字（低于检出限请写作 <0.01）", quote(text)),
                        format!(
                            "value '{}' is not a number (write a value below the detection limit as <0.01)",
                            quote(text)
                        ),
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
        // A device's "no value" is stored as sent and flagged, not refused as a negative concentration.
        if !below && super::quality::is_sentinel(raw) {
            return Some(Checked { value: raw, below, limit: None, read_as: None, sentinel: true });
        }

        // The unit the value was given in: as stated; else, under an HJ 212 code, that code's default (µg/L
        // for several metals, ng/L for alkyl mercury: Table B.1); else the standard's own.
        let stated = self.unit.as_deref().filter(|u| !u.trim().is_empty());
        let (value, limit, read_as) = match parameter.mass_unit() {
            Some(standard) => {
                let given = match stated {
                    Some(u) => match Unit::parse(u) {
                        Some(unit) => unit,
                        None => {
                            problems.push(bad_unit(u, info.unit));
                            return None;
                        }
                    },
                    None => self.parameter.as_deref().and_then(default_unit_of_code).unwrap_or(standard),
                };
                let convert = |v: f64| given.convert(v, standard);
                (convert(raw), limit.map(convert), (given != standard).then_some(ReadAs { value: raw, unit: given }))
            }
            None => {
                if let Some(u) = stated
                    && !same_unit(u, info.unit)
                {
                    problems.push(bad_unit(u, info.unit));
                    return None;
                }
                (raw, limit, None)
            }
        };

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
        Some(Checked { value, below, limit, read_as, sentinel: false })
    }
}

/// Longest text kept for a reading's origin, method and laboratory.
pub const MAX_LABEL: usize = 64;

/// A reading's optional label (origin, method, lab): trimmed, empty as none, at most [`MAX_LABEL`] characters.
fn short_text(field: &'static str, text: Option<&str>, problems: &mut Vec<Problem>) -> Option<String> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > MAX_LABEL {
        problems.push(Problem::new(
            field,
            "too_long",
            format!("“{field}”超过 {MAX_LABEL} 个字符"),
            format!("{field} is longer than {MAX_LABEL} characters"),
        ));
        return None;
    }
    Some(text.to_string())
}

/// A value as the checks leave it.
struct Checked {
    value: f64,
    below: bool,
    limit: Option<f64>,
    read_as: Option<ReadAs>,
    sentinel: bool,
}

/// Whether `given` names the unit a non-concentration item is reported in (`℃` or `°C`, `无量纲` for pH, …).
fn same_unit(given: &str, standard: &str) -> bool {
    let g = given.trim();
    let aliases: &[&str] = match standard {
        "℃" => &["℃", "°C", "degC", "摄氏度"],
        "无量纲" => &["无量纲", "dimensionless", "pH"],
        "个/L" => &["个/L", "count/L", "MPN/L", "CFU/L"],
        "µS/cm" => &["µS/cm", "uS/cm", "μS/cm"],
        "NTU" => &["NTU", "ntu"],
        other => return g == other,
    };
    aliases.contains(&g)
}

/// The values `parameter` can take at all, in the standard's unit. Anything outside is a mistake, not a
/// measurement, and is refused; values that are possible but implausible are kept and flagged instead.
/// Concentrations cannot exceed a kilogram per litre (10⁶ mg/L); dissolved oxygen never reaches 50 mg/L
/// even supersaturated; fecal coliform counts of raw sewage stay below 10¹³ per litre.
pub fn physical_range(parameter: Parameter) -> (f64, f64) {
    match parameter {
        Parameter::Ph => (0.0, 14.0),
        Parameter::Temp => (-5.0, 50.0),
        Parameter::Do => (0.0, 50.0),
        Parameter::FecalColiform => (0.0, 1e13),
        // Blooms reach thousands of µg/L; no lake is clearer than 100 m; sea water is near 50,000 µS/cm.
        Parameter::Chla => (0.0, 1e4),
        Parameter::Sd => (0.0, 100.0),
        Parameter::Conductivity => (0.0, 1e5),
        Parameter::Turbidity => (0.0, 1e5),
        _ => (0.0, 1e6),
    }
}

/// Why `value` cannot be a reading of `parameter` (pH outside 0–14, implausible temperature, a negative
/// concentration, a concentration no water can hold), or `None` when it can.
pub fn range_problem(parameter: Parameter, value: f64) -> Option<Problem> {
    let info = parameter.info();
    let (low, high) = physical_range(parameter);
    let shown = format_value(value);
    match parameter {
        _ if (low..=high).contains(&value) => None,
        Parameter::Ph => Some(Problem::new(
            "value",
            "out_of_range",
            format!("pH 值 {shown} 超出 0–14 范围"),
            format!("pH {shown} is outside 0–14"),
        )),
        Parameter::Temp => Some(Problem::new(
            "value",
            "out_of_range",
            format!("水温 {shown} ℃ 超出 −5–50 ℃ 的合理范围"),
            format!("water temperature {shown} °C is outside the plausible −5–50 °C"),
        )),
        _ if value < 0.0 && info.is_concentration => Some(Problem::new(
            "value",
            "negative_value",
            format!("{}浓度不能为负数：{shown}", info.name_zh),
            format!("{} concentration cannot be negative: {shown}", info.name_en),
        )),
        _ => Some(Problem::new(
            "value",
            "out_of_range",
            format!(
                "{} {shown} {} 超出物理上可能的范围（最大 {} {}）",
                info.name_zh,
                info.unit,
                format_value(high),
                info.unit
            ),
            format!(
                "{} {shown} {} is beyond any possible value (at most {} {})",
                info.name_en,
                info.unit,
                format_value(high),
                info.unit
            ),
        )),
    }
}

/// A value for a message: plain up to a million, scientific beyond (`1e220`, not 221 digits).
fn format_value(v: f64) -> String {
    if v.abs() < 1e7 { super::notice_text::format_number(v) } else { format!("{v:e}") }
}

/// One item of a sample as a tool takes it (`analyze classify`, `analyze trophic`), checked and converted
/// exactly as a submitted reading's value is: the parameter by key or HJ 212 code, `<0.01` below detection,
/// the unit as stated or the code's default.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredValue {
    pub parameter: Parameter,
    /// In the standard's unit; for a value below detection, the detection limit.
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub read_as: Option<ReadAs>,
}

/// Checks one item of a sample: its parameter (`nh3n`, `w21003`), value text and optional unit.
pub fn measure(parameter: &str, value: &str, unit: Option<&str>) -> Result<MeasuredValue, Vec<Problem>> {
    let input = ReadingInput {
        parameter: Some(parameter.to_string()),
        value: Some(ValueInput::Text(value.to_string())),
        unit: unit.map(str::to_string),
        ..Default::default()
    };
    let Some(p) = Parameter::parse(parameter) else {
        return Err(vec![unknown_parameter(parameter)]);
    };
    let mut problems = Vec::new();
    match input.checked_value(Some(p), &mut problems) {
        Some(c) if problems.is_empty() => Ok(MeasuredValue {
            parameter: p,
            value: c.value,
            below_detection: c.below,
            detection_limit: c.limit,
            read_as: c.read_as,
        }),
        _ => Err(problems),
    }
}

fn unknown_parameter(p: &str) -> Problem {
    Problem::new(
        "parameter",
        "unknown_parameter",
        format!("未知监测项目“{}”，请使用项目代码（如 nh3n）或 HJ 212 编码（如 w21003）", quote(p)),
        format!("unknown parameter '{}': use a key such as nh3n or an HJ 212 code such as w21003", quote(p)),
    )
}

fn bad_unit(given: &str, expected: &str) -> Problem {
    Problem::new(
        "unit",
        "unsupported_unit",
        format!("不支持的单位“{}”，该项目应使用 {expected}", quote(given)),
        format!("unsupported unit '{}'; this parameter is reported in {expected}", quote(given)),
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

/// RFC 3339 with an offset, or a local time without one (read as China Standard Time). A leap second
/// (`23:59:60`) is refused: chrono would fold it onto `23:59:59`, where it would collide with the reading
/// of that second, and no instrument in this domain samples on one.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let parsed = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
            .into_iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .and_then(|naive| Shanghai.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))),
    };
    parsed.filter(|t| t.nanosecond() < 1_000_000_000)
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

    /// STANDARDS.md §1: under an HJ 212 code without a unit a value is in the code's Table B.1 unit; under a
    /// key, in GB 3838's mg/L. Every default is checked against what the standard says.
    #[test]
    fn a_value_under_a_code_is_in_that_codes_default_unit() {
        let ug =
            [("w20111", 0.04), ("w20115", 1.0), ("w20117", 10.0), ("w20119", 12.0), ("w20120", 7.0), ("w20128", 3.0)];
        for (code, value) in ug {
            let r = input(code, ValueInput::Number(value)).validate(now()).expect(code);
            assert!((r.value - value / 1000.0).abs() < 1e-15, "{code}: {value} µg/L is {} mg/L", r.value);
            assert_eq!(r.read_as, Some(ReadAs { value, unit: Unit::UgPerL }), "{code}");
        }
        for code in ["w20142", "w20143"] {
            let r = input(code, ValueInput::Number(2.0)).validate(now()).expect(code);
            assert!((r.value - 0.002).abs() < 1e-15, "{code}");
        }
        // Under a key the same number is mg/L; an explicit unit wins over the code's default.
        let r = input("hg", ValueInput::Number(0.00004)).validate(now()).expect("hg");
        assert_eq!((r.value, r.read_as), (0.00004, None));
        let mut i = input("w20111", ValueInput::Number(0.00004));
        i.unit = Some("mg/L".into());
        assert_eq!(i.validate(now()).expect("explicit").value, 0.00004);
        // mg/L codes stay mg/L.
        let r = input("w21003", ValueInput::Number(1.62)).validate(now()).expect("nh3n");
        assert_eq!((r.value, r.read_as), (1.62, None));
        // Below detection, the limit converts too.
        let r = input("w20111", ValueInput::Text("<0.04".into())).validate(now()).expect("nd");
        assert!((r.detection_limit.expect("dl") - 0.00004).abs() < 1e-18 && r.below_detection);
        // A unit that does not fit is refused; a concentration unit for pH too.
        let mut ph = input("w01001", ValueInput::Number(7.0));
        ph.unit = Some("µg/L".into());
        assert_eq!(codes(ph.validate(now())), vec![("unit", "unsupported_unit")]);
        let mut temp = input("temp", ValueInput::Number(20.0));
        temp.unit = Some("°C".into());
        assert!(temp.validate(now()).is_ok(), "°C is the standard's ℃");
    }

    #[test]
    fn chlorophyll_is_micrograms_and_transparency_metres() {
        let r = input("w01016", ValueInput::Number(12.5)).validate(now()).expect("chla");
        assert_eq!((r.parameter, r.value, r.read_as), (Parameter::Chla, 12.5, None));
        let mut in_mg = input("chla", ValueInput::Number(0.0125));
        in_mg.unit = Some("mg/L".into());
        assert!((in_mg.validate(now()).expect("mg").value - 12.5).abs() < 1e-9);
        let r = input("sd", ValueInput::Number(0.8)).validate(now()).expect("sd");
        assert_eq!(r.value, 0.8);
        assert_eq!(codes(input("sd", ValueInput::Number(-0.1)).validate(now())), vec![("value", "out_of_range")]);
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
    fn absurd_values_are_refused_as_out_of_range_whatever_the_item() {
        for (parameter, value) in
            [("nh3n", 1e220), ("cod", 1e308), ("do", 1e300), ("fecal_coliform", 1e14), ("do", 51.0)]
        {
            let c = codes(input(parameter, ValueInput::Number(value)).validate(now()));
            assert_eq!(c, vec![("value", "out_of_range")], "{parameter} {value}");
        }
        // The bounds themselves are possible.
        assert!(input("cod", ValueInput::Number(1e6)).validate(now()).is_ok());
        assert!(input("do", ValueInput::Number(50.0)).validate(now()).is_ok());
        // A microgram value that is absurd in milligrams too.
        let mut i = input("pb", ValueInput::Number(1e300));
        i.unit = Some("ug/L".into());
        assert_eq!(codes(i.validate(now())), vec![("value", "out_of_range")]);
        // The message names the number briefly, not in 221 digits.
        let problems = input("nh3n", ValueInput::Number(1e220)).validate(now()).expect_err("absurd");
        assert!(problems[0].en.contains("1e220"), "{}", problems[0].en);
    }

    #[test]
    fn a_leap_second_is_refused_not_folded_onto_the_second_before() {
        assert_eq!(parse_time("2016-12-31T23:59:60Z"), None);
        assert_eq!(parse_time("2016-12-31 23:59:60"), None);
        assert!(parse_time("2016-12-31T23:59:59Z").is_some());
        let mut i = input("do", ValueInput::Number(6.0));
        i.sampled_at = Some("2016-12-31T23:59:60+00:00".into());
        assert_eq!(codes(i.validate(now())), vec![("sampled_at", "invalid_time")]);
    }

    #[test]
    fn input_quoted_back_in_a_message_is_cut_short() {
        let long = "x".repeat(1_000_000);
        let mut i = input(&long, ValueInput::Text(long.clone()));
        i.sampled_at = Some(long.clone());
        i.flag = Some(long.clone());
        let problems = i.validate(now()).expect_err("bad");
        assert!(problems.iter().all(|p| p.zh.len() < 400 && p.en.len() < 400), "{problems:?}");
    }

    #[test]
    fn local_times_without_offset_are_china_standard_time() {
        assert_eq!(parse_time("2026-11-20 08:00:00"), parse_time("2026-11-20T00:00:00Z"));
        assert_eq!(parse_time("yesterday"), None);
    }
}
