//! `GET /api/v1/assessment`: the figures of towns, rivers, the district or control levels over a period,
//! as JSON, CSV or XLSX.

use axum::extract::State;

use crate::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use models::assessment::{self, Scope};
use models::domain::evaluation::Rounding;
use models::domain::period::{Period, YearMonth};
use models::domain::{Code, quote};

use crate::error::{ApiError, Detail};
use crate::state::AppState;
use crate::views::assessment::{AssessmentView, to_csv, to_xlsx};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    /// town | river | district | level (default district)
    #[param(pattern = "^(town|river|district|level)$")]
    pub scope: Option<String>,
    /// 2026-10 | 2026-Q3 | 2026 | 2026-YTD (default: last month)
    #[param(pattern = "^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-YTD)?$")]
    pub period: Option<String>,
    /// json | csv | xlsx (default: from the Accept header, else json)
    #[param(pattern = "^(json|csv|xlsx)$")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

fn format_of(query: Option<&str>, headers: &HeaderMap) -> Result<Format, Detail> {
    match query {
        Some("json") => return Ok(Format::Json),
        Some("csv") => return Ok(Format::Csv),
        Some("xlsx") => return Ok(Format::Xlsx),
        Some(other) => {
            return Err(Detail::new(
                "format",
                "invalid_format",
                format!("不支持的格式“{}”，可用 json、csv、xlsx", quote(other)),
                format!("unsupported format '{}': use json, csv or xlsx", quote(other)),
            ));
        }
        None => {}
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    Ok(if accept.contains("text/csv") {
        Format::Csv
    } else if accept.contains(XLSX) {
        Format::Xlsx
    } else {
        Format::Json
    })
}

/// Figures of towns, rivers, the district or control levels over a period by the national method, with
/// the previous period and the same period last year. JSON, or CSV / XLSX with Chinese headers.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "assessment", security(("bearer" = [])), params(AssessmentQuery),
    responses(
        (status = 200, description = "The assessment", content(
            (AssessmentView = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = crate::error::ErrorResponse), (status = 401, body = crate::error::ErrorResponse),
        (status = 403, body = crate::error::ErrorResponse)))]
pub async fn assessment(
    State(state): State<AppState>,
    Query(query): Query<AssessmentQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut details = Vec::new();
    let scope = match query.scope.as_deref() {
        None => Some(Scope::District),
        Some(s) => Scope::parse(s).or_else(|| {
            details.push(Detail::new(
                "scope",
                "invalid_scope",
                format!("评价范围“{}”无效，可用 {}", quote(s), Scope::codes()),
                format!("scope '{}' is not one of {}", quote(s), Scope::codes()),
            ));
            None
        }),
    };
    let period = match query.period.as_deref() {
        None => Some(Period::Month(YearMonth::of(today).previous())),
        Some(p) => Period::parse(p, today)
            .map_err(|e| {
                details.push(Detail::new(
                    "period",
                    "invalid_period",
                    format!("评价时段“{}”无效，可用 2026-10、2026-Q3、2026、2026-YTD（{}）", quote(p), e.zh()),
                    e.to_string(),
                ))
            })
            .ok(),
    };
    let format = format_of(query.format.as_deref(), &headers).map_err(|d| details.push(d)).ok();
    let (Some(scope), Some(period), Some(format)) = (scope, period, format) else {
        return Err(ApiError::invalid_query(details));
    };

    let result = assessment::assess(&state.db, scope, period, Rounding::PerItem(state.decimals)).await?;
    let view = AssessmentView::from(&result);
    let file = format!("assessment-{}-{}", scope.as_str(), period.code());
    Ok(match format {
        Format::Json => axum::Json(view).into_response(),
        Format::Csv => attachment(to_csv(&view)?, "text/csv; charset=utf-8", &format!("{file}.csv")),
        Format::Xlsx => attachment(to_xlsx(&view)?, XLSX, &format!("{file}.xlsx")),
    })
}

fn attachment(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
