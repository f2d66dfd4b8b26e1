//! `riverchief analyze classify`: one sample, given as CSV `parameter,value`, judged by GB 3838-2002.

use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;

use models::domain::evaluation::{ItemValue, evaluate, round_half_even};
use models::domain::gb3838::{Parameter, Status, WaterBodyKind, WaterClass};
use models::domain::reading::value_from_text;

#[derive(Debug, Serialize, PartialEq)]
pub struct Classification {
    /// The worst class of the evaluated items; `null` when none was given.
    pub class: Option<WaterClass>,
    pub status: Option<&'static str>,
    pub status_en: Option<&'static str>,
    /// Every evaluated item, in the standard's order.
    pub items: Vec<ItemView>,
    /// Items given but not counted in the class (temperature, fecal coliform, TN on rivers, Table 2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_items: Vec<ItemView>,
    /// Up to three items worse than class III: worst class first, then the larger multiple.
    pub main_pollutants: Vec<Parameter>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ItemView {
    pub parameter: Parameter,
    /// The value judged. Below detection this is half the detection limit, as the method prescribes.
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<WaterClass>,
    /// (C − C_III) / C_III, rounded to two places, where the item is worse than class III.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_limit: Option<f64>,
    /// Table 2 items: whether the single limit is met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meets_limit: Option<bool>,
}

/// A line-numbered problem with the input.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClassifyError {
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("{0}")]
    Input(String),
}

fn at(line: u64, message: impl Into<String>) -> ClassifyError {
    ClassifyError::Line { line, message: message.into() }
}

/// The rows of `parameter,value` CSV (a header line, then one row per item): (line, name, value text).
/// Blank rows are skipped; anything else malformed names its line.
fn rows(input: impl Read) -> Result<Vec<(u64, String, String)>, ClassifyError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| ClassifyError::Input(format!("cannot read the header line: {e}")))?;
    let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names != ["parameter", "value"] {
        let found = headers.iter().collect::<Vec<_>>().join(",");
        return Err(at(1, format!("the header must be `parameter,value`, found `{found}`")));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line()), format!("unreadable row: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 2 {
            return Err(at(line, format!("expected 2 fields (parameter,value), found {}", record.len())));
        }
        rows.push((line, record[0].to_string(), record[1].to_string()));
    }
    if rows.is_empty() {
        return Err(ClassifyError::Input("no items: give at least one `parameter,value` row".into()));
    }
    Ok(rows)
}

/// Reads `parameter,value` CSV (a header line, then one row per item) and judges the sample.
pub fn classify(input: impl Read, kind: WaterBodyKind) -> Result<Classification, ClassifyError> {
    let mut seen: HashMap<Parameter, u64> = HashMap::new();
    let mut values = Vec::new();
    for (line, name, text) in rows(input)? {
        let (name, text) = (name.as_str(), text.as_str());
        let parameter = Parameter::parse(name).ok_or_else(|| {
            at(line, format!("unknown parameter '{name}' (use a key such as nh3n or an HJ 212 code such as w21003)"))
        })?;
        if let Some(first) = seen.insert(parameter, line) {
            return Err(at(line, format!("{} is given twice (first on line {first})", parameter.key())));
        }
        let (value, below) = value_from_text(parameter, text).map_err(|p| at(line, p.en))?;
        values.push(if below {
            ItemValue { parameter, value: value / 2.0, not_detected: Some(value), samples: 1 }
        } else {
            ItemValue { parameter, value, not_detected: None, samples: 1 }
        });
    }
    let evaluation = evaluate(&values, kind);
    let view = |i: &models::domain::evaluation::ItemEvaluation| ItemView {
        parameter: i.parameter,
        value: i.value,
        class: i.class,
        multiple: i.multiple.map(|m| round_half_even(m, 2)),
        detection_limit: i.not_detected,
        meets_limit: i.parameter.meets_supplementary_limit(i.value),
    };
    let status = evaluation.class.map(WaterClass::status);
    Ok(Classification {
        class: evaluation.class,
        status: status.map(Status::zh),
        status_en: status.map(Status::en),
        items: evaluation.items.iter().filter(|i| i.evaluated).map(view).collect(),
        reference_items: evaluation.items.iter().filter(|i| !i.evaluated).map(view).collect(),
        main_pollutants: evaluation.main_pollutants.iter().map(|m| m.parameter).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(csv: &str, kind: WaterBodyKind) -> Result<Classification, ClassifyError> {
        classify(csv.as_bytes(), kind)
    }

    #[test]
    fn the_issues_example_classifies_as_class_iv() {
        let c = run("parameter,value\nnh3n,1.2\n", WaterBodyKind::River).expect("valid");
        let json = serde_json::to_value(&c).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"class":"IV","status":"轻度污染","status_en":"slightly polluted",
                "items":[{"parameter":"nh3n","value":1.2,"class":"IV","multiple":0.2}],"main_pollutants":["nh3n"]})
        );
    }

    #[test]
    fn codes_become_keys_and_non_detects_use_half_the_limit() {
        let c = run("parameter,value\nw21003,0.4\nw20111,<0.00004\ntemp,21.5\n", WaterBodyKind::River).expect("valid");
        let keys: Vec<&str> = c.items.iter().map(|i| i.parameter.key()).collect();
        assert_eq!(keys, vec!["nh3n", "hg"]);
        assert_eq!((c.items[1].value, c.items[1].detection_limit), (0.00002, Some(0.00004)));
        assert_eq!(c.items[1].class, Some(WaterClass::I));
        assert_eq!(c.reference_items[0].parameter, Parameter::Temp);
        assert_eq!(c.class, Some(WaterClass::II));
    }

    #[test]
    fn lake_phosphorus_uses_the_lake_column() {
        let river = run("parameter,value\ntp,0.08\n", WaterBodyKind::River).expect("valid");
        let lake = run("parameter,value\ntp,0.08\n", WaterBodyKind::Lake).expect("valid");
        assert_eq!((river.class, lake.class), (Some(WaterClass::II), Some(WaterClass::IV)));
    }

    #[test]
    fn bad_input_names_its_line() {
        let err = |csv: &str| run(csv, WaterBodyKind::River).expect_err("bad").to_string();
        assert!(err("parameter,value\nnh3n,1\nnh4,2\n").starts_with("line 3: unknown parameter 'nh4'"));
        assert!(err("parameter,value\ncod,high\n").starts_with("line 2: value 'high' is not a number"));
        assert!(
            err("parameter,value\ncod,-3\n")
                .starts_with("line 2: chemical oxygen demand concentration cannot be negative")
        );
        assert!(
            err("parameter,value\nnh3n,1\nw21003,2\n").starts_with("line 3: nh3n is given twice (first on line 2)")
        );
        assert!(err("item,value\nnh3n,1\n").starts_with("line 1: the header must be"));
        assert!(err("parameter,value\nnh3n,1,2\n").starts_with("line 2: expected 2 fields"));
        assert_eq!(err("parameter,value\n"), "no items: give at least one `parameter,value` row");
    }
}

// ---------------------------------------------------------------------------------------------------
// analyze discharge: one wastewater sample against GB 8978 / GB 18918 and permit limits
// ---------------------------------------------------------------------------------------------------

use models::domain::discharge::{
    self, Bound, Conditions, DischargeItem, Gb8978Scope, Limit, LimitSource, Standard, Verdict,
};

/// What to judge against.
#[derive(Debug, Clone)]
pub struct DischargeOptions {
    pub standard: Standard,
    pub conditions: Conditions,
    /// Permit limits by item (a maximum, in the item's unit).
    pub permits: Vec<(DischargeItem, f64)>,
}

#[derive(Debug, Serialize)]
pub struct DischargeResult {
    pub standard: String,
    pub standard_name: String,
    /// Every item with a limit complies.
    pub compliant: bool,
    pub exceeded: Vec<DischargeItem>,
    pub undecidable: Vec<DischargeItem>,
    pub items: Vec<DischargeItemView>,
}

#[derive(Debug, Serialize)]
pub struct DischargeItemView {
    pub parameter: DischargeItem,
    pub name: &'static str,
    pub unit: &'static str,
    pub value: f64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub below_detection: bool,
    /// `compliant`, `exceeded`, `undecidable`, or `no_limit` when neither the standard nor the permit limits it.
    pub verdict: &'static str,
    /// The governing limit: `≤100`, `6–9`, `不得检出`.
    pub limit: Option<String>,
    /// `permit`, or the standard (`gb8978:1`).
    pub limit_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn bound_text(b: Bound) -> String {
    use models::domain::notice_text::format_number as n;
    match b {
        Bound::Max(m) => format!("≤{}", n(m)),
        Bound::Range { low, high } => format!("{}–{}", n(low), n(high)),
        Bound::NotDetectable => "不得检出".into(),
    }
}

/// Parses `item=limit` for `--permit`.
pub fn parse_permit(s: &str) -> Result<(DischargeItem, f64), String> {
    let (item, limit) = s.split_once('=').ok_or_else(|| format!("'{s}' is not ITEM=LIMIT, e.g. cod=80"))?;
    let item = DischargeItem::parse(item.trim()).ok_or_else(|| format!("unknown discharge item '{}'", item.trim()))?;
    let limit: f64 = limit.trim().parse().map_err(|_| format!("permit limit '{}' is not a number", limit.trim()))?;
    if !(limit.is_finite() && limit > 0.0) {
        return Err(format!("permit limit for {} must be a positive number", item.key()));
    }
    Ok((item, limit))
}

/// Reads `parameter,value` CSV of a wastewater sample and judges each item.
pub fn judge_discharge(input: impl Read, options: &DischargeOptions) -> Result<DischargeResult, ClassifyError> {
    let mut seen: HashMap<DischargeItem, u64> = HashMap::new();
    let mut items = Vec::new();
    for (line, name, text) in rows(input)? {
        let (name, text) = (name.as_str(), text.as_str());
        let item = DischargeItem::parse(name).ok_or_else(|| at(line, format!("unknown discharge item '{name}'")))?;
        if let Some(first) = seen.insert(item, line) {
            return Err(at(line, format!("{} is given twice (first on line {first})", item.key())));
        }
        let (number, below) = match text.strip_prefix('<') {
            Some(rest) => (rest.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| at(line, format!("value '{text}' is not a number (write below detection as <0.5)")))?;
        if value < 0.0 || (below && value == 0.0) {
            return Err(at(line, format!("value of {} cannot be {value}", item.key())));
        }

        let mut limits: Vec<Limit> =
            discharge::standard_limit(options.standard, &item, &options.conditions).into_iter().collect();
        limits.extend(options.permits.iter().filter(|(i, _)| *i == item).map(|(_, l)| Limit::permit(Bound::Max(*l))));
        let judgement = discharge::judge(value, below, below.then_some(value), &limits);
        let (verdict, multiple, reason) = match judgement.as_ref().map(|j| &j.verdict) {
            None => ("no_limit", None, None),
            Some(Verdict::Compliant) => ("compliant", None, None),
            Some(Verdict::Exceeded { multiple }) => {
                ("exceeded", multiple.is_finite().then(|| round_half_even(*multiple, 2)), None)
            }
            Some(Verdict::Undecidable { reason_zh, .. }) => ("undecidable", None, Some(reason_zh.clone())),
        };
        items.push(DischargeItemView {
            parameter: item,
            name: item.name_zh(),
            unit: item.unit(),
            value,
            below_detection: below,
            verdict,
            limit: judgement.as_ref().map(|j| bound_text(j.governing.bound)),
            limit_source: judgement.as_ref().map(|j| match j.governing.source {
                LimitSource::Permit => "permit".to_string(),
                LimitSource::Standard(s) => s.as_str(),
            }),
            multiple,
            reason,
        });
    }
    let of = |v: &str| items.iter().filter(|i| i.verdict == v).map(|i| i.parameter).collect::<Vec<_>>();
    let (exceeded, undecidable) = (of("exceeded"), of("undecidable"));
    Ok(DischargeResult {
        standard: options.standard.as_str(),
        standard_name: options.standard.name_zh(),
        compliant: exceeded.is_empty() && undecidable.is_empty(),
        exceeded,
        undecidable,
        items,
    })
}

/// `--standard` if given, else the GB 8978 grade for `--receiving-class`.
pub fn choose_standard(standard: Option<&str>, receiving: Option<&str>) -> Result<Standard, String> {
    match (standard, receiving) {
        (Some(s), _) => {
            Standard::parse(s).ok_or_else(|| format!("unknown standard '{s}': use gb8978:1|2|3 or gb18918:1A|1B|2|3"))
        }
        (None, Some(c)) => {
            let class = WaterClass::parse(c).ok_or_else(|| format!("'{c}' is not a water class (I … V)"))?;
            discharge::gb8978_grade_for_receiving(class).map(Standard::Gb8978).map_err(|e| e.to_string())
        }
        (None, None) => Err("give --standard (e.g. gb8978:1) or --receiving-class (e.g. III)".into()),
    }
}

/// `--scope` for GB 8978 industry rows.
pub fn parse_scope(s: &str) -> Result<Gb8978Scope, String> {
    Gb8978Scope::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Gb8978Scope::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown GB 8978 scope '{s}'; scopes are: {}", all.join(", "))
    })
}

#[cfg(test)]
mod discharge_tests {
    use super::*;

    fn options(standard: &str, permits: &[&str]) -> DischargeOptions {
        DischargeOptions {
            standard: Standard::parse(standard).expect("standard"),
            conditions: Conditions::default(),
            permits: permits.iter().map(|p| parse_permit(p).expect("permit")).collect(),
        }
    }

    #[test]
    fn a_sample_over_gb8978_grade_1_cod_is_exceeded_by_half() {
        let r = judge_discharge("parameter,value\ncod,150\nph,7.2\nss,<5\n".as_bytes(), &options("gb8978:1", &[]))
            .expect("valid");
        assert!(!r.compliant);
        assert_eq!(r.exceeded, vec![DischargeItem::Cod]);
        let cod = &r.items[0];
        assert_eq!((cod.verdict, cod.limit.as_deref(), cod.multiple), ("exceeded", Some("≤100"), Some(0.5)));
        assert_eq!(r.items[1].verdict, "compliant");
        assert_eq!(r.items[2].verdict, "compliant", "a non-detect under the limit complies");
    }

    #[test]
    fn a_stricter_permit_governs_and_a_high_detection_limit_is_undecidable() {
        let r = judge_discharge("parameter,value\nw01018,90\nnh3n,<20\n".as_bytes(), &options("gb8978:1", &["cod=80"]))
            .expect("valid");
        let cod = &r.items[0];
        assert_eq!(
            (cod.verdict, cod.limit_source.as_deref(), cod.limit.as_deref()),
            ("exceeded", Some("permit"), Some("≤80"))
        );
        // GB 8978 grade 1 NH3-N is 15 mg/L; "<20" cannot say whether the sample met it.
        assert_eq!(r.items[1].verdict, "undecidable");
        assert_eq!(r.undecidable, vec![DischargeItem::Nh3n]);
    }

    #[test]
    fn the_grade_follows_the_receiving_water() {
        assert_eq!(choose_standard(None, Some("III")).expect("grade"), Standard::parse("gb8978:1").expect("s"));
        assert_eq!(choose_standard(None, Some("IV")).expect("grade"), Standard::parse("gb8978:2").expect("s"));
        assert!(choose_standard(None, Some("II")).is_err(), "no new outfalls into class II waters");
        assert!(choose_standard(None, None).is_err());
    }
}
