//! The readings batch on the wire: `{"readings":[{"section","parameter","sampled_at","value",…}]}`.

use serde::Serialize;
use serde_json::{Map, Value};

use models::domain::gb3838::WaterClass;
use models::domain::reading::{ReadingInput, ValueInput};
use models::domain::{Code, quote};
use models::readings::IngestResult;

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
    /// `sample` (default), `realtime`, `minute`, `hour` or `day`.
    kind: Option<String>,
    /// Who produced the value (a programme, a station, a contractor).
    origin: Option<String>,
    /// The analysis method, e.g. `HJ 535-2009`.
    method: Option<String>,
    /// The laboratory.
    lab: Option<String>,
}

/// Largest batch accepted in one request.
pub const MAX_BATCH: usize = 10_000;

const FIELDS: [&str; 12] = [
    "section",
    "parameter",
    "sampled_at",
    "value",
    "unit",
    "below_detection",
    "detection_limit",
    "flag",
    "kind",
    "origin",
    "method",
    "lab",
];

/// The readings of a body, each with its position, and the problems of items that cannot be read at all.
pub struct Batch {
    pub items: Vec<(usize, ReadingInput)>,
    pub problems: Vec<Detail>,
}

/// Splits the body into one unchecked input per reading; items that are not readable (wrong JSON types,
/// unknown fields) are named in [`Batch::problems`]. A body that is not `{"readings": [...]}` is refused
/// whole.
pub fn parse_batch(body: &Value) -> Result<Batch, ApiError> {
    let whole = |code, zh: &str, en: &str| ApiError::invalid(code, zh, en, vec![Detail::new("readings", code, zh, en)]);
    let Some(body) = body.as_object() else {
        return Err(ApiError::client(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "请求体应为 JSON 对象：{\"readings\": [...]}",
            "the request body must be a JSON object: {\"readings\": [...]}",
        ));
    };
    let Some(items) = body.get("readings") else {
        return Err(whole(
            "missing_field",
            "缺少字段 readings（监测数据数组）",
            "missing field readings (an array of readings)",
        ));
    };
    if let Some(key) = body.keys().find(|k| *k != "readings") {
        let (zh, en) = (
            format!("未知字段 {}（请求体只有 readings 一个字段）", quote(key)),
            format!("unknown field {} (the body has one field, readings)", quote(key)),
        );
        return Err(ApiError::invalid("unknown_field", &zh, &en, vec![Detail::new(key, "unknown_field", &zh, &en)]));
    }
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
    let mut batch = Batch { items: Vec::with_capacity(items.len()), problems: Vec::new() };
    for (index, item) in items.iter().enumerate() {
        match parse_item(item) {
            Ok(input) => batch.items.push((index, input)),
            Err(problems) => batch.problems.extend(problems.into_iter().map(|d| d.at(index))),
        }
    }
    Ok(batch)
}

fn parse_item(item: &Value) -> Result<ReadingInput, Vec<Detail>> {
    let Some(obj) = item.as_object() else {
        return Err(vec![Detail::new(
            "reading",
            "invalid_type",
            "每条监测数据应为 JSON 对象",
            "each reading must be a JSON object",
        )]);
    };
    let mut problems = Vec::new();
    for key in obj.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        problems.push(Detail::new(
            key,
            "unknown_field",
            format!("未知字段 {}（可用字段：{}）", quote(key), FIELDS.join(", ")),
            format!("unknown field {} (fields are: {})", quote(key), FIELDS.join(", ")),
        ));
    }
    let input = ReadingInput {
        section: text(obj, "section", &mut problems),
        parameter: text(obj, "parameter", &mut problems),
        sampled_at: text(obj, "sampled_at", &mut problems),
        value: match obj.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().map(ValueInput::Number),
            Some(Value::String(s)) => Some(ValueInput::Text(s.clone())),
            Some(_) => {
                problems.push(Detail::new(
                    "value",
                    "not_a_number",
                    "数值应为数字或如 \"<0.01\" 的文本",
                    "value must be a number or text such as \"<0.01\"",
                ));
                None
            }
        },
        unit: text(obj, "unit", &mut problems),
        below_detection: match obj.get("below_detection") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                problems.push(wrong_type("below_detection", "true/false", "a boolean"));
                None
            }
        },
        detection_limit: match obj.get("detection_limit") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(_) => {
                problems.push(wrong_type("detection_limit", "数字", "a number"));
                None
            }
        },
        flag: text(obj, "flag", &mut problems),
        kind: text(obj, "kind", &mut problems),
        origin: text(obj, "origin", &mut problems),
        method: text(obj, "method", &mut problems),
        lab: text(obj, "lab", &mut problems),
    };
    if problems.is_empty() { Ok(input) } else { Err(problems) }
}

fn text(obj: &Map<String, Value>, field: &'static str, problems: &mut Vec<Detail>) -> Option<String> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(wrong_type(field, "文本", "a string"));
            None
        }
    }
}

fn wrong_type(field: &str, zh: &str, en: &str) -> Detail {
    Detail::new(field, "invalid_type", format!("字段 {field} 应为{zh}"), format!("field {field} must be {en}"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Readings newly stored.
    pub stored: usize,
    /// Readings already stored before with the same value (same section, parameter, time and kind):
    /// nothing changed.
    pub duplicates: usize,
    /// Readings that replaced a different stored value; the earlier value is in the reading's history.
    pub revised: usize,
    pub alerts_opened: usize,
    pub alerts_updated: usize,
    pub results: Vec<ResultView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub index: usize,
    pub reading_id: i64,
    /// `stored`, `duplicate` or `revised`.
    pub status: &'static str,
    /// The reading's revision number (1 for a first value).
    pub revision: i32,
    /// For a revision: the value it replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<f64>,
    /// Set aside by a quality rule (`sentinel`, `range`): stored and shown, not evaluated or alerted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qc: Option<&'static str>,
    pub section: String,
    pub parameter: &'static str,
    pub value: f64,
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    #[schema(value_type = Option<String>)]
    pub target_class: Option<WaterClass>,
    /// `null` when the item does not count in the section's class (e.g. temperature, TN).
    pub meets_target: Option<bool>,
    pub alert: Option<AlertRef>,
    /// The value as it was given, when in another unit than the standard's (`value` is in the standard's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<ReadAsView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadAsView {
    pub value: f64,
    pub unit: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertRef {
    pub id: i32,
    /// `opened` for a new alert, `updated` for a live one.
    pub action: &'static str,
    pub notice_queued: bool,
}

impl IngestResponse {
    pub fn new(results: Vec<IngestResult>) -> Self {
        let results: Vec<ResultView> = results
            .into_iter()
            .map(|r| ResultView {
                index: r.index,
                reading_id: r.reading_id,
                status: match (r.stored, r.revised_from) {
                    (true, _) => "stored",
                    (false, Some(_)) => "revised",
                    (false, None) => "duplicate",
                },
                revision: r.revision,
                previous_value: r.revised_from,
                qc: r.qc.map(|q| q.as_str()),
                section: r.section,
                parameter: r.parameter.key(),
                value: r.value,
                class: r.class,
                target_class: Some(r.target),
                meets_target: r.meets_target,
                alert: r.alert.map(|a| AlertRef {
                    id: a.alert_id,
                    action: if a.opened { "opened" } else { "updated" },
                    notice_queued: a.notice_queued,
                }),
                read_as: r.read_as.map(|ra| ReadAsView { value: ra.value, unit: ra.unit.symbol() }),
            })
            .collect();
        let count = |f: &dyn Fn(&ResultView) -> bool| results.iter().filter(|r| f(r)).count();
        Self {
            stored: count(&|r| r.status == "stored"),
            duplicates: count(&|r| r.status == "duplicate"),
            revised: count(&|r| r.status == "revised"),
            alerts_opened: count(&|r| r.alert.as_ref().is_some_and(|a| a.action == "opened")),
            alerts_updated: count(&|r| r.alert.as_ref().is_some_and(|a| a.action == "updated")),
            results,
        }
    }
}

/// One stored reading as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadingView {
    pub id: i64,
    pub parameter: &'static str,
    /// In `unit`; for a value below detection, the detection limit.
    pub value: f64,
    pub unit: &'static str,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    /// RFC 3339 in China Standard Time (`+08:00`).
    pub sampled_at: String,
    /// `sample`, `realtime`, `minute`, `hour` or `day`.
    pub kind: &'static str,
    /// How it arrived: `api`, `csv`, `hj212`, `lab`, `seed`.
    pub source: &'static str,
    /// The device's HJ 212 data flag (`N` normal).
    pub flag: &'static str,
    /// A quality rule's flag (`sentinel`, `range`, `spike`, `flat`, `manual`): kept, not evaluated.
    pub qc: Option<&'static str>,
    /// Whether evaluation counts it (normal flag, no quality flag, a counted kind).
    pub evaluated: bool,
    /// GB 3838 single-factor class (`I`–`劣V`), for items with classes.
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    pub revision: i32,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
    pub received_at: String,
}

impl ReadingView {
    pub fn new(r: &models::entities::readings::Model, _kind: models::domain::gb3838::WaterBodyKind) -> Self {
        Self {
            id: r.id,
            parameter: r.parameter.key(),
            value: r.value,
            unit: r.parameter.info().unit,
            below_detection: r.below_detection,
            detection_limit: r.detection_limit,
            sampled_at: crate::views::local_time(r.sampled_at),
            kind: r.data_kind.as_str(),
            source: r.source.as_str(),
            flag: r.quality_flag.as_str(),
            qc: r.qc.map(|q| q.as_str()),
            evaluated: r.quality_flag.is_valid_for_evaluation() && r.qc.is_none() && r.data_kind.is_evaluated(),
            class: r.class,
            revision: r.revision,
            origin: r.origin.clone(),
            method: r.method.clone(),
            lab: r.lab.clone(),
            received_at: crate::views::local_time(r.received_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadingPage {
    pub section: String,
    pub count: usize,
    pub readings: Vec<ReadingView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next: Option<String>,
}

/// A value a reading held before.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevisionView {
    pub revision: i32,
    pub value: f64,
    pub below_detection: bool,
    pub detection_limit: Option<f64>,
    pub source: &'static str,
    pub flag: &'static str,
    pub qc: Option<&'static str>,
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    pub origin: Option<String>,
    pub method: Option<String>,
    pub lab: Option<String>,
    pub received_at: String,
    /// When a later value replaced it, and who sent that value.
    pub superseded_at: String,
    pub superseded_by: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    pub current: ReadingView,
    /// The earlier values, newest first.
    pub revisions: Vec<RevisionView>,
}

impl From<&models::readings::History> for HistoryView {
    fn from(h: &models::readings::History) -> Self {
        Self {
            current: ReadingView::new(&h.current, models::domain::gb3838::WaterBodyKind::River),
            revisions: h
                .revisions
                .iter()
                .map(|r| RevisionView {
                    revision: r.revision,
                    value: r.value,
                    below_detection: r.below_detection,
                    detection_limit: r.detection_limit,
                    source: r.source.as_str(),
                    flag: r.quality_flag.as_str(),
                    qc: r.qc.map(|q| q.as_str()),
                    class: r.class,
                    origin: r.origin.clone(),
                    method: r.method.clone(),
                    lab: r.lab.clone(),
                    received_at: crate::views::local_time(r.received_at),
                    superseded_at: crate::views::local_time(r.superseded_at),
                    superseded_by: r.superseded_by.clone(),
                })
                .collect(),
        }
    }
}

/// Rows fetched per query while streaming CSV.
const CSV_PAGE: u64 = 5_000;

/// The readings of a range as CSV, fetched a page at a time while the client reads: memory stays flat
/// however long the range. An error after the first byte can only cut the stream short (it is logged).
pub fn csv_stream(
    db: sea_orm::DatabaseConnection,
    section: models::sections::SectionContext,
    filter: models::readings::ReadingFilter,
) -> axum::response::Response {
    use axum::http::header;
    const HEADER: &str = "section,parameter,sampled_at,value,unit,below_detection,detection_limit,kind,source,flag,qc,class,revision,origin,method,lab,id\n";
    let code = section.section.code.clone();
    let kind = section.kind();
    let id = section.section.id;
    let first =
        futures::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(HEADER.as_bytes())) });
    let pages = futures::stream::unfold(Some(None), move |state: Option<Option<models::readings::Cursor>>| {
        let (db, filter, code) = (db.clone(), filter.clone(), code.clone());
        async move {
            let after = state?;
            match models::readings::page(&db, id, &filter, after, CSV_PAGE).await {
                Ok((rows, next)) => {
                    let mut out = csv::Writer::from_writer(Vec::new());
                    for r in &rows {
                        let v = ReadingView::new(r, kind);
                        let record = [
                            code.clone(),
                            v.parameter.to_string(),
                            v.sampled_at,
                            v.value.to_string(),
                            v.unit.to_string(),
                            v.below_detection.to_string(),
                            v.detection_limit.map(|d| d.to_string()).unwrap_or_default(),
                            v.kind.to_string(),
                            v.source.to_string(),
                            v.flag.to_string(),
                            v.qc.unwrap_or_default().to_string(),
                            v.class.map(|c| c.to_string()).unwrap_or_default(),
                            v.revision.to_string(),
                            v.origin.unwrap_or_default(),
                            v.method.unwrap_or_default(),
                            v.lab.unwrap_or_default(),
                            v.id.to_string(),
                        ];
                        if out.write_record(&record).is_err() {
                            return None;
                        }
                    }
                    let bytes = out.into_inner().unwrap_or_default();
                    Some((Ok(axum::body::Bytes::from(bytes)), next.map(Some)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "readings CSV stream cut short");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    let body = axum::body::Body::from_stream(futures::StreamExt::chain(first, pages));
    axum::response::Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, "attachment; filename=\"readings.csv\"")
        .body(body)
        .unwrap_or_default()
}

/// What `POST /api/v1/readings/import` did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResponse {
    /// `all_or_nothing` or `skip_invalid`.
    pub mode: &'static str,
    /// Whether anything was kept (`false`: nothing was stored, e.g. every row was rejected).
    pub committed: bool,
    /// Data rows read.
    pub rows: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub revised: u64,
    /// Stored but set aside by a quality rule.
    pub flagged: u64,
    /// Rows not stored because of their problems.
    pub rejected: u64,
    pub alerts_opened: u64,
    pub alerts_updated: u64,
    /// The rejected rows' problems, each at its line or cell and column: the first 1,000.
    pub problems: Vec<crate::error::Detail>,
    pub problems_not_listed: u64,
    pub message: String,
    pub message_en: String,
}

impl From<&crate::import::Summary> for ImportResponse {
    fn from(s: &crate::import::Summary) -> Self {
        ImportResponse {
            mode: match s.mode {
                crate::import::Mode::AllOrNothing => "all_or_nothing",
                crate::import::Mode::SkipInvalid => "skip_invalid",
            },
            committed: s.committed,
            rows: s.rows,
            stored: s.stored,
            duplicates: s.duplicates,
            revised: s.revised,
            flagged: s.flagged,
            rejected: s.rejected,
            alerts_opened: s.alerts_opened,
            alerts_updated: s.alerts_updated,
            problems: s.problems.iter().map(crate::error::Detail::from).collect(),
            problems_not_listed: s.problems_not_listed,
            message: s.zh(),
            message_en: s.en(),
        }
    }
}
