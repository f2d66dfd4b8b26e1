//! The readings batch on the wire: `{"readings":[{"section","parameter","sampled_at","value",…}]}`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use models::domain::gb3838::WaterClass;
use models::domain::reading::{ReadingInput, ValidReading, ValueInput};
use models::readings::IngestResult;
use models::sections::SectionContext;

use crate::error::{ApiError, Detail};

/// The request body of `POST /api/v1/readings` (for the API description; the handler reads it item by
/// item so that every bad item can be named).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReadingsBatch {
    /// 1 to 10,000 readings.
    readings: Vec<ReadingItem>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReadingItem {
    /// Section code, e.g. `QYP-03`.
    section: String,
    /// Key (`nh3n`) or HJ 212-2017 code (`w21003`).
    parameter: String,
    /// RFC 3339, e.g. `2026-11-20T08:00:00+08:00`; without an offset, China Standard Time.
    sampled_at: String,
    /// A number in the standard's unit, or text such as `"<0.01"` below the detection limit.
    #[schema(value_type = Object)]
    value: serde_json::Value,
    /// `mg/L` or `µg/L` (converted), for concentrations.
    unit: Option<String>,
    below_detection: Option<bool>,
    detection_limit: Option<f64>,
    /// HJ 212 data flag, default `N`.
    flag: Option<String>,
}

/// Largest batch accepted in one request.
pub const MAX_BATCH: usize = 10_000;

const FIELDS: [&str; 8] =
    ["section", "parameter", "sampled_at", "value", "unit", "below_detection", "detection_limit", "flag"];

/// Splits the body into one unchecked input per reading, or the problems that make an item unreadable.
pub fn parse_batch(body: &Value) -> Result<Vec<Result<ReadingInput, Vec<Detail>>>, ApiError> {
    let whole = |code, zh: &str, en: &str| {
        ApiError::invalid(
            code,
            zh,
            en,
            vec![Detail {
                index: None,
                field: "readings".into(),
                code: code.into(),
                message: zh.into(),
                message_en: en.into(),
            }],
        )
    };
    let Some(items) = body.get("readings") else {
        return Err(whole(
            "missing_field",
            "缺少字段 readings（监测数据数组）",
            "missing field readings (an array of readings)",
        ));
    };
    let Some(items) = items.as_array() else {
        return Err(whole("invalid_type", "readings 应为数组", "readings must be an array"));
    };
    if items.is_empty() {
        return Err(whole("empty_batch", "readings 数组为空", "readings is empty"));
    }
    if items.len() > MAX_BATCH {
        return Err(whole(
            "batch_too_large",
            &format!("一次最多提交 {MAX_BATCH} 条监测数据，本次 {} 条", items.len()),
            &format!("at most {MAX_BATCH} readings per request, got {}", items.len()),
        ));
    }
    Ok(items.iter().enumerate().map(|(index, item)| parse_item(index, item)).collect())
}

fn parse_item(index: usize, item: &Value) -> Result<ReadingInput, Vec<Detail>> {
    let Some(obj) = item.as_object() else {
        return Err(vec![detail(
            index,
            "reading",
            "invalid_type",
            "每条监测数据应为 JSON 对象".into(),
            "each reading must be a JSON object".into(),
        )]);
    };
    let mut problems = Vec::new();
    for key in obj.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        problems.push(detail(
            index,
            key,
            "unknown_field",
            format!("未知字段 {key}（可用字段：{}）", FIELDS.join(", ")),
            format!("unknown field {key} (fields are: {})", FIELDS.join(", ")),
        ));
    }
    let input = ReadingInput {
        section: text(obj, index, "section", &mut problems),
        parameter: text(obj, index, "parameter", &mut problems),
        sampled_at: text(obj, index, "sampled_at", &mut problems),
        value: match obj.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().map(ValueInput::Number),
            Some(Value::String(s)) => Some(ValueInput::Text(s.clone())),
            Some(other) => {
                problems.push(detail(
                    index,
                    "value",
                    "not_a_number",
                    format!("数值应为数字或如 \"<0.01\" 的文本，收到 {other}"),
                    format!("value must be a number or text such as \"<0.01\", got {other}"),
                ));
                None
            }
        },
        unit: text(obj, index, "unit", &mut problems),
        below_detection: match obj.get("below_detection") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                problems.push(wrong_type(index, "below_detection", "true/false", "a boolean"));
                None
            }
        },
        detection_limit: match obj.get("detection_limit") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(_) => {
                problems.push(wrong_type(index, "detection_limit", "数字", "a number"));
                None
            }
        },
        flag: text(obj, index, "flag", &mut problems),
    };
    if problems.is_empty() { Ok(input) } else { Err(problems) }
}

fn text(obj: &Map<String, Value>, index: usize, field: &'static str, problems: &mut Vec<Detail>) -> Option<String> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(wrong_type(index, field, "文本", "a string"));
            None
        }
    }
}

fn wrong_type(index: usize, field: &str, zh: &str, en: &str) -> Detail {
    detail(index, field, "invalid_type", format!("字段 {field} 应为{zh}"), format!("field {field} must be {en}"))
}

fn detail(index: usize, field: &str, code: &str, message: String, message_en: String) -> Detail {
    Detail { index: Some(index), field: field.into(), code: code.into(), message, message_en }
}

pub fn unknown_section(index: usize, code: &str) -> Detail {
    detail(
        index,
        "section",
        "unknown_section",
        format!("未知断面编码“{code}”"),
        format!("unknown section code '{code}'"),
    )
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Readings newly stored.
    pub stored: usize,
    /// Readings already stored before (same section, parameter and time): nothing changed.
    pub duplicates: usize,
    pub alerts_opened: usize,
    pub alerts_updated: usize,
    pub results: Vec<ResultView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub index: usize,
    pub reading_id: i64,
    /// `stored` or `duplicate`.
    pub status: &'static str,
    pub section: String,
    pub parameter: &'static str,
    pub value: f64,
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    #[schema(value_type = Option<String>)]
    pub target_class: Option<WaterClass>,
    /// `null` when the item does not count in the section's class (e.g. temperature, TN on a river).
    pub meets_target: Option<bool>,
    pub alert: Option<AlertRef>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertRef {
    pub id: i32,
    /// `opened` for a new alert, `updated` for a live one.
    pub action: &'static str,
    pub notice_queued: bool,
}

impl IngestResponse {
    pub fn new(batch: &[ValidReading], results: Vec<IngestResult>, sections: &HashMap<String, SectionContext>) -> Self {
        let results: Vec<ResultView> = results
            .into_iter()
            .map(|r| {
                let reading = &batch[r.index];
                ResultView {
                    index: r.index,
                    reading_id: r.reading_id,
                    status: if r.stored { "stored" } else { "duplicate" },
                    section: reading.section.clone(),
                    parameter: r.parameter.key(),
                    value: reading.value,
                    class: r.class,
                    target_class: sections.get(&reading.section).map(SectionContext::target),
                    meets_target: r.meets_target,
                    alert: r.alert.map(|a| AlertRef {
                        id: a.alert_id,
                        action: if a.opened { "opened" } else { "updated" },
                        notice_queued: a.notice_queued,
                    }),
                }
            })
            .collect();
        let count = |f: &dyn Fn(&ResultView) -> bool| results.iter().filter(|r| f(r)).count();
        Self {
            stored: count(&|r| r.status == "stored"),
            duplicates: count(&|r| r.status == "duplicate"),
            alerts_opened: count(&|r| r.alert.as_ref().is_some_and(|a| a.action == "opened")),
            alerts_updated: count(&|r| r.alert.as_ref().is_some_and(|a| a.action == "updated")),
            results,
        }
    }
}
