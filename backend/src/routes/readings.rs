//! `POST /api/v1/readings`: a batch of readings, stored all or nothing, judged, alerting.

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
use crate::views::readings::{IngestResponse, parse_batch};

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
