//! `POST /api/v1/readings`: a batch of readings, stored all or nothing, judged, alerting.

use axum::Json;
use axum::extract::State;
use chrono::Utc;

use models::domain::authz::Grant;
use models::readings::{IngestError, Source};

use crate::auth::Access;
use crate::error::{ApiError, Detail, ErrorResponse};
use crate::extract;
use crate::state::AppState;
use crate::views::readings::{IngestResponse, parse_batch, unknown_section};

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
    let inputs = parse_batch(&body)?;
    let now = Utc::now();

    let mut details = Vec::new();
    let mut valid = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.into_iter().enumerate() {
        match input.and_then(|i| {
            i.validate(now).map_err(|ps| ps.into_iter().map(|p| Detail::from_problem(Some(index), p)).collect())
        }) {
            Ok(reading) => valid.push((index, reading)),
            Err(mut problems) => details.append(&mut problems),
        }
    }
    // Name unknown sections alongside the other problems, so one correction fixes the whole batch.
    let known = models::sections::find_by_codes(&state.db, valid.iter().map(|(_, r)| r.section.as_str())).await?;
    details.extend(
        valid.iter().filter(|(_, r)| !known.contains_key(&r.section)).map(|(i, r)| unknown_section(*i, &r.section)),
    );
    if !details.is_empty() {
        details.sort_by_key(|d| d.index);
        return Err(rejected(details));
    }
    // A station's key reaches its own section only.
    if let Grant::Section(allowed) = access.grant {
        let foreign: Vec<Detail> = valid
            .iter()
            .filter(|(_, r)| known.get(&r.section).is_some_and(|ctx| ctx.section.id != allowed))
            .map(|(i, r)| Detail {
                index: Some(*i),
                field: "section".into(),
                code: "section_not_allowed".into(),
                message: format!("该密钥无权提交断面“{}”的数据", r.section),
                message_en: format!("this key may not submit readings for section '{}'", r.section),
            })
            .collect();
        if !foreign.is_empty() {
            return Err(ApiError::Client {
                status: axum::http::StatusCode::FORBIDDEN,
                code: "forbidden",
                message: "该密钥只能提交其所属断面的数据，整批未保存".into(),
                message_en: "this key may submit readings for its own section only; nothing was stored".into(),
                details: foreign,
            });
        }
    }

    let batch: Vec<_> = valid.into_iter().map(|(_, r)| r).collect();
    let actor = crate::audit::actor(&access.auth);
    match models::readings::ingest(&state.db, &batch, Source::Api, actor, now).await {
        Ok(results) => {
            let response = IngestResponse::new(&batch, results, &known);
            tracing::info!(
                stored = response.stored,
                duplicates = response.duplicates,
                alerts_opened = response.alerts_opened,
                "readings submitted"
            );
            Ok(Json(response))
        }
        // A section removed between the check and the transaction.
        Err(IngestError::UnknownSections(unknown)) => {
            Err(rejected(unknown.iter().map(|(i, code)| unknown_section(*i, code)).collect()))
        }
        Err(IngestError::Db(e)) => Err(e.into()),
    }
}

fn rejected(details: Vec<Detail>) -> ApiError {
    let n = details.iter().filter_map(|d| d.index).collect::<std::collections::BTreeSet<_>>().len();
    ApiError::invalid(
        "invalid_readings",
        &format!("{n} 条监测数据有误，整批未保存"),
        &format!("{n} reading(s) are invalid; nothing in the batch was stored"),
        details,
    )
}
