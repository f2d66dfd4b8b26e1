//! `GET /api/v1/warnings`: the warnings the warning jobs raised, current ones by default. Never judged in
//! the request.

use axum::Json;
use axum::extract::State;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use models::domain::warning::{WarningGrade, WarningKind};
use models::domain::{Code, quote};
use models::entities::{devices, regions, sections};
use models::warnings::Filter;

use crate::error::{ApiError, Detail, ErrorResponse};
use crate::extract::Query;
use crate::state::AppState;
use crate::views::warnings::{Subjects, WarningList, WarningView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// `blue`, `yellow`, `orange`, `red`, `level2` or `level1`.
    pub level: Option<String>,
    /// `quality`, `yangtze` or `silent_station`.
    pub kind: Option<String>,
    /// A region's code (a town, usually): its sections' warnings and its own, sub-regions included.
    pub town: Option<String>,
    /// A section's code.
    pub section: Option<String>,
    /// `current` (default) or `all` (lifted ones too).
    pub status: Option<String>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// `next` of the previous page.
    pub cursor: Option<String>,
}

fn bad(field: &'static str, code: &'static str, zh: String, en: String) -> ApiError {
    ApiError::invalid_query(vec![Detail::new(field, code, zh, en)])
}

fn choice<T: Code>(field: &'static str, value: Option<&str>) -> Result<Option<T>, ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    T::parse(value).map(Some).ok_or_else(|| {
        let allowed: Vec<&str> = T::VARIANTS.iter().map(|v| v.as_str()).collect();
        let allowed = allowed.join(", ");
        bad(
            field,
            "invalid_choice",
            format!("{field}“{}”无效，可用：{allowed}", quote(value)),
            format!("{field} '{}' is not one of: {allowed}", quote(value)),
        )
    })
}

/// Current warnings (or all, with `status=all`), newest first, with the count at each level.
#[utoipa::path(get, path = "/api/v1/warnings", tag = "sections", security(("bearer" = [])), params(WarningQuery),
    responses((status = 200, body = WarningList), (status = 404, body = ErrorResponse),
        (status = 422, description = "Bad query", body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(State(state): State<AppState>, Query(q): Query<WarningQuery>) -> Result<Json<WarningList>, ApiError> {
    let include_lifted = match q.status.as_deref().map(str::trim) {
        None | Some("" | "current") => false,
        Some("all") => true,
        Some(other) => {
            return Err(bad(
                "status",
                "invalid_status",
                format!("状态“{}”无效，可用 current、all", quote(other)),
                format!("status '{}' is not current or all", quote(other)),
            ));
        }
    };
    let mut filter = Filter {
        level: choice::<WarningGrade>("level", q.level.as_deref())?,
        kind: choice::<WarningKind>("kind", q.kind.as_deref())?,
        include_lifted,
        ..Filter::default()
    };
    if let Some(code) = q.town.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let region = regions::Entity::find()
            .filter(regions::Column::Code.eq(code))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found(&format!("行政区“{code}”"), &format!("region '{code}'")))?;
        filter.region_id = Some(region.id);
    }
    if let Some(code) = q.section.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let section = models::sections::find_by_code(&state.db, code)
            .await?
            .ok_or_else(|| ApiError::not_found(&format!("断面“{code}”"), &format!("section '{code}'")))?;
        filter.section_id = Some(section.section.id);
    }
    let limit = crate::extract::limit(q.limit, 100, 500)?;
    let after = match q.cursor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(c.parse::<i32>().ok().filter(|id| *id > 0).ok_or_else(|| {
            bad(
                "cursor",
                "invalid_cursor",
                "翻页游标无效，请使用上一页返回的 next".into(),
                "invalid cursor: pass the previous page's next".into(),
            )
        })?),
    };
    // One more than the page tells whether there is a next one.
    let mut rows = models::warnings::list(&state.db, &filter, after, limit + 1).await?;
    let next = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|w| w.id.to_string())
    });
    let levels = models::warnings::counts_by_level(&state.db, &filter).await?;

    let ids = |f: fn(&models::entities::warnings::Model) -> Option<i32>| -> Vec<i32> {
        let mut ids: Vec<i32> = rows.iter().filter_map(f).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let subjects = Subjects {
        sections: sections::Entity::find()
            .filter(sections::Column::Id.is_in(ids(|w| w.section_id)))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect(),
        regions: regions::Entity::find()
            .filter(regions::Column::Id.is_in(ids(|w| w.region_id)))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect(),
        devices: devices::Entity::find()
            .filter(devices::Column::Id.is_in(ids(|w| w.device_id)))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect(),
    };
    let warnings: Vec<WarningView> = rows.iter().map(|w| WarningView::new(w, &subjects)).collect();
    Ok(Json(WarningList {
        count: warnings.len(),
        levels: levels.into_iter().map(|(level, n)| (level.as_str(), n)).collect(),
        warnings,
        next: next.flatten(),
    }))
}
