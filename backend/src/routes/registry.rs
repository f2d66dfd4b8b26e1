//! The registry over HTTP: `POST /api/v1/registry` writes rows of any kind (create, change, retire) through
//! the same [`models::registry::apply`] as the spreadsheet import; the lists and a section's chain read it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use models::domain::{Code, quote};
use models::registry::{
    self, AppointmentRow, ChiefRow, Intent, Kind, Plan, ReachRow, RegionRow, Registry, RegistryError, RegistryProblem,
    SectionRow, WaterBodyRow,
};

use crate::auth::Access;
use crate::error::{ApiError, Detail, ErrorResponse};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// A registry document: rows of any kinds, each kind a list (see the README for the fields).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RegistryDoc {
    #[schema(value_type = Vec<Object>)]
    regions: (),
    #[schema(value_type = Vec<Object>)]
    water_bodies: (),
    #[schema(value_type = Vec<Object>)]
    reaches: (),
    #[schema(value_type = Vec<Object>)]
    sections: (),
    #[schema(value_type = Vec<Object>)]
    targets: (),
    #[schema(value_type = Vec<Object>)]
    chiefs: (),
    #[schema(value_type = Vec<Object>)]
    appointments: (),
}

/// What a write did (or, with `dry_run`, would do): counts per kind and every change with before and after.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PlanDoc {
    dry_run: bool,
    #[schema(value_type = Object)]
    counts: (),
    #[schema(value_type = Vec<Object>)]
    changes: (),
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WriteQuery {
    /// Check and report what would change, store nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The detail of one registry problem: the field as `kind[key].field`, the row's place when it came from a
/// file.
pub fn detail_of(p: &RegistryProblem, place: Option<crate::tabular::Place>) -> Detail {
    let field = format!("{}[{}].{}", p.kind.as_str(), p.key, p.field);
    let (zh, en) = match place {
        Some(place) => (format!("{}：{}", place.zh(), p.zh), format!("{place}: {}", p.en)),
        None => (p.zh.clone(), p.en.clone()),
    };
    Detail::new(&field, p.code, zh, en)
}

pub fn registry_error(e: RegistryError, place: impl Fn(&RegistryProblem) -> Option<crate::tabular::Place>) -> ApiError {
    match e {
        RegistryError::Invalid(problems) => ApiError::invalid(
            "invalid_registry",
            &format!("登记信息有 {} 处错误，未作任何修改", problems.len()),
            &format!("{} problem(s) in the registry; nothing was changed", problems.len()),
            problems.iter().map(|p| detail_of(p, place(p))).collect(),
        ),
        RegistryError::NotFound { kind, key } => ApiError::not_found(
            &format!("{}“{}”", kind.zh(), quote(&key)),
            &format!("{} '{}'", kind.as_str(), quote(&key)),
        ),
        RegistryError::Exists { kind, key } => ApiError::client(
            StatusCode::CONFLICT,
            "exists",
            format!("{}“{}”已登记；修改请用 PUT", kind.zh(), quote(&key)),
            format!("{} '{}' exists already; change it with PUT", kind.as_str(), quote(&key)),
        ),
        RegistryError::Db(e) => e.into(),
    }
}

/// Creates, changes and retires registry rows of any kind, all or nothing, each change audited with its
/// before and after. A row equal to what is stored changes nothing; rows not given are left alone.
#[utoipa::path(post, path = "/api/v1/registry", tag = "registry", security(("bearer" = [])),
    params(WriteQuery), request_body = RegistryDoc,
    responses((status = 200, body = PlanDoc), (status = 422, body = ErrorResponse), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn write(
    State(state): State<AppState>,
    access: Access,
    Query(query): Query<WriteQuery>,
    crate::extract::Json(rows): crate::extract::Json<Registry>,
) -> Result<Json<Plan>, ApiError> {
    let plan = registry::apply(&state.db, &rows, access.auth.actor(), Utc::now(), query.dry_run)
        .await
        .map_err(|e| registry_error(e, |_| None))?;
    Ok(Json(plan))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (default) or `xlsx` (a sheet per kind, as the import reads).
    format: Option<String>,
}

/// The whole registry, as the rows `POST /api/v1/registry` takes, or as the workbook the import reads.
#[utoipa::path(get, path = "/api/v1/registry/export", tag = "registry", security(("bearer" = [])),
    params(ExportQuery),
    responses((status = 200, body = RegistryDoc), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn export(State(state): State<AppState>, Query(query): Query<ExportQuery>) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?;
    match query.format.as_deref().map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => Ok(Json(rows).into_response()),
        Some("xlsx") => {
            let bytes = crate::tabular::registry::write_xlsx(&rows).map_err(|e| ApiError::Internal(e.into()))?;
            Ok((
                StatusCode::OK,
                [
                    (axum::http::header::CONTENT_TYPE, XLSX),
                    (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"registry.xlsx\""),
                ],
                bytes,
            )
                .into_response())
        }
        Some(other) => Err(ApiError::invalid_query(vec![Detail::new(
            "format",
            "invalid_format",
            format!("format 须为 json 或 xlsx，而不是“{}”", models::domain::quote(other)),
            format!("format must be json or xlsx, not '{}'", models::domain::quote(other)),
        )])),
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The kind of a CSV body (regions, water_bodies, reaches, sections, targets, chiefs, appointments);
    /// else told by its header. A workbook names its kinds by sheet.
    kind: Option<String>,
    /// Check and report what would change, store nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Imports the bureau's spreadsheet: a CSV file of one kind (UTF-8 or GBK) or an XLSX workbook with a sheet
/// per kind, all or nothing, every problem named by sheet or line, row and column.
#[utoipa::path(post, path = "/api/v1/registry/import", tag = "registry", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV, or an XLSX workbook (its media type)"),
    responses((status = 200, body = PlanDoc), (status = 422, body = ErrorResponse), (status = 415, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn import(
    State(state): State<AppState>,
    access: Access,
    Query(query): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Plan>, ApiError> {
    use crate::tabular::registry as sheets;
    let kind = match query.kind.as_deref() {
        None => None,
        Some(k) => Some(sheets::kind_of_name(k).ok_or_else(|| {
            ApiError::invalid_query(vec![Detail::new(
                "kind",
                "invalid_kind",
                format!("kind“{}”不是登记类别", quote(k)),
                format!("kind '{}' is not a kind of the registry", quote(k)),
            )])
        })?),
    };
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let read = match media.as_str() {
        XLSX => sheets::read_xlsx(std::io::Cursor::new(body.to_vec())),
        "text/csv" | "text/plain" | "application/csv" => {
            sheets::read_csv("upload.csv", kind, std::io::Cursor::new(body.to_vec()))
        }
        _ => {
            return Err(ApiError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请上传 CSV（text/csv）或 XLSX 文件",
                "send CSV (text/csv) or an XLSX workbook",
            ));
        }
    };
    let (rows, layout) = read.map_err(|e| {
        let details: Vec<Detail> =
            e.problems().iter().map(|p| Detail::new(&p.place.to_string(), p.code, p.zh(), p.to_string())).collect();
        if details.is_empty() {
            ApiError::invalid("unreadable_file", &e.zh(), &e.to_string(), Vec::new())
        } else {
            ApiError::invalid(
                "invalid_file",
                &format!("文件有 {} 处错误，未作任何修改", details.len()),
                &format!("{} problem(s) in the file; nothing was changed", details.len()),
                details,
            )
        }
    })?;
    let plan = registry::apply(&state.db, &rows, access.auth.actor(), Utc::now(), query.dry_run)
        .await
        .map_err(|e| registry_error(e, |p| sheets::locate(&layout, p.kind, &p.origin, p.field)))?;
    Ok(Json(plan))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of a code or name.
    q: Option<String>,
    /// Include retired rows.
    #[serde(default)]
    include_retired: bool,
    /// Regions, chiefs: of this level (`street`, `village`, …).
    level: Option<String>,
    /// Regions: children of this region; reaches, chiefs: in this region.
    region: Option<String>,
    /// Reaches: on this water body.
    water_body: Option<String>,
    /// Water bodies: of this kind (`river`, `lake`, `reservoir`).
    kind: Option<String>,
}

/// Whether a filter, when given, is `value` (codes and keys compared as typed elsewhere: trimmed, ASCII
/// case ignored).
fn given(filter: &Option<String>, value: Option<&str>) -> bool {
    filter.as_deref().is_none_or(|f| value.is_some_and(|v| v.eq_ignore_ascii_case(f.trim())))
}

fn matches(q: &Option<String>, code: &str, name: &str) -> bool {
    q.as_deref().map(str::trim).filter(|q| !q.is_empty()).is_none_or(|q| code.contains(q) || name.contains(q))
}

#[derive(Serialize)]
struct ChiefListed {
    #[serde(flatten)]
    row: ChiefRow,
    /// The username the chief signs in with.
    account: Option<String>,
}

#[derive(Serialize)]
struct Listed<T> {
    count: usize,
    items: Vec<T>,
}

fn listed<T: Serialize>(items: Vec<T>) -> Response {
    Json(Listed { count: items.len(), items }).into_response()
}

/// Regions (the administrative tree).
#[utoipa::path(get, path = "/api/v1/regions", tag = "registry", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn regions(State(state): State<AppState>, Query(f): Query<ListQuery>) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?.regions;
    Ok(listed(
        rows.into_iter()
            .filter(|r| (f.include_retired || !r.retired) && matches(&f.q, &r.code, &r.name))
            .filter(|r| given(&f.level, Some(r.level.as_str())) && given(&f.region, r.parent.as_deref()))
            .collect(),
    ))
}

/// Rivers, lakes and reservoirs.
#[utoipa::path(get, path = "/api/v1/water-bodies", tag = "registry", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn water_bodies(State(state): State<AppState>, Query(f): Query<ListQuery>) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?.water_bodies;
    Ok(listed(
        rows.into_iter()
            .filter(|r| (f.include_retired || !r.retired) && matches(&f.q, &r.code, &r.name))
            .filter(|r| given(&f.kind, Some(r.kind.as_str())))
            .filter(|r| f.region.as_deref().is_none_or(|g| r.regions.iter().any(|c| c == g.trim())))
            .collect(),
    ))
}

/// Reaches (河段), the units chiefs are appointed to.
#[utoipa::path(get, path = "/api/v1/reaches", tag = "registry", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn reaches(State(state): State<AppState>, Query(f): Query<ListQuery>) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?.reaches;
    Ok(listed(
        rows.into_iter()
            .filter(|r| (f.include_retired || !r.retired) && matches(&f.q, &r.code, &r.name))
            .filter(|r| given(&f.water_body, Some(&r.water_body)) && given(&f.region, Some(&r.region)))
            .collect(),
    ))
}

/// River chiefs.
#[utoipa::path(get, path = "/api/v1/chiefs", tag = "registry", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn chiefs(State(state): State<AppState>, Query(f): Query<ListQuery>) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?.chiefs;
    // The account each chief signs in with, if any.
    let accounts = models::users::chief_accounts(&state.db).await?;
    Ok(listed(
        rows.into_iter()
            .filter(|r| (f.include_retired || !r.retired) && matches(&f.q, &r.code, &r.name))
            .filter(|r| given(&f.level, Some(r.level.as_str())) && given(&f.region, r.region.as_deref()))
            .map(|row| ChiefListed { account: accounts.get(&row.code).cloned(), row })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AppointmentQuery {
    chief: Option<String>,
    water_body: Option<String>,
    reach: Option<String>,
    /// Only terms current on this day (YYYY-MM-DD).
    on: Option<NaiveDate>,
}

/// Chiefs' appointments and their terms.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "registry", security(("bearer" = [])), params(AppointmentQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn appointments(
    State(state): State<AppState>,
    Query(f): Query<AppointmentQuery>,
) -> Result<Response, ApiError> {
    let rows = registry::export(&state.db).await?.appointments;
    let same = |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| Some(w.trim()) == have);
    Ok(listed(
        rows.into_iter()
            .filter(|a| same(&f.chief, Some(&a.chief)) && same(&f.water_body, Some(&a.water_body)))
            .filter(|a| same(&f.reach, a.reach.as_deref()))
            .filter(|a| f.on.is_none_or(|d| a.starts_on <= d && a.ends_on.is_none_or(|e| e >= d)))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChainQuery {
    /// The day (YYYY-MM-DD, China Standard Time); default today.
    on: Option<NaiveDate>,
}

#[derive(Serialize)]
struct ChainMember {
    code: String,
    name: String,
    level: models::domain::ChiefLevel,
    level_zh: &'static str,
    position: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

#[derive(Serialize)]
struct Chain {
    section: String,
    on: NaiveDate,
    chiefs: Vec<ChainMember>,
}

/// Who is answerable for a section on a day: its chiefs, lowest level first.
#[utoipa::path(get, path = "/api/v1/sections/{code}/chain", tag = "registry", security(("bearer" = [])),
    params(("code" = String, Path, description = "Section code"), ChainQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse)))]
pub async fn chain(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ChainQuery>,
) -> Result<Response, ApiError> {
    let ctx = models::sections::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
    let on = q.on.unwrap_or_else(|| models::chiefs::china_day(Utc::now()));
    let chiefs = models::chiefs::chain_for_section(&state.db, &ctx.section, on).await?;
    Ok(Json(Chain {
        section: ctx.section.code.clone(),
        on,
        chiefs: chiefs
            .into_iter()
            .map(|c| ChainMember {
                code: c.code,
                name: c.name,
                level: c.level,
                level_zh: c.level.zh(),
                position: c.position,
                phone: c.phone,
                email: c.email,
            })
            .collect(),
    })
    .into_response())
}

/// What `retire` may be told: for a section, the last day it served (default today).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireBody {
    #[schema(value_type = Option<String>, format = Date)]
    on: Option<NaiveDate>,
}

/// The day of a retire request: its body is empty or `{"on": "YYYY-MM-DD"}`.
fn retire_day(body: &[u8]) -> Result<Option<NaiveDate>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<RetireBody>(body).map(|b| b.on).map_err(|e| {
        ApiError::invalid(
            "invalid_body",
            "请求体须为空，或为 {\"on\": \"YYYY-MM-DD\"}",
            "the body must be empty or {\"on\": \"YYYY-MM-DD\"}",
            vec![Detail::new("on", "invalid_body", format!("无法读取：{e}"), format!("unreadable: {e}"))],
        )
    })
}

/// The registry's single writes per kind: create (`POST`), change (`PUT /{code}`), retire
/// (`POST /{code}/retire`), and read one (`GET /{code}`; sections have their own detail). Each goes
/// through [`registry::apply_as`] with the row, so it is checked and audited exactly as an import is.
macro_rules! kind_routes {
    ($module:ident, $kind:expr, $field:ident, $row:ty, $path:literal, $path_code:literal, $path_retire:literal, $what:literal) => {
        pub mod $module {
            use super::*;

            #[doc = concat!("Creates one ", $what, "; 409 when its code is taken.")]
            #[utoipa::path(post, path = $path, tag = "registry", security(("bearer" = [])), request_body = Object,
                responses((status = 201, body = PlanDoc), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse),
                    (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
            pub async fn create(
                State(state): State<AppState>,
                access: Access,
                crate::extract::Json(row): crate::extract::Json<$row>,
            ) -> Result<(StatusCode, Json<Plan>), ApiError> {
                let rows = Registry { $field: vec![row], ..Registry::default() };
                let plan = registry::apply_as(&state.db, &rows, Intent::Create, access.auth.actor(), Utc::now())
                    .await
                    .map_err(|e| registry_error(e, |_| None))?;
                Ok((StatusCode::CREATED, Json(plan)))
            }

            #[doc = concat!("Changes one ", $what, " to the row given (its code as in the path).")]
            #[utoipa::path(put, path = $path_code, tag = "registry", security(("bearer" = [])), request_body = Object,
                params(("code" = String, Path, description = "Code")),
                responses((status = 200, body = PlanDoc), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
                    (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
            pub async fn change(
                State(state): State<AppState>,
                access: Access,
                Path(code): Path<String>,
                crate::extract::Json(row): crate::extract::Json<$row>,
            ) -> Result<Json<Plan>, ApiError> {
                if row.code != code.trim() {
                    return Err(ApiError::invalid(
                        "code_mismatch",
                        &format!("路径中的编码“{}”与请求中的“{}”不一致；改编码请新建后停用旧的", quote(&code), quote(&row.code)),
                        &format!("the path's code '{}' differs from the body's '{}'; to recode, create anew and retire the old", quote(&code), quote(&row.code)),
                        vec![Detail::new("code", "code_mismatch", "编码不一致", "codes differ")],
                    ));
                }
                let rows = Registry { $field: vec![row], ..Registry::default() };
                let plan = registry::apply_as(&state.db, &rows, Intent::Change, access.auth.actor(), Utc::now())
                    .await
                    .map_err(|e| registry_error(e, |_| None))?;
                Ok(Json(plan))
            }

            #[doc = concat!("Retires one ", $what, ": kept, with its history, and no longer in service.")]
            #[utoipa::path(post, path = $path_retire, tag = "registry", security(("bearer" = [])), request_body = RetireBody,
                params(("code" = String, Path, description = "Code")),
                responses((status = 200, body = PlanDoc), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
                    (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
            pub async fn retire(
                State(state): State<AppState>,
                access: Access,
                Path(code): Path<String>,
                body: axum::body::Bytes,
            ) -> Result<Json<Plan>, ApiError> {
                let on = retire_day(&body)?;
                let plan = registry::retire(&state.db, $kind, code.trim(), on, access.auth.actor(), Utc::now())
                    .await
                    .map_err(|e| registry_error(e, |_| None))?;
                Ok(Json(plan))
            }
        }
    };
}

kind_routes!(
    region,
    Kind::Regions,
    regions,
    RegionRow,
    "/api/v1/regions",
    "/api/v1/regions/{code}",
    "/api/v1/regions/{code}/retire",
    "region"
);
kind_routes!(
    water_body,
    Kind::WaterBodies,
    water_bodies,
    WaterBodyRow,
    "/api/v1/water-bodies",
    "/api/v1/water-bodies/{code}",
    "/api/v1/water-bodies/{code}/retire",
    "water body"
);
kind_routes!(
    reach,
    Kind::Reaches,
    reaches,
    ReachRow,
    "/api/v1/reaches",
    "/api/v1/reaches/{code}",
    "/api/v1/reaches/{code}/retire",
    "reach"
);
kind_routes!(
    section,
    Kind::Sections,
    sections,
    SectionRow,
    "/api/v1/sections",
    "/api/v1/sections/{code}",
    "/api/v1/sections/{code}/retire",
    "section"
);
kind_routes!(
    chief,
    Kind::Chiefs,
    chiefs,
    ChiefRow,
    "/api/v1/chiefs",
    "/api/v1/chiefs/{code}",
    "/api/v1/chiefs/{code}/retire",
    "river chief"
);

/// Appoints a chief to a reach or a whole water body for a term; a term starting after an open-ended one
/// of the same reach and level takes over from it.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "registry", security(("bearer" = [])), request_body = Object,
    responses((status = 201, body = PlanDoc), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn appoint(
    State(state): State<AppState>,
    access: Access,
    crate::extract::Json(row): crate::extract::Json<AppointmentRow>,
) -> Result<(StatusCode, Json<Plan>), ApiError> {
    let rows = Registry { appointments: vec![row], ..Registry::default() };
    let plan = registry::apply_as(&state.db, &rows, Intent::Create, access.auth.actor(), Utc::now())
        .await
        .map_err(|e| registry_error(e, |_| None))?;
    Ok((StatusCode::CREATED, Json(plan)))
}
