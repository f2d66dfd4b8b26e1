//! `riverchief analyze classify|trophic|discharge|trend`: one sample, given as CSV `parameter,value[,unit]`,
//! judged by GB 3838-2002, by the lake trophic index, or against the discharge standards; or one item's
//! series, given as CSV `time,value`, tested for a trend.

use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;

use models::domain::evaluation::{ItemValue, evaluate, round_half_even};
use models::domain::gb3838::{Parameter, Status, WaterBodyKind, WaterClass};
use models::domain::reading::{MeasuredValue, measure};
use models::domain::trophic;

use crate::views::trophic::TrophicView;

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
    /// Up to three items worse than class III: cyanide and heavy metals first, then the worst class, then
    /// the larger multiple.
    pub main_pollutants: Vec<Parameter>,
    /// On a lake or reservoir, when any of its items was given: the trophic state (see `analyze trophic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trophic: Option<TrophicView>,
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
    /// The value as it was given, when that was in another unit (a µg/L code default, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<ReadAsView>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ReadAsView {
    pub value: f64,
    pub unit: &'static str,
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

/// One row of sample CSV: its line, the parameter and value as written, and the unit if one was given.
struct Row {
    line: u64,
    name: String,
    value: String,
    unit: Option<String>,
}

/// The rows of `parameter,value` CSV (a header line, then one row per item), or with `allow_unit` also of
/// `parameter,value,unit` CSV, whose rows may leave the unit out. Blank rows are skipped; anything else
/// malformed names its line.
fn rows(input: impl Read, allow_unit: bool) -> Result<Vec<Row>, ClassifyError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| ClassifyError::Input(format!("cannot read the header line: {e}")))?;
    let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    let with_unit = allow_unit && names == ["parameter", "value", "unit"];
    if names != ["parameter", "value"] && !with_unit {
        let found = headers.iter().collect::<Vec<_>>().join(",");
        let wanted = if allow_unit { "`parameter,value` or `parameter,value,unit`" } else { "`parameter,value`" };
        return Err(at(1, format!("the header must be {wanted}, found `{found}`")));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line()), format!("unreadable row: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if with_unit && !(2..=3).contains(&record.len()) {
            return Err(at(line, format!("expected 3 fields (parameter,value,unit), found {}", record.len())));
        }
        if !with_unit && record.len() != 2 {
            return Err(at(line, format!("expected 2 fields (parameter,value), found {}", record.len())));
        }
        rows.push(Row {
            line,
            name: record[0].to_string(),
            value: record[1].to_string(),
            unit: record.get(2).filter(|u| !u.is_empty()).map(str::to_string),
        });
    }
    if rows.is_empty() {
        return Err(ClassifyError::Input("no items: give at least one `parameter,value` row".into()));
    }
    Ok(rows)
}

/// The items of a sample CSV, each checked and converted as a submitted reading's value is; an item given
/// twice is an error naming both lines.
fn measured(input: impl Read) -> Result<Vec<MeasuredValue>, ClassifyError> {
    let mut seen: HashMap<Parameter, u64> = HashMap::new();
    let mut values = Vec::new();
    for Row { line, name, value, unit } in rows(input, true)? {
        let m = measure(&name, &value, unit.as_deref())
            .map_err(|ps| at(line, ps.into_iter().map(|p| p.en).collect::<Vec<_>>().join("; ")))?;
        if let Some(first) = seen.insert(m.parameter, line) {
            return Err(at(line, format!("{} is given twice (first on line {first})", m.parameter.key())));
        }
        values.push(m);
    }
    Ok(values)
}

/// Reads `parameter,value[,unit]` CSV (a header line, then one row per item) and judges the sample.
pub fn classify(input: impl Read, kind: WaterBodyKind) -> Result<Classification, ClassifyError> {
    let measured = measured(input)?;
    let values: Vec<ItemValue> = measured
        .iter()
        .map(|m| {
            // The method counts a non-detect at half its detection limit.
            let value = if m.below_detection { m.value / 2.0 } else { m.value };
            let not_detected = m.below_detection.then_some(m.value);
            ItemValue { parameter: m.parameter, value, mean: value, not_detected, samples: 1 }
        })
        .collect();
    let read_as: HashMap<Parameter, ReadAsView> = measured
        .iter()
        .filter_map(|m| Some((m.parameter, ReadAsView { value: m.read_as?.value, unit: m.read_as?.unit.symbol() })))
        .collect();
    let evaluation = evaluate(&values, kind);
    let view = |i: &models::domain::evaluation::ItemEvaluation| ItemView {
        parameter: i.parameter,
        value: i.value,
        class: i.class,
        multiple: i.multiple.map(|m| round_half_even(m, 2)),
        detection_limit: i.not_detected,
        meets_limit: i.parameter.meets_supplementary_limit(i.value),
        read_as: read_as.get(&i.parameter).map(|r| ReadAsView { value: r.value, unit: r.unit }),
    };
    let status = evaluation.class.map(WaterClass::status);
    Ok(Classification {
        class: evaluation.class,
        status: status.map(Status::zh),
        status_en: status.map(Status::en),
        items: evaluation.items.iter().filter(|i| i.evaluated).map(view).collect(),
        reference_items: evaluation.items.iter().filter(|i| !i.evaluated).map(view).collect(),
        main_pollutants: evaluation.main_pollutants.iter().map(|m| m.parameter).collect(),
        trophic: evaluation.trophic.as_ref().map(TrophicView::from),
    })
}

/// Reads `parameter,value[,unit]` CSV and computes the comprehensive trophic level index TLI(Σ).
pub fn trophic_state(input: impl Read) -> Result<TrophicView, ClassifyError> {
    let measured = measured(input)?;
    let values: Vec<(Parameter, f64)> =
        measured.iter().map(|m| (m.parameter, if m.below_detection { m.value / 2.0 } else { m.value })).collect();
    Ok(TrophicView::from(&trophic::trophic_state(&values)))
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
        let c = run("parameter,value\nw21003,0.4\nw20111,<0.04\ntemp,21.5\n", WaterBodyKind::River).expect("valid");
        let keys: Vec<&str> = c.items.iter().map(|i| i.parameter.key()).collect();
        assert_eq!(keys, vec!["nh3n", "hg"]);
        assert_eq!((c.items[1].value, c.items[1].detection_limit), (0.00002, Some(0.00004)));
        assert_eq!(c.items[1].class, Some(WaterClass::I));
        assert_eq!(c.reference_items[0].parameter, Parameter::Temp);
        assert_eq!(c.class, Some(WaterClass::II));
    }

    /// The issue's lake case: NH3-N 0.4 (II), TN 2.5 (劣V, a reference item), TP 0.02 (II on the lake column).
    #[test]
    fn a_lake_with_high_total_nitrogen_is_class_ii_and_tn_is_reported_beside_it() {
        let c = run("parameter,value\nnh3n,0.4\ntn,2.5\ntp,0.02\n", WaterBodyKind::Lake).expect("valid");
        assert_eq!(c.class, Some(WaterClass::II));
        assert!(c.main_pollutants.is_empty());
        let tn = c.reference_items.iter().find(|i| i.parameter == Parameter::Tn).expect("reported");
        assert_eq!(tn.class, Some(WaterClass::WorseThanV));
    }

    #[test]
    fn a_value_under_a_microgram_code_is_converted_and_answered_as_read() {
        // w20120 (lead) defaults to µg/L: 60 µg/L is 0.06 mg/L, class V (III and IV share 0.05).
        let c = run("parameter,value\nw20120,60\n", WaterBodyKind::River).expect("valid");
        assert_eq!((c.items[0].value, c.items[0].class), (0.06, Some(WaterClass::V)));
        assert_eq!(c.items[0].read_as, Some(ReadAsView { value: 60.0, unit: "µg/L" }));
        let c = run("parameter,value,unit\npb,0.06,mg/L\n", WaterBodyKind::River).expect("valid");
        assert_eq!((c.items[0].value, c.items[0].read_as.as_ref()), (0.06, None));
        let err = run("parameter,value,unit\nph,7,mg/L\n", WaterBodyKind::River).expect_err("pH in mg/L");
        assert!(err.to_string().starts_with("line 2: unsupported unit"), "{err}");
    }

    #[test]
    fn the_trophic_index_of_a_hand_computed_sample() {
        // See models::domain::trophic: TLI(Σ) 48.018098 for these five values, 中营养.
        let t = trophic_state("parameter,value\nchla,10\ntp,0.05\ntn,1.0\nsd,1.0\ncodmn,4.0\n".as_bytes()).expect("ok");
        assert_eq!((t.tli, t.grade, t.grade_en), (Some(48.02), "中营养", "mesotrophic"));
        assert_eq!(t.items.len(), 5);
        let short = trophic_state("parameter,value\nw01016,10\ntp,0.05\n".as_bytes()).expect("ok");
        assert_eq!((short.tli, short.grade), (None, "insufficient"));
        assert_eq!(short.missing, vec![Parameter::Tn, Parameter::Sd, Parameter::Codmn]);
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

use models::domain::Code;
use models::domain::discharge::{
    Bound, DischargeItem, LimitSource, MeasuredUnit, SampleItem, SampleOptions, Verdict, judge_sample,
};

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
    /// The unit of `value`: the standard's (that of `limit`), except for colour in degrees, which has no value
    /// in the standard's dilution ratio.
    pub unit: &'static str,
    pub value: f64,
    /// The value as given, when it was given in another unit and converted: `{"value": 12, "unit": "µg/L"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<ReadAs>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
}

/// A value as it was given, before conversion to the standard's unit.
#[derive(Debug, Serialize, PartialEq)]
pub struct ReadAs {
    pub value: f64,
    pub unit: &'static str,
}

fn bound_text(b: Bound) -> String {
    use models::domain::notice_text::format_number as n;
    match b {
        Bound::Max(m) => format!("≤{}", n(m)),
        Bound::Range { low, high } => format!("{}–{}", n(low), n(high)),
        Bound::NotDetectable => "不得检出".into(),
    }
}

/// Reads `parameter,value` or `parameter,value,unit` CSV of a wastewater sample and judges it
/// (`models::domain::discharge::judge_sample`). A value without a unit is in the item's unit under a key
/// (`hg`: mg/L) and in the code's HJ 212 default unit under a code (`w20111`: µg/L); see
/// [`MeasuredUnit::of`]. A unit that does not fit the item is an error naming the line.
pub fn judge_discharge(input: impl Read, options: &SampleOptions) -> Result<DischargeResult, ClassifyError> {
    let mut seen: HashMap<DischargeItem, u64> = HashMap::new();
    let mut sample = Vec::new();
    for Row { line, name, value: text, unit } in rows(input, true)? {
        let (name, text) = (name.as_str(), text.as_str());
        let item = DischargeItem::parse(name).ok_or_else(|| at(line, format!("unknown discharge item '{name}'")))?;
        let unit = MeasuredUnit::of(item, name, unit.as_deref()).map_err(|e| at(line, e.to_string()))?;
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
        sample.push(SampleItem { item, value, below_detection: below, detection_limit: below.then_some(value), unit });
    }
    let judged = judge_sample(&sample, options);
    let items = judged
        .items
        .iter()
        .map(|ij| {
            let m = ij.measured;
            let governing = ij.governing();
            let converted = m.standard_value();
            let undecidable = match ij.judgement.as_ref().map(|j| &j.verdict) {
                Some(Verdict::Undecidable { reason_zh, reason_en }) => Some((reason_zh.clone(), reason_en.clone())),
                _ => None,
            };
            DischargeItemView {
                parameter: m.item,
                name: m.item.name_zh(),
                unit: if converted.is_some() { m.item.unit() } else { m.unit.symbol(m.item) },
                value: converted.unwrap_or(m.value),
                read_as: converted.and(m.read_as()).map(|(value, unit)| ReadAs { value, unit }),
                below_detection: m.below_detection,
                verdict: ij.kind().map_or("no_limit", Code::as_str),
                limit: governing.map(|g| bound_text(g.bound)),
                limit_source: governing.map(|g| match g.source {
                    LimitSource::Permit => "permit".to_string(),
                    LimitSource::Standard(s) => s.as_str(),
                }),
                multiple: ij.multiple,
                reason_en: undecidable.as_ref().map(|(_, en)| en.clone()),
                reason: undecidable.map(|(zh, _)| zh),
            }
        })
        .collect();
    Ok(DischargeResult {
        standard: options.standard.as_str(),
        standard_name: options.standard.name_zh(),
        compliant: judged.compliant,
        exceeded: judged.exceeded,
        undecidable: judged.undecidable,
        items,
    })
}

#[cfg(test)]
mod discharge_view_tests {
    use models::domain::discharge::{Conditions, Standard, parse_permit};

    use super::*;

    fn options(standard: &str, permits: &[&str]) -> SampleOptions {
        SampleOptions {
            standard: Standard::parse(standard).expect("standard"),
            conditions: Conditions::default(),
            permits: permits.iter().map(|p| parse_permit(p).expect("permit")).collect(),
        }
    }

    #[test]
    fn the_view_names_verdict_limit_and_source_as_the_command_prints_them() {
        let r = judge_discharge("parameter,value\ncod,150\nph,7.2\nss,<5\n".as_bytes(), &options("gb8978:1", &[]))
            .expect("valid");
        let cod = &r.items[0];
        // GB 8978 grade 1 COD is 100 mg/L: 150 exceeds it by (150 − 100) / 100 = 0.5.
        assert_eq!((cod.verdict, cod.limit.as_deref(), cod.multiple), ("exceeded", Some("≤100"), Some(0.5)));
        assert_eq!(cod.limit_source.as_deref(), Some("gb8978:1"));
        assert_eq!((r.items[1].verdict, r.items[1].limit.as_deref()), ("compliant", Some("6–9")));
        let r = judge_discharge("parameter,value\nw01018,90\nnh3n,<20\n".as_bytes(), &options("gb8978:1", &["cod=80"]))
            .expect("valid");
        assert_eq!((r.items[0].limit_source.as_deref(), r.items[0].limit.as_deref()), (Some("permit"), Some("≤80")));
        assert_eq!(r.items[1].verdict, "undecidable");
        assert!(r.items[1].reason.is_some(), "an undecidable item says why");
    }

    fn item<'a>(r: &'a DischargeResult, key: &str) -> &'a DischargeItemView {
        r.items.iter().find(|i| i.parameter.key() == key).unwrap_or_else(|| panic!("{key} in the result"))
    }

    /// HJ 212 gives w20111 in µg/L: 1.2 µg/L is 0.0012 mg/L, over GB 18918 Table 2's 0.001 by 0.2; under the
    /// key `hg` a value is mg/L.
    #[test]
    fn a_value_under_a_code_is_in_the_codes_unit_and_reported_in_the_standards() {
        let csv = "parameter,value\nw20111,1.2\nw25043,0.02\nw20113,<10\ncod,40\n";
        let r = judge_discharge(csv.as_bytes(), &options("gb18918:1A", &[])).expect("valid");
        let hg = item(&r, "hg");
        assert_eq!((hg.verdict, hg.value, hg.unit, hg.multiple), ("exceeded", 0.0012, "mg/L", Some(0.2)));
        assert_eq!(hg.read_as, Some(ReadAs { value: 1.2, unit: "µg/L" }));
        assert_eq!(hg.limit.as_deref(), Some("≤0.001"));
        let json = serde_json::to_value(hg).expect("json");
        assert_eq!(json["read_as"], serde_json::json!({"value": 1.2, "unit": "µg/L"}));
        // Benzo(a)pyrene is a GB 18918 Table 3 item, not modelled: no limit, but still converted.
        let bap = item(&r, "bap");
        assert_eq!((bap.verdict, bap.value), ("no_limit", 0.00002));
        // "<10" ng/L alkyl mercury: not detected meets 不得检出.
        let alkyl = item(&r, "alkyl_hg");
        assert_eq!((alkyl.verdict, alkyl.value, alkyl.below_detection), ("compliant", 0.00001, true));
        assert_eq!(alkyl.read_as, Some(ReadAs { value: 10.0, unit: "ng/L" }));
        // A value in the item's unit has no read_as.
        assert_eq!(item(&r, "cod").read_as, None);
        assert!(serde_json::to_value(item(&r, "cod")).expect("json").get("read_as").is_none());

        let r = judge_discharge("parameter,value\nhg,0.0008\nw25043,0.05\n".as_bytes(), &options("gb8978:1", &[]))
            .expect("valid");
        assert_eq!((item(&r, "hg").verdict, item(&r, "hg").read_as.as_ref()), ("compliant", None));
        // GB 8978 benzo(a)pyrene 0.00003 mg/L: 0.05 µg/L exceeds by 0.67.
        assert_eq!((item(&r, "bap").verdict, item(&r, "bap").multiple), ("exceeded", Some(0.67)));
    }

    #[test]
    fn an_explicit_unit_column_is_converted() {
        let csv = "parameter,value,unit\nhg,0.8,µg/L\nw20113,20,ng/L\nph,7.1,\ncolour,40,倍\ncod,90\n";
        let r = judge_discharge(csv.as_bytes(), &options("gb18918:1B", &[])).expect("valid");
        let hg = item(&r, "hg");
        assert_eq!((hg.verdict, hg.value), ("compliant", 0.0008));
        assert_eq!(hg.read_as, Some(ReadAs { value: 0.8, unit: "µg/L" }));
        // Alkyl mercury detected at 20 ng/L exceeds 不得检出; its multiple is infinite and left out.
        let alkyl = item(&r, "alkyl_hg");
        assert_eq!((alkyl.verdict, alkyl.value, alkyl.multiple), ("exceeded", 0.00002, None));
        assert_eq!(item(&r, "ph").verdict, "compliant");
        // 1B colour is 30 (dilution ratio): 40 exceeds by 0.33.
        assert_eq!((item(&r, "colour").verdict, item(&r, "colour").multiple), ("exceeded", Some(0.33)));
        assert_eq!((item(&r, "cod").verdict, item(&r, "cod").limit.as_deref()), ("exceeded", Some("≤60")));
        // mg/L under w20111 is what it says.
        let r = judge_discharge("parameter,value,unit\nw20111,0.0015,mg/L\n".as_bytes(), &options("gb18918:1A", &[]))
            .expect("valid");
        assert_eq!((r.items[0].value, r.items[0].multiple, r.items[0].read_as.as_ref()), (0.0015, Some(0.5), None));
    }

    #[test]
    fn colour_from_a_device_is_undecidable_and_says_why() {
        for csv in ["parameter,value\nw01002,20\n", "parameter,value,unit\ncolour,20,度\n"] {
            let r = judge_discharge(csv.as_bytes(), &options("gb8978:1", &[])).expect("valid");
            let c = &r.items[0];
            assert_eq!((c.verdict, c.value, c.unit, c.limit.as_deref()), ("undecidable", 20.0, "度", Some("≤50")));
            assert!(c.reason.as_deref().is_some_and(|z| z.contains("二者不可比")), "{:?}", c.reason);
            assert!(c.reason_en.as_deref().is_some_and(|e| e.contains("not comparable")), "{:?}", c.reason_en);
            assert!((!r.compliant && r.undecidable == [DischargeItem::Colour]), "{csv}");
        }
        let r = judge_discharge("parameter,value,unit\nw01002,20,倍\n".as_bytes(), &options("gb8978:1", &[]))
            .expect("valid");
        assert_eq!((r.items[0].verdict, r.items[0].unit), ("compliant", "倍"));
    }

    #[test]
    fn a_unit_that_does_not_fit_names_its_line() {
        let err = |csv: &str| judge_discharge(csv.as_bytes(), &options("gb8978:1", &[])).expect_err("bad").to_string();
        assert_eq!(
            err("parameter,value,unit\ncod,50,mg/L\nph,7,mg/L\n"),
            "line 3: unit 'mg/L' does not fit ph (pH): give it in 无量纲 (dimensionless), or no unit"
        );
        assert!(
            err("parameter,value,unit\nw03001,0.5,µg/L\n").starts_with("line 2: unit 'µg/L' does not fit gross_alpha")
        );
        assert!(err("parameter,value,unit\nhg,1,g/L\n").starts_with("line 2: unit 'g/L' does not fit hg"));
        assert!(err("parameter,value,unit\ncolour,20,mg/L\n").starts_with("line 2: unit 'mg/L' does not fit colour"));
        assert!(err("parameter,value,unit\ncod,1,mg/L,x\n").starts_with("line 2: expected 3 fields"));
        assert!(err("parameter,value\ncod,1,mg/L\n").starts_with("line 2: expected 2 fields"));
        assert!(err("parameter,unit,value\ncod,mg/L,1\n").starts_with("line 1: the header must be"));
    }

    #[test]
    fn bad_rows_name_their_line() {
        let err = |csv: &str| judge_discharge(csv.as_bytes(), &options("gb8978:1", &[])).expect_err("bad").to_string();
        assert!(err("parameter,value\ncod,1\nxyz,2\n").starts_with("line 3: unknown discharge item 'xyz'"));
        assert!(err("parameter,value\ncod,1\nw01018,2\n").starts_with("line 3: cod is given twice"));
        assert!(err("parameter,value\ncod,<0\n").starts_with("line 2: value of cod cannot be 0"));
    }
}

// ---------------------------------------------------------------------------------------------------
// analyze trend: one item's series, CSV `time,value`, through the trend tests of jobs::analysis
// ---------------------------------------------------------------------------------------------------

use jobs::analysis::{Alpha, Methods, Observation, TrendReport};

use crate::tabular::error::ValueError;
use crate::tabular::forms::{Measured, parse_measured};
use crate::tabular::time::{latest_year, parse_time_until};

/// What is wrong with a series file, and where: the 1-based line and column of the cell.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrendInputError {
    #[error("line {line}, column {column} ({name}): {message}")]
    Cell { line: u64, column: usize, name: &'static str, message: String },
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("{0}")]
    Input(String),
}

const TIME_COLUMN: (usize, &str) = (1, "time");
const VALUE_COLUMN: (usize, &str) = (2, "value");

fn cell(line: u64, (column, name): (usize, &'static str), message: impl Into<String>) -> TrendInputError {
    TrendInputError::Cell { line, column, name, message: message.into() }
}

/// A value cell: a plain number, or below detection as `<0.01`, `0.01L` or `ND`/`未检出` (the last with
/// `nd_limit` as its limit, since the file gives none).
fn observation_value(
    text: &str,
    time: chrono::DateTime<chrono::Utc>,
    nd_limit: Option<f64>,
) -> Result<Observation, String> {
    // The common case, a plain decimal number, without the spreadsheet forms' allocations.
    let plain = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E');
    if !text.is_empty()
        && text.bytes().all(plain)
        && let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok(Observation::new(time, v));
    }
    match parse_measured(text) {
        Ok(Measured::Value(v)) => Ok(Observation::new(time, v)),
        Ok(Measured::BelowDetection { limit: Some(limit) }) => Ok(Observation::not_detected(time, limit)),
        Ok(Measured::BelowDetection { limit: None }) => match nd_limit {
            Some(limit) => Ok(Observation::not_detected(time, limit)),
            None => Err(format!(
                "'{}' says below detection but not the limit: write it as <0.01 or 0.01L, or give --nd-limit",
                crate::tabular::error::Snippet::new(text)
            )),
        },
        Err(ValueError::Empty) => Err("the value is empty".into()),
        Err(e) => Err(format!("{e} (write a value below detection as <0.01)")),
    }
}

/// Reads CSV `time,value` (the header line optional; a time as a date `2024-01-15`, Beijing midnight, or
/// RFC 3339, or any form `import readings` takes; a value as a number or below detection as `<0.01`,
/// `0.01L`, or `ND` with `nd_limit`). Blank lines are skipped; anything else malformed is an error
/// naming its line and column.
pub fn trend_observations(input: impl Read, nd_limit: Option<f64>) -> Result<Vec<Observation>, TrendInputError> {
    if let Some(limit) = nd_limit
        && !(limit > 0.0 && limit.is_finite())
    {
        return Err(TrendInputError::Input(format!("--nd-limit {limit}: a detection limit must be greater than 0")));
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(input);
    let latest = latest_year();
    let mut observations = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            TrendInputError::Line { line, message: format!("unreadable row: {e}") }
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 2 {
            return Err(TrendInputError::Line {
                line,
                message: format!("expected 2 fields (time,value), found {}", record.len()),
            });
        }
        let time_text = if first { record[0].trim_start_matches('\u{feff}') } else { &record[0] };
        let value_text = &record[1];
        let time = parse_time_until(time_text, latest);
        if first {
            first = false;
            // A first line whose time is no time and whose value is no value is a header (`time,value`,
            // `date,nh3n`, …); one that is half right is a mistake, named below.
            if time.is_err() && observation_value(value_text, chrono::Utc::now(), Some(1.0)).is_err() {
                continue;
            }
        }
        let time = time.map_err(|e| cell(line, TIME_COLUMN, e.to_string()))?;
        observations.push(observation_value(value_text, time, nd_limit).map_err(|m| cell(line, VALUE_COLUMN, m))?);
    }
    if observations.is_empty() {
        return Err(TrendInputError::Input("no values: give at least one `time,value` row".into()));
    }
    Ok(observations)
}

/// Reads a series (see [`trend_observations`]) and runs `methods` on it at `alpha`.
pub fn trend(
    input: impl Read,
    methods: Methods,
    alpha: Alpha,
    nd_limit: Option<f64>,
) -> Result<TrendReport, TrendInputError> {
    let observations = trend_observations(input, nd_limit)?;
    Ok(jobs::analysis::analyze(&observations, methods, alpha))
}

#[cfg(test)]
mod trend_tests {
    use super::*;

    fn read(csv: &str) -> Result<Vec<Observation>, TrendInputError> {
        trend_observations(csv.as_bytes(), None)
    }

    #[test]
    fn dates_and_rfc_3339_times_with_or_without_a_header() {
        let with = read("time,value\n2024-01-15,1.5\n2024-02-15T08:00:00+08:00,<0.01\n").expect("valid");
        let without = read("2024-01-15,1.5\n2024-02-15T00:00:00Z,0.01L\n").expect("valid");
        assert_eq!(with, without);
        assert_eq!(with[0].time.to_rfc3339(), "2024-01-14T16:00:00+00:00");
        assert_eq!((with[0].value, with[0].below_detection), (1.5, false));
        assert_eq!((with[1].value, with[1].below_detection, with[1].detection_limit), (0.01, true, Some(0.01)));
        let bom = read("\u{feff}date,nh3n\n\n2024-01-15,2\n").expect("valid");
        assert_eq!(bom.len(), 1);
    }

    #[test]
    fn nd_needs_a_limit_from_the_command_line() {
        let err = read("time,value\n2024-01-15,ND\n").expect_err("no limit");
        assert!(err.to_string().starts_with("line 2, column 2 (value): 'ND' says below detection"), "{err}");
        let with = trend_observations("2024-01-15,ND\n".as_bytes(), Some(0.02)).expect("valid");
        assert_eq!(with[0].detection_limit, Some(0.02));
        assert!(trend_observations("2024-01-15,1\n".as_bytes(), Some(0.0)).is_err());
    }

    #[test]
    fn bad_cells_name_their_line_and_column() {
        let err = |csv: &str| read(csv).expect_err("bad").to_string();
        assert_eq!(
            err("time,value\n2024-01-15,1\n2024-13-01,2\n"),
            "line 3, column 1 (time): '2024-13-01' is not a valid date or time of day"
        );
        assert_eq!(
            err("time,value\n2024-01-15,high\n"),
            "line 2, column 2 (value): 'high' is not a number (write a value below detection as <0.01)"
        );
        assert_eq!(err("2024-01-15,1\nyesterday,2\n").split(':').next(), Some("line 2, column 1 (time)"));
        assert_eq!(err("time,value\n2024-01-15,<0\n").split(':').next(), Some("line 2, column 2 (value)"));
        assert_eq!(err("time,value\n2024-01-15,\n"), "line 2, column 2 (value): the value is empty");
        assert_eq!(err("time,value\n2024-01-15,1,2\n"), "line 2: expected 2 fields (time,value), found 3");
        // A first line with a good value but no time is not a header.
        assert!(err("soon,1.5\n").starts_with("line 1, column 1 (time)"));
        assert_eq!(err("time,value\n"), "no values: give at least one `time,value` row");
    }
}
