//! `POST /api/v1/readings`: a batch of readings, stored all or nothing, judged, alerting.

use axum::Json;
use axum::extract::State;
use chrono::Utc;

use models::domain::Role;
use models::readings::{IngestError, Source};

use crate::auth::CurrentUser;
use crate::error::{ApiError, Detail};
use crate::extract;
use crate::state::AppState;
use crate::views::readings::{IngestResponse, parse_batch, unknown_section};

#[tracing::instrument(skip_all, fields(user = %user.user.username))]
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    extract::Json(body): extract::Json<serde_json::Value>,
) -> Result<Json<IngestResponse>, ApiError> {
    user.require(&[Role::Admin, Role::Bureau], "提交监测数据", "submit readings")?;
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

    let batch: Vec<_> = valid.into_iter().map(|(_, r)| r).collect();
    match models::readings::ingest(&state.db, &batch, Source::Api, now).await {
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
