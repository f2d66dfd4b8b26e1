//! HJ 212 devices (admin): `PUT /api/v1/devices/{mn}`, `GET /api/v1/devices`, `GET /api/v1/devices/events`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use models::devices::{Device, DeviceInput};

use crate::auth::Access;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::views::local_time;

/// A device's registration. Give `section` (a surface-water station) or `outfall` (an enterprise's
/// online monitor).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    pub section: Option<String>,
    pub outfall: Option<String>,
    /// The PW the device sends; `""` removes it; absent keeps the stored one. Never shown again.
    pub password: Option<String>,
    /// HJ 212 code → unit where the device does not use the code's default (`{"w20115": "mg/L"}`).
    #[serde(default)]
    pub units: BTreeMap<String, String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceView {
    pub mn: String,
    pub section: Option<String>,
    pub outfall: Option<String>,
    /// Whether a password is checked.
    pub password: bool,
    #[schema(value_type = Object)]
    pub units: serde_json::Value,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When its last message was taken, with its command and the address it came from.
    pub last_frame_at: Option<String>,
    pub last_cn: Option<String>,
    pub last_peer: Option<String>,
    /// Messages taken.
    pub frames: i64,
    /// `online` (a message within the hour), `silent` (none since), `never` (no message yet).
    pub state: &'static str,
}

impl From<&Device> for DeviceView {
    fn from(d: &Device) -> Self {
        let m = &d.model;
        let state = match m.last_frame_at {
            None => "never",
            Some(t) if Utc::now() - t <= chrono::TimeDelta::hours(1) => "online",
            Some(_) => "silent",
        };
        Self {
            mn: m.mn.clone(),
            section: d.section_code.clone(),
            outfall: d.outfall_code.clone(),
            password: m.password_digest.is_some(),
            units: m.units.as_deref().and_then(|u| serde_json::from_str(u).ok()).unwrap_or(serde_json::json!({})),
            note: m.note.clone(),
            created_at: local_time(m.created_at),
            updated_at: local_time(m.updated_at),
            last_frame_at: m.last_frame_at.map(local_time),
            last_cn: m.last_cn.clone(),
            last_peer: m.last_peer.clone(),
            frames: m.frames,
            state,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeviceList {
    pub count: usize,
    pub devices: Vec<DeviceView>,
}

/// Registers or changes a device (admin). 201 when new, 200 when changed.
#[utoipa::path(put, path = "/api/v1/devices/{mn}", tag = "devices", security(("bearer" = [])),
    params(("mn" = String, Path, description = "The device's MN")), request_body = DeviceRequest,
    responses((status = 201, body = DeviceView), (status = 200, body = DeviceView),
        (status = 422, body = ErrorResponse), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn put(
    State(state): State<AppState>,
    access: Access,
    Path(mn): Path<String>,
    extract::Json(body): extract::Json<DeviceRequest>,
) -> Result<(StatusCode, Json<DeviceView>), ApiError> {
    let input = DeviceInput {
        section: body.section,
        outfall: body.outfall,
        password: body.password,
        units: body.units,
        note: body.note,
    };
    let (device, created) = models::devices::put(&state.db, mn.trim(), input, access.auth.actor(), Utc::now()).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(DeviceView::from(&device))))
}

/// Every registered device with its last message and state (admin).
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = DeviceList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<DeviceList>, ApiError> {
    let devices: Vec<DeviceView> = models::devices::list(&state.db).await?.iter().map(DeviceView::from).collect();
    Ok(Json(DeviceList { count: devices.len(), devices }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only this device.
    pub mn: Option<String>,
    /// Events older than this id (paging back).
    pub before_id: Option<i32>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i32,
    pub at: String,
    pub mn: Option<String>,
    pub peer: String,
    /// `unknown_device`, `wrong_password`, `no_section`, `outfall_data_not_stored`, `no_data_time`,
    /// `items_not_stored`, `invalid_item`.
    pub kind: String,
    pub cn: Option<String>,
    pub detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub count: usize,
    pub events: Vec<EventView>,
}

/// What the receiver did not store as readings, and why, newest first (admin).
#[utoipa::path(get, path = "/api/v1/devices/events", tag = "devices", security(("bearer" = [])), params(EventsQuery),
    responses((status = 200, body = EventList), (status = 422, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn events(State(state): State<AppState>, Query(q): Query<EventsQuery>) -> Result<Json<EventList>, ApiError> {
    let limit = extract::limit(q.limit, 100, 1000)?;
    let events: Vec<EventView> = models::devices::events(&state.db, q.mn.as_deref(), q.before_id, limit)
        .await?
        .into_iter()
        .map(|e| EventView {
            id: e.id,
            at: local_time(e.at),
            mn: e.mn,
            peer: e.peer,
            kind: e.kind,
            cn: e.cn,
            detail: e.detail,
        })
        .collect();
    Ok(Json(EventList { count: events.len(), events }))
}
