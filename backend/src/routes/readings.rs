//! `POST /api/v1/readings`: a batch of readings, stored all or nothing, judged, alerting; `POST
//! /api/v1/readings/import`: a CSV file or workbook of them, streamed; a section's readings and a reading's
//! history.

use axum::Json;
use axum::extract::State;
use chrono::Utc;

use models::domain::authz::Grant;
use models::domain::reading::ReadingSource;
use models::readings::Submission;

use crate::auth::Access;
use crate::error::{ApiError, Detail, ErrorResponse, invalid_readings};
use crate::extract;
use crate::state::AppState;
use crate::views::readings::{HistoryView, ImportResponse, IngestResponse, ReadingPage, ReadingView, parse_batch};

/// Stores a batch of readings, all or nothing. Each is judged by GB 3838-2002 against its section's target;
/// one worse than the target opens (or updates) an alert and notifies the section's river chief. The same
/// reading sent twice is stored once. A station's API key may submit only its own section's readings.
#[utoipa::path(post, path = "/api/v1/readings", tag = "readings", security(("bearer" = [])),
    request_body = crate::views::readings::ReadingsBatch,
    responses(
        (status = 200, description = "Stored (or already stored)", body = IngestResponse),
        (status = 400, description = "Malformed JSON", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
        (status = 415, description = "Not JSON", body = ErrorResponse),
        (status = 422, description = "Bad readings; nothing stored", body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
#[tracing::instrument(skip_all, fields(caller = %access.auth.label()))]
pub async fn submit(
    State(state): State<AppState>,
    access: Access,
    extract::Json(body): extract::Json<serde_json::Value>,
) -> Result<Json<IngestResponse>, ApiError> {
    let batch = parse_batch(&body)?;
    let now = Utc::now();
    // Items that could not be read are reported with every other item's problems, so that one correction
    // fixes the whole batch.
    if !batch.problems.is_empty() {
        let mut details = batch.problems;
        details.extend(models::readings::problems(&state.db, &batch.items, now).await?.into_iter().map(Detail::from));
        details.sort_by_key(|d| d.index);
        return Err(invalid_readings(details));
    }
    let submission = Submission {
        items: batch.items,
        source: ReadingSource::Api,
        actor: access.auth.actor(),
        only_section: match access.grant {
            Grant::Section(id) => Some(id),
            _ => None,
        },
        live_window: state.settings.live_window(),
    };
    let results = models::readings::submit(&state.db, submission, now).await?;
    let response = IngestResponse::new(results);
    tracing::info!(
        stored = response.stored,
        duplicates = response.duplicates,
        alerts_opened = response.alerts_opened,
        "readings submitted"
    );
    Ok(Json(response))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadingsQuery {
    /// Only this item: a key (`nh3n`) or an HJ 212 code (`w21003`).
    pub parameter: Option<String>,
    /// Sampled at or after: RFC 3339, `2026-11-20 08:00` (China Standard Time) or a date `2026-11-01`.
    pub from: Option<String>,
    /// Sampled before (same forms; a date means its midnight).
    pub to: Option<String>,
    /// `sample`, `realtime`, `minute`, `hour` or `day`.
    pub kind: Option<String>,
    /// At most this many readings a page (1–10,000, default 500).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u64>,
    /// `next` of the previous page.
    pub cursor: Option<String>,
    /// `json` (default) or `csv`: every reading in the range, streamed, not paged.
    pub format: Option<String>,
}

/// A section's readings, newest first, paged by cursor; `format=csv` streams the whole range instead.
#[utoipa::path(get, path = "/api/v1/sections/{code}/readings", tag = "readings", security(("bearer" = [])),
    params(("code" = String, Path, description = "Section code"), ReadingsQuery),
    responses((status = 200, body = ReadingPage), (status = 404, body = ErrorResponse),
        (status = 422, description = "Bad query", body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    crate::extract::Path(code): crate::extract::Path<String>,
    crate::extract::Query(q): crate::extract::Query<ReadingsQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let section = models::sections::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
    let filter = reading_filter(&q)?;
    let kind = section.kind();
    match q.format.as_deref().map(str::trim) {
        None | Some("" | "json") => {}
        Some("csv") => return Ok(crate::views::readings::csv_stream(state.db.clone(), section, filter).into_response()),
        Some(other) => {
            return Err(ApiError::invalid_query(vec![Detail::new(
                "format",
                "invalid_format",
                format!("不支持的格式“{}”，可用 json、csv", models::domain::quote(other)),
                format!("unsupported format '{}': use json or csv", models::domain::quote(other)),
            )]));
        }
    }
    let limit = crate::extract::limit(q.limit, 500, 10_000)?;
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(models::readings::Cursor::decode(c).ok_or_else(|| {
            ApiError::invalid_query(vec![Detail::new(
                "cursor",
                "invalid_cursor",
                "翻页游标无效，请使用上一页返回的 next",
                "invalid cursor: pass the previous page's next",
            )])
        })?),
    };
    let (rows, next) = models::readings::page(&state.db, section.section.id, &filter, after, limit).await?;
    let readings: Vec<ReadingView> = rows.iter().map(|r| ReadingView::new(r, kind)).collect();
    Ok(Json(ReadingPage {
        section: section.section.code.clone(),
        count: readings.len(),
        readings,
        next: next.map(models::readings::Cursor::encode),
    })
    .into_response())
}

fn reading_filter(q: &ReadingsQuery) -> Result<models::readings::ReadingFilter, ApiError> {
    use models::domain::Code;
    use models::domain::reading::DataKind;
    let mut details = Vec::new();
    let parameter = q.parameter.as_deref().filter(|p| !p.trim().is_empty()).and_then(|p| {
        let parsed = models::domain::gb3838::Parameter::parse(p);
        if parsed.is_none() {
            details.push(Detail::new(
                "parameter",
                "unknown_parameter",
                format!("未知监测项目“{}”", models::domain::quote(p)),
                format!("unknown parameter '{}'", models::domain::quote(p)),
            ));
        }
        parsed
    });
    let kind = q.kind.as_deref().filter(|k| !k.trim().is_empty()).and_then(|k| {
        let parsed = DataKind::parse(k);
        if parsed.is_none() {
            details.push(Detail::new(
                "kind",
                "invalid_kind",
                format!("数据类型“{}”无效，应为 {} 之一", models::domain::quote(k), DataKind::codes()),
                format!("data kind '{}' is not one of {}", models::domain::quote(k), DataKind::codes()),
            ));
        }
        parsed
    });
    let mut time = |field: &'static str, text: Option<&str>| {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        let parsed = query_time(text);
        if parsed.is_none() {
            details.push(Detail::new(
                field,
                "invalid_time",
                format!("时间“{}”无法识别，请使用 2026-11-20 或 RFC 3339", models::domain::quote(text)),
                format!("time '{}' is not a date or an RFC 3339 time", models::domain::quote(text)),
            ));
        }
        parsed
    };
    let from = time("from", q.from.as_deref());
    let to = time("to", q.to.as_deref());
    if !details.is_empty() {
        return Err(ApiError::invalid_query(details));
    }
    Ok(models::readings::ReadingFilter { parameter, kind, from, to })
}

/// A time in a query: as a reading's sampling time is read, or a date (its midnight, China Standard Time).
fn query_time(text: &str) -> Option<chrono::DateTime<Utc>> {
    use chrono::TimeZone;
    models::domain::reading::parse_time(text).or_else(|| {
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        chrono_tz::Asia::Shanghai
            .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// A reading and every value it held before, newest first.
#[utoipa::path(get, path = "/api/v1/readings/{id}/history", tag = "readings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Reading id")),
    responses((status = 200, body = HistoryView), (status = 404, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn history(
    State(state): State<AppState>,
    crate::extract::Path(id): crate::extract::Path<i64>,
) -> Result<Json<HistoryView>, ApiError> {
    let history = models::readings::history(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("监测数据 {id}"), &format!("reading {id}")))?;
    Ok(Json(HistoryView::from(&history)))
}

/// A hand-set quality flag: `{"qc": "manual", "reason": "…"}` sets it, `{"qc": null}` clears it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QcRequest {
    /// `manual`, `range`, `sentinel`, `spike`, `flat`, or null to clear.
    pub qc: Option<String>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Sets or clears a reading's quality flag (admin, audited). A flagged reading stays stored and shown and
/// leaves evaluation; a cleared one comes back.
#[utoipa::path(put, path = "/api/v1/readings/{id}/qc", tag = "readings", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Reading id")), request_body = QcRequest,
    responses((status = 200, body = ReadingView), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn set_qc(
    State(state): State<AppState>,
    access: Access,
    crate::extract::Path(id): crate::extract::Path<i64>,
    extract::Json(body): extract::Json<QcRequest>,
) -> Result<Json<ReadingView>, ApiError> {
    use models::domain::Code;
    use models::domain::reading::QcFlag;
    let qc = match body.qc.as_deref() {
        None => None,
        Some(text) => Some(QcFlag::parse(text).ok_or_else(|| {
            ApiError::invalid(
                "invalid_qc",
                "质控标识有误",
                "invalid quality flag",
                vec![Detail::new(
                    "qc",
                    "invalid_qc",
                    format!("质控标识“{}”无效，应为 {} 之一", models::domain::quote(text), QcFlag::codes()),
                    format!("quality flag '{}' is not one of {}", models::domain::quote(text), QcFlag::codes()),
                )],
            )
        })?),
    };
    let reading = models::readings::set_qc(&state.db, id, qc, body.reason.as_deref(), access.auth.actor(), Utc::now())
        .await
        .map_err(|e| match e {
            models::readings::QcError::NotFound(id) => {
                ApiError::not_found(&format!("监测数据 {id}"), &format!("reading {id}"))
            }
            models::readings::QcError::Db(e) => ApiError::Internal(e.into()),
        })?;
    Ok(Json(ReadingView::new(&reading, models::domain::gb3838::WaterBodyKind::River)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The worksheet of a workbook to read (by default the first visible one).
    pub sheet: Option<String>,
    /// Store the good rows and report the bad ones, instead of storing nothing when any row is bad.
    #[serde(default)]
    pub skip_invalid: bool,
    /// The origin of readings whose row names none (a programme, a contractor), also audited.
    pub source_label: Option<String>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Imports a file of readings, one row per reading (see the README for the columns, in Chinese or
/// English): CSV (UTF-8 with or without BOM, GBK, UTF-16) streamed as it arrives, or an XLSX workbook.
/// The whole file is one transaction: by default any bad row stores nothing and every problem is named at
/// its line or cell and column; with `skip_invalid=true` the good rows are stored and the bad ones
/// reported. A station's API key may import only its own section's readings.
#[utoipa::path(post, path = "/api/v1/readings/import", tag = "readings", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv",
        description = "CSV, or an XLSX workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
    responses(
        (status = 200, description = "Imported (with skip_invalid, the rejected rows are listed)", body = ImportResponse),
        (status = 403, description = "Rows for sections the key may not write; nothing stored", body = ErrorResponse),
        (status = 408, description = "Longer than import_timeout_secs; nothing stored", body = ErrorResponse),
        (status = 413, description = "Larger than max_import_bytes; nothing stored", body = ErrorResponse),
        (status = 415, description = "Neither CSV nor XLSX", body = ErrorResponse),
        (status = 422, description = "Bad rows, a bad header or an unreadable file; nothing stored", body = ErrorResponse),
        (status = 401, body = ErrorResponse)))]
#[tracing::instrument(skip_all, fields(caller = %access.auth.label()))]
pub async fn import(
    State(state): State<AppState>,
    access: Access,
    crate::extract::Query(q): crate::extract::Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<ImportResponse>, ApiError> {
    use crate::import::{Input, Mode, Options, Source};
    use crate::tabular::Kind;
    use axum::http::{StatusCode, header};
    use models::domain::reading::MAX_LABEL;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let (kind, name) = match media.as_str() {
        XLSX => (Kind::Xlsx, "upload.xlsx"),
        "text/csv" | "application/csv" | "text/plain" => (Kind::Csv, "upload.csv"),
        _ => {
            return Err(ApiError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请上传 CSV（text/csv）或 XLSX 文件",
                "send CSV (text/csv) or an XLSX workbook",
            ));
        }
    };
    let limit = state.settings.max_import_bytes;
    let too_large = || {
        ApiError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("文件超过 {limit} 字节的上限（max_import_bytes），请拆分后导入"),
            format!("the file is larger than the {limit}-byte limit (max_import_bytes); split it"),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    if let Some(label) = q.source_label.as_deref().filter(|l| l.trim().chars().count() > MAX_LABEL) {
        return Err(ApiError::invalid_query(vec![Detail::new(
            "source_label",
            "too_long",
            format!("source_label 超过 {MAX_LABEL} 个字符：“{}”", models::domain::quote(label)),
            format!("source_label is longer than {MAX_LABEL} characters: '{}'", models::domain::quote(label)),
        )]));
    }
    let reader = crate::extract::BodyReader::new(body, limit);
    let over = reader.too_large();
    let input = Input { name: name.into(), source: Source::Stream { reader: Box::new(reader), kind } };
    let options = Options {
        mode: if q.skip_invalid { Mode::SkipInvalid } else { Mode::AllOrNothing },
        sheet: q.sheet,
        actor: access.auth.actor(),
        only_section: match access.grant {
            Grant::Section(id) => Some(id),
            _ => None,
        },
        live_window: state.settings.live_window(),
        origin: q.source_label,
        now: Utc::now(),
    };
    let result = crate::import::import(&state.db, vec![input], options, &mut ()).await;
    if over.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(too_large());
    }
    let summary = result?;
    if !summary.committed && summary.problem_count() > 0 {
        return Err(crate::error::invalid_import(&summary));
    }
    Ok(Json(ImportResponse::from(&summary)))
}
